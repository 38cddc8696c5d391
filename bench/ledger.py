"""Ledger benchmark: write throughput, latency and gas per operation, read latency.

Runs against a fresh embedded anvil started for the run and prints one JSON document. The
baseline, measured in the same run through the same client (signing, nonce manager, receipt
polling), is a bare write: a 0-value self-transfer. Every figure is also given as a ratio to it.

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
from ler_node.ledger.anvil import PRUNED_STATES_KEPT, rpc_ready
from ler_node.ledger.local import LedgerHome, ledger_down, ledger_up
from ler_node.paths import anvil_binary
from ler_node.processes import free_port


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
        files = LedgerHome(up.descriptor_file.parent).anvil
        results["state_file_bytes"] = files.state_file.stat().st_size
        results["journal_bytes"] = files.journal_file.stat().st_size
    finally:
        ledger_down(data_dir)

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
