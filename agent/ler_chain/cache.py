"""Bounded per-process caches of ledger reads, with hit and miss counters.

Objects anchored on the ledger never change once written (schemas, credential definitions,
revocation registry definitions, one version of a DID, the entries of a status list), so they
are cached by key in a :class:`LruCache` and only ever evicted for room. Mutable state (a status
list's current head, a DID's current version, the ledger's time) is never cached: it is read from
the ledger every time, and cached entries are only what that head points at.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field

DEFAULT_SIZE = 1024


@dataclass
class CacheStats:
    """Counters of one cache since the process started (or since :meth:`reset`)."""

    name: str
    size: int
    max_size: int
    hits: int = 0
    misses: int = 0
    evictions: int = 0

    @property
    def hit_rate(self) -> float | None:
        """Hits over lookups, or None before the first lookup."""
        lookups = self.hits + self.misses
        return round(self.hits / lookups, 4) if lookups else None

    def as_dict(self) -> dict[str, object]:
        """JSON-friendly counters."""
        return {
            "size": self.size,
            "max_size": self.max_size,
            "hits": self.hits,
            "misses": self.misses,
            "evictions": self.evictions,
            "hit_rate": self.hit_rate,
        }


class LruCache[K: Hashable, V]:
    """At most ``max_size`` entries; the least recently used one goes first."""

    def __init__(self, name: str, max_size: int = DEFAULT_SIZE) -> None:
        if max_size < 1:
            raise ValueError("a cache holds at least one entry")
        self._entries: OrderedDict[K, V] = OrderedDict()
        self.stats = CacheStats(name, 0, max_size)

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[K]:
        """The keys held, least recently used first (a copy: safe to change the cache)."""
        return iter(list(self._entries))

    def __contains__(self, key: K) -> bool:
        return key in self._entries

    def get(self, key: K) -> V | None:
        """The cached value (counted as a hit), or None (a miss)."""
        try:
            value = self._entries[key]
        except KeyError:
            self.stats.misses += 1
            return None
        self._entries.move_to_end(key)
        self.stats.hits += 1
        return value

    def peek(self, key: K) -> V | None:
        """The cached value, without counting a lookup or refreshing its place."""
        return self._entries.get(key)

    def put(self, key: K, value: V) -> V:
        """Keep ``value`` under ``key``, evicting the least recently used entry if full."""
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.stats.max_size:
            self._entries.popitem(last=False)
            self.stats.evictions += 1
        self.stats.size = len(self._entries)
        return value

    def pop(self, key: K) -> V | None:
        """Forget ``key`` (e.g. a read that failed verification)."""
        value = self._entries.pop(key, None)
        self.stats.size = len(self._entries)
        return value

    def clear(self) -> None:
        """Forget everything (counters stay)."""
        self._entries.clear()
        self.stats.size = 0


@dataclass
class ReadCounter:
    """JSON-RPC reads one ledger client made, by method (a batch counts once as ``batch``)."""

    by_method: dict[str, int] = field(default_factory=dict)

    def count(self, method: str, n: int = 1) -> None:
        """Record ``n`` more ``method`` requests."""
        self.by_method[method] = self.by_method.get(method, 0) + n

    @property
    def requests(self) -> int:
        """HTTP round trips: every read, a batch counting once."""
        return sum(n for method, n in self.by_method.items() if not method.startswith("batched:"))

    def as_dict(self) -> dict[str, object]:
        """JSON-friendly counters."""
        return {"requests": self.requests, "by_method": dict(sorted(self.by_method.items()))}
