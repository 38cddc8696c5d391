"""Fixtures for a test module of one of ler_ledger's speed-ups: ACA-Py's methods, or ours.

A plugin test earlier in the same worker may have set ler_ledger up, which turns the speed-ups
on for the whole process; these put the process back as they found it. Whether a speed-up is on
is read from its first replacement (``PATCHES[0]``): it makes all of them or none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType

import pytest

from ler_ledger.acapy_patches import replaced


@contextmanager
def as_found(speedup: ModuleType) -> Iterator[None]:
    """After the block, ``speedup`` is on again if it was on before it, else off."""
    owner, name, _ = speedup.PATCHES[0]
    was_on = replaced(owner, name)
    try:
        yield
    finally:
        speedup.uninstall()
        if was_on:
            speedup.install()


def turned_on(speedup: ModuleType) -> Callable[[], Iterator[None]]:
    """A fixture: ``speedup`` on during the test, then as it was found."""

    @pytest.fixture
    def installed() -> Iterator[None]:
        with as_found(speedup):
            assert speedup.install()
            yield

    return installed


def speedup_fixtures(
    speedup: ModuleType,
) -> tuple[Callable[[], Iterator[None]], Callable[[], Iterator[None]]]:
    """``acapys_own_first`` (autouse: each test starts from ACA-Py's methods) and ``installed``
    (:func:`turned_on`), to bind under those names."""

    @pytest.fixture(autouse=True)
    def acapys_own_first() -> Iterator[None]:
        with as_found(speedup):
            speedup.uninstall()
            yield

    return acapys_own_first, turned_on(speedup)
