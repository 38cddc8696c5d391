"""The test session's network of real processes, and handles on it.

One network serves every end-to-end test (tests/e2e, tests/badges/test_e2e_badges.py and the
CLI test): the local network (``ledger_config/networks/local.yml``) on free ports, with its
second college renamed ``rival`` and a dishonest holder, ``mallory``, that hides revocations.
Tests that change what others read (policies, roles, pins) put it back before they end.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from aiohttp import web

from ler_node.ledger.local import ledger_down
from ler_node.network.admin import AdminClient
from ler_node.network.agents import AgentHome
from ler_node.network.launcher import NetworkInfo, connect, tails_process
from ler_node.network.spec import NetworkSpec

E2E = Path(__file__).resolve().parent / "e2e"
SPEC_COPY = "network-spec.yml"  # where `ler-node network up --data-dir` finds the network file


@dataclass
class WebhookSink:
    """Records webhooks: (agent id, topic, payload), in arrival order."""

    url: str = ""
    received: list[tuple[str, str, dict]] = field(default_factory=list)

    def app(self) -> web.Application:
        """The receiving web app: POST /<agent>/topic/<topic>/."""
        app = web.Application()
        app.router.add_post("/{agent}/topic/{topic}/", self._receive)
        return app

    async def _receive(self, request: web.Request) -> web.Response:
        payload = await request.json()
        self.received.append((request.match_info["agent"], request.match_info["topic"], payload))
        return web.Response(status=200)

    def of(self, agent: str, topic: str) -> list[dict]:
        """Payloads one agent sent on one topic."""
        return [p for a, t, p in self.received if a == agent and t == topic]


EXCHANGE_TIMEOUT = 30


def session_spec(stale_pin: Path, webhooks: str) -> NetworkSpec:
    """The local network on free ports, its second college as ``rival``, plus ``mallory``.

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
                "name": "Mallory",
                "extra_args": ["--plugin", "stale_holder"],
                "env": {"PYTHONPATH": str(E2E), "LER_TEST_STALE_PIN": str(stale_pin)},
            }
        )
    )
    for agent in agents:
        if agent.role == "issuer":
            agent.extra_args = ["--webhook-url", f"{webhooks}/{agent.id}"]
        # exchanges a killed agent interrupted end within a test's patience (e2e/test_faults)
        agent.extra_args = [*agent.extra_args, "-o", f"ler.exchange_timeout={EXCHANGE_TIMEOUT}"]
    return local.model_copy(update={"agents": agents}).on_free_ports()


def save_spec(spec: NetworkSpec, data_dir: Path) -> None:
    """Keep the network file in the data directory, as `ler-node network up --config` does."""
    (data_dir / SPEC_COPY).write_text(yaml.safe_dump(spec.model_dump(mode="json")), "utf-8")


async def stop_network(spec: NetworkSpec, data_dir: Path) -> None:
    """Stop every process of the network (agents together), without blocking the event loop."""
    homes = [AgentHome(data_dir, agent) for agent in spec.agents]
    await asyncio.gather(*(home.process.stop_async() for home in homes))
    await tails_process(data_dir).stop_async()
    await asyncio.to_thread(ledger_down, data_dir)


@dataclass
class Network:
    """A running network and handles on it."""

    spec: NetworkSpec
    data_dir: Path
    info: NetworkInfo
    stale_pin: Path
    webhooks: WebhookSink | None = None
    links: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)

    def home(self, agent_id: str) -> AgentHome:
        """One agent's files."""
        return AgentHome(self.data_dir, next(a for a in self.spec.agents if a.id == agent_id))

    def admin(self, agent_id: str) -> AdminClient:
        """One agent's admin API."""
        return self.home(agent_id).admin()

    def did(self, agent_id: str) -> str:
        """An agent's public DID."""
        did = self.info.agent(agent_id).did
        assert did, f"{agent_id} has no public DID"
        return did

    async def connection(
        self, admins: dict[str, AdminClient], inviter: str, invitee: str
    ) -> tuple[str, str]:
        """A connection between two agents, made once per session: (inviter's, invitee's) ids."""
        key = (inviter, invitee)
        if key not in self.links:
            self.links[key] = await connect(admins[inviter], admins[invitee], invitee)
        return self.links[key]


async def held_request(state: AdminClient, thread_id: str) -> dict:
    """The endorser's record of the request on ``thread_id``, once it holds it for a person."""

    def held(records: dict) -> list[dict]:
        return [
            x for x in records["results"] if x["thread_id"] == thread_id and x["state"] == "pending"
        ]

    pending = await state.wait_for(
        "/ler/endorsement/requests?role=endorser", held, what="the held request"
    )
    return held(pending)[0]
