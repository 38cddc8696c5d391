"""Running a test with ACA-Py's own methods, or with one of ler_ledger's speed-ups on.

A plugin test earlier in the same worker may have set ler_ledger up, which turns the speed-ups
on for the whole process; these put the process back as they found it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

from ler_ledger.acapy_patches import replaced


@contextmanager
def acapys_own(speedup: ModuleType, owner: type, name: str) -> Iterator[None]:
    """ACA-Py's methods during the block (``owner.name`` tells whether ``speedup`` was on)."""
    was_on = replaced(owner, name)
    speedup.uninstall()
    try:
        yield
    finally:
        speedup.uninstall()
        if was_on:
            speedup.install()


@contextmanager
def turned_on(speedup: ModuleType) -> Iterator[None]:
    """``speedup`` on during the block."""
    assert speedup.install()
    try:
        yield
    finally:
        speedup.uninstall()
