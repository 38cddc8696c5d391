"""ACA-Py's list routes under many callers at once: the hosted agent answers every one.

Each of ACA-Py 1.7's paginated list routes holds a wallet session while its scan takes a second
connection from the same pool, so as many list calls at once as the pool has connections stall
the wallet until askar's 10 s session timeout (ler_ledger.list_routes). The session network's
hosted agent keeps its tenants in one PostgreSQL store with a pool of 10.
"""

from __future__ import annotations

import asyncio

import pytest
from netkit import Network

from ler_ledger.list_routes import LIST_ROUTES, list_calls_at_once, pool_size
from ler_node.network.hosting import Hosting


def test_list_calls_take_at_most_half_the_pool() -> None:
    assert pool_size({"wallet.storage_config": '{"url": "db:5432", "max_connections": 10}'}) == 10
    assert pool_size({"wallet.storage_config": {"max_connections": "4"}}) == 4
    assert pool_size({}) >= 2  # askar's own default for a SQLite file
    assert pool_size({"wallet.storage_config": "not json"}) == pool_size({})
    assert [list_calls_at_once(n) for n in (1, 2, 4, 10, 11)] == [1, 1, 2, 5, 5]
    assert "/present-proof-2.0/records" in LIST_ROUTES and "/connections" in LIST_ROUTES


@pytest.mark.e2e
async def test_forty_tenant_list_calls_at_once_all_answer(network: Network) -> None:
    async with Hosting.of(network.home("hosted")) as hosting:
        tenant = await hosting.create("Lee Many Tabs")
        try:
            async with hosting.as_tenant(tenant) as client:
                paths = ["/present-proof-2.0/records", "/connections"] * 20
                answers = await asyncio.wait_for(
                    asyncio.gather(*(client.get(path) for path in paths)), 30
                )
        finally:
            await hosting.delete(tenant.wallet_id)
    assert [a["results"] for a in answers] == [[]] * 40
