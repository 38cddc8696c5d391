"""Ledger benchmark: write throughput, latency and gas per operation, read latency.

Runs against a fresh embedded anvil started for the run and prints one JSON document. The
baseline, measured in the same run through the same client (signing, nonce manager, receipt
polling), is a bare write: a 0-value self-transfer. Every figure is also given as a ratio to it.

``flow_reads`` replays the ledger reads our plugin makes in one connect + issue + prove flow, per
agent process (learner: proof; employer: LER verification), through one client per process as
the agents hold it, flow after flow with a revocation every fifth flow: JSON-RPC round trips per
flow (cold first flow, then steady state), cache hit rates, and the cost of the verifier's
freshness check before (three verified status list reads) and now (one batch of entry counts).
``resolver_cache`` times a cache hit against a ledger read (target: a hit under 1 ms).

``gateway_vs_direct_anvil`` prices the embedded ledger's gateway (allowlist, and receipts held
until the state is saved to disk with fsync): the same writes through it and through a bare
anvil on HTTP (as the ledger ran before the gateway, no durability), measured alternately on two
fresh chains before anything else.

    python -m bench.ledger [--n 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from ler_chain import (
    CredDefId,
    LedgerClient,
    LocalSigner,
    NetworkDescriptor,
    RevRegDefId,
    SchemaId,
    deploy_network,
)
from ler_chain.models import WriteResult
from ler_ledger.anoncreds.registry import LerAnonCredsRegistry
from ler_node.ledger.anvil import PRUNED_STATES_KEPT, rpc_ready
from ler_node.ledger.local import LedgerHome, ledger_down, ledger_up
from ler_node.paths import anvil_binary
from ler_node.processes import free_port

from .flowkit import keep_only_logs


def summarize(latencies: list[float], gas: list[int], elapsed: float) -> dict[str, Any]:
    """Writes per second, median and p95 latency in ms, gas per write."""
    ordered = sorted(latencies)
    return {
        "n": len(latencies),
        "per_second": round(len(latencies) / elapsed, 1),
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000, 2),
        "gas": round(statistics.mean(gas)) if gas else None,
    }


async def sequential(n: int, make: Callable[[int], Awaitable[WriteResult | Any]]) -> dict[str, Any]:
    """Run ``make(i)`` n times one after another."""
    latencies, gas = [], []
    start = time.perf_counter()
    for i in range(n):
        t0 = time.perf_counter()
        result = await make(i)
        latencies.append(time.perf_counter() - t0)
        if isinstance(result, WriteResult):
            gas.append(result.gas_used)
    return summarize(latencies, gas, time.perf_counter() - start)


async def bare_write(client: LedgerClient) -> WriteResult:
    """The baseline: a 0-value self-transfer through the same sender."""
    sender = client._require_sender()
    sent = await sender.send(sender.address, "0x")
    return WriteResult(sent.tx_hash, sent.block_number, sent.gas_used)


async def concurrent(n: int, client: LedgerClient) -> dict[str, Any]:
    """n DID writes at once from one key."""
    start = time.perf_counter()
    await asyncio.gather(*(client.send(client.dids.create(os.urandom(32))) for _ in range(n)))
    return {"n": n, "per_second": round(n / (time.perf_counter() - start), 1)}


async def write_rates(n: int, client: LedgerClient) -> dict[str, float]:
    """Writes per second: bare and DID writes one after another, DID writes all at once."""
    bare = await sequential(n // 2, lambda _i: bare_write(client))
    dids = await sequential(n // 2, lambda _i: client.send(client.dids.create(os.urandom(32))))
    return {
        "bare_write": bare["per_second"],
        "did_create": dids["per_second"],
        "did_create_concurrent": (await concurrent(n, client))["per_second"],
    }


async def gateway_vs_direct(
    n: int, gateway: NetworkDescriptor, trustee: LocalSigner, scratch: Path
) -> dict[str, Any]:
    """The same writes through the gateway (durable) and to a bare anvil over HTTP."""
    port = free_port()
    command = [
        str(anvil_binary()), "--host", "127.0.0.1", "--port", str(port),
        "--chain-id", "31337", "--hardfork", "shanghai", "--accounts", "0",
        "--prune-history", str(PRUNED_STATES_KEPT), "--cache-path", str(scratch / "cache"),
        "--gas-price", "0", "--base-fee", "0", "--silent",
    ]  # fmt: skip
    bare = await asyncio.create_subprocess_exec(*command, stdout=subprocess.DEVNULL)
    rates: dict[str, dict[str, list[float]]] = {"direct": {}, "gateway": {}}
    try:
        rpc_url = f"http://127.0.0.1:{port}"
        for _ in range(300):
            if await rpc_ready(rpc_url):
                break
            await asyncio.sleep(0.05)
        bare_trustee = LocalSigner.generate()
        direct = await deploy_network(rpc_url, "local", bare_trustee)
        async with (
            LedgerClient(direct, bare_trustee) as direct_client,
            LedgerClient(gateway, trustee) as gateway_client,
        ):
            for _round in range(2):  # alternate, so that load from elsewhere hits both
                for name, client in (("direct", direct_client), ("gateway", gateway_client)):
                    for key, rate in (await write_rates(n, client)).items():
                        rates[name].setdefault(key, []).append(rate)
    finally:
        bare.terminate()
        await bare.wait()
    result: dict[str, Any] = {}
    for key, direct_rates in rates["direct"].items():
        direct_rate = statistics.mean(direct_rates)
        gateway_rate = statistics.mean(rates["gateway"][key])
        result[key] = {
            "direct_per_second": round(direct_rate, 1),
            "gateway_per_second": round(gateway_rate, 1),
            "ratio": round(gateway_rate / direct_rate, 3),
        }
    return result


async def run(n: int) -> dict[str, Any]:
    """Run every measurement on a fresh ledger."""
    data_dir = Path(tempfile.mkdtemp(prefix="ler-bench-"))
    up = await ledger_up(data_dir, free_port(), progress=lambda m: print(m, file=sys.stderr))
    trustee = LedgerHome(up.descriptor_file.parent).trustee()
    results: dict[str, Any] = {"n": n, "ledger": "anvil (embedded)", "rpc": up.descriptor.rpc_url}
    try:
        # first, while both chains are short: the gateway's own cost, not the chain's length
        results["gateway_vs_direct_anvil"] = await gateway_vs_direct(
            n, up.descriptor, trustee, data_dir
        )
        async with LedgerClient(up.descriptor, trustee) as client:
            results["baseline_bare_write"] = await sequential(n, lambda _i: bare_write(client))
            results["did_create"] = await sequential(
                n, lambda _i: client.send(client.dids.create(os.urandom(32)))
            )

            async def endorsed_did(_i: int) -> WriteResult:
                author = LocalSigner.generate()
                signed = await client.sign_for_endorsement(
                    client.dids.create(os.urandom(32)), author
                )
                return await client.submit(signed)

            results["did_create_endorsed"] = await sequential(n // 2, endorsed_did)

            issuer_key = os.urandom(32)
            await client.send(client.dids.create(issuer_key))
            issuer = client.dids.did_of(issuer_key)

            schema_payload = json.dumps({"attrNames": [f"attr{i}" for i in range(12)]}).encode()
            results["schema"] = await sequential(
                n,
                lambda i: client.send(
                    client.anoncreds.register_schema(
                        SchemaId(issuer, f"s{i}", "1.0"), schema_payload
                    )
                ),
            )
            cred_def_payload = os.urandom(4200).hex().encode()  # ~8.4 KB, like a real cred def
            schema_id = SchemaId(issuer, "s0", "1.0")
            seq_no = (await client.anoncreds.schema(schema_id)).seq_no
            results["credential_definition_8kb"] = await sequential(
                n // 4,
                lambda i: client.send(
                    client.anoncreds.register_credential_definition(
                        CredDefId(issuer, seq_no, f"t{i}"), schema_id, cred_def_payload
                    )
                ),
            )

            accumulator = "21 " + "A" * 64 + " 21 " + "B" * 64 + " 6 " + "C" * 64
            registries: dict[int, RevRegDefId] = {}
            for size in (1_000, 100_000):
                rev_reg = RevRegDefId(issuer, seq_no, "t0", f"r{size}")
                await client.send(
                    client.anoncreds.register_revocation_registry_definition(rev_reg, size, b"{}")
                )
                await client.send(client.anoncreds.register_status_list(rev_reg, accumulator, []))
                registries[size] = rev_reg

            entries = {size: 1 for size in registries}

            async def update(size: int, changed: int, i: int) -> WriteResult:
                start = (i * changed * 7) % (size - changed)
                write = client.anoncreds.update_status_list(
                    registries[size], entries[size], accumulator, range(start, start + changed)
                )
                result = await client.send(write)
                entries[size] += 1
                return result

            for size, changed in ((1_000, 1), (100_000, 1), (100_000, 100), (100_000, 1_000)):
                count = 20 if changed < 1000 else 10
                results[f"status_list_update_{changed}_of_{size}"] = await sequential(
                    count, lambda i, s=size, c=changed: update(s, c, i)
                )

            verkeys = [os.urandom(32) for _ in range(n)]
            start = time.perf_counter()
            await asyncio.gather(*(client.send(client.dids.create(v)) for v in verkeys))
            elapsed = time.perf_counter() - start
            results["did_create_concurrent"] = {"n": n, "per_second": round(n / elapsed, 1)}

            dids = [client.dids.did_of(v) for v in verkeys]
            results["read_did"] = await sequential(n, lambda i: client.dids.resolve(dids[i]))
            results["read_schema"] = await sequential(
                n, lambda i: client.anoncreds.schema(SchemaId(issuer, f"s{i}", "1.0"))
            )
            results["read_status_list_cached"] = await sequential(
                n // 4, lambda _i: client.anoncreds.status_list(registries[100_000])
            )

            async def cold_read(_i: int) -> Any:
                async with LedgerClient(up.descriptor) as fresh:
                    return await fresh.anoncreds.status_list(registries[100_000])

            results["read_status_list_cold_100k"] = await sequential(10, cold_read)
            results["flow_reads"] = await flow_reads(client, issuer)
            results["resolver_cache"] = await resolver_cache(client, issuer)
        files = LedgerHome(up.descriptor_file.parent).anvil
        results["state_file_bytes"] = files.state_file.stat().st_size
        results["journal_bytes"] = files.journal_file.stat().st_size
    finally:
        ledger_down(data_dir)
        keep_only_logs(data_dir)

    base = results["baseline_bare_write"]
    for key, value in results.items():
        if isinstance(value, dict) and "per_second" in value and key != "baseline_bare_write":
            value["throughput_vs_baseline"] = round(value["per_second"] / base["per_second"], 3)
            if value.get("gas"):
                value["gas_vs_baseline"] = round(value["gas"] / base["gas"], 2)
    small = results["status_list_update_1_of_1000"]["gas"]
    large = results["status_list_update_1_of_100000"]["gas"]
    results["load_average"] = os.getloadavg()
    results["checks"] = {
        "status_update_gas_independent_of_registry_size": abs(large - small) / small <= 0.10,
        "status_update_gas_ratio_100k_vs_1k": round(large / small, 4),
        "sequential_writes_per_second_at_least_100": results["did_create"]["per_second"] >= 100,
    }
    return results


class _Profile:
    """What the plugin's resolver needs of an ACA-Py profile: the ledger service."""

    def __init__(self, chain: LedgerClient) -> None:
        self.chain = chain

    def inject(self, _cls: type) -> _Profile:
        return self


async def flow_reads(client: LedgerClient, issuer: Any, flows: int = 20) -> dict[str, Any]:
    """Ledger reads per flow of the learner's and the employer's processes (see the doc)."""
    schema_id = SchemaId(issuer, "flow", "1.0")
    await client.send(client.anoncreds.register_schema(schema_id, b'{"attrNames": ["skill"]}'))
    seq_no = (await client.anoncreds.schema(schema_id)).seq_no
    cred_def_id = CredDefId(issuer, seq_no, "flow")
    await client.send(
        client.anoncreds.register_credential_definition(cred_def_id, schema_id, b"{}")
    )
    rev_reg = RevRegDefId(issuer, seq_no, "flow", "0")
    await client.send(
        client.anoncreds.register_revocation_registry_definition(rev_reg, 1024, b"{}")
    )
    await client.send(client.anoncreds.register_status_list(rev_reg, "acc-0", []))
    entries = 1
    per_flow: dict[str, list[int]] = {"learner": [], "employer": []}
    old_freshness: list[int] = []
    async with LedgerClient(client.descriptor) as learner, LedgerClient(client.descriptor) as em:
        for flow in range(flows):
            if flow and flow % 5 == 0:  # a revocation lands between flows
                write = client.anoncreds.update_status_list(rev_reg, entries, "acc", [flow])
                await client.send(write)
                entries += 1
            before = learner.reads.requests
            await learner.anoncreds.credential_definition(cred_def_id)  # credential request
            await learner.anoncreds.revocation_registry_definition(rev_reg)  # store credential
            await learner.anoncreds.schema(schema_id)  # proof
            used = await learner.anoncreds.status_list(rev_reg)  # proof: the list in force now
            per_flow["learner"].append(learner.reads.requests - before)

            before = em.reads.requests
            now = await em.ledger_time()
            await em.anoncreds.status_list_entries_at(rev_reg, [used.timestamp, now, now])
            await em.anoncreds.schema(schema_id)
            await em.anoncreds.credential_definition(cred_def_id)
            await em.anoncreds.revocation_registry_definition(rev_reg)
            await em.anoncreds.status_list(rev_reg, at=used.timestamp)
            await em.accreditation.is_accredited(issuer, "flow", now)
            per_flow["employer"].append(em.reads.requests - before)

            before = em.reads.requests  # the freshness check as it was: three verified reads
            for at in (used.timestamp, now, now):
                await em.anoncreds.status_list(rev_reg, at=at)
            old_freshness.append(em.reads.requests - before)
        caches = {"learner": learner.cache_stats(), "employer": em.cache_stats()}
    return {
        "flows": flows,
        "revocations": entries - 1,
        "requests_per_flow": {
            agent: {
                "first_flow": counts[0],
                "steady_state_mean": round(statistics.mean(counts[1:]), 2),
            }
            for agent, counts in per_flow.items()
        },
        "verifier_freshness_requests": {
            "before_three_status_list_reads": round(statistics.mean(old_freshness), 2),
            "now_one_batch": 1,
        },
        "caches": caches,
    }


async def resolver_cache(client: LedgerClient, issuer: Any, n: int = 2000) -> dict[str, Any]:
    """A schema resolved through the plugin's resolver: a ledger read, then cache hits (ms)."""
    schema_id = SchemaId(issuer, "resolver", "1.0")
    payload = {"issuerId": str(issuer), "name": "resolver", "version": "1.0", "attrNames": ["a"]}
    await client.send(
        client.anoncreds.register_schema(
            schema_id, json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
        )
    )
    async with LedgerClient(client.descriptor) as reader:
        profile = _Profile(reader)
        resolver = LerAnonCredsRegistry()
        start = time.perf_counter()
        await resolver.get_schema(profile, str(schema_id))  # type: ignore[arg-type]
        miss = time.perf_counter() - start
        hits = []
        for _ in range(n):
            start = time.perf_counter()
            await resolver.get_schema(profile, str(schema_id))  # type: ignore[arg-type]
            hits.append(time.perf_counter() - start)
        ledger_hits = []
        for _ in range(n):
            start = time.perf_counter()
            await reader.anoncreds.schema(schema_id)
            ledger_hits.append(time.perf_counter() - start)
    hit_ms = statistics.median(hits) * 1000
    return {
        "ledger_read_ms": round(miss * 1000, 3),
        "resolver_hit_median_ms": round(hit_ms, 4),
        "resolver_hit_p99_ms": round(sorted(hits)[int(n * 0.99)] * 1000, 4),
        "ledger_client_hit_median_ms": round(statistics.median(ledger_hits) * 1000, 4),
        "resolver_hit_rate": resolver.resolved.stats.hit_rate,
        "hit_under_1_ms": hit_ms < 1.0,
    }


def main() -> None:
    """Parse arguments, run, print JSON (also saved under bench/results/)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="writes per measurement")
    args = parser.parse_args()
    results = asyncio.run(run(args.n))
    text = json.dumps(results, indent=2)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "ledger.json").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
