"""Durable delivery of match reports to the ATS webhook: queued first, retried, logged.

A report to deliver is stored as a ``queued`` delivery in the wallet before the admin call that
made it answers, so nothing reported queued is lost: a worker posts due deliveries, records every
attempt (time, outcome, detail) and retries with a doubling delay; after ``max_attempts`` the
delivery is kept as ``failed`` with its payload, to be retried by hand. At startup the worker picks
up what an earlier run left queued. Each attempt goes to the URL configured at that time and ends
within ``timeout`` seconds.

One worker serves every wallet of the agent: the agent's own, and each tenant's (a hosted agent)
while that tenant has deliveries queued. Each attempt is made under a lease on the delivery
(:mod:`.delivery_lease`), so the replicas of a hosted agent, which share its database, never
attempt one delivery at the same time. A body signed when queued (``signing: vp``) is kept
with the delivery and sent as it is on every attempt.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import aiohttp

from .ats_config import AtsConfig, backoff, sign
from .errors import AtsConfigError, HiringInputError

__all__ = ["AtsDeliveries", "DeliveryStore", "Presenter"]

LOGGER = logging.getLogger(__name__)
QUEUED, DELIVERED, FAILED = "queued", "delivered", "failed"
#: signs a delivery's payload as its body (``signing: vp``): (delivery id, payload) -> body
Presenter = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


class DeliveryStore(Protocol):
    """Where one wallet's deliveries are kept (:class:`ler_hiring.store.WalletDeliveries`)."""

    #: which wallet: the worker serves each wallet once
    key: str

    async def save(self, delivery: dict[str, Any]) -> None:
        """Add or replace a delivery (by ``delivery_id``), tagged with its ``state``."""

    async def load(self, delivery_id: str) -> dict[str, Any]:
        """One delivery; StorageNotFoundError-like LookupError if there is none."""

    async def queued(self) -> list[dict[str, Any]]:
        """Every delivery in state ``queued``."""

    async def claim(self, delivery_id: str, owner: str, seconds: float) -> dict[str, Any] | None:
        """Lease a due, queued delivery to ``owner`` (:func:`.delivery_lease.claim`)."""


class AtsDeliveries:
    """The ATS delivery queue and its worker, for one agent."""

    def __init__(self, config: AtsConfig | None, *, poll: float = 1.0) -> None:
        self.config = config
        self.poll = poll
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._stopping = False
        self._stores: dict[str, DeliveryStore] = {}
        #: this worker, in the leases it takes (replicas of an agent each run one)
        self.owner = uuid.uuid4().hex

    def _configured(self) -> AtsConfig:
        if self.config is None:
            raise AtsConfigError(
                "no ATS webhook is configured: set ler_hiring.ats.url, allow_hosts and secret_file"
            )
        return self.config

    async def enqueue(
        self, kept: DeliveryStore, payload: dict[str, Any], present: Presenter | None = None
    ) -> dict[str, Any]:
        """Keep a delivery of ``payload`` as queued, and wake the worker.

        With ``signing: vp`` the body is made now by ``present`` (its errors reach the caller).
        """
        config = self._configured()
        now = time.time()
        delivery: dict[str, Any] = {
            "delivery_id": str(uuid.uuid4()),
            "created": now,
            "state": QUEUED,
            "next_attempt": now,
            "attempts": [],
            "payload": payload,
        }
        if config.signing == "vp":
            if present is None:
                raise AtsConfigError("ler_hiring.ats.signing is vp, but nothing can sign here")
            delivery["body"] = await present(delivery["delivery_id"], payload)
        await kept.save(delivery)
        self.start(kept)
        return delivery

    async def retry(self, kept: DeliveryStore, delivery_id: str) -> dict[str, Any]:
        """Queue a failed delivery again (its attempts stay in the log)."""
        delivery = await kept.load(delivery_id)
        if delivery["state"] == DELIVERED:
            raise HiringInputError(f"delivery {delivery_id} was delivered already")
        delivery.update(state=QUEUED, next_attempt=time.time())
        await kept.save(delivery)
        self.start(kept)
        return delivery

    def due_at(self, delivery: dict[str, Any]) -> float:
        """When this worker may attempt a queued delivery: not before another's lease ends."""
        lease = delivery.get("lease") or {}
        if lease.get("owner") in (None, self.owner):
            return delivery["next_attempt"]
        return max(delivery["next_attempt"], lease.get("until", 0))

    async def run_due(self, kept: DeliveryStore) -> int:
        """Attempt every queued delivery that is due and not leased to another; how many."""
        async with self._lock:
            due = [d for d in await kept.queued() if self.due_at(d) <= time.time()]
            attempted = 0
            for delivery in sorted(due, key=lambda d: d["created"]):
                claimed = await kept.claim(delivery["delivery_id"], self.owner, self._lease())
                if claimed is not None:
                    await self._attempt(kept, claimed)
                    attempted += 1
            return attempted

    def _lease(self) -> float:
        """How long a claimed delivery is ours: one attempt's timeout, and a margin."""
        return self._configured().timeout + 30.0

    async def _attempt(self, kept: DeliveryStore, delivery: dict[str, Any]) -> None:
        config = self._configured()
        started = time.time()
        outcome, detail = await self._post(config, delivery)
        delivery["attempts"].append(
            {"at": started, "url": config.url, "outcome": outcome, "detail": detail}
        )
        delivery.pop("lease", None)
        if outcome == "ok":
            delivery["state"] = DELIVERED
        elif len(delivery["attempts"]) >= config.max_attempts:
            delivery["state"] = FAILED
        else:
            delivery["next_attempt"] = time.time() + backoff(config, len(delivery["attempts"]))
        await kept.save(delivery)

    async def _post(self, config: AtsConfig, delivery: dict[str, Any]) -> tuple[str, str]:
        """One POST to the configured URL: ("ok" | "error", detail). Never raises."""
        if not config.allows(config.url):
            return "error", "the URL's host is no longer in ler_hiring.ats.allow_hosts"
        try:
            secret = config.secret() if config.secret_file is not None else None
        except AtsConfigError as error:
            return "error", str(error)
        document = delivery.get("body") or {
            "delivery_id": delivery["delivery_id"],
            **delivery["payload"],
        }
        body = json.dumps(document, sort_keys=True).encode()
        headers = {"Content-Type": "application/json", "X-LER-Delivery": delivery["delivery_id"]}
        if secret is not None:
            headers["X-LER-Signature"] = sign(secret, body, int(time.time()))
        timeout = aiohttp.ClientTimeout(total=config.timeout)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout, trust_env=False) as session,
                session.post(
                    config.url, data=body, headers=headers, allow_redirects=False
                ) as response,
            ):
                if 200 <= response.status < 300:
                    return "ok", f"HTTP {response.status}"
                return "error", f"HTTP {response.status}"
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            return "error", f"{type(error).__name__}: the ATS could not be reached"

    def start(self, kept: DeliveryStore) -> None:
        """Serve one wallet's deliveries (those left queued too), running the worker if need be."""
        if self.config is None:
            return
        self._stores[kept.key] = kept
        self._wake.set()
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._work())

    async def _work(self) -> None:
        while not self._stopping:
            self._wake.clear()
            soonest = time.time() + self.poll
            for key, kept in list(self._stores.items()):
                if self._stopping:
                    return
                try:
                    await self.run_due(kept)
                    waiting = [self.due_at(d) for d in await kept.queued()]
                except Exception:  # a storage hiccup: log it and try again at the next tick
                    LOGGER.exception("ATS deliveries of wallet %s could not be processed", key)
                    continue
                if waiting:
                    soonest = min(soonest, *waiting)
                elif not self._wake.is_set():
                    # nothing left, and nothing queued since this pass began (``start`` sets
                    # the wake flag): served again when something is queued
                    del self._stores[key]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(0.0, soonest - time.time()))

    async def stop(self, grace: float = 10.0) -> None:
        """Stop the worker (queued deliveries stay queued).

        It is asked to stop between wallets, so no store call is cut half-way (a session
        opened after its caller was cancelled would be left open); cancelled after ``grace``.
        """
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), grace)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        finally:
            self._task, self._stopping = None, False
