"""A whole local LER network for end-to-end tests: anvil, tails server, ACA-Py agents."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from netkit import Network, WebhookSink

from ler_node.network.admin import AdminClient
from ler_node.network.launcher import network_down, network_up
from ler_node.network.spec import NetworkSpec
from ler_node.processes import free_port

HERE = Path(__file__).resolve().parent


def local_spec(stale_pin: Path, webhooks: str) -> NetworkSpec:
    """The local network on free ports: its second college as a rival, plus a dishonest holder.

    The colleges send their webhooks to ``webhooks``/<agent id>.
    """
    local = NetworkSpec.load()
    rival = next(a for a in local.agents if a.id == "tech-institute")
    agents = [a for a in local.agents if a is not rival]
    agents.append(rival.model_copy(update={"id": "rival"}))
    learner = next(a for a in local.agents if a.role == "holder")
    agents.append(
        learner.model_copy(
            update={
                "id": "mallory",
                "name": "A holder hiding a revocation",
                "extra_args": ["--plugin", "stale_holder"],
                "env": {"PYTHONPATH": str(HERE), "LER_TEST_STALE_PIN": str(stale_pin)},
            }
        )
    )
    for agent in agents:
        if agent.role == "issuer":
            agent.extra_args = ["--webhook-url", f"{webhooks}/{agent.id}"]
    return local.model_copy(update={"agents": agents}).on_free_ports()


@pytest.fixture(scope="session")
def network_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The network's data directory."""
    return tmp_path_factory.mktemp("ler-network")


@pytest.fixture(scope="session")
async def webhooks() -> AsyncIterator[WebhookSink]:
    """A controller endpoint on 127.0.0.1 that records the webhooks agents send."""
    sink = WebhookSink()
    runner = web.AppRunner(sink.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", free_port())
    await site.start()
    sink.url = site.name
    yield sink
    await runner.cleanup()


@pytest.fixture(scope="session")
async def network(network_dir: Path, webhooks: WebhookSink) -> AsyncIterator[Network]:
    """Bring the network up once for the e2e tests; stop every process afterwards."""
    stale_pin = network_dir / "stale-pin"
    spec = local_spec(stale_pin, webhooks.url)
    try:
        info = await network_up(spec, network_dir, progress=lambda _m: None)
        yield Network(spec, network_dir, info, stale_pin, webhooks=webhooks)
    finally:
        network_down(spec, network_dir, progress=lambda _m: None)


@pytest.fixture
async def admins(network: Network) -> AsyncIterator[dict[str, AdminClient]]:
    """Admin clients of every agent, closed after the test."""
    clients = {agent.id: network.admin(agent.id) for agent in network.spec.agents}
    yield clients
    for client in clients.values():
        await client.close()
