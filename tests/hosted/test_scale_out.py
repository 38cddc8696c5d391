"""Two instances of the hosted agent on one database: tenants, tokens and suspension are shared.

The hosted agent with ``replicas: 2``: the launcher starts its second instance beside the session
network's ``hosted`` agent, with the same secrets (admin API key, JWT secret, store key) and the
same PostgreSQL databases, on its own ports and in its own HOME; ``network status`` shows both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from netkit import Network

from ler_node.network.admin import AdminError
from ler_node.network.agents import AgentHome
from ler_node.network.hosting import Hosting
from ler_node.network.launcher import network_status, start_agent
from ler_node.postgres import EmbeddedPostgres
from ler_node.processes import free_port

pytestmark = pytest.mark.e2e


@pytest.fixture
async def second(network: Network) -> AsyncIterator[Hosting]:
    """The second instance of the hosted agent, started by the launcher, stopped after the test."""
    hosted = network.home("hosted").spec.model_copy(
        update={"replicas": 2, "replica_ports": [(free_port(), free_port())]}
    )
    replica = hosted.instances()[1]
    home = AgentHome(network.data_dir, replica)
    spec = network.spec.model_copy(
        update={"agents": [hosted if a.id == "hosted" else a for a in network.spec.agents]}
    )
    postgres = EmbeddedPostgres(network.data_dir).connection()
    try:
        await start_agent(spec, home, Path(network.info.descriptor), lambda _m: None, postgres)
        status = await network_status(spec.only("hosted"), network.data_dir)
        parts = {p["part"]: p for p in status["parts"]}
        assert parts["agent hosted (holder)"]["healthy"], parts
        assert parts["agent hosted#2 (holder)"]["healthy"], parts
        assert str(replica.admin_port) in parts["agent hosted#2 (holder)"]["detail"]
        async with Hosting.of(home) as handle:
            yield handle
    finally:
        await home.process.stop_async()


async def test_two_instances_share_tenants_tokens_and_suspension(
    network: Network, second: Hosting
) -> None:
    async with Hosting.of(network.home("hosted")) as first:
        made_here = await first.create("Made on the first")
        made_there = await second.create("Made on the second")
        for handle in (first, second):
            ids = {t["wallet_id"] for t in await handle.list()}
            assert {made_here.wallet_id, made_there.wallet_id} <= ids
        # a token issued by one instance works on the other
        async with second.as_tenant(made_here) as client:
            assert (await client.post("/wallet/did/create", {"method": "key"}))["result"]
        async with first.as_tenant(made_there) as client:
            assert (await client.get("/wallet/did"))["results"] == []
        # a suspension on one instance holds on the other at once
        await first.suspend(made_there.wallet_id)
        async with second.as_tenant(made_there) as client:
            with pytest.raises(AdminError) as caught:
                await client.get("/wallet/did")
            assert caught.value.status == 401
        for tenant in (made_here, made_there):
            await second.delete(tenant.wallet_id)
        assert not {made_here.wallet_id, made_there.wallet_id} & {
            t["wallet_id"] for t in await first.list()
        }
