"""ATS hand-off: allowlisted URL, HMAC signatures, retries and a log kept in a real askar store.

The ATS is a real HTTP server on 127.0.0.1 (port 0); deliveries are kept in a real askar SQLite
store (the wallets' engine), closed and reopened to stand for an agent restart. The store is
opened with aries_askar itself: ACA-Py's askar profile module applies nest_asyncio to the whole
process, which would change the event loop of the session's other tests. For the same reason these
tests run in an event loop of their own: the session's loop may have been patched by then (a
worker hung in it, idle in nest_asyncio's run loop, in a clean-clone run).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp import web
from aries_askar import Store

from ler_hiring.ats_config import AtsConfig, backoff, sign, signature_valid
from ler_hiring.ats_delivery import AtsDeliveries
from ler_hiring.delivery_lease import claim
from ler_hiring.errors import AtsConfigError

SECRET = b"a-test-hmac-key-of-enough-bytes"


class Ats:
    """An ATS webhook that fails its first ``failures`` calls, then records deliveries."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.received: list[tuple[dict, str, str]] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        if self.failures > 0:
            self.failures -= 1
            return web.Response(status=503)
        body = await request.read()
        assert signature_valid(SECRET, body, request.headers["X-LER-Signature"])
        self.received.append((json.loads(body), request.headers["X-LER-Delivery"], ""))
        return web.Response(status=204)


@contextlib.asynccontextmanager
async def serving(handle: Callable[[web.Request], Awaitable[web.Response]]) -> AsyncIterator[str]:
    """An HTTP server on 127.0.0.1 (port 0) answering POST /hook with ``handle``; its URL."""
    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}/hook"
    finally:
        await runner.cleanup()


@pytest_asyncio.fixture(loop_scope="function")
async def ats() -> AsyncIterator[Ats]:
    hook = Ats()
    async with serving(hook.handle) as hook.url:
        yield hook


def config(url: str, secret_file: Path, **extra: object) -> AtsConfig:
    config = AtsConfig.from_plugin_config(
        {
            "ats": {
                "url": url,
                "allow_hosts": ["127.0.0.1"],
                "secret_file": str(secret_file),
                "retry_seconds": 0.05,
                **extra,
            }
        }
    )
    assert config is not None
    return config


KEY = "5BngFuBpS4wjFfVFCtPqoix3ZXG2XR8XJ7qosUzMak7R"


class AskarDeliveries:
    """Deliveries in an askar store, as the wallet keeps them (one JSON entry, tagged by state)."""

    CATEGORY = "ler_hiring_ats_delivery"

    def __init__(self, kept: Store, key: str = "") -> None:
        self.store = kept
        self.key = key

    async def save(self, delivery: dict) -> None:
        async with self.store.session() as session:
            value, tags = json.dumps(delivery), {"state": delivery["state"]}
            if await session.fetch(self.CATEGORY, delivery["delivery_id"]) is None:
                await session.insert(self.CATEGORY, delivery["delivery_id"], value, tags)
            else:
                await session.replace(self.CATEGORY, delivery["delivery_id"], value, tags)

    async def load(self, delivery_id: str) -> dict:
        async with self.store.session() as session:
            entry = await session.fetch(self.CATEGORY, delivery_id)
        if entry is None:
            raise LookupError(delivery_id)
        return json.loads(entry.value)

    async def queued(self) -> list[dict]:
        async with self.store.session() as session:
            entries = await session.fetch_all(self.CATEGORY, {"state": "queued"})
        return [json.loads(entry.value) for entry in entries]

    async def claim(self, delivery_id: str, owner: str, seconds: float) -> dict | None:
        async with self.store.transaction() as txn:
            claimed = await claim(txn, self.CATEGORY, delivery_id, owner, seconds)
            if claimed is not None:
                await txn.commit()
        return claimed


async def open_store(home: Path, provision: bool) -> AskarDeliveries:
    uri = f"sqlite://{home / 'wallet.db'}"
    opened = await (Store.provision if provision else Store.open)(uri, "raw", KEY)
    return AskarDeliveries(opened)


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "ats-secret"
    path.write_bytes(SECRET)
    path.chmod(0o600)
    return path


def test_the_ats_url_must_be_allowlisted(secret_file: Path) -> None:
    with pytest.raises(AtsConfigError, match=r"not in ler_hiring\.ats\.allow_hosts"):
        AtsConfig.from_plugin_config(
            {
                "ats": {
                    "url": "http://169.254.169.254/latest",
                    "allow_hosts": ["ats.example"],
                    "secret_file": str(secret_file),
                }
            }
        )
    with pytest.raises(AtsConfigError, match="secret_file"):
        AtsConfig.from_plugin_config(
            {"ats": {"url": "https://a.example/", "allow_hosts": ["a.example"]}}
        )
    assert AtsConfig.from_plugin_config({}) is None


def test_signatures_cover_the_body_and_time() -> None:
    header = sign(SECRET, b'{"a": 1}', 1_800_000_000)
    assert signature_valid(SECRET, b'{"a": 1}', header)
    assert not signature_valid(SECRET, b'{"a": 2}', header)
    assert not signature_valid(b"another-key-of-enough-bytes", b'{"a": 1}', header)
    assert not signature_valid(SECRET, b'{"a": 1}', header.replace("t=1800000000", "t=1800000001"))
    assert not signature_valid(SECRET, b"{}", "garbage")


def test_retries_back_off(secret_file: Path) -> None:
    cfg = config("http://127.0.0.1:9/hook", secret_file, retry_seconds=2)
    assert [backoff(cfg, n) for n in (1, 2, 3, 20)] == [2, 4, 8, 300]


async def until(predicate, what: str, deadline: float = 10.0):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if result := await predicate():
            return result
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.asyncio(loop_scope="function")
async def test_a_queued_report_survives_a_restart_and_is_delivered_once(
    ats: Ats, secret_file: Path, tmp_path: Path
) -> None:
    # first run: the ATS is down (wrong port, nothing listens), the report is queued and kept
    down = config(ats.url.replace("/hook", "/nowhere"), secret_file, max_attempts=100)
    wallet = await open_store(tmp_path, provision=True)
    first = AtsDeliveries(down)
    delivery = await first.enqueue(wallet, {"report": {"fit": {"score": 1.0}}})
    await until(lambda: _attempted(wallet, delivery["delivery_id"]), "a failed attempt in the log")
    await first.stop()
    await wallet.store.close()

    # second run: the same store reopened; the worker delivers what was queued
    wallet = await open_store(tmp_path, provision=False)
    second = AtsDeliveries(config(ats.url, secret_file), poll=0.05)
    second.start(wallet)
    try:
        logged = await until(lambda: _delivered(wallet, delivery["delivery_id"]), "delivery")
    finally:
        await second.stop()
        await wallet.store.close()
    assert len(ats.received) == 1
    body, delivery_id, _ = ats.received[0]
    assert delivery_id == delivery["delivery_id"] and body["report"] == {"fit": {"score": 1.0}}
    assert [a["outcome"] for a in logged["attempts"]][-1] == "ok"
    assert all(a["detail"] == "HTTP 404" for a in logged["attempts"][:-1])


@pytest.mark.asyncio(loop_scope="function")
async def test_a_delivery_that_keeps_failing_is_kept_as_failed_and_can_be_retried(
    ats: Ats, secret_file: Path, tmp_path: Path
) -> None:
    ats.failures = 2
    wallet = await open_store(tmp_path, provision=True)
    deliveries = AtsDeliveries(config(ats.url, secret_file, max_attempts=2), poll=0.05)
    deliveries.start(wallet)
    try:
        delivery = await deliveries.enqueue(wallet, {"report": {"n": 1}})
        failed = await until(lambda: _in_state(wallet, delivery["delivery_id"], "failed"), "failed")
        assert [a["detail"] for a in failed["attempts"]] == ["HTTP 503", "HTTP 503"]
        assert ats.received == []
        await deliveries.retry(wallet, delivery["delivery_id"])
        done = await until(lambda: _delivered(wallet, delivery["delivery_id"]), "delivered")
        assert len(done["attempts"]) == 3 and len(ats.received) == 1
    finally:
        await deliveries.stop()
        await wallet.store.close()


class PausedScan(AskarDeliveries):
    """A store whose second ``queued`` read pauses, after reading, until told to go on."""

    def __init__(self, kept: Store) -> None:
        super().__init__(kept)
        self.reads, self.paused, self.go_on = 0, asyncio.Event(), asyncio.Event()

    async def queued(self) -> list[dict]:
        found = await super().queued()
        self.reads += 1
        if self.reads == 2:
            self.paused.set()
            await self.go_on.wait()
        return found


@pytest.mark.asyncio(loop_scope="function")
async def test_a_report_queued_while_the_worker_finds_the_wallet_empty_is_delivered(
    ats: Ats, secret_file: Path, tmp_path: Path
) -> None:
    # the worker's pass reads the queue (empty) and, before it drops the wallet as having
    # nothing left, a report is queued there: the wallet must stay served
    wallet = PausedScan((await open_store(tmp_path, provision=True)).store)
    deliveries = AtsDeliveries(config(ats.url, secret_file), poll=0.05)
    deliveries.start(wallet)
    try:
        await asyncio.wait_for(wallet.paused.wait(), 5)
        delivery = await deliveries.enqueue(wallet, {"report": {"n": 1}})
        wallet.go_on.set()
        await until(lambda: _delivered(wallet, delivery["delivery_id"]), "delivery", 5)
        assert len(ats.received) == 1
    finally:
        await deliveries.stop()
        await wallet.store.close()


async def _attempted(wallet: AskarDeliveries, key: str) -> dict | None:
    delivery = await wallet.load(key)
    return delivery if delivery["attempts"] else None


async def _in_state(wallet: AskarDeliveries, key: str, state: str) -> dict | None:
    delivery = await wallet.load(key)
    return delivery if delivery["state"] == state else None


async def _delivered(wallet: AskarDeliveries, key: str) -> dict | None:
    return await _in_state(wallet, key, "delivered")
