"""Fixtures for a test module of one of ler_ledger's speed-ups: ACA-Py's methods, or ours.

A plugin test earlier in the same worker may have set ler_ledger up, which turns the speed-ups
on for the whole process; these put the process back as they found it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import ModuleType

import pytest

from ler_ledger.acapy_patches import replaced


def speedup_fixtures(
    speedup: ModuleType, owner: object, name: str
) -> tuple[Callable[[], Iterator[None]], Callable[[], Iterator[None]]]:
    """``acapys_own_first`` (autouse) and ``installed``, to bind under those names.

    ``acapys_own_first``: each test starts from ACA-Py's methods (``owner.name`` tells whether
    ``speedup`` was on before), and the process is put back as found. ``installed``: ``speedup``
    on during the test.
    """

    @pytest.fixture(autouse=True)
    def acapys_own_first() -> Iterator[None]:
        was_on = replaced(owner, name)
        speedup.uninstall()
        try:
            yield
        finally:
            speedup.uninstall()
            if was_on:
                speedup.install()

    @pytest.fixture
    def installed() -> Iterator[None]:
        assert speedup.install()
        try:
            yield
        finally:
            speedup.uninstall()

    return acapys_own_first, installed
