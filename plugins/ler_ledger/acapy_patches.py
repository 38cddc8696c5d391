"""Replacing attributes of ACA-Py's classes (or modules) once per process, and putting them back.

The speed-ups (:mod:`.schema_reuse`, :mod:`.stored_records`, :mod:`.session_reuse`,
:mod:`.outbound_env`, :mod:`.inline_pack`, :mod:`.didcomm_keys`, :mod:`.record_saves`,
:mod:`.settings_copy`) and the tenants' exchange index (:mod:`.tenant_exchanges`) change how
ACA-Py works inside our agents. Each replacement is made once, keeps the original (as found in
the owner's ``__dict__``: a classmethod stays a classmethod object; an inherited method as the
base class gives it) and can be undone, so tests compare ACA-Py's behaviour with ours in one
process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

LOGGER = logging.getLogger(__name__)

#: a replacement: owner, attribute name, and what makes ours from ACA-Py's original
Patch = tuple[object, str, Callable[[Any], Any]]

_originals: dict[tuple[object, str], Any] = {}
_INHERITED = object()  # the original came from a base class: restoring removes ours


def replace(owner: object, name: str, make: Callable[[Any], Any]) -> None:
    """Set ``owner.name`` to ``make(original)``, unless it was replaced already."""
    key = (owner, name)
    if key not in _originals:
        original = owner.__dict__.get(name, _INHERITED)
        _originals[key] = original
        setattr(owner, name, make(getattr(owner, name) if original is _INHERITED else original))


def replaced(owner: object, name: str) -> bool:
    """Whether ``owner.name`` is ours now."""
    return (owner, name) in _originals


def restore(owner: object, name: str) -> None:
    """Put ACA-Py's ``owner.name`` back (nothing if it was not replaced)."""
    original = _originals.pop((owner, name), None)
    if original is _INHERITED:
        delattr(owner, name)
    elif original is not None:
        setattr(owner, name, original)


def install_all(patches: Sequence[Patch], on: bool, off: str) -> bool:
    """Make every replacement of a speed-up if ``on`` (else log ``off``); whether they are made."""
    if not on:
        LOGGER.info(off)
        return False
    for owner, name, make in patches:
        replace(owner, name, make)
    return True


def restore_all(patches: Sequence[Patch]) -> None:
    """Put ACA-Py's attributes of a speed-up back."""
    for owner, name, _ in patches:
        restore(owner, name)
