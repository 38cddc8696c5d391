"""The bounded caches of ledger reads: hits, misses, eviction, and status list states."""

from __future__ import annotations

import random

import pytest

from ler_chain.cache import LruCache, ReadCounter
from ler_chain.errors import LedgerIntegrityError
from ler_chain.revocation_history import RevocationHistory, next_head, pack_indices


def test_hit_miss_and_counters() -> None:
    cache: LruCache[str, int] = LruCache("t", 2)
    assert cache.get("a") is None
    cache.put("a", 1)
    assert cache.get("a") == 1
    assert cache.get("b") is None
    stats = cache.stats.as_dict()
    assert (stats["hits"], stats["misses"], stats["size"], stats["hit_rate"]) == (1, 2, 1, 0.3333)


def test_least_recently_used_is_evicted_first() -> None:
    cache: LruCache[str, int] = LruCache("t", 2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # a is now the most recently used
    cache.put("c", 3)
    assert "b" not in cache
    assert (cache.get("a"), cache.get("c")) == (1, 3)
    assert len(cache) == 2
    assert cache.stats.evictions == 1
    for i in range(100):
        cache.put(str(i), i)
    assert len(cache) == 2 and cache.stats.size == 2  # never above its bound
    assert cache.stats.evictions == 101


def test_peek_and_pop_do_not_count_lookups() -> None:
    cache: LruCache[str, int] = LruCache("t", 3)
    cache.put("a", 1)
    assert cache.peek("a") == 1
    assert cache.pop("a") == 1
    assert cache.peek("a") is None
    assert cache.stats.hits == cache.stats.misses == 0
    with pytest.raises(ValueError):
        LruCache("empty", 0)


def test_read_counter_counts_a_batch_as_one_request() -> None:
    reads = ReadCounter()
    reads.count("eth_call")
    reads.count("eth_call_batch")
    reads.count("batched:eth_call", 3)
    assert reads.requests == 2
    assert reads.as_dict()["by_method"] == {
        "batched:eth_call": 3,
        "eth_call": 1,
        "eth_call_batch": 1,
    }


def _history(size: int, changes: list[list[int]], snapshots: int = 8) -> RevocationHistory:
    history = RevocationHistory(size, snapshots)
    head = b"\x00" * 32
    for entry, indices in enumerate(changes, start=1):
        accumulator, packed = f"acc-{entry}".encode(), pack_indices(indices)
        head = next_head(head, accumulator, packed)
        history.extend(entry, accumulator, packed, head, entry)
    return history


def _replayed(size: int, changes: list[list[int]], entries: int) -> list[int]:
    bits = [0] * size
    for indices in changes[:entries]:
        for index in indices:
            bits[index] ^= 1
    return bits


def test_states_from_snapshots_match_a_full_replay_in_any_read_order() -> None:
    rng = random.Random(7)
    size = 1024
    changes = [rng.sample(range(size), rng.randint(0, 9)) for _ in range(40)]
    history = _history(size, changes, snapshots=3)
    order = list(range(1, 41))
    rng.shuffle(order)
    for entries in order + order:
        bits, accumulator = history.state(entries)
        assert bits == _replayed(size, changes, entries)
        assert accumulator == f"acc-{entries}".encode()
    stats = history.snapshots.stats
    assert len(history.snapshots) == 3  # bounded
    assert stats.hits + stats.misses == 80 and stats.evictions == stats.misses - 3


def test_a_newer_entry_is_never_served_from_an_older_state() -> None:
    history = _history(16, [[1]])
    assert history.state(1)[0][1] == 1
    head = history._heads[-1]
    for entry, index in ((2, 5), (3, 1)):  # revoke 5, then un-revoke 1
        packed = pack_indices([index])
        head = next_head(head, b"acc", packed)
        history.extend(entry, b"acc", packed, head, entry)
    bits, _ = history.state(3)
    assert (bits[1], bits[5]) == (0, 1)
    assert history.state(1)[0][1] == 1  # the old state is still right
    with pytest.raises(LedgerIntegrityError):
        history.state(4)  # not read yet: never guessed from what is cached
