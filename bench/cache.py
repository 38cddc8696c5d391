"""Cache access cost against the number of entries: ACA-Py's ``InMemoryCache`` and ours.

ACA-Py's responder caches each connection's state with no time to live, so an agent's cache
holds an entry per connection it ever made. Each size is filled that way (plus a tenth with a
time to live, as connection targets are), then timed: a get of a present key, a get of a
missing one and a set with a time to live, like the cache accesses of one DIDComm message.
The baseline is ACA-Py's cache at the smallest size, in the same run.

    python -m bench.cache [--sizes 100,1000,10000,100000] [--ops 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

from acapy_agent.cache.in_memory import InMemoryCache

from ler_ledger.bounded_cache import BoundedCache


async def fill(cache: InMemoryCache, size: int) -> None:
    """``size`` connection-state entries (no time to live) and a tenth with one."""
    for i in range(size):
        await cache.set(f"conn_rec_state::{i}", "completed")
    for i in range(size // 10):
        await cache.set(f"connection_target::{i}", ["target"], ttl=3600)


async def per_op_us(cache: InMemoryCache, size: int, ops: int) -> float:
    """Microseconds per cache access, averaged over ``ops`` rounds of three accesses."""
    start = time.perf_counter()
    for i in range(ops):
        await cache.get(f"conn_rec_state::{i % size}")
        await cache.get("missing")
        await cache.set(f"connection_target::{i % 7}", ["target"], ttl=3600)
    return round((time.perf_counter() - start) / (3 * ops) * 1e6, 2)


async def measure(sizes: list[int], ops: int) -> dict[str, Any]:
    """Per-access cost of each cache at each size, and ratios to the same-run baseline."""
    results: dict[str, Any] = {"ops_per_size": 3 * ops, "us_per_access": {}}
    for name, make in (("acapy_in_memory", InMemoryCache), ("ours_bounded", BoundedCache)):
        row = results["us_per_access"][name] = {}
        for size in sizes:
            cache = make()
            await fill(cache, size)
            row[str(size)] = await per_op_us(cache, size, max(50, ops if size <= 10_000 else 200))
            print(f"{name} at {size}: {row[str(size)]} us per access", file=sys.stderr)
    baseline = results["us_per_access"]["acapy_in_memory"][str(sizes[0])]
    results["ratio_to_acapy_at_smallest"] = {
        name: {size: round(us / baseline, 2) for size, us in row.items()}
        for name, row in results["us_per_access"].items()
    }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000,100000")
    parser.add_argument("--ops", type=int, default=2000)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(json.dumps(asyncio.run(measure(sizes, args.ops)), indent=1))


if __name__ == "__main__":
    main()
