"""Our stack: a small LER network (state, college, learner, employer) and its flows.

A flow: the learner connects to the college (new DIDExchange connection), receives a revocable
AnonCreds credential (issue-credential 2.0, ``anoncreds`` format), then the employer connects to
the learner (a second new connection) and verifies a skills proof with a "now" non-revocation
interval through ``flows.request_proof``, which returns the LER verdict.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ler_chain import LedgerClient, NetworkDescriptor, RevRegDefId, parse_anoncreds_id
from ler_node.ledger.local import LedgerHome
from ler_node.network import flows
from ler_node.network.admin import AdminClient, AdminError
from ler_node.network.agents import AgentHome
from ler_node.network.launcher import NetworkInfo, network_down, network_up, tails_process
from ler_node.network.spec import NetworkSpec
from ler_node.processes import free_port

from . import flowkit
from .flowkit import ExchangeFailed, ExchangeStuck, Steps, connect, poll, wait_issued

SKILLS = "SkillsCredential"
WELDER = {"program": "Advanced Manufacturing", "skill": "Welding", "level": "4", "date": "20261115"}
AGENTS = (
    ("state", "State Office of Workforce Credentials", "endorser"),
    ("college", "Prairie Ridge Community College", "issuer"),
    ("learner", "Jordan Rivera", "holder"),
    ("employer", "Crossroads Precision Manufacturing", "verifier"),
)


def network_spec(extra_args: dict[str, list[str]] | None = None) -> NetworkSpec:
    """The four-agent network on free ports; ``extra_args`` adds aca-py flags per agent id."""
    extra = extra_args or {}
    return NetworkSpec.model_validate(
        {
            "network": "bench",
            "ledger": {"kind": "anvil", "rpc_url": f"http://127.0.0.1:{free_port()}"},
            "tails": {"url": f"http://127.0.0.1:{free_port()}"},
            "agents": [
                {
                    "id": agent_id,
                    "name": name,
                    "role": role,
                    "admin_port": free_port(),
                    "inbound_port": free_port(),
                    "extra_args": extra.get(agent_id, []),
                }
                for agent_id, name, role in AGENTS
            ],
        }
    )


@dataclass
class LerStack:
    """A running LER network with admin clients and a published credential type."""

    spec: NetworkSpec
    data_dir: Path
    info: NetworkInfo
    admins: dict[str, AdminClient] = field(default_factory=dict)
    cred_def_id: str = ""

    def pids(self) -> dict[str, int]:
        """PIDs of every process of the network: agents, ledger, tails server."""
        files = {a.id: AgentHome(self.data_dir, a).process for a in self.spec.agents}
        files["tails"] = tails_process(self.data_dir)
        files["anvil"] = LedgerHome.in_data_dir(self.data_dir).anvil.process
        return {name: pid for name, f in files.items() if (pid := f.pid()) is not None}

    async def publish(self, version: str, registry_size: int, log: Any = print) -> str:
        """Publish a version of the skills credential type; its revocable cred def id."""
        started = time.perf_counter()
        published = await flows.publish_credential_type(
            self.admins["college"],
            self.info.agent("college").did or "",
            name=SKILLS,
            version=version,
            registry_size=registry_size,
        )
        log(f"published {SKILLS} {version} (registry size {registry_size}) "
            f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
        return published.cred_def_id

    async def flow(self, index: int) -> dict[str, float]:
        """One full flow; its step times, or ExchangeStuck / ExchangeFailed."""
        college, learner, employer = (self.admins[a] for a in ("college", "learner", "employer"))
        steps = Steps()
        college_conn = await connect(college, learner, f"learner-{index}")
        steps.mark("connect_college")
        await issue(college, college_conn, self.cred_def_id, WELDER)
        steps.mark("issue")
        employer_conn = await connect(employer, learner, f"learner-{index}")
        steps.mark("connect_employer")
        verdict = await prove(employer, employer_conn, self.cred_def_id)
        if verdict.get("verified") is not True:
            raise ExchangeFailed(
                "presentation", f"not verified: {verdict.get('reasons')} {verdict.get('detail')}"
            )
        steps.mark("verify")
        return steps.seconds


@asynccontextmanager
async def ler_stack(
    registry_size: int, extra_args: dict[str, list[str]] | None = None, log: Any = print
) -> AsyncIterator[LerStack]:
    """Bring the network up in a temp dir, publish the credential type; tear down at the end."""
    spec = network_spec(extra_args)
    data_dir = Path(tempfile.mkdtemp(prefix="ler-bench-flows-"))
    admins = {a.id: AgentHome(data_dir, a).admin() for a in spec.agents}
    try:
        info = await network_up(spec, data_dir, progress=lambda _m: None)
        stack = LerStack(spec, data_dir, info, admins)
        college_did = info.agent("college").did or ""
        await flows.set_accreditation(admins["state"], college_did, SKILLS, "accredit")
        stack.cred_def_id = await stack.publish("1.0", registry_size, log)
        log(f"our network is up; data in {data_dir}")
        yield stack
    finally:
        for admin in admins.values():
            await admin.close()
        network_down(spec, data_dir, progress=lambda _m: None)
        flowkit.keep_only_logs(data_dir)


async def issue(
    college: AdminClient, connection_id: str, cred_def_id: str, attributes: dict[str, str]
) -> dict[str, Any]:
    """Offer a revocable AnonCreds credential and wait until the learner acked storing it."""
    try:
        offer = await college.post(
            "/issue-credential-2.0/send-offer",
            {
                "connection_id": connection_id,
                "auto_issue": True,
                "auto_remove": False,
                "credential_preview": {
                    "@type": "issue-credential/2.0/credential-preview",
                    "attributes": [{"name": k, "value": v} for k, v in attributes.items()],
                },
                "filter": {"anoncreds": {"cred_def_id": cred_def_id}},
            },
        )
    except AdminError as exc:
        raise ExchangeFailed("issuance", str(exc)) from exc
    return await wait_issued(college, offer["cred_ex_id"])


async def prove(employer: AdminClient, connection_id: str, cred_def_id: str) -> dict[str, Any]:
    """``flows.request_proof`` with a "now" interval; after its own 60 s wait, poll on."""
    started = time.perf_counter()
    request = flows.skill_proof_request(cred_def_id)
    try:
        return await flows.request_proof(employer, connection_id, request)
    except AdminError as exc:  # a refused request fails; a slow or erroring poll goes on below
        polling = "did not happen within" in str(exc) or exc.status >= 500
        if not polling or "POST /present-proof-2.0/send-request" in str(exc):
            raise ExchangeFailed("presentation", str(exc)) from exc
    records = await poll(
        employer,
        "/present-proof-2.0/records",
        lambda r: bool(r["results"]),
        "presentation",
        deadline=remaining(started),
        connection_id=connection_id,
    )
    pres_ex_id = records["results"][0]["pres_ex_id"]
    record = await poll(
        employer,
        f"/present-proof-2.0/records/{pres_ex_id}",
        lambda r: r["state"] in ("done", "abandoned"),
        "presentation",
        deadline=remaining(started),
    )
    if record["state"] == "abandoned":
        raise ExchangeFailed("presentation", f"abandoned: {record.get('error_msg')}")
    return await employer.get(f"/ler/verifier/presentations/{pres_ex_id}")


def remaining(started: float) -> float:
    """Seconds left of the exchange deadline for an exchange that began at ``started``."""
    return max(1.0, flowkit.DEADLINE - (time.perf_counter() - started))


# --- revocation publish latency ------------------------------------------------------------------


async def issue_many(
    stack: LerStack, cred_def_id: str, count: int, concurrency: int = 5
) -> list[dict[str, Any]]:
    """Issue ``count`` credentials to the learner on one connection; their anoncreds details."""
    college, learner = stack.admins["college"], stack.admins["learner"]
    connection = await connect(college, learner, "revocation-batch")
    gate = asyncio.Semaphore(concurrency)

    async def one() -> dict[str, Any]:
        async with gate:
            record = await issue(college, connection, cred_def_id, WELDER)
            return {**record["anoncreds"], "cred_ex_id": record["cred_ex_record"]["cred_ex_id"]}

    issued = await asyncio.gather(*(one() for _ in range(count)))
    for credential in issued:
        credential["connection_id"] = connection
    return list(issued)


async def revocation_latency(stack: LerStack, credentials: list[dict[str, Any]]) -> dict[str, Any]:
    """Revoke (publish=false) each credential, then time publish until done and ledger-visible."""
    college = stack.admins["college"]
    rev_reg_ids = {c["rev_reg_id"] for c in credentials}
    for credential in credentials:
        await college.post(
            "/anoncreds/revocation/revoke",
            {
                "cred_ex_id": credential["cred_ex_id"],
                "publish": False,
                "notify": True,
                "connection_id": credential["connection_id"],
            },
        )
    descriptor = NetworkDescriptor.load(stack.info.descriptor)
    async with LedgerClient(descriptor) as reader:  # the employer's view: a plain ledger reader
        expected = {r: await revoked_count(reader, r) for r in rev_reg_ids}
        for credential in credentials:
            expected[credential["rev_reg_id"]] += 1
        since = await flows.endorsement_ids(college)
        start = time.perf_counter()
        await college.post("/anoncreds/revocation/publish-revocations", {})
        returned = time.perf_counter() - start
        (endorsed, state), visible = await asyncio.gather(
            endorsement_done(college, since, start), ledger_shows(reader, expected, start)
        )
    return {
        "revoked": len(credentials),
        "registries": len(rev_reg_ids),
        "publish_call_s": round(returned, 3),
        "endorsement_done_s": round(endorsed, 3),
        "ledger_visible_s": round(visible, 3),
        "endorsement_state": state,
    }


async def endorsement_done(
    college: AdminClient, since: set[str], start: float
) -> tuple[float, str]:
    """Seconds from ``start`` until the new status list endorsements are final, and the state."""
    while time.perf_counter() - start < flowkit.DEADLINE:
        records = (await college.get("/ler/endorsement/requests", role="author"))["results"]
        fresh = [r for r in records if r["endorsement_id"] not in since and r["kind"] == "rev_list"]
        if fresh and all(r["state"] in flows.FINAL_ENDORSEMENT_STATES for r in fresh):
            return time.perf_counter() - start, fresh[-1]["state"]
        await asyncio.sleep(0.02)
    raise ExchangeStuck("revocation", "the status list endorsement did not finish")


async def ledger_shows(reader: LedgerClient, expected: dict[str, int], start: float) -> float:
    """Seconds from ``start`` until the ledger marks ``expected`` credentials revoked."""
    while any([await revoked_count(reader, r) < n for r, n in expected.items()]):
        if time.perf_counter() - start > flowkit.DEADLINE:
            raise ExchangeStuck("revocation", "the revocations are not on the ledger")
        await asyncio.sleep(0.02)
    return time.perf_counter() - start


async def revoked_count(reader: LedgerClient, rev_reg_id: str) -> int:
    """How many credentials the ledger's current status list marks revoked."""
    parsed = parse_anoncreds_id(rev_reg_id)
    assert isinstance(parsed, RevRegDefId)
    return sum((await reader.anoncreds.status_list(parsed)).revoked)


# --- proof + verify CPU as registries and wallets grow --------------------------------------------


async def proof_cpu(
    stack: LerStack, cred_def_id: str, proofs: int, rounds: int = 1, spy: Path | None = None
) -> dict[str, Any]:
    """CPU the stack spends per proof (holder proves, employer verifies) on a fresh connection.

    Only proofs are timed: the connection is made before, so the figure is the presentation
    exchange alone, split by process (learner: proof, employer: verification). ``rounds`` batches
    of ``proofs`` give the spread; ``spy``: a folder for py-spy stacks of learner and employer.
    """
    employer = stack.admins["employer"]
    connection = await connect(employer, stack.admins["learner"], "scaling")
    await prove(employer, connection, cred_def_id)  # warm: first reads of this cred def
    pids = stack.pids()
    quiet_after = await settle(pids)
    batches: list[flowkit.CpuSample] = []
    seconds: list[float] = []
    async with flowkit.py_spy(pids, SPIED, spy) if spy else nullcontext():
        for _ in range(rounds):
            before = flowkit.CpuSample.take(pids)
            for _ in range(proofs):
                started = time.perf_counter()
                verdict = await prove(employer, connection, cred_def_id)
                if verdict.get("verified") is not True:
                    raise ExchangeFailed("presentation", f"not verified: {verdict.get('reasons')}")
                seconds.append(time.perf_counter() - started)
            batches.append(flowkit.CpuSample.take(pids) - before)
    used = sum(batches[1:], batches[0])
    by_round = [round(_proving(batch) / proofs, 3) for batch in batches]
    result = {
        "proofs": proofs * rounds,
        "proof_and_verify_cpu_s": round(_proving(used) / (proofs * rounds), 3),
        "proof_and_verify_cpu_s_by_round": by_round,
        "cpu_s_per_proof": round(used.stack_total / (proofs * rounds), 3),
        "cpu_s_per_proof_by_process": {
            name: round(value / (proofs * rounds), 3)
            for name, value in used.stack.items()
            if name in ("learner", "employer", "college", "anvil")
        },
        "median_s": round(statistics.median(seconds), 3),
        "other_load_cpus": round(used.other / max(sum(seconds), 1e-9), 2),
        "waited_for_quiet_s": quiet_after,
    }
    if spy:
        result["profile"] = {agent: flowkit.top_frames(spy / f"{agent}.folded") for agent in SPIED}
    return result


#: the agents py-spy samples during a scaling measurement: the holder and the verifier
SPIED = ["learner", "employer"]


def _proving(used: flowkit.CpuSample) -> float:
    """CPU of the holder and the verifier (the college's background work is not counted)."""
    return used.stack.get("learner", 0.0) + used.stack.get("employer", 0.0)


async def settle(pids: dict[str, int], quiet: float = 0.05, deadline: float = 120.0) -> float:
    """Wait until the stack is idle (e.g. the college done making a backup registry's tails
    file), so its background work is not counted against a proof; seconds waited."""
    started = time.perf_counter()
    while time.perf_counter() - started < deadline:
        before = flowkit.CpuSample.take(pids)
        await asyncio.sleep(1.0)
        if (flowkit.CpuSample.take(pids) - before).stack_total < quiet:
            break
    return round(time.perf_counter() - started, 1)


async def registry_scaling(
    stack: LerStack, sizes: list[int], proofs: int, log: Any = print, rounds: int = 1
) -> dict[str, Any]:
    """Proof + verify CPU against revocation registry size: a cred def per size, one credential."""
    results: dict[str, Any] = {}
    for size in sizes:
        cred_def_id = await stack.publish(f"r{size}", size, log)
        college = stack.admins["college"]
        connection = await connect(college, stack.admins["learner"], f"registry-{size}")
        await issue(college, connection, cred_def_id, WELDER)
        results[str(size)] = await proof_cpu(stack, cred_def_id, proofs, rounds)
        log(f"registry {size}: {results[str(size)]['proof_and_verify_cpu_s']} CPU-s per proof")
    return with_growth(results)


async def wallet_scaling(
    stack: LerStack,
    sizes: list[int],
    proofs: int,
    log: Any = print,
    rounds: int = 1,
    spy: Path | None = None,
) -> dict[str, Any]:
    """Proof + verify CPU against the number of credentials the holder keeps.

    The holder's credentials all match the proof request (one cred def): the worst case for the
    holder's credential search. The learner's wallet is grown in place, smallest size first.
    ``spy``: py-spy stacks of each size go to ``spy/<size>``.
    """
    registry_size = max(MIN_WALLET_REGISTRY, max(sizes) * 11 // 10)  # one registry for all sizes
    cred_def_id = await stack.publish("wallet", registry_size, log)
    results: dict[str, Any] = {}
    held = 0
    for size in sorted(sizes):
        started = time.perf_counter()
        lost = await grow_wallet(stack, cred_def_id, size - held, log)
        held = size
        log(f"wallet: holds {size} credentials ({time.perf_counter() - started:.0f} s to issue)")
        where = spy / str(size) if spy else None
        results[str(size)] = await proof_cpu(stack, cred_def_id, proofs, rounds, where)
        results[str(size)]["issuances_lost_while_growing"] = lost
        log(
            f"wallet {size}: {results[str(size)]['proof_and_verify_cpu_s']} CPU-s per proof "
            f"(rounds {results[str(size)]['proof_and_verify_cpu_s_by_round']})"
        )
    return with_growth(results)


MIN_WALLET_REGISTRY = 128


async def grow_wallet(
    stack: LerStack, cred_def_id: str, count: int, log: Any = print, concurrency: int = 3
) -> int:
    """Issue ``count`` more credentials to the learner; how many issuances were lost.

    The machine is shared, so an issuance may fail or be stuck: it is replaced by another (a
    stuck one may still land, so the wallet can hold a few more), up to ``count // 10 + 5``.
    """
    college, learner = stack.admins["college"], stack.admins["learner"]
    connection = await connect(college, learner, "wallet-growth")
    gate = asyncio.Semaphore(concurrency)

    async def one() -> bool:
        async with gate:
            try:
                await issue(college, connection, cred_def_id, WELDER)
            except (ExchangeStuck, ExchangeFailed) as exc:
                log(f"wallet growth: an issuance was lost ({exc}); another replaces it")
                return False
            return True

    stored = lost = 0
    while stored < count:
        done = sum(await asyncio.gather(*(one() for _ in range(count - stored))))
        stored, lost = stored + done, lost + (count - stored - done)
        if lost > count // 10 + 5:
            raise ExchangeFailed("issuance", f"{lost} issuances lost while growing the wallet")
    return lost


def with_growth(results: dict[str, Any]) -> dict[str, Any]:
    """Add the ratio of the largest size's proof + verify CPU (learner and employer) to the
    smallest's (target <= 1.5), and its range over the rounds (lowest to highest)."""
    sizes = sorted(results, key=int)
    first, last = results[sizes[0]], results[sizes[-1]]
    key = f"{sizes[0]}_to_{sizes[-1]}"
    growth = _ratio(last["proof_and_verify_cpu_s"], first["proof_and_verify_cpu_s"])
    extra: dict[str, Any] = {f"growth_{key}": growth}
    low = first.get("proof_and_verify_cpu_s_by_round")
    high = last.get("proof_and_verify_cpu_s_by_round")
    if low and high and len(low) > 1:
        extra[f"growth_{key}_range"] = [_ratio(min(high), max(low)), _ratio(max(high), min(low))]
    return {**results, **extra}


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None
