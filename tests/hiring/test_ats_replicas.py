"""ATS deliveries under replicas: two workers on one PostgreSQL database attempt each once.

The replicas of a hosted agent share its database and each runs a delivery worker. Here the two
workers are two real askar stores opened on one database of the session's PostgreSQL, as two
processes would open it; each delivery is leased before it is attempted (ler_hiring.delivery_lease).
The lease rules themselves are checked on an askar SQLite store.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aries_askar import Store
from netkit import Network

from ler_hiring.ats_delivery import AtsDeliveries
from ler_node.postgres import EmbeddedPostgres

from .test_ats import (  # noqa: F401 (secret_file: a fixture)
    KEY,
    AskarDeliveries,
    config,
    open_store,
    secret_file,
    serving,
    until,
)

OWNER, OTHER = "worker-a", "worker-b"


def _delivery(**extra: object) -> dict:
    now = time.time()
    delivery = {
        "delivery_id": str(uuid.uuid4()),
        "created": now,
        "state": "queued",
        "next_attempt": now,
        "attempts": [],
        "payload": {"report": {"n": 1}},
    }
    return {**delivery, **extra}


async def test_a_lease_decides_who_may_attempt_a_delivery(tmp_path: Path) -> None:
    wallet = await open_store(tmp_path, provision=True)
    try:
        live = _delivery(lease={"owner": OTHER, "until": time.time() + 60})
        lapsed = _delivery(lease={"owner": OTHER, "until": time.time() - 1})
        later = _delivery(next_attempt=time.time() + 60)
        done = _delivery(state="delivered")
        for delivery in (live, lapsed, later, done):
            await wallet.save(delivery)

        assert await wallet.claim(live["delivery_id"], OWNER, 40) is None
        assert await wallet.claim(later["delivery_id"], OWNER, 40) is None
        assert await wallet.claim(done["delivery_id"], OWNER, 40) is None
        assert await wallet.claim("no-such-delivery", OWNER, 40) is None
        # a lease that ran out (its worker died mid-attempt) is taken over
        taken = await wallet.claim(lapsed["delivery_id"], OWNER, 40)
        assert taken is not None and taken["lease"]["owner"] == OWNER
        kept = await wallet.load(lapsed["delivery_id"])
        assert kept["lease"]["owner"] == OWNER and kept["lease"]["until"] > time.time() + 30
        assert await wallet.claim(lapsed["delivery_id"], OTHER, 40) is None
        assert await wallet.claim(lapsed["delivery_id"], OWNER, 40) is not None  # its own lease
        # the live lease holds the worker back until it ends, without spinning
        worker = AtsDeliveries(None)
        assert worker.due_at(live) == live["lease"]["until"]
        assert worker.due_at(later) == later["next_attempt"]
    finally:
        await wallet.store.close()


class SlowAts:
    """An ATS that takes a moment per post (the window two workers would both post in)."""

    def __init__(self) -> None:
        self.posts: Counter[str] = Counter()

    async def handle(self, request: web.Request) -> web.Response:
        self.posts[request.headers["X-LER-Delivery"]] += 1
        await asyncio.sleep(0.05)
        return web.Response(status=204)


@pytest.fixture
async def slow_ats() -> AsyncIterator[tuple[SlowAts, str]]:
    ats = SlowAts()
    async with serving(ats.handle) as url:
        yield ats, url


@pytest.mark.e2e
async def test_two_replicas_on_one_database_post_each_delivery_once(
    network: Network,
    slow_ats: tuple[SlowAts, str],
    secret_file: Path,  # noqa: F811
) -> None:
    ats, url = slow_ats
    uri = EmbeddedPostgres(network.data_dir).connection().askar_uri(f"ats-{uuid.uuid4().hex[:8]}")
    first = AskarDeliveries(await Store.provision(uri, "raw", KEY, recreate=True))
    second = AskarDeliveries(await Store.open(uri, "raw", KEY))
    workers = [AtsDeliveries(config(url, secret_file), poll=0.05) for _ in range(2)]
    queued = [_delivery() for _ in range(12)]
    try:
        for delivery in queued:
            await first.save(delivery)
        workers[0].start(first)
        workers[1].start(second)
        for delivery in queued:
            key = delivery["delivery_id"]
            await until(lambda key=key: _delivered(second, key), "every delivery delivered")
    finally:
        for worker in workers:
            await worker.stop()
        for wallet in (first, second):
            await wallet.store.close()
        await Store.remove(uri)
    assert ats.posts == Counter({d["delivery_id"]: 1 for d in queued})


async def _delivered(wallet: AskarDeliveries, key: str) -> dict | None:
    delivery = await wallet.load(key)
    return delivery if delivery["state"] == "delivered" else None
