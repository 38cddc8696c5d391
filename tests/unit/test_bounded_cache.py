"""The bounded cache answers as ACA-Py's in-memory cache does, within a bound on its size.

Every agent of the suite's network runs with it, so each end-to-end exchange uses it too; its
cost against the number of entries is measured by ``python -m bench.cache``.
"""

from __future__ import annotations

import time

import pytest
from acapy_agent.cache.base import BaseCache
from acapy_agent.cache.in_memory import InMemoryCache
from acapy_agent.config.injection_context import InjectionContext

from ler_ledger.bounded_cache import BoundedCache, install


class Clock:
    """A ``time.perf_counter`` the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(time, "perf_counter", fake)
    return fake


@pytest.mark.parametrize("cache_class", [InMemoryCache, BoundedCache])
async def test_the_same_answers_as_acapys_cache(cache_class: type, clock: Clock) -> None:
    cache = cache_class()
    await cache.set("short", "a", ttl=10)
    await cache.set(["k1", "k2"], "b")
    await cache.set("renewed", "c", ttl=5)
    await cache.set("renewed", "d")  # set again without a time to live: it stays
    await cache.set("longer", "e", ttl=5)
    await cache.set("longer", "f", ttl=50)  # set again with a later expiry
    assert [await cache.get(k) for k in ("short", "k1", "k2", "renewed")] == ["a", "b", "b", "d"]
    clock.now += 10
    assert await cache.get("short") is None
    assert [await cache.get(k) for k in ("renewed", "longer")] == ["d", "f"]
    clock.now += 40
    assert await cache.get("longer") is None
    await cache.clear("k1")
    assert (await cache.get("k1"), await cache.get("k2")) == (None, "b")
    await cache.flush()
    assert await cache.get("k2") is None and await cache.get("renewed") is None
    async with cache.acquire("lock") as lock:  # ACA-Py's key locks
        await lock.set_result("locked")
    assert await cache.get("lock") == "locked"


async def test_it_holds_at_most_its_bound_dropping_the_oldest(clock: Clock) -> None:
    cache = BoundedCache(max_entries=3)
    for key in ("a", "b", "c"):
        await cache.set(key, key.upper())
    await cache.set("a", "A2")  # set again: now the newest
    await cache.set("d", "D", ttl=60)
    assert [await cache.get(k) for k in "abcd"] == ["A2", None, "C", "D"]
    assert len(cache._cache) == 3


async def test_expired_entries_leave_and_renewals_do_not_pile_up(clock: Clock) -> None:
    cache = BoundedCache(max_entries=10)
    for _ in range(25):  # the same key set again and again with a time to live
        await cache.set("target", "t", ttl=30)
    assert len(cache._expiries) <= 2 * cache.max_entries
    await cache.set("other", "o", ttl=5)
    clock.now += 31
    assert await cache.get("target") is None and await cache.get("other") is None
    assert cache._cache == {} and cache._expiries == []


def test_only_acapys_default_cache_is_replaced() -> None:
    context = InjectionContext(settings={})
    context.injector.bind_instance(BaseCache, InMemoryCache())
    assert install(context) is True
    assert type(context.inject(BaseCache)) is BoundedCache
    assert install(context) is False  # already bounded: kept

    class OtherCache(InMemoryCache):
        """A cache another plugin binds."""

    context.injector.bind_instance(BaseCache, OtherCache())
    assert install(context) is False and type(context.inject(BaseCache)) is OtherCache
    off = InjectionContext(settings={})
    off.injector.bind_instance(BaseCache, InMemoryCache())
    assert install(off, on=False) is False and type(off.inject(BaseCache)) is InMemoryCache
