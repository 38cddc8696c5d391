"""Flow benchmark: connect + issue + verify flows per minute, ours against stock ACA-Py.

One **flow** = the learner connects to the college (new DIDExchange connection), receives a
credential, the employer connects to the learner (second new connection) and verifies a proof.
Ours: a revocable AnonCreds credential on the LER ledger and a proof with a "now"
non-revocation interval, judged by the LER verifier policy. Baseline (same run, same machine):
stock ACA-Py 1.7 issuing a W3C ``ld_proof`` credential with a ``did:key`` and no ledger, verified
as a signed DIF presentation.

Both stacks stay up for the whole run; each level runs in rounds that alternate which stack goes
first, so other load on the machine falls on both alike. Every exchange has a deadline: one not
final by then is **stuck**, one ending abandoned, in an error or unverified is **failed** (reasons
are collected). Then revocation publish latency, on a second cred def (registry >= 128): N
credentials revoked with publish=false, then one publish-revocations call, timed until the
college's endorsement record is done and a plain ledger reader sees the bits (median of repeats);
the baseline there is a bare ledger write (0-value self-transfer) in the same run.
After the levels, the AnonCreds crypto floor (``bench.crypto_floor``: one flow's native calls,
in-process) at the run's registry size, and per level ours' CPU per flow above it against the
baseline's (``ratio_ours_above_floor_to_baseline``). Each level also splits each agent's CPU per
flow by thread (``cpu_s_per_flow_by_thread``): the event-loop thread with all the agent's Python,
askar's threads, and the other threads (ACA-Py's executor, where the AnonCreds calls run).

Proof + verify CPU as things grow (slow, so off unless asked): ``--registry-sizes`` publishes a
credential type per revocation registry size and times proofs on it; ``--wallet-sizes`` grows the
learner's wallet and times proofs again; each reports the largest size's CPU against the
smallest's, measured in the same run (``--scaling-rounds`` batches of ``--scaling-proofs`` per
size give the spread; ``--scaling-profile`` samples the learner and employer with py-spy).
``--agent-arg=-o --agent-arg=ler.holder.bounded_answers=false`` keeps ACA-Py's own answer to proof
requests (to compare); ``--agent-arg=-o --agent-arg=ler.exchange_timeout=0`` stops the stalled
exchange sweep, whose scan of every exchange record would otherwise land in some proof rounds.
``--profile N`` runs N flows under py-spy and reports where each agent's CPU goes.
``--only-extras`` skips the levels, the baseline and revocation.

    python -m bench.flows [--concurrency 1,5,10,20] [--counts 10,30,60,60] [--rounds 2]
    python -m bench.flows --only-extras --registry-sizes 128,1024,8192 --wallet-sizes 30,1000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

from ler_chain import LedgerClient, NetworkDescriptor
from ler_node.ledger.local import LedgerHome

from . import crypto_floor, flowkit
from .ledger import bare_write
from .ler_stack import (
    AGENTS,
    LerStack,
    issue_many,
    ler_stack,
    registry_scaling,
    revocation_latency,
    wallet_scaling,
)
from .stock_stack import StockStack, stock_stack

# ACA-Py 0.7 load tests: ~400 connect+issue+verify flows per minute with revocation on 16 CPUs.
REFERENCE_PER_CPU = 400 / 16
WARM_UP = 2
MIN_REGISTRY = 128
FLOOR_FLOWS = 20  # flows per variant of the AnonCreds crypto floor
RESULTS = Path(__file__).parent / "results"
NOTES = [
    "Exchanges are polled through single-record admin routes only, unless list_polling: "
    "ACA-Py 1.7's paginated list routes (GET /connections, ...) take a second askar pool "
    "connection while holding a session and deadlock the sqlite pool (4 connections on 2 "
    "cores) under concurrent calls; see bench/flowkit.connect.",
    "Stuck exchanges come from askar session opens timing out (asyncio TimeoutError after 10 s "
    "in ACA-Py's askar profile), which drops the DIDComm message with no problem report; stock "
    "ACA-Py 1.7's ld_proof store path nests two sessions on the holder, so bursts of "
    "credentials exhaust its pool (4 connections on 2 cores).",
    "flows_per_min is wall-clock and shares the machine with other_load_cpus of other work; "
    "flows_per_cpu_minute (60 / CPU seconds the stack's processes used per finished flow) is "
    "the load-independent figure.",
]


def log(message: str) -> None:
    """Progress on stderr (stdout carries only the JSON)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


async def measure_levels(
    ours: LerStack, stock: StockStack, levels: list[tuple[int, int]], rounds: int
) -> dict[str, dict[str, Any]]:
    """Run each (concurrency, count) level on both stacks in ``rounds`` turns, alternating
    which stack goes first, so other load on the machine falls on both alike."""
    stacks: dict[str, LerStack | StockStack] = {"ours": ours, "baseline": stock}
    for name, stack in stacks.items():
        warm = await flowkit.run_batch(stack.flow, WARM_UP, 1, stack.pids())
        log(f"{name} warm-up: {len(warm.outcomes)} flows, {warm.elapsed:.1f} s")
    pooled: dict[str, dict[str, flowkit.Batch]] = {"ours": {}, "baseline": {}}
    turn = 0
    for concurrency, count in levels:
        key = f"c{concurrency}"
        for share in split(count, rounds):
            order = ["baseline", "ours"] if turn % 2 == 0 else ["ours", "baseline"]
            turn += 1
            for name in order:
                stack = stacks[name]
                batch = await flowkit.run_batch(stack.flow, share, concurrency, stack.pids())
                done = sum(o.status == "finished" for o in batch.outcomes)
                log(f"{name} c={concurrency}: {done}/{share} finished in {batch.elapsed:.1f} s")
                known = pooled[name].get(key)
                pooled[name][key] = known + batch if known else batch
    return {
        name: {key: flowkit.summarize(batch) for key, batch in batches.items()}
        for name, batches in pooled.items()
    }


class BaselineMissing(SystemExit):
    """The stock ACA-Py baseline did not run (or finished nothing): no figure stands alone."""


def check_baseline(flows: dict[str, dict[str, Any]]) -> None:
    """Fail loudly unless the same-run baseline finished flows at every level ours ran."""
    baseline = flows.get("baseline", {})
    missing = [level for level in flows["ours"] if not (baseline.get(level) or {}).get("finished")]
    if missing:
        raise BaselineMissing(
            f"the stock ACA-Py baseline did not run or finished no flow at {missing}; "
            "refusing to report our figures without it"
        )


def report_load(flows: dict[str, dict[str, Any]]) -> None:
    """Print each level's other load and the same-run baseline beside ours (stderr)."""
    for level, mine in flows["ours"].items():
        theirs = flows["baseline"][level]
        log(
            f"{level}: ours {mine['cpu_s_per_flow']} CPU-s/flow, {mine['flows_per_min']}/min; "
            f"stock baseline {theirs['cpu_s_per_flow']} CPU-s/flow, {theirs['flows_per_min']}/min;"
            f" other load {mine['other_load_cpus']} / {theirs['other_load_cpus']} CPUs"
        )


def split(count: int, parts: int) -> list[int]:
    """``count`` in ``parts`` nearly equal shares."""
    return [count // parts + (i < count % parts) for i in range(parts)]


def ratios(ours: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """Ours divided by the baseline, per level, for throughput, latency and CPU per flow."""
    out: dict[str, Any] = {}
    for level, mine in ours.items():
        theirs = base[level]
        out[level] = {
            "flows_per_min": _ratio(mine["flows_per_min"], theirs["flows_per_min"]),
            "median_latency": _ratio(mine["median_s"], theirs["median_s"]),
            "p95_latency": _ratio(mine["p95_s"], theirs["p95_s"]),
            "cpu_s_per_flow": _ratio(mine["cpu_s_per_flow"], theirs["cpu_s_per_flow"]),
        }
    return out


def above_floor(flows: dict[str, dict[str, Any]], floor: dict[str, Any]) -> dict[str, Any]:
    """Per level, ours' CPU per flow above the AnonCreds floor and its ratio to the baseline's
    CPU per flow (logged in one line)."""
    out: dict[str, Any] = {}
    for level, mine in flows["ours"].items():
        ours = mine["cpu_s_per_flow"]
        above = round(ours - floor["cpu_s_per_flow"], 3) if ours is not None else None
        out[level] = {
            "ours_cpu_s_per_flow_above_floor": above,
            "ratio": _ratio(above, flows["baseline"][level]["cpu_s_per_flow"]),
        }
    shown = ", ".join(
        f"{k} {v['ours_cpu_s_per_flow_above_floor']} ({v['ratio']}x)" for k, v in out.items()
    )
    log(
        f"AnonCreds floor {floor['cpu_s_per_flow']} CPU-s/flow; ours above it (x baseline): {shown}"
    )
    return out


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a and b else None


def against_reference(ours: dict[str, Any]) -> dict[str, Any]:
    """Our best level per CPU against the published ACA-Py 0.7 load-test figure."""
    best = max(ours.values(), key=lambda level: level["flows_per_min"])
    return {
        "acapy_0_7_flows_per_min_per_cpu": REFERENCE_PER_CPU,
        "ours_best_level": f"c{best['concurrency']}",
        "ours_flows_per_min_per_cpu": best["flows_per_min_per_cpu"],
        "ours_flows_per_cpu_minute_by_cpu_cost": best["flows_per_cpu_minute"],
        "ratio_wall": _ratio(best["flows_per_min_per_cpu"], REFERENCE_PER_CPU),
        "ratio_cpu_cost": _ratio(best["flows_per_cpu_minute"], REFERENCE_PER_CPU),
    }


async def bare_write_ms(stack: LerStack, n: int = 10) -> float:
    """Median latency of a bare ledger write (trustee self-transfer), in ms."""
    home = LedgerHome.in_data_dir(stack.data_dir)
    async with LedgerClient(NetworkDescriptor.load(stack.info.descriptor), home.trustee()) as c:
        times = []
        for _ in range(n):
            start = time.perf_counter()
            await bare_write(c)
            times.append(time.perf_counter() - start)
    return round(statistics.median(times) * 1000, 1)


async def measure_revocation(stack: LerStack, sizes: list[int], repeats: int) -> dict[str, Any]:
    """On a fresh cred def: issue, then time publishes of each batch size ``repeats`` times."""
    total = sum(sizes) * repeats
    cred_def_id = await stack.publish("2.0", max(MIN_REGISTRY, total * 11 // 10), log)
    issued = await issue_many(stack, cred_def_id, total)
    log(f"issued {len(issued)} credentials for the revocation batches")
    results: dict[str, Any] = {"baseline_bare_ledger_write_ms": await bare_write_ms(stack)}
    runs: dict[int, list[dict[str, Any]]] = {size: [] for size in sizes}
    start = 0
    for _ in range(repeats):
        for size in sizes:
            await asyncio.sleep(1.1)  # each status list version lands in a later block second
            runs[size].append(await revocation_latency(stack, issued[start : start + size]))
            start += size
            log(f"revoked {size}: on the ledger after {runs[size][-1]['ledger_visible_s']} s")
    for size, measured in runs.items():
        results[f"revoke_{size}"] = latency_summary(
            measured, results["baseline_bare_ledger_write_ms"]
        )
    return results


def latency_summary(runs: list[dict[str, Any]], bare_ms: float) -> dict[str, Any]:
    """Median (and worst) of each timing over the repeats, with the endorsement outcomes."""
    summary: dict[str, Any] = {"revoked": runs[0]["revoked"], "repeats": len(runs)}
    for key in ("publish_call_s", "endorsement_done_s", "ledger_visible_s"):
        values = [run[key] for run in runs]
        summary[key] = round(statistics.median(values), 3)
        summary[key[:-2] + "_max_s"] = round(max(values), 3)
    summary["endorsement_states"] = sorted({run["endorsement_state"] for run in runs})
    summary["ledger_visible_vs_bare_write"] = round(summary["ledger_visible_s"] * 1000 / bare_ms, 1)
    return summary


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Bring both stacks up, measure, tear down."""
    began = time.perf_counter()
    flowkit.DEADLINE = args.deadline
    flowkit.LIST_POLLING = args.list_polling
    levels = list(zip(args.concurrency, args.counts, strict=True))
    registry_size = max(MIN_REGISTRY, (WARM_UP + sum(args.counts) + args.profile) * 11 // 10)
    log(f"levels {levels}; registry size {registry_size}")
    results: dict[str, Any] = {
        "benchmark": "flows",
        "machine": _machine(),
        "flow": __doc__.split("\n\n")[1].replace("\n", " "),
        "deadline_s": args.deadline,
        "list_polling": args.list_polling,
        "notes": NOTES,
        "agent_args": args.agent_arg,
        "rounds": args.rounds,
        "registry_size": registry_size,
    }
    async with ler_stack(registry_size, _every_agent(args.agent_arg), log=log) as ours:
        if not args.only_extras:
            async with stock_stack() as stock:
                log("both stacks up")
                flows = await measure_levels(ours, stock, levels, args.rounds)
                logs = {"ours": str(ours.data_dir / "agents"), "baseline": str(stock.root)}
            check_baseline(flows)
            report_load(flows)
            floor = await asyncio.to_thread(crypto_floor.measure, registry_size, FLOOR_FLOWS, log)
            results |= {
                "ours": flows["ours"],
                "baseline_stock_acapy_ld_proof": flows["baseline"],
                "ratio_ours_to_baseline": ratios(flows["ours"], flows["baseline"]),
                "anoncreds_floor": floor,
                "ratio_ours_above_floor_to_baseline": above_floor(flows, floor),
                "reference_acapy_0_7": against_reference(flows["ours"]),
                "revocation_publish": await measure_revocation(
                    ours, args.revoke, args.revoke_repeats
                ),
                "agent_logs": logs,
            }
        results |= await measure_extras(ours, args)
    return results | {"run_s": round(time.perf_counter() - began, 1)}


async def measure_extras(ours: LerStack, args: argparse.Namespace) -> dict[str, Any]:
    """The optional measurements: profile, and proof CPU against registry and wallet size."""
    extras: dict[str, Any] = {}
    if args.profile:
        dumps = Path(tempfile.mkdtemp(prefix="ler-bench-profile-"))  # raw stacks stay out of git
        batch, profile = await flowkit.profiled_batch(
            ours.flow, args.profile, ours.pids(), ["college", "learner", "employer"], dumps
        )
        log(f"py-spy folded stacks in {dumps}")
        extras["profile"] = {
            "flows": flowkit.summarize(batch),
            "agents": profile,
            "folded_stacks": str(dumps),
        }
    if args.registry_sizes:
        extras["proof_cpu_by_registry_size"] = await registry_scaling(
            ours, args.registry_sizes, args.scaling_proofs, log, args.scaling_rounds
        )
    if args.wallet_sizes:
        spy = None
        if args.scaling_profile:  # raw stacks stay out of git
            spy = Path(tempfile.mkdtemp(prefix="ler-bench-wallet-profile-"))
            log(f"py-spy folded stacks of the wallet sizes in {spy}")
        extras["proof_cpu_by_wallet_size"] = await wallet_scaling(
            ours, args.wallet_sizes, args.scaling_proofs, log, args.scaling_rounds, spy
        )
    return extras


def _machine() -> dict[str, Any]:
    return {
        "cpus": flowkit.CPUS,
        "python": platform.python_version(),
        "acapy": version("acapy-agent"),
        "askar": version("aries-askar"),
    }


def _every_agent(extra: list[str]) -> dict[str, list[str]]:
    return {agent_id: list(extra) for agent_id, _name, _role in AGENTS}


def _ints(text: str) -> list[int]:
    return [int(v) for v in text.split(",") if v]


def main() -> None:
    """Parse arguments, run, print JSON (also saved as bench/results/flows.json)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=_ints, default=[1, 5, 10, 20])
    parser.add_argument("--counts", type=_ints, default=[10, 30, 60, 60], help="flows per level")
    parser.add_argument("--rounds", type=int, default=2, help="turns per level and stack")
    parser.add_argument("--deadline", type=float, default=120.0, help="seconds per exchange")
    parser.add_argument("--revoke", type=_ints, default=[1, 100], help="revocation batch sizes")
    parser.add_argument("--revoke-repeats", type=int, default=3)
    parser.add_argument(
        "--agent-arg",
        action="append",
        default=[],
        help="one more aca-py argument for every agent of our stack (repeatable)",
    )
    parser.add_argument(
        "--list-polling",
        action="store_true",
        help="poll GET /connections (list) like launcher.connect, to reproduce the pool deadlock",
    )
    parser.add_argument("--profile", type=int, default=0, help="flows to run under py-spy")
    parser.add_argument(
        "--registry-sizes", type=_ints, default=[], help="e.g. 128,1024,8192 (slow when large)"
    )
    parser.add_argument("--wallet-sizes", type=_ints, default=[], help="e.g. 30,1000 (slow)")
    parser.add_argument("--scaling-proofs", type=int, default=5, help="proofs per size and round")
    parser.add_argument(
        "--scaling-rounds", type=int, default=1, help="rounds of proofs per size (the spread)"
    )
    parser.add_argument(
        "--scaling-profile",
        action="store_true",
        help="py-spy samples the learner and the employer during the wallet sizes' proofs",
    )
    parser.add_argument(
        "--only-extras",
        action="store_true",
        help="only --profile / --registry-sizes / --wallet-sizes: no levels, baseline, revocation",
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "flows.json")
    args = parser.parse_args()
    results = asyncio.run(run(args))
    text = json.dumps(results, indent=2)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
