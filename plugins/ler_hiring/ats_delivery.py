"""Durable delivery of match reports to the ATS webhook: queued first, retried, logged.

A report to deliver is stored as a ``queued`` delivery in the wallet before the admin call that
made it answers, so nothing reported queued is lost: a worker posts due deliveries, records every
attempt (time, outcome, detail) and retries with a doubling delay; after ``max_attempts`` the
delivery is kept as ``failed`` with its payload, to be retried by hand. At startup the worker picks
up what an earlier run left queued. Each attempt goes to the URL configured at that time and ends
within ``timeout`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from typing import Any, Protocol

import aiohttp

from .ats_config import AtsConfig, backoff, sign
from .errors import AtsConfigError, HiringInputError

__all__ = ["AtsDeliveries", "DeliveryStore"]

LOGGER = logging.getLogger(__name__)
QUEUED, DELIVERED, FAILED = "queued", "delivered", "failed"


class DeliveryStore(Protocol):
    """Where deliveries are kept: the wallet (:class:`ler_hiring.store.WalletDeliveries`)."""

    async def save(self, delivery: dict[str, Any]) -> None:
        """Add or replace a delivery (by ``delivery_id``), tagged with its ``state``."""

    async def load(self, delivery_id: str) -> dict[str, Any]:
        """One delivery; StorageNotFoundError-like LookupError if there is none."""

    async def queued(self) -> list[dict[str, Any]]:
        """Every delivery in state ``queued``."""


class AtsDeliveries:
    """The ATS delivery queue and its worker, for one agent."""

    def __init__(self, config: AtsConfig | None, *, poll: float = 1.0) -> None:
        self.config = config
        self.poll = poll
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    def _configured(self) -> AtsConfig:
        if self.config is None:
            raise AtsConfigError(
                "no ATS webhook is configured: set ler_hiring.ats.url, allow_hosts and secret_file"
            )
        return self.config

    async def enqueue(self, kept: DeliveryStore, payload: dict[str, Any]) -> dict[str, Any]:
        """Keep a delivery of ``payload`` as queued, and wake the worker."""
        self._configured()
        now = time.time()
        delivery = {
            "delivery_id": str(uuid.uuid4()),
            "created": now,
            "state": QUEUED,
            "next_attempt": now,
            "attempts": [],
            "payload": payload,
        }
        await kept.save(delivery)
        self._wake.set()
        if self._task is None:  # no worker for this wallet (a tenant): attempt it now anyway
            asyncio.get_running_loop().create_task(self.run_due(kept))
        return delivery

    async def retry(self, kept: DeliveryStore, delivery_id: str) -> dict[str, Any]:
        """Queue a failed delivery again (its attempts stay in the log)."""
        delivery = await kept.load(delivery_id)
        if delivery["state"] == DELIVERED:
            raise HiringInputError(f"delivery {delivery_id} was delivered already")
        delivery.update(state=QUEUED, next_attempt=time.time())
        await kept.save(delivery)
        self._wake.set()
        if self._task is None:
            asyncio.get_running_loop().create_task(self.run_due(kept))
        return delivery

    async def run_due(self, kept: DeliveryStore) -> int:
        """Attempt every queued delivery that is due; the number attempted."""
        async with self._lock:
            due = [d for d in await kept.queued() if d["next_attempt"] <= time.time()]
            for delivery in sorted(due, key=lambda d: d["created"]):
                await self._attempt(kept, delivery)
            return len(due)

    async def _attempt(self, kept: DeliveryStore, delivery: dict[str, Any]) -> None:
        config = self._configured()
        started = time.time()
        outcome, detail = await self._post(config, delivery)
        delivery["attempts"].append(
            {"at": started, "url": config.url, "outcome": outcome, "detail": detail}
        )
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
            secret = config.secret()
        except AtsConfigError as error:
            return "error", str(error)
        body = json.dumps(
            {"delivery_id": delivery["delivery_id"], **delivery["payload"]}, sort_keys=True
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "X-LER-Delivery": delivery["delivery_id"],
            "X-LER-Signature": sign(secret, body, int(time.time())),
        }
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
        """Run the worker on one store (deliveries left queued are picked up)."""
        if self.config is not None and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._work(kept))

    async def _work(self, kept: DeliveryStore) -> None:
        while True:
            try:
                await self.run_due(kept)
            except Exception:  # a storage hiccup: log it and try again at the next tick
                LOGGER.exception("ATS deliveries could not be processed")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll)

    async def stop(self) -> None:
        """Stop the worker (queued deliveries stay queued)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
