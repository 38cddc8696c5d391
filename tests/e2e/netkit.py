"""Handles on a running test network."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from ler_node.network.admin import AdminClient
from ler_node.network.agents import AgentHome
from ler_node.network.launcher import NetworkInfo, connect
from ler_node.network.spec import NetworkSpec


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
