"""ACA-Py's in-memory cache, without its scan of every entry on every access.

ACA-Py 1.7's ``InMemoryCache`` copies and walks its whole dictionary on every ``get`` and
``set`` to drop expired entries, and some entries never expire: the responder caches each
connection's state with no time to live. So every cache access costs time in proportion to the
number of connections the agent ever made, and the cache only grows. This one keeps the same
entries and answers, but drops expired entries from a heap ordered by expiry (only those that
expired are touched) and holds at most :data:`MAX_ENTRIES`, dropping the oldest first: it is a
cache, so a dropped entry is looked up again by its user. ``acquire``/``release`` (key locks) are
ACA-Py's own.

It replaces ACA-Py's default cache only (another cache bound by a plugin is kept). Plugin
config ``ler.bounded_cache: false`` keeps ACA-Py's.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import time
from collections.abc import Sequence
from typing import Any

from acapy_agent.cache.base import BaseCache
from acapy_agent.cache.in_memory import InMemoryCache
from acapy_agent.config.injection_context import InjectionContext

LOGGER = logging.getLogger(__name__)

MAX_ENTRIES = 100_000


class BoundedCache(InMemoryCache):
    """An ``InMemoryCache`` whose accesses cost the same however many entries it holds."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        """An empty cache holding at most ``max_entries``."""
        super().__init__()
        self.max_entries = max_entries
        self._expiries: list[tuple[float, int, str]] = []  # heap of (expires, order, key)
        self._order = itertools.count()

    def _remove_expired_cache_items(self) -> None:
        """Drop the entries whose time is up (only those: the heap is ordered by expiry)."""
        now = time.perf_counter()
        while self._expiries and self._expiries[0][0] <= now:
            expires, _, key = heapq.heappop(self._expiries)
            entry = self._cache.get(key)
            if entry is not None and entry["expires"] == expires:  # not set again since
                del self._cache[key]

    async def set(self, keys: str | Sequence[str], value: Any, ttl: int | None = None) -> None:
        """Add or replace ``keys`` (newest last), then drop the oldest beyond the bound."""
        self._remove_expired_cache_items()
        expires = time.perf_counter() + ttl if ttl else None
        for key in [keys] if isinstance(keys, str) else keys:
            self._cache.pop(key, None)
            self._cache[key] = {"expires": expires, "value": value}
            if expires is not None:
                heapq.heappush(self._expiries, (expires, next(self._order), key))
        while len(self._cache) > self.max_entries:
            del self._cache[next(iter(self._cache))]
        if len(self._expiries) > 2 * self.max_entries:  # keys set again and again
            self._expiries = [
                (entry["expires"], next(self._order), key)
                for key, entry in self._cache.items()
                if entry["expires"] is not None
            ]
            heapq.heapify(self._expiries)

    async def flush(self) -> None:
        """Remove every entry."""
        await super().flush()
        self._expiries = []


def install(context: InjectionContext, on: bool = True) -> bool:
    """If ``on``, bind a :class:`BoundedCache` in place of ACA-Py's default cache; whether it is."""
    current = context.inject_or(BaseCache)
    if not on or type(current) is not InMemoryCache:
        LOGGER.info("keeping the cache %s", type(current).__name__)
        return False
    context.injector.bind_instance(BaseCache, BoundedCache())
    LOGGER.info("cache: BoundedCache (at most %d entries)", MAX_ENTRIES)
    return True
