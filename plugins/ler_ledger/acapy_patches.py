"""Replacing attributes of ACA-Py classes once per process, and putting them back.

The speed-ups of :mod:`.schema_reuse` and :mod:`.stored_records` change how ACA-Py's own
classes work inside our agents. Each replacement is made once, keeps the original (as found in
the class's ``__dict__``: a classmethod stays a classmethod object) and can be undone, so tests
compare ACA-Py's behaviour with ours in one process.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_originals: dict[tuple[type, str], Any] = {}


def replace(owner: type, name: str, make: Callable[[Any], Any]) -> None:
    """Set ``owner.name`` to ``make(original)``, unless it was replaced already."""
    key = (owner, name)
    if key not in _originals:
        _originals[key] = owner.__dict__[name]
        setattr(owner, name, make(_originals[key]))


def replaced(owner: type, name: str) -> bool:
    """Whether ``owner.name`` is ours now."""
    return (owner, name) in _originals


def restore(owner: type, name: str) -> None:
    """Put ACA-Py's ``owner.name`` back (nothing if it was not replaced)."""
    original = _originals.pop((owner, name), None)
    if original is not None:
        setattr(owner, name, original)
