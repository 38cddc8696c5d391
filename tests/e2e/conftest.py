"""End-to-end tests share the session's network (``network`` in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from netkit import Network

from ler_node.network.admin import AdminClient


@pytest.fixture
async def admins(network: Network) -> AsyncIterator[dict[str, AdminClient]]:
    """Admin clients of every agent, closed after the test."""
    clients = {agent.id: network.admin(agent.id) for agent in network.spec.agents}
    yield clients
    for client in clients.values():
        await client.close()
