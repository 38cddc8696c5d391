"""ACA-Py's settings copied as the dictionary they hold.

Every ACA-Py session and injection scope starts with its own copy of the agent's settings
(``InjectionContext.copy`` makes ``Injector(settings)``, which makes ``Settings(settings)``):
about 120 per flow on the learner. ACA-Py 1.7's ``Settings`` copies another ``Settings``
through the mapping protocol, two Python calls per setting, about 34 µs for 150 settings.
Here a ``Settings`` made from a ``Settings`` (that class exactly) copies its dictionary: the
same items in the same order, in about 2 µs. Any other mapping is copied as ACA-Py does.

Plugin config ``ler.settings_copy: false`` keeps ACA-Py's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from acapy_agent.config.settings import Settings

from .acapy_patches import Patch, install_all, restore_all


def _copying(original: Callable[..., None]) -> Callable[..., None]:
    def __init__(self: Settings, values: Mapping[str, Any] | None = None) -> None:
        """ACA-Py's ``Settings.__init__``; another ``Settings``'s dictionary copied at once."""
        if type(values) is Settings:
            self._values = dict(values._values)
        else:
            original(self, values)

    return __init__


PATCHES: tuple[Patch, ...] = ((Settings, "__init__", _copying),)


def install(on: bool = True) -> bool:
    """Copy settings dictionaries (ACA-Py patched once per process) if ``on``; whether it does."""
    return install_all(PATCHES, on, "settings are copied one by one, as ACA-Py does")


def uninstall() -> None:
    """Put ACA-Py's method back (tests compare both)."""
    restore_all(PATCHES)
