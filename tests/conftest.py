"""Shared fixtures, per test session: a real anvil ledger with the contracts deployed, and one
network of real processes (ledger, tails server, ACA-Py agents) for every end-to-end test.

The layers: a test that needs neither is a unit test (``make test-fast``: ``-m "not ledger and
not e2e"``); one that needs the ``ledger`` fixture is marked ``ledger`` here, automatically; one
that runs real agents is marked ``e2e`` by its module (the ``network`` fixture marks it too).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from netkit import Network, WebhookSink, save_spec, session_spec, stop_network

from ler_chain import LedgerClient, LocalSigner, NetworkDescriptor
from ler_node.ledger.local import LedgerHome, LedgerUp, ledger_down
from ler_node.network.launcher import network_up, start_ledger
from ler_node.network.spec import NetworkSpec

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """The vendored public test data (``tests/fixtures``; origins in its SOURCES.md)."""
    if not FIXTURES.is_dir():
        pytest.fail(f"the vendored test data is missing at {FIXTURES}: restore tests/fixtures")
    return FIXTURES


def quiet(_message: str) -> None:
    """Progress messages of the launcher, not shown."""


# What a test calls to start a ledger of its own (else the `ledger` fixture gives it the session's).
STARTS_A_LEDGER = {"own_ledger", "ledger_up", "start_ledger", "start_anvil", "anvil_binary"}


def starts_a_ledger(item: pytest.Item) -> bool:
    """Whether the test function calls what starts anvil, or runs `ler-node ledger up`."""
    code = getattr(getattr(item, "function", None), "__code__", None)
    if code is None:
        return False
    strings = {c for c in code.co_consts if isinstance(c, str)}
    return bool(STARTS_A_LEDGER & set(code.co_names)) or {"ledger", "up"} <= strings


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the layers: ``ledger`` (a real anvil) and ``e2e`` (real agents).

    By the fixtures a test uses and what it calls, so the unit layer (``make test-fast``) is what
    is left; ``make test-fast`` also hides anvil (LER_ANVIL), so a test that starts one anyway
    fails there, saying anvil is missing, until it is marked.
    """
    for item in items:
        needs = set(getattr(item, "fixturenames", ()))
        if "network" in needs:
            item.add_marker(pytest.mark.e2e)
        if "ledger" in needs or starts_a_ledger(item):
            item.add_marker(pytest.mark.ledger)


@pytest.fixture(scope="session")
async def ledger(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LedgerUp]:
    """anvil on a free port with the contracts deployed; stopped after the session."""
    data_dir = tmp_path_factory.mktemp("ler-data")
    up = await start_ledger(NetworkSpec.load().on_free_ports(), data_dir, quiet)
    try:
        yield up
    finally:
        await asyncio.to_thread(ledger_down, data_dir)


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


@pytest.fixture(scope="session")
async def webhooks() -> AsyncIterator[WebhookSink]:
    """A controller endpoint on 127.0.0.1 that records the webhooks agents send."""
    sink = WebhookSink()
    runner = web.AppRunner(sink.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)  # the port it binds is the one it reports
    await site.start()
    host, port = runner.addresses[0][:2]
    sink.url = f"http://{host}:{port}"
    yield sink
    await runner.cleanup()


@pytest.fixture(scope="session")
async def network(
    tmp_path_factory: pytest.TempPathFactory, webhooks: WebhookSink
) -> AsyncIterator[Network]:
    """The session's network, up once for every end-to-end test; every process stopped after.

    Its network file is kept in the data directory, so ``ler-node network ... --data-dir`` works
    on it as on any network ``ler-node network up`` started.
    """
    data_dir = tmp_path_factory.mktemp("ler-network")
    stale_pin = data_dir / "stale-pin"
    spec = session_spec(stale_pin, webhooks.url)
    try:
        info = await network_up(spec, data_dir, progress=quiet)
        save_spec(spec, data_dir)  # after network_up, which moves a part whose port was taken
        yield Network(spec, data_dir, info, stale_pin, webhooks=webhooks)
    finally:
        await stop_network(spec, data_dir)
