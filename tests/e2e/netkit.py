"""Handles on a running test network."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ler_node.network.admin import AdminClient
from ler_node.network.agents import AgentHome
from ler_node.network.launcher import NetworkInfo, connect
from ler_node.network.spec import NetworkSpec


@dataclass
class Network:
    """A running network and handles on it."""

    spec: NetworkSpec
    data_dir: Path
    info: NetworkInfo
    stale_pin: Path
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
