"""Bounded soak: flows and ledger writes under random SIGKILLs of the ledger and the agents.

For ``--seconds``, flows (connect + revocable AnonCreds issuance + proof under the LER policy,
as in :mod:`bench.flows`) run ``--concurrency`` at a time, while the college keeps publishing
schemas through the state's endorser (one write a second) and, every ``--kill-every`` seconds
on average, a random process (anvil, the state's endorser, the college, the learner or the
employer) is killed with SIGKILL and brought back with ``network up``.

Then every write is settled from the chain (waiting out signature deadlines, bounded) and
counted; the JSON on stdout says:

- flows: finished, failed, stuck (no end within the exchange deadline), with reasons;
- writes: requested, done, failed, still open after the bound, and the three that must be 0:
  ``lost`` (reported done, not on the ledger), ``zombie`` (reported failed, on the ledger) and
  ``duplicated`` (one object in the wallet twice).

    python -m bench.soak [--seconds 180] [--concurrency 10] [--kill-every 20] [--seed 1]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import sys
import time
from collections import Counter
from typing import Any

from ler_chain import (
    LedgerClient,
    LedgerNotFoundError,
    NetworkDescriptor,
    SignedWrite,
    parse_anoncreds_id,
)
from ler_chain.settlement import Settlement, settle
from ler_node.ledger.local import LedgerHome
from ler_node.network.admin import AdminClient, AdminError
from ler_node.network.agents import AgentHome
from ler_node.network.launcher import network_up

from . import flowkit
from .ler_stack import LerStack, ler_stack

VICTIMS = ("anvil", "state", "college", "learner", "employer")
SETTLE_BOUND = 240.0  # seconds: the endorsement timeout + signature grace + settling interval


def log(message: str) -> None:
    """Progress on stderr (stdout carries only the JSON)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def kill(stack: LerStack, victim: str) -> bool:
    """SIGKILL one process of the network (its whole process group)."""
    if victim == "anvil":
        return LedgerHome.in_data_dir(stack.data_dir).anvil.process.kill()
    agent = next(a for a in stack.spec.agents if a.id == victim)
    return AgentHome(stack.data_dir, agent).process.kill()


async def chaos(stack: LerStack, every: float, until: float, rng: random.Random) -> Counter:
    """Kill a random process every ``every`` seconds on average, then bring the network back."""
    kills: Counter = Counter()
    while time.monotonic() < until:
        await asyncio.sleep(rng.uniform(0.5, 1.5) * every)
        if time.monotonic() >= until:
            break
        victim = rng.choice(VICTIMS)
        if kill(stack, victim):
            kills[victim] += 1
            log(f"killed {victim}")
            await asyncio.sleep(rng.uniform(0.5, 3.0))  # the others notice it is gone
        try:
            await network_up(stack.spec, stack.data_dir, progress=lambda _m: None)
        except Exception as exc:  # a restart that fails is retried at the next round
            log(f"network up after killing {victim} failed: {exc}")
    await network_up(stack.spec, stack.data_dir, progress=lambda _m: None)
    return kills


async def writer(college: AdminClient, issuer: str, until: float) -> None:
    """Publish one schema a second through the state's endorser."""
    index = 0
    while time.monotonic() < until:
        name = f"soak-{os.getpid()}-{index}"
        index += 1
        body = {"schema": {"attrNames": ["x"], "issuerId": issuer, "name": name, "version": "1"}}
        with contextlib.suppress(AdminError, OSError, TimeoutError):
            await college.post("/anoncreds/schema", body)
        await asyncio.sleep(1.0)


async def flows(stack: LerStack, concurrency: int, until: float) -> list[flowkit.Outcome]:
    """Closed-loop flows until ``until``."""
    outcomes: list[flowkit.Outcome] = []
    counter = iter(range(10**9))

    async def worker() -> None:
        while time.monotonic() < until:
            outcome = await flowkit.timed_flow(stack.flow, next(counter))
            outcomes.append(outcome)
            if outcome.status != "finished":
                await asyncio.sleep(1.0)  # a process is down: do not spin on it

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return outcomes


async def author_records(college: AdminClient) -> list[dict[str, Any]]:
    """The college's endorsement requests (it is the author of every soak write)."""
    return (await college.get("/ler/endorsement/requests", role="author"))["results"]


async def settle_writes(stack: LerStack, college: AdminClient) -> dict[str, Any]:
    """Wait (bounded) until no write is open, then check each against the chain."""
    deadline = time.monotonic() + SETTLE_BOUND
    open_states = {"request-sent", "settling"}
    while True:
        records = await author_records(college)
        still_open = [r for r in records if r["state"] in open_states]
        if not still_open or time.monotonic() > deadline:
            break
        await asyncio.sleep(2.0)
    descriptor = NetworkDescriptor.load(LedgerHome.in_data_dir(stack.data_dir).descriptor_file)
    counts: Counter = Counter()
    async with LedgerClient(descriptor) as reader:
        for record in records:
            counts[record["state"]] += 1
            standing = await settle(reader, SignedWrite.model_validate(record["signed_write"]))
            landed = standing.settlement is Settlement.LANDED
            if record["state"] == "done" and not landed:
                counts["lost"] += 1
            if record["state"] in ("failed", "refused") and landed:
                counts["zombie"] += 1
        # every schema the wallet holds as finished must be on the ledger, once
        ids = (await college.get("/anoncreds/schemas")).get("schema_ids", [])
        counts["duplicated"] = len(ids) - len(set(ids))
        for schema_id in set(ids):
            try:
                await reader.anoncreds.schema(parse_anoncreds_id(schema_id))
            except LedgerNotFoundError:
                counts["lost"] += 1
    return {
        "requested": len(records),
        "done": counts["done"],
        "failed": counts["failed"] + counts["refused"],
        "open_after_bound": sum(counts[s] for s in open_states),
        "lost": counts["lost"],
        "zombie": counts["zombie"],
        "duplicated": counts["duplicated"],
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    """Run the soak and return its figures."""
    rng = random.Random(args.seed)
    load_before = os.getloadavg()[0]
    async with ler_stack(128, log=log) as stack:
        college = stack.admins["college"]
        issuer = stack.info.agent("college").did or ""
        until = time.monotonic() + args.seconds
        log(
            f"soak: {args.seconds} s, concurrency {args.concurrency}, "
            f"a kill every ~{args.kill_every} s"
        )
        outcomes, kills, _ = await asyncio.gather(
            flows(stack, args.concurrency, until),
            chaos(stack, args.kill_every, until, rng),
            writer(college, issuer, until),
        )
        log("settling every write from the chain")
        writes = await settle_writes(stack, college)
    statuses = Counter(o.status for o in outcomes)
    reasons = Counter(f"{o.exchange}: {o.reason[:120]}" for o in outcomes if o.reason)
    return {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "load_average_before": round(load_before, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
        "seconds": args.seconds,
        "concurrency": args.concurrency,
        "kills": dict(kills),
        "flows": {
            "finished": statuses["finished"],
            "failed": statuses["failed"],
            "stuck": statuses["stuck"],
            "reasons": dict(reasons.most_common(10)),
        },
        "writes": writes,
    }


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--kill-every", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(parse())), indent=2))
