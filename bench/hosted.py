"""Hosted-agent benchmark: tenant creation, memory per tenant, flows across learner tenants.

One network, three hosted (multitenant) agents side by side, so every figure has its baseline
from the same run on the same machine:

* ``shared``: PostgreSQL, every tenant a profile of one askar store (``single-wallet-askar``);
* ``per-tenant``: PostgreSQL, a database per tenant (askar's default multitenancy, RAW keys);
* ``sqlite``: the baseline, an askar SQLite file per tenant (per-wallet SQLite).

Measured: tenants created per second (one at a time), agent RSS added per 100 tenants; then
``--more-tenants`` more in the shared and sqlite layouts (1,000 in all by default: a database per
tenant would take ~8 GB of disk); then connect + issue + verify flows (a college connects to a
learner tenant, issues a revocable AnonCreds credential; the employer connects and verifies a
skills proof) spread over every learner tenant of each layout at each concurrency, counting
stuck and failed exchanges and the verdicts' reasons (bench/flowkit.py).

The full run (15 minutes on 2 cores shared with other work; its figures are in docs/operators.md):

    python -m bench.hosted --tenants 100 --more-tenants 900 --concurrency 10,20,50 --flows 40
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ler_node.network import flows
from ler_node.network.admin import AdminClient, AdminError
from ler_node.network.agents import AgentHome
from ler_node.network.hosting import Hosting, Tenant, TenantClient
from ler_node.network.launcher import network_down, network_up
from ler_node.network.spec import NetworkSpec
from ler_node.postgres import EmbeddedPostgres
from ler_node.processes import free_port

from . import flowkit
from .flowkit import ExchangeFailed, Steps, connect, connect_both
from .ler_stack import SKILLS, WELDER, issue, prove

LAYOUTS = {
    "shared": {"storage": "postgres", "tenant_store": "shared"},
    "per-tenant": {"storage": "postgres", "tenant_store": "per-tenant"},
    "sqlite": {"storage": "sqlite", "tenant_store": "per-tenant"},
}
FLOW_LAYOUTS = ("shared", "per-tenant", "sqlite")  # ours against per-wallet SQLite
# tenants beyond --tenants (1,000 databases of the per-tenant layout would take ~8 GB of disk)
SCALE_LAYOUTS = ("shared", "sqlite")
RESULTS = Path(__file__).parent / "results"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def network_spec() -> NetworkSpec:
    """State, college, employer and one hosted agent per layout, on free ports."""
    agents: list[dict[str, Any]] = [
        {"id": "state", "name": "State", "role": "endorser"},
        {"id": "college", "name": "Prairie Ridge Community College", "role": "issuer"},
        {"id": "employer", "name": "Crossroads Precision Manufacturing", "role": "verifier"},
    ]
    for layout, settings in LAYOUTS.items():
        agents.append(
            {"id": f"hosted-{layout}", "name": f"Hosted ({layout})", "role": "holder",
             "multitenant": True, **settings}
        )  # fmt: skip
    for agent in agents:
        agent.update(admin_port=free_port(), inbound_port=free_port())
    return NetworkSpec.model_validate(
        {
            "network": "bench",
            "ledger": {"kind": "anvil", "rpc_url": f"http://127.0.0.1:{free_port()}"},
            "tails": {"url": f"http://127.0.0.1:{free_port()}"},
            "postgres": {"max_connections": 10},
            "agents": agents,
        }
    )


def rss_mib(pid: int | None) -> float:
    """Resident memory of a process, MiB."""
    if pid is None:
        return 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def create_tenants(
    handle: Hosting, pid: int | None, count: int
) -> tuple[list[Tenant], dict[str, Any]]:
    """``count`` learner tenants one at a time: rate and RSS added (``pid``: the agent's)."""
    rss_before = rss_mib(pid)
    cpu = flowkit.CpuSample.take({"agent": pid or 0})
    started = time.perf_counter()
    tenants = [await handle.create(f"learner {i}") for i in range(count)]
    elapsed = time.perf_counter() - started
    cpu = flowkit.CpuSample.take({"agent": pid or 0}) - cpu
    added = rss_mib(pid) - rss_before
    return tenants, {
        "tenants": count,
        "seconds": round(elapsed, 2),
        "ms_per_tenant": round(elapsed / count * 1000, 1),
        "tenants_per_s": round(count / elapsed, 2),
        "agent_cpu_ms_per_tenant": round(cpu.stack_total / count * 1000, 1),
        "other_load_cpus": round(cpu.other / elapsed, 2),
        "rss_before_mib": round(rss_before, 1),
        "rss_added_mib_per_100": round(added / count * 100, 1),
    }


class TenantFlows:
    """Flows against learner tenants of one hosted agent."""

    def __init__(
        self, admins: dict[str, AdminClient], hosting: Hosting, tenants: list[Tenant], cred_def: str
    ) -> None:
        self.admins = admins
        self.clients = [
            TenantClient(t.label, hosting.admin_url, t.token, timeout=60) for t in tenants
        ]
        self.cred_def_id = cred_def

    async def flow(self, index: int) -> dict[str, float]:
        """College → learner tenant credential, employer → learner tenant proof."""
        # a prime stride spreads the flows over every tenant, not the first few
        learner = self.clients[(index * 7919) % len(self.clients)]
        college, employer = self.admins["college"], self.admins["employer"]
        steps = Steps()
        college_conn = await connect(college, learner, f"tenant-{index}")
        steps.mark("connect_college")
        await issue(college, college_conn, self.cred_def_id, WELDER)
        steps.mark("issue")
        employer_conn, learner_conn = await connect_both(employer, learner, f"tenant-{index}")
        steps.mark("connect_employer")
        # the hosted agent answers no request by itself: the learner shares the plan it saw
        async with asyncio.TaskGroup() as both:
            asking = both.create_task(prove(employer, employer_conn, self.cred_def_id))
            both.create_task(_share(learner, learner_conn))
        verdict = asking.result()
        if verdict.get("verified") is not True:
            raise ExchangeFailed("presentation", f"not verified: {verdict.get('reasons')}")
        steps.mark("verify")
        return steps.seconds

    async def close(self) -> None:
        for client in self.clients:
            await client.close()


async def _share(learner: TenantClient, connection_id: str) -> None:
    """The learner tenant shares the request waiting on its connection with the employer."""
    try:
        await flows.share_requested_proof(learner, connection_id)
    except AdminError as exc:
        raise ExchangeFailed("presentation", f"not shared: {exc}") from exc


async def database_count(data_dir: Path) -> int:
    """Databases on the embedded server (one per wallet in the per-tenant layout)."""
    import psycopg

    conn = EmbeddedPostgres(data_dir).connection()
    async with await psycopg.AsyncConnection.connect(
        host=conn.host, port=conn.port, user=conn.user, password=conn.password, dbname="postgres"
    ) as db:
        row = await (await db.execute("SELECT count(*) FROM pg_database")).fetchone()
    return int(row[0]) - 3  # postgres, template0, template1


async def run(args: argparse.Namespace) -> dict[str, Any]:
    spec = network_spec()
    data_dir = Path(tempfile.mkdtemp(prefix="ler-bench-hosted-"))
    homes = {a.id: AgentHome(data_dir, a) for a in spec.agents}
    admins = {k: h.admin(timeout=60) for k, h in homes.items()}
    result: dict[str, Any] = {"machine": _machine(), "args": vars(args)}
    loads = []
    try:
        log(f"starting the network in {data_dir}")
        info = await network_up(spec, data_dir, progress=lambda _m: None)
        college_did = info.agent("college").did or ""
        await flows.set_accreditation(admins["state"], college_did, SKILLS, "accredit")
        issued = args.flows * len(args.concurrency) * len(args.layouts)
        published = await flows.publish_credential_type(
            admins["college"], college_did, name=SKILLS, registry_size=max(128, issued + 16)
        )
        log("network up, credential type published")
        creation: dict[str, Any] = {}
        tenants: dict[str, list[Tenant]] = {}
        for layout in args.layouts:
            home = homes[f"hosted-{layout}"]
            handle = Hosting.of(home)
            tenants[layout], creation[layout] = await create_tenants(
                handle, home.process.pid(), args.tenants
            )
            loads.append(creation[layout]["other_load_cpus"])
            await handle.admin.close()
            log(f"{layout}: {creation[layout]}")
        creation["postgres_databases"] = await database_count(data_dir)
        result["tenant_creation"] = creation
        if args.more_tenants:
            result["tenant_creation_at_scale"] = {}
            for layout in (x for x in SCALE_LAYOUTS if x in args.layouts):
                home = homes[f"hosted-{layout}"]
                handle = Hosting.of(home)
                more, figures = await create_tenants(handle, home.process.pid(), args.more_tenants)
                tenants[layout] += more
                figures["total_tenants"] = args.tenants + args.more_tenants
                figures["rss_after_mib"] = round(rss_mib(home.process.pid()), 1)
                result["tenant_creation_at_scale"][layout] = figures
                loads.append(figures["other_load_cpus"])
                await handle.admin.close()
                log(f"{layout} at {figures['total_tenants']} tenants: {figures}")
        result["flows"] = {}
        for layout in (x for x in FLOW_LAYOUTS if x in args.layouts):
            hosting = Hosting.of(homes[f"hosted-{layout}"])
            runner = TenantFlows(admins, hosting, tenants[layout], published.cred_def_id)
            pids = {
                name: pid
                for name in ("college", "employer", f"hosted-{layout}")
                if (pid := homes[name].process.pid()) is not None
            }
            result["flows"][layout] = []
            for concurrency in args.concurrency:
                batch = await flowkit.run_batch(runner.flow, args.flows, concurrency, pids)
                summary = flowkit.summarize(batch)
                summary["rss_mib"] = round(rss_mib(pids.get(f"hosted-{layout}")), 1)
                summary["tenants"] = len(tenants[layout])
                result["flows"][layout].append(summary)
                loads.append(summary["other_load_cpus"])
                log(f"{layout} c={concurrency}: {summary['finished']} finished, "
                    f"{summary['failed']} failed, {summary['stuck']} stuck, "
                    f"{summary['flows_per_min']}/min")  # fmt: skip
            await runner.close()
            await hosting.admin.close()
        result["other_load_cpus_max"] = max(loads) if loads else None
    finally:
        for admin in admins.values():
            await admin.close()
        network_down(spec, data_dir, progress=lambda _m: None)
        EmbeddedPostgres(data_dir).remove()
        flowkit.keep_only_logs(data_dir)
    return result


def _machine() -> dict[str, Any]:
    return {
        "cpus": flowkit.CPUS,
        "python": platform.python_version(),
        "load_avg_at_start": list(Path("/proc/loadavg").read_text().split()[:3]),
    }


def _ints(text: str) -> list[int]:
    return [int(v) for v in text.split(",") if v]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=20, help="tenants per layout")
    parser.add_argument("--concurrency", type=_ints, default=[10, 20])
    parser.add_argument("--flows", type=int, default=20, help="flows per concurrency level")
    parser.add_argument(
        "--more-tenants",
        type=int,
        default=0,
        help="then create this many more (shared and sqlite layouts): rate and memory at scale",
    )
    parser.add_argument(
        "--layouts",
        type=lambda text: [x for x in text.split(",") if x],
        default=list(LAYOUTS),
        help=f"which of {','.join(LAYOUTS)} (default: all)",
    )
    args = parser.parse_args()
    if unknown := set(args.layouts) - set(LAYOUTS):
        parser.error(f"unknown layouts: {', '.join(sorted(unknown))}")
    result = asyncio.run(run(args))
    result["load_avg_at_end"] = Path("/proc/loadavg").read_text().split()[:3]
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"hosted-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    print(json.dumps(result, indent=2))
    log(f"written to {out}")


if __name__ == "__main__":
    main()
