"""Client behaviour: concurrency from one key, distinct errors, signed writes as JSON."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from ler_chain import (
    LedgerClient,
    LedgerRevertError,
    LedgerTimeoutError,
    LedgerUnavailableError,
    LocalSigner,
    NetworkDescriptor,
    SignedWrite,
)
from ler_chain.errors import DidRegistryAlreadyExists
from ler_chain.transactions import WriteUndeterminedError
from ler_node.ledger.anvil import rpc_ready
from ler_node.paths import anvil_binary
from ler_node.processes import free_port

from .helpers import anchor_college, new_college


async def test_200_concurrent_writes_from_one_key_all_land(state_client: LedgerClient) -> None:
    verkeys = [os.urandom(32) for _ in range(200)]
    start = await state_client.block_number()
    results = await asyncio.gather(
        *(state_client.send(state_client.dids.create(v)) for v in verkeys)
    )
    assert len({r.tx_hash for r in results}) == 200
    head = await state_client.block_number()
    assert all(start < r.block_number <= head for r in results)
    landed = await asyncio.gather(
        *(state_client.dids.exists(state_client.dids.did_of(v)) for v in verkeys)
    )
    assert all(landed)


async def test_a_failing_write_does_not_block_the_next(state_client: LedgerClient) -> None:
    college = await anchor_college(state_client)
    outcomes = await asyncio.gather(
        state_client.send(state_client.dids.create(college.verkey)),  # duplicate: refused
        state_client.send(state_client.dids.create(os.urandom(32))),
        return_exceptions=True,
    )
    assert isinstance(outcomes[0], DidRegistryAlreadyExists)
    assert not isinstance(outcomes[1], Exception)
    await state_client.send(state_client.dids.create(os.urandom(32)))


async def test_signed_write_travels_as_json(state_client: LedgerClient) -> None:
    college = new_college()
    signed = await state_client.sign_for_endorsement(
        state_client.dids.create(college.verkey, "http://x"), college.signer
    )
    wire = json.loads(signed.model_dump_json())
    again = SignedWrite.model_validate(wire)
    write = state_client.open_signed_write(again)
    assert write.args["verkey"] == college.verkey
    await state_client.submit(again)
    assert await state_client.dids.exists(college.did)


async def test_unreachable_rpc_is_a_distinct_error(descriptor: NetworkDescriptor) -> None:
    dead = descriptor.with_rpc_url(f"http://127.0.0.1:{free_port()}")
    async with LedgerClient(dead, LocalSigner.generate(), request_timeout=2) as client:
        with pytest.raises(LedgerUnavailableError, match="cannot reach the ledger"):
            await client.dids.exists(new_college().did)
        with pytest.raises(LedgerUnavailableError, match="ler-node ledger status"):
            await client.send(client.dids.create(os.urandom(32)))


@pytest.fixture
def stalled_chain(tmp_path: Path) -> Iterator[str]:
    """An anvil that accepts transactions but never mines (a stalled network)."""
    port = free_port()
    process = subprocess.Popen(
        [
            str(anvil_binary()),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-mining",
            "--prune-history",
            "--cache-path",
            str(tmp_path / "cache"),
            "--gas-price",
            "0",
            "--base-fee",
            "0",
            "--silent",
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


async def test_receipt_timeout_is_a_distinct_error(
    descriptor: NetworkDescriptor, stalled_chain: str
) -> None:
    for _ in range(100):
        if await rpc_ready(stalled_chain):
            break
        await asyncio.sleep(0.1)
    stalled = descriptor.model_copy(update={"rpc_url": stalled_chain, "chain_id": 31337})
    async with LedgerClient(stalled, LocalSigner.generate(), receipt_timeout=1.5) as client:
        with pytest.raises(LedgerTimeoutError, match="not mined within") as timed_out:
            # plain transfer-like call to an address without code: estimation succeeds
            await client._require_sender().send(LocalSigner.generate().address, "0x")
        assert timed_out.value.tx_hash
        assert isinstance(timed_out.value, WriteUndeterminedError)
        assert timed_out.value.nonce == 0 and "settle" in str(timed_out.value)


async def test_reverts_carry_the_contract_reason(state_client: LedgerClient) -> None:
    college = await anchor_college(state_client)
    with pytest.raises(LedgerRevertError) as refused:
        await state_client.send(state_client.dids.create(college.verkey))
    assert refused.value.error_name == "DidRegistryAlreadyExists"
    assert college.did.method_specific_id in str(refused.value)
