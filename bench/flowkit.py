"""Driving credential flows under load: per-exchange deadlines, outcomes, concurrency levels.

A flow is a sequence of exchanges (connection, issuance, presentation). Each exchange has its
own deadline: one that has not reached a final state by then is **stuck**; one that reaches a
failure state (abandoned, error, not verified, a refused admin call) is **failed** with a reason.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import statistics
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ler_node.network.admin import AdminClient, AdminError

DEADLINE = 120.0
POLL = 0.25
CONNECTED = ("active", "completed")
LIST_POLLING = False  # poll GET /connections (list) like launcher.connect; see connect()


class ExchangeStuck(Exception):
    """An exchange did not reach a final state before its deadline."""

    def __init__(self, exchange: str, detail: str) -> None:
        super().__init__(f"{exchange}: {detail}")
        self.exchange = exchange
        self.detail = detail


class ExchangeFailed(Exception):
    """An exchange ended in a failure state; ``reason`` says why."""

    def __init__(self, exchange: str, reason: str) -> None:
        super().__init__(f"{exchange}: {reason}")
        self.exchange = exchange
        self.reason = reason


@dataclass(frozen=True)
class Outcome:
    """How one flow ended."""

    status: str  # finished | failed | stuck
    seconds: float
    exchange: str = ""
    reason: str = ""
    steps: dict[str, float] = field(default_factory=dict)


class Steps:
    """Times the exchanges of one flow, one after another."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def mark(self, name: str) -> None:
        """The exchange ``name`` just finished."""
        now = time.perf_counter()
        self.seconds[name] = now - self._last
        self._last = now


async def poll(
    admin: AdminClient,
    path: str,
    done: Callable[[Any], bool],
    exchange: str,
    deadline: float | None = None,
    **params: Any,
) -> Any:
    """GET ``path`` until ``done(answer)``; ExchangeStuck after ``deadline`` (or DEADLINE) s."""
    deadline = DEADLINE if deadline is None else deadline
    loop = asyncio.get_running_loop()
    until = loop.time() + deadline
    last: Any = None
    while loop.time() < until:
        try:
            last = await admin.get(path, **params)
            if done(last):
                return last
        except AdminError as exc:  # unreachable, not there yet, or a server error: retry
            if 400 <= exc.status < 500 and exc.status != 404:
                raise ExchangeFailed(exchange, str(exc)) from exc
            last = f"HTTP {exc.status or 'unreachable'}"
        await asyncio.sleep(POLL)
    raise ExchangeStuck(exchange, f"not final after {deadline:.0f} s (last: {_brief(last)})")


def _brief(answer: Any) -> str:
    if isinstance(answer, dict):
        record = answer.get("cred_ex_record", answer)
        return str({k: record.get(k) for k in ("state", "error_msg") if k in record})
    return str(answer)[:200]


async def connect(inviter: AdminClient, invitee: AdminClient, alias: str) -> str:
    """A new DIDExchange connection; returns the inviter's connection id once both are active."""
    return (await connect_both(inviter, invitee, alias))[0]


async def connect_both(inviter: AdminClient, invitee: AdminClient, alias: str) -> tuple[str, str]:
    """A new DIDExchange connection, once both are active: (inviter's id, invitee's id).

    Only single-record routes are polled. ACA-Py 1.7's paginated list routes (``GET
    /connections`` and the like) hold a wallet session while their scan takes a second pool
    connection, so a few concurrent list calls exhaust askar's sqlite pool (4 connections on 2
    cores) and deadlock the agent's wallet for 30 s; ``LIST_POLLING`` brings that behaviour back.
    """
    try:
        invitation = await inviter.post(
            "/out-of-band/create-invitation",
            {"handshake_protocols": ["https://didcomm.org/didexchange/1.1"], "alias": alias},
            auto_accept="true",
        )
        oob = await inviter.get("/out-of-band/invitations", oob_id=invitation["oob_id"])
        received = await invitee.post(
            "/out-of-band/receive-invitation",
            invitation["invitation"],
            alias=inviter.name,
            auto_accept="true",
        )
    except AdminError as exc:
        raise ExchangeFailed("connection", str(exc)) from exc
    await poll(
        invitee,
        f"/connections/{received['connection_id']}",
        lambda c: _connection_final(c, "connection"),
        "connection",
    )
    if LIST_POLLING:
        found = await poll(
            inviter,
            "/connections",
            lambda r: any(_connection_final(c, "connection") for c in r["results"]),
            "connection",
            invitation_msg_id=invitation["invi_msg_id"],
        )
        return found["results"][0]["connection_id"], received["connection_id"]
    connection_id = oob["connection_id"]
    await poll(
        inviter,
        f"/connections/{connection_id}",
        lambda c: _connection_final(c, "connection"),
        "connection",
    )
    return connection_id, received["connection_id"]


def _connection_final(connection: dict[str, Any], exchange: str) -> bool:
    if connection.get("state") in ("abandoned", "error"):
        raise ExchangeFailed(exchange, f"connection {connection['state']}: {connection}")
    return connection.get("state") in CONNECTED


async def wait_issued(college: AdminClient, cred_ex_id: str) -> dict[str, Any]:
    """Wait until the issuer's issue-credential 2.0 record is done (the holder acked storing)."""

    def final(answer: dict[str, Any]) -> bool:
        record = answer["cred_ex_record"]
        if record["state"] in ("abandoned", "deleted") or record.get("error_msg"):
            raise ExchangeFailed("issuance", f"{record['state']}: {record.get('error_msg')}")
        return record["state"] == "done"

    return await poll(college, f"/issue-credential-2.0/records/{cred_ex_id}", final, "issuance")


def classify(error: BaseException) -> tuple[str, str, str]:
    """(status, exchange, reason) for an exception raised by a flow."""
    while isinstance(error, BaseExceptionGroup):  # a task group of the flow: its first error
        error = error.exceptions[0]
    if isinstance(error, ExchangeStuck):
        return "stuck", error.exchange, error.detail
    if isinstance(error, ExchangeFailed):
        return "failed", error.exchange, error.reason
    return "failed", "?", f"{type(error).__name__}: {error}"


Flow = Callable[[int], Awaitable[dict[str, float]]]


async def timed_flow(flow: Flow, index: int) -> Outcome:
    """Run one flow and record how it ended (a finished flow returns its step times)."""
    start = time.perf_counter()
    try:
        steps = await flow(index)
    except Exception as exc:  # every way a flow can end counts
        status, exchange, reason = classify(exc)
        return Outcome(status, time.perf_counter() - start, exchange, reason[:300])
    return Outcome("finished", time.perf_counter() - start, steps=steps)


@dataclass
class Batch:
    """Flows run at one concurrency: outcomes, wall time, CPU used (batches add up)."""

    concurrency: int
    outcomes: list[Outcome]
    elapsed: float
    cpu: CpuSample

    def __add__(self, other: Batch) -> Batch:
        return Batch(
            self.concurrency,
            self.outcomes + other.outcomes,
            self.elapsed + other.elapsed,
            self.cpu + other.cpu,
        )


async def run_batch(flow: Flow, count: int, concurrency: int, pids: dict[str, int]) -> Batch:
    """``count`` flows, ``concurrency`` at a time (closed loop), with the CPU they used."""
    queue = iter(range(count))
    outcomes: list[Outcome] = []

    async def worker() -> None:
        for index in queue:
            outcomes.append(await timed_flow(flow, index))

    before = CpuSample.take(pids)
    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    return Batch(concurrency, outcomes, elapsed, CpuSample.take(pids) - before)


def summarize(batch: Batch) -> dict[str, Any]:
    """Flows per minute (and per CPU), latency percentiles, outcome counts, reasons, CPU."""
    outcomes, elapsed, cpu = batch.outcomes, batch.elapsed, batch.cpu
    done = [o for o in outcomes if o.status == "finished"]
    finished = sorted(o.seconds for o in done)
    counts = Counter(o.status for o in outcomes)
    reasons = Counter(f"{o.status} in {o.exchange}: {o.reason}" for o in outcomes if o.reason)
    per_minute = len(done) / elapsed * 60
    n = len(done) or 1
    per_flow = cpu.stack_total / n
    return {
        "concurrency": batch.concurrency,
        "flows": len(outcomes),
        "finished": counts["finished"],
        "failed": counts["failed"],
        "stuck": counts["stuck"],
        "wall_s": round(elapsed, 1),
        "flows_per_min": round(per_minute, 1),
        "flows_per_min_per_cpu": round(per_minute / CPUS, 1),
        "median_s": round(statistics.median(finished), 2) if done else None,
        "p95_s": round(percentile(finished, 0.95), 2) if done else None,
        "median_step_s": median_steps([o.steps for o in done]),
        "cpu_s_per_flow": round(per_flow, 3) if done else None,
        "flows_per_cpu_minute": round(60 / per_flow, 1) if done and per_flow else None,
        "cpu_s_per_flow_by_process": {k: round(v / n, 3) for k, v in cpu.stack.items()},
        "cpu_s_per_flow_by_thread": {
            name: {group: round(v / n, 3) for group, v in cpu.by_thread_group(name).items()}
            for name in AGENTS_BY_THREAD
            if name in cpu.threads
        },
        "driver_cpu_s_per_flow": round(cpu.driver / n, 3),
        "other_load_cpus": round(cpu.other / elapsed, 2),
        "reasons": dict(reasons.most_common(10)),
    }


def median_steps(flows: list[dict[str, float]]) -> dict[str, float]:
    """Median seconds of each exchange over the finished flows."""
    names = dict.fromkeys(name for steps in flows for name in steps)
    return {n: round(statistics.median(s[n] for s in flows if n in s), 2) for n in names}


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    return ordered[max(0, min(len(ordered) - 1, round(q * len(ordered)) - 1))]


CPUS = os.cpu_count() or 1
_TICKS = os.sysconf("SC_CLK_TCK")


#: askar's threads (Linux thread names, cut to 15 characters): its tokio runtime, sqlite workers
ASKAR_THREADS = frozenset({"tokio-runtime-w", "sqlx-sqlite-wor"})
EXITED = "exited threads"
#: the processes whose CPU the summaries split by thread (the three agents of a flow)
AGENTS_BY_THREAD = ("college", "learner", "employer")


@dataclass(frozen=True)
class CpuSample:
    """CPU seconds used so far: by each stack process, by this driver, by the whole machine; and
    by each thread of a stack process (``"<group>:<tid>"``, see :func:`thread_cpu`)."""

    stack: dict[str, float]
    driver: float
    machine: float
    threads: dict[str, dict[str, float]] = field(default_factory=dict)

    @classmethod
    def take(cls, pids: dict[str, int]) -> CpuSample:
        """Read /proc now."""
        times = os.times()
        stack = {name: process_cpu(pid) for name, pid in pids.items()}
        threads = {name: thread_cpu(pid) for name, pid in pids.items()}
        return cls(stack, times.user + times.system, machine_busy(), threads)

    def __sub__(self, other: CpuSample) -> CpuSample:
        stack = {name: used - other.stack.get(name, 0.0) for name, used in self.stack.items()}
        threads = {}  # a thread that ended in between is in neither: its CPU is "exited"
        for name, now in self.threads.items():
            before = other.threads.get(name, {})
            threads[name] = {key: used - before.get(key, 0.0) for key, used in now.items()}
        return CpuSample(stack, self.driver - other.driver, self.machine - other.machine, threads)

    def __add__(self, other: CpuSample) -> CpuSample:
        stack = {name: used + other.stack.get(name, 0.0) for name, used in self.stack.items()}
        threads = {
            name: dict(Counter(self.threads.get(name, {})) + Counter(other.threads.get(name, {})))
            for name in self.threads.keys() | other.threads.keys()
        }
        return CpuSample(stack, self.driver + other.driver, self.machine + other.machine, threads)

    @property
    def stack_total(self) -> float:
        """All the stack's processes together."""
        return sum(self.stack.values())

    @property
    def other(self) -> float:
        """CPU seconds used by everything else on the machine (other people's work)."""
        return max(0.0, self.machine - self.stack_total - self.driver)

    def by_thread_group(self, name: str) -> dict[str, float]:
        """One process's CPU seconds by thread group, and what threads that ended used."""
        groups: Counter[str] = Counter()
        for key, used in self.threads.get(name, {}).items():
            groups[key.split(":", 1)[0]] += used
        groups[EXITED] = max(0.0, self.stack.get(name, 0.0) - sum(groups.values()))  # ± a tick
        return dict(groups)


def keep_only_logs(root: Path) -> None:
    """After a stack stopped: delete its wallets, ledger state, tails files and throwaway keys,
    keep its ``*.log`` files (a run's evidence, a few MB against tens of MB per stack)."""
    for path in sorted(root.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_symlink() or path.is_file():
            if path.suffix != ".log":
                path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def process_cpu(pid: int) -> float:
    """User + system CPU seconds used so far by one process (0 if it is gone)."""
    try:
        return _cpu_seconds(f"/proc/{pid}/stat")
    except OSError:
        return 0.0


def _cpu_seconds(stat_file: str) -> float:
    """User + system CPU seconds in a /proc ``stat`` file (of a process or one of its threads)."""
    fields = Path(stat_file).read_text().rsplit(") ", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds so far of each live thread of a process, keyed ``"<group>:<tid>"``. Groups:
    ``main`` (the thread that runs an ACA-Py agent's event loop and all its Python), ``askar``
    (askar's runtime and sqlite threads) and ``other`` (for an agent: ACA-Py's executor threads,
    where the AnonCreds calls run)."""
    threads: dict[str, float] = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return threads
    for tid in tids:
        try:
            name = Path(f"/proc/{pid}/task/{tid}/comm").read_text().strip()
            used = _cpu_seconds(f"/proc/{pid}/task/{tid}/stat")
        except OSError:
            continue  # ended while we read
        group = "main" if tid == str(pid) else "askar" if name in ASKAR_THREADS else "other"
        threads[f"{group}:{tid}"] = used
    return threads


def machine_busy() -> float:
    """CPU seconds the whole machine spent not idle (all cores) since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / _TICKS


# --- profiling (py-spy, from the dev extras) -----------------------------------------------------

PY_SPY = Path(sys.executable).with_name("py-spy")
_FRAME = re.compile(r"^(?P<function>.*) \((?P<path>.*?):\d+\)$")


async def profiled_batch(
    flow: Flow, count: int, pids: dict[str, int], agents: list[str], out: Path, rate: int = 200
) -> tuple[Batch, dict[str, Any]]:
    """Run ``count`` flows one at a time while py-spy samples each agent; the batch and the
    top frames per agent (folded stacks are left in ``out``)."""
    async with py_spy(pids, agents, out, rate):
        batch = await run_batch(flow, count, 1, pids)
    return batch, {agent: top_frames(out / f"{agent}.folded") for agent in agents}


@asynccontextmanager
async def py_spy(
    pids: dict[str, int], agents: list[str], out: Path, rate: int = 200
) -> AsyncIterator[None]:
    """py-spy samples each of ``agents`` while the block runs; ``out/<agent>.folded`` after."""
    out.mkdir(parents=True, exist_ok=True)
    spies = {}
    for agent in agents:
        spies[agent] = await asyncio.create_subprocess_exec(
            *(str(PY_SPY), "record", "--pid", str(pids[agent]), "--rate", str(rate)),
            *("--format", "raw", "--nonblocking", "-o", str(out / f"{agent}.folded")),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
    await asyncio.sleep(1.0)  # py-spy attached
    try:
        yield
    finally:
        for spy in spies.values():
            spy.send_signal(signal.SIGINT)
        for spy in spies.values():
            await asyncio.wait_for(spy.wait(), 60)


def top_frames(folded: Path, top: int = 15) -> dict[str, Any]:
    """Where one process's CPU samples went: by library (the sampled leaf), by own frame (self),
    and by any frame on the stack (inclusive), as percentages of its samples."""
    total = 0
    by_library: Counter[str] = Counter()
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for line in folded.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        samples = int(count)
        frames = [_short(frame) for frame in stack.split(";")]
        total += samples
        own[frames[-1][0]] += samples
        by_library[frames[-1][1]] += samples
        for name in {name for name, _ in frames}:
            inclusive[name] += samples

    def share(counter: Counter[str]) -> dict[str, float]:
        return {k: round(100 * v / total, 1) for k, v in counter.most_common(top)}

    return {
        "samples": total,
        "by_library_pct": share(by_library),
        "self_pct": share(own),
        "inclusive_pct": share(inclusive),
    }


def _short(frame: str) -> tuple[str, str]:
    """``function (module path)`` and the library it belongs to."""
    match = _FRAME.match(frame)
    if match is None:
        return frame, frame
    path = match["path"]
    for marker in ("site-packages/", "/agent/", "/plugins/", "python3.13/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    library = path.split("/")[0] if "/" in path else "stdlib"
    return f"{match['function']} ({path})", library
