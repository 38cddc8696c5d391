"""Two instances of the hosted agent on one database: tenants, tokens and suspension are shared.

The second instance runs beside the session network's ``hosted`` agent with the same secrets
(admin API key, JWT secret, store key) and the same PostgreSQL databases, on its own ports.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from netkit import Network

from ler_node.network.admin import AdminError
from ler_node.network.agents import AgentHome
from ler_node.network.hosting import Hosting
from ler_node.postgres import EmbeddedPostgres
from ler_node.processes import ProcessFiles, free_port

pytestmark = pytest.mark.e2e


@pytest.fixture
async def second(network: Network) -> AsyncIterator[Hosting]:
    """A second instance of the hosted agent, stopped after the test."""
    first = network.home("hosted").spec
    spec = first.model_copy(update={"admin_port": free_port(), "inbound_port": free_port()})
    home = AgentHome(network.data_dir, spec)
    files = ProcessFiles("second hosted", home.root / "second.pid", home.root / "second.log")
    postgres = EmbeddedPostgres(network.data_dir).connection()
    files.start(home.command(network.spec), env=home.environment(postgres), cwd=home.root)
    try:
        async with Hosting.of(home) as handle:
            await handle.admin.wait_for("/status/ready", lambda r: r.get("ready"), timeout=120)
            yield handle
    finally:
        await files.stop_async()


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
