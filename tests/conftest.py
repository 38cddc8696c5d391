"""Shared fixtures: a real anvil ledger with the contracts deployed, per test session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ler_chain import LedgerClient, LocalSigner, NetworkDescriptor
from ler_node.ledger.local import LedgerHome, LedgerUp, ledger_down, ledger_up
from ler_node.processes import free_port

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared reference data (../shared), which tests may read."""
    if not SHARED.is_dir():
        pytest.fail(f"shared reference data not found at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
async def ledger(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LedgerUp]:
    """anvil on a free port with the contracts deployed; stopped after the session."""
    data_dir = tmp_path_factory.mktemp("ler-data")
    up = await ledger_up(data_dir, free_port(), progress=lambda _m: None)
    try:
        yield up
    finally:
        ledger_down(data_dir)


@pytest.fixture(scope="session")
def descriptor(ledger: LedgerUp) -> NetworkDescriptor:
    """The test network's descriptor."""
    return ledger.descriptor


@pytest.fixture(scope="session")
def trustee(ledger: LedgerUp) -> LocalSigner:
    """The first trustee (also an ENDORSER)."""
    return LedgerHome(ledger.descriptor_file.parent).trustee()


@pytest.fixture
async def state_client(
    descriptor: NetworkDescriptor, trustee: LocalSigner
) -> AsyncIterator[LedgerClient]:
    """A client signing as the first trustee (TRUSTEE + ENDORSER)."""
    async with LedgerClient(descriptor, trustee) as client:
        yield client
