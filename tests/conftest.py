"""Shared fixtures, per test session: a real anvil ledger with the contracts deployed, and one
network of real processes (ledger, tails server, ACA-Py agents) for every end-to-end test.

The layers: a test that needs neither is a unit test (``make test-fast``: ``-m "not ledger and
not e2e"``); one that needs the ``ledger`` fixture is marked ``ledger`` here, automatically; one
that runs real agents is marked ``e2e`` by its module (the ``network`` fixture marks it too).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from netkit import Boot, Network, WebhookSink
from worker_plan import (
    PLAN_KEY,
    PlannedScheduling,
    plan_file,
    slow_first,
    this_worker_is_networkless,
    write_plan,
)

from ler_chain import LedgerClient, LocalSigner, NetworkDescriptor
from ler_node import processes
from ler_node.ledger import keystore
from ler_node.ledger.local import LedgerHome, LedgerUp, ledger_down
from ler_node.network.launcher import start_ledger
from ler_node.network.spec import NetworkSpec
from ler_node.processes import PORT_RANGE_ENV

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# Under `pytest -n N` each worker picks its servers' ports from its own share of the range, so
# no worker takes a port another's network owns while one of its parts restarts.
if (worker := os.environ.get("PYTEST_XDIST_WORKER")) and PORT_RANGE_ENV not in os.environ:
    _ports = processes.server_ports()
    _count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    _share = len(_ports) // max(_count, 1)
    if _share > 1000:
        _low = _ports.start + int(worker.removeprefix("gw")) * _share
        os.environ[PORT_RANGE_ENV] = f"{_low}-{_low + _share - 1}"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """The vendored public test data (``tests/fixtures``; origins in its SOURCES.md)."""
    if not FIXTURES.is_dir():
        pytest.fail(f"the vendored test data is missing at {FIXTURES}: restore tests/fixtures")
    return FIXTURES


# eth-account's keystore work factor (scrypt n = 2**18) costs a second of CPU per key made or
# opened, and every ledger start, network bootstrap and trustee command of the suite opens one.
# Keys this process makes (test ledgers' trustees) use a small one; decrypting reads n from the
# file, so every later use of those keys, in this process or a `ler-node` it runs, is cheap too.
TEST_SCRYPT_N = 2**12


class _TestKeystores(Account):
    """``Account`` whose keystores default to :data:`TEST_SCRYPT_N`."""

    @classmethod
    def encrypt(
        cls, private_key: Any, password: str, kdf: Any = None, iterations: int | None = None
    ) -> dict[str, Any]:
        return super().encrypt(private_key, password, kdf, iterations or TEST_SCRYPT_N)


@pytest.fixture(scope="session", autouse=True)
def _cheap_test_keystores() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(keystore, "Account", _TestKeystores)
        yield


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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the layers: ``ledger`` (a real anvil) and ``e2e`` (real agents); slow modules first.

    By the fixtures a test uses and what it calls, so the unit layer (``make test-fast``) is what
    is left; ``make test-fast`` also hides anvil (LER_ANVIL), so a test that starts one anyway
    fails there, saying anvil is missing, until it is marked. Under ``pytest -n`` the workers
    also tell the scheduler which modules use the session network (tests/worker_plan.py).
    """
    slow_first(items)
    write_plan(config, items, uses_the_network)
    for item in items:
        needs = set(getattr(item, "fixturenames", ()))
        if "network" in needs:
            item.add_marker(pytest.mark.e2e)
        if "ledger" in needs or starts_a_ledger(item):
            item.add_marker(pytest.mark.ledger)


def pytest_configure_node(node: Any) -> None:
    """(controller) Where the workers write which modules use the session network."""
    node.workerinput[PLAN_KEY] = str(plan_file(node.config))


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """(controller) loadscope, slow modules first, the last of 3+ workers without a network."""
    return PlannedScheduling(config, log) if config.getoption("dist") == "loadscope" else None


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
def webhooks() -> Iterator[WebhookSink]:
    """A controller endpoint on 127.0.0.1 that records the webhooks agents send."""
    sink = WebhookSink()
    sink.serve()
    yield sink
    sink.close()


def uses_the_network(item: pytest.Item) -> bool:
    """Whether a test runs on the session's network."""
    return "network" in getattr(item, "fixturenames", ())


def _boot_network(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Boot]:
    """Start booting the session's network; stop it when the fixture ends."""
    webhooks: WebhookSink = request.getfixturevalue("webhooks")
    data_dir = tmp_path_factory.mktemp("ler-network")
    home = LedgerHome.in_data_dir(data_dir)
    keystore.load_or_create_key(home.key_file, home.password_file)
    boot = Boot.start(data_dir, webhooks)
    try:
        yield boot
    finally:
        boot.stop()


@pytest.fixture(scope="session", autouse=True)
def _network_boot(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    _cheap_test_keystores: None,
) -> Iterator[Boot | None]:
    """The session's network, starting with the session if any test runs on it.

    It boots in a process of its own while the tests before the first end-to-end test run; its
    ledger's trustee key is made here first, with the session's small keystore work factor.
    Under ``pytest -n`` (``make test``) each worker boots one and runs its share of the
    end-to-end tests on it: they are most of the suite's time, so a network per worker beats one
    worker running them all (measured in the notes on issue #9). The last of three or more
    workers boots none: it is given only tests that do not use it (tests/worker_plan.py).
    """
    if this_worker_is_networkless() or not any(
        uses_the_network(item) for item in request.session.items
    ):
        yield None
        return
    yield from _boot_network(request, tmp_path_factory)


@pytest.fixture(scope="session")
def _network_boot_late(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    _cheap_test_keystores: None,
) -> Iterator[Boot]:
    """The session's network, booted when a test first needs it (a worker that booted none)."""
    yield from _boot_network(request, tmp_path_factory)


@pytest.fixture(scope="session")
async def network(_network_boot: Boot | None, request: pytest.FixtureRequest) -> Network:
    """The session's network, up once for every end-to-end test; every process stopped after.

    Its network file is kept in the data directory, so ``ler-node network ... --data-dir`` works
    on it as on any network ``ler-node network up`` started.
    """
    boot = _network_boot or request.getfixturevalue("_network_boot_late")
    return await boot.network()
