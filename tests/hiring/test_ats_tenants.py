"""A hosted agent's tenants' ATS deliveries: one worker serves all, resumed after a restart.

The wallets are real askar profiles (ACA-Py's in-memory askar store); what stands in for ACA-Py's
multitenant manager is only the lookup of a tenant's profile by wallet id (in the agent,
ler_badges' ``ExchangeDirectory.tenant``). A restart is a new delivery queue started by the
plugin's startup hook, knowing nothing but what the wallets hold: the root wallet names each
tenant with deliveries queued.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from acapy_agent.config.settings import Settings
from acapy_agent.core.profile import Profile
from acapy_agent.utils.testing import create_test_profile

from ler_badges.acapy.config import BadgesConfig
from ler_badges.acapy.service import BadgesService
from ler_hiring import routes, store
from ler_hiring.ats_delivery import AtsDeliveries

from .test_ats import Ats, ats, config, secret_file, until  # noqa: F401 (fixtures)


@pytest_asyncio.fixture(loop_scope="function")
async def hosted() -> AsyncIterator[tuple[Profile, dict[str, Profile]]]:
    """The agent's own wallet and two tenants' wallets, found by wallet id as ler_badges does."""
    root = await create_test_profile()
    tenants = {w: await create_test_profile({"wallet.id": w}) for w in ("tenant-a", "tenant-b")}
    service = BadgesService(BadgesConfig.from_settings(Settings({})))
    service.exchanges.root = root

    async def open_tenant(wallet_id: str) -> Profile | None:
        return tenants.get(wallet_id)

    service.exchanges.tenant = open_tenant  # type: ignore[method-assign]
    for profile in (root, *tenants.values()):
        profile.context.injector.bind_instance(BadgesService, service)
    yield root, tenants
    for profile in (root, *tenants.values()):
        await profile.close()


@pytest.mark.asyncio(loop_scope="function")
async def test_tenants_deliveries_left_queued_are_resumed_after_a_restart(
    ats: Ats,  # noqa: F811
    secret_file: Path,  # noqa: F811
    hosted: tuple[Profile, dict[str, Profile]],
) -> None:
    root, tenants = hosted

    async def open_tenant(wallet_id: str) -> Profile | None:
        return tenants.get(wallet_id)

    # first run: the ATS cannot take them; each tenant's report is queued in its own wallet
    down = config(ats.url.replace("/hook", "/nowhere"), secret_file, max_attempts=100)
    first = AtsDeliveries(down, poll=0.05)
    queued = {}
    for wallet_id, profile in tenants.items():
        kept = store.deliveries_of(profile)  # what the admin routes keep a tenant's in
        assert isinstance(kept, store.TenantDeliveries) and kept.key == wallet_id
        queued[wallet_id] = await first.enqueue(kept, {"report": {"tenant": wallet_id}})
    for wallet_id, delivery in queued.items():
        kept = store.WalletDeliveries(tenants[wallet_id])
        await until(lambda k=kept, d=delivery: _attempted(k, d["delivery_id"]), "an attempt")
    await first.stop()
    assert await store.load_all(root, store.DELIVERY) == []  # not in the agent's own wallet

    # restart: the plugin's startup hook, with a new queue
    resumed = await store.queued_tenants(root, open_tenant)
    assert sorted(t.key for t in resumed) == sorted(tenants)
    second = AtsDeliveries(config(ats.url, secret_file), poll=0.05)
    root.context.injector.bind_instance(AtsDeliveries, second)
    await routes._on_startup(root, None)
    try:
        for wallet_id, delivery in queued.items():
            kept = store.WalletDeliveries(tenants[wallet_id])
            await until(lambda k=kept, d=delivery: _delivered(k, d["delivery_id"]), "delivery")
        await until(_no_tenant_named(root, open_tenant), "the root wallet forgets the tenants")
    finally:
        await second.stop()
    got = sorted((body["report"]["tenant"], delivery_id) for body, delivery_id, _ in ats.received)
    assert got == sorted((w, d["delivery_id"]) for w, d in queued.items())


@pytest.mark.asyncio(loop_scope="function")
async def test_a_tenant_that_is_gone_is_forgotten(
    hosted: tuple[Profile, dict[str, Profile]],
) -> None:
    root, _tenants = hosted
    await store.save(root, store.PENDING_TENANT, "deleted", {"wallet_id": "deleted"})

    async def nobody(_wallet_id: str) -> Profile | None:
        return None

    [gone] = await store.queued_tenants(root, nobody)
    assert await gone.queued() == []
    assert await store.queued_tenants(root, nobody) == []


async def _attempted(kept: store.WalletDeliveries, key: str) -> dict | None:
    delivery = await kept.load(key)
    return delivery if delivery["attempts"] else None


async def _delivered(kept: store.WalletDeliveries, key: str) -> dict | None:
    delivery = await kept.load(key)
    return delivery if delivery["state"] == "delivered" else None


def _no_tenant_named(root: Profile, open_tenant):
    async def check() -> bool:
        return await store.queued_tenants(root, open_tenant) == []

    return check
