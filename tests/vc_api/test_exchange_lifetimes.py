"""VC-API exchanges survive restarts and end unread: real agent processes of the session network.

A tenant of the state's hosted (multitenant) agent asks the did:key wallet for a badge; the
hosted agent is killed (SIGKILL) and brought back with ``network up``, and the exchange, started
before, completes after. Exchanges nobody reads end failed as expired within a bound: one of the
tenant's, created before the restart, and one of the college's (its own wallet). Their ends are
seen in webhooks, never by reading them (a read would end them itself).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest
from netkit import Network, WebhookSink

from ler_node.network.admin import AdminClient
from ler_node.network.hosting import Hosting, Tenant
from ler_node.network.launcher import network_up
from ler_node.vcapi_wallet import VcApiWallet

from .test_e2e_vc_api import EXCHANGES, issuance

pytestmark = pytest.mark.e2e

TOPIC = "ler_badges_vc_api_exchange"
#: an unread exchange ends within this many seconds of its expires_at (sweep interval: 5 s)
BOUND = 20.0


async def ended(
    sink: WebhookSink, agent: str, exchange_id: str, expires_at: str, up_since: float = 0.0
) -> dict:
    """The webhook saying ``exchange_id`` ended, awaited until :data:`BOUND` after the later of
    ``expires_at`` and ``up_since`` (when the agent that ends it was last started)."""
    deadline = max(datetime.fromisoformat(expires_at).timestamp(), up_since) + BOUND
    while True:
        for payload in sink.of(agent, TOPIC):
            if payload["exchange_id"] == exchange_id and payload["state"] in ("done", "failed"):
                return payload
        if datetime.now(UTC).timestamp() > deadline:
            raise AssertionError(f"exchange {exchange_id} still open {BOUND} s after its end")
        await asyncio.sleep(0.25)


@pytest.fixture
async def tenant(network: Network, webhooks: WebhookSink) -> AsyncIterator[tuple[Hosting, Tenant]]:
    """An employer hosted by the state, its webhooks sent to the test's sink; deleted after."""
    async with Hosting.of(network.home("hosted")) as hosting:
        name = f"employer-{secrets.token_hex(4)}"
        created = await hosting.admin.post(
            "/multitenancy/wallet",
            {
                "label": "Hosted Employer",
                "wallet_type": "askar-anoncreds",
                "wallet_name": name,
                "wallet_key": secrets.token_urlsafe(16),
                "key_management_mode": "managed",
                "wallet_dispatch_type": "default",
                "wallet_webhook_urls": [f"{webhooks.url}/{name}"],
            },
        )
        yield hosting, Tenant(created["wallet_id"], name, "organisation", created["token"])
        await hosting.delete(created["wallet_id"])


async def test_a_tenants_exchange_completes_after_a_restart_and_an_unread_one_expires(
    network: Network,
    admins: dict[str, AdminClient],
    http: aiohttp.ClientSession,
    webhooks: WebhookSink,
    tenant: tuple[Hosting, Tenant],
) -> None:
    hosting, employer = tenant
    wallet = VcApiWallet()
    await wallet.run(http, (await issuance(admins["college"]))["interaction_url"])
    async with hosting.as_tenant(employer) as client:
        asked = await client.post(f"{EXCHANGES}/presentation", {"achievement_type": "Certificate"})
        unread = await client.post(f"{EXCHANGES}/presentation", {"ttl_seconds": 3})
    url, request = await wallet.start(http, asked["interaction_url"])  # active before the crash

    hosted = network.home("hosted").process
    assert hosted.kill(), "the hosted agent is not running"
    await network_up(network.spec, network.data_dir, progress=lambda _m: None)
    up_since = datetime.now(UTC).timestamp()
    # the unread one expires while the agent is down or just after: either way only the restarted
    # agent can end it, and nothing in its memory says whose it is

    assert await wallet.answer(http, url, request) == {}
    async with hosting.as_tenant(employer) as client:
        shown = await client.get(f"{EXCHANGES}/{asked['exchange_id']}")
    assert (shown["state"], shown["holder_did"]) == ("done", wallet.did)
    assert shown["verified"] is True, shown["verdict"]["reasons"]

    gone = await ended(
        webhooks, employer.label, unread["exchange_id"], unread["expires_at"], up_since
    )
    assert gone["state"] == "failed" and "expired" in gone["error"]
    assert "challenge" not in gone
    async with hosting.as_tenant(employer) as client:
        after = await client.get(f"{EXCHANGES}/{unread['exchange_id']}")
    assert (after["state"], after["updated_at"]) == ("failed", gone["updated_at"])
    async with http.post(unread["exchange_url"], json={}) as response:
        assert response.status == 410
        assert (await response.json())["code"] == "exchange-expired"


async def test_an_exchange_nobody_reads_ends_failed_within_its_bound(
    admins: dict[str, AdminClient], webhooks: WebhookSink
) -> None:
    created = await issuance(admins["college"], ttl_seconds=3)
    gone = await ended(webhooks, "college", created["exchange_id"], created["expires_at"])
    assert gone["state"] == "failed" and "expired" in gone["error"]
    assert datetime.fromisoformat(created["expires_at"]) <= datetime.fromisoformat(
        gone["updated_at"].replace("Z", "+00:00")
    )
    after = await admins["college"].get(f"{EXCHANGES}/{created['exchange_id']}")
    assert (after["state"], after["updated_at"]) == ("failed", gone["updated_at"])
