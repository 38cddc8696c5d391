"""Which uploads the tails server takes: files of revocation registries on the ledger.

ACA-Py (1.7) uploads a tails file *before* it writes the revocation registry definition that
names it, and its upload URL carries only the tails hash. So an upload whose hash no registry
on the ledger names yet is held *pending*: stored out of reach (downloads answer 404), at most
``max_pending`` at a time, and deleted after ``pending_ttl`` seconds unless a registry with
that ``tailsHash`` appears on the ledger, which makes it served. ``max_pending=0`` refuses
every upload whose registry is not on the ledger yet.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol

from ler_chain import LedgerError

from .storage import StoredTails, TailsStore
from .validation import UploadRefused

LOGGER = logging.getLogger(__name__)

#: ACA-Py uploads two registries (active and backup) per revocable credential definition.
DEFAULT_MAX_PENDING = 16
DEFAULT_PENDING_TTL = 24 * 3600.0


class RegistryFinder(Protocol):
    """Finds the registry on the ledger that names a tails hash (see ``LedgerTailsIndex``)."""

    async def find(self, tails_hash: str) -> str | None:
        """The registry's id, or None if no registry on the ledger names ``tails_hash``."""


class NotOnLedger(UploadRefused):
    """No revocation registry definition on the ledger names the tails hash."""

    status = 403
    reason = "Tails Not On Ledger"


class TooManyPending(UploadRefused):
    """Too many uploads already wait for their registry to reach the ledger."""

    status = 429
    reason = "Too Many Pending Tails"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LedgerUnavailable(UploadRefused):
    """The ledger could not be read to check the upload."""

    status = 503
    reason = "Ledger Unavailable"


class Admission:
    """Decides whether an upload is stored as served, held pending, or refused."""

    def __init__(
        self, store: TailsStore, finder: RegistryFinder, max_pending: int, pending_ttl: float
    ) -> None:
        self.store = store
        self.finder = finder
        self.max_pending = max_pending
        self.pending_ttl = pending_ttl
        self._incoming_pending = 0

    async def registry_of(self, tails_hash: str) -> str | None:
        """The registry on the ledger naming ``tails_hash``; LedgerUnavailable if unreadable."""
        try:
            return await self.finder.find(tails_hash)
        except LedgerError as exc:
            LOGGER.error("cannot read the ledger: %s", exc)
            raise LedgerUnavailable(
                "the tails server cannot read the ledger to check which revocation registry "
                "uses this file; try again later"
            ) from exc

    @asynccontextmanager
    async def admit(self, tails_hash: str) -> AsyncIterator[bool]:
        """Admit one upload (or raise why not); yields True if it is to be held pending."""
        pending = await self._must_wait(tails_hash)
        if not pending:
            yield False
            return
        self._incoming_pending += 1
        try:
            yield True
        finally:
            self._incoming_pending -= 1

    async def _must_wait(self, tails_hash: str) -> bool:
        if await asyncio.to_thread(self.store.lookup, tails_hash) is not None:
            return False  # served already: a re-upload, checked like any other
        if await self.registry_of(tails_hash) is not None:
            return False
        if self.max_pending == 0:
            raise NotOnLedger(
                f"no revocation registry definition on the ledger has tails hash {tails_hash}; "
                "register the definition on the ledger first, then upload its tails file"
            )
        pending = await asyncio.to_thread(self.store.pending_files)
        if any(stored.tails_hash == tails_hash for stored in pending):
            return True
        if len(pending) + self._incoming_pending >= self.max_pending:
            oldest = pending[0].stored_at.timestamp() if pending else time.time()
            retry = max(1, math.ceil(oldest + self.pending_ttl - time.time()))
            raise TooManyPending(
                f"{self.max_pending} uploaded tails files already wait for their revocation "
                "registry definition to reach the ledger; register those definitions, or "
                f"retry in {retry} seconds when unregistered uploads expire",
                retry,
            )
        return True

    async def promote_if_registered(self, tails_hash: str) -> StoredTails | None:
        """Serve a pending upload once its registry is on the ledger; None while it is not."""
        if await asyncio.to_thread(self.store.lookup, tails_hash, pending=True) is None:
            return None
        registry = await self.registry_of(tails_hash)
        if registry is None:
            return None
        LOGGER.info("tails %s is used by %s on the ledger: now served", tails_hash, registry)
        return await asyncio.to_thread(self.store.promote, tails_hash)

    async def sweep(self) -> tuple[int, int]:
        """Promote pending uploads now on the ledger, drop expired ones; returns the counts."""
        promoted = expired = 0
        now = time.time()
        for stored in await asyncio.to_thread(self.store.pending_files):
            try:
                if await self.promote_if_registered(stored.tails_hash) is not None:
                    promoted += 1
                    continue
            except LedgerUnavailable:
                return promoted, expired  # try again at the next sweep
            if stored.stored_at.timestamp() + self.pending_ttl < now and (
                await asyncio.to_thread(self.store.remove_pending, stored.tails_hash)
            ):
                LOGGER.warning(
                    "dropped tails %s: no revocation registry on the ledger used it within "
                    "%g seconds",
                    stored.tails_hash,
                    self.pending_ttl,
                )
                expired += 1
        return promoted, expired

    async def sweep_forever(self, interval: float) -> None:
        """Run :meth:`sweep` every ``interval`` seconds."""
        while True:
            try:
                await self.sweep()
            except Exception:  # keep sweeping: the next round may succeed
                LOGGER.exception("cannot sweep pending tails files")
            await asyncio.sleep(interval)
