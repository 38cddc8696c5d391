"""Nonces recover from a rewound chain or a lost pool, and undetermined writes are settled."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest
from web3.exceptions import TransactionNotFound

from ler_chain import LedgerClient, LedgerTimeoutError
from ler_chain.transactions import WriteUndeterminedError
from ler_node.ledger.anvil import dev_rpc
from ler_node.ledger.local import LedgerHome, ledger_up
from ler_node.processes import free_port

from .own_ledger import own_ledger, sigkill


async def undetermined_write(
    data_dir: Path, client: LedgerClient
) -> tuple[bytes, WriteUndeterminedError]:
    """A DID write that is in the node's pool but not mined when its receipt times out."""
    await dev_rpc(data_dir, "evm_setAutomine", [False])
    verkey = os.urandom(32)
    with pytest.raises(WriteUndeterminedError) as timed_out:
        await client.send(client.dids.create(verkey))
    error = timed_out.value
    assert isinstance(error, LedgerTimeoutError)
    assert error.sender == client.signer.address and error.nonce >= 0
    return verkey, error


async def test_the_next_write_succeeds_after_a_rewind() -> None:
    async with own_ledger() as (data_dir, up):
        trustee = LedgerHome.in_data_dir(data_dir).trustee()
        async with LedgerClient(up.descriptor, trustee, receipt_timeout=20) as client:
            snapshot = await dev_rpc(data_dir, "evm_snapshot")
            rewound = [os.urandom(32) for _ in range(3)]
            for verkey in rewound:
                await client.send(client.dids.create(verkey))
            assert await dev_rpc(data_dir, "evm_revert", [snapshot])
            assert not await client.dids.exists(client.dids.did_of(rewound[0]))

            after = os.urandom(32)
            start = time.monotonic()
            await client.send(client.dids.create(after))  # same client, no restart
            assert time.monotonic() - start < 10
            assert await client.dids.exists(client.dids.did_of(after))
            # what it had sent before the rewind was sent again, in nonce order
            for verkey in rewound:
                assert await client.dids.exists(client.dids.did_of(verkey))


async def test_a_pool_lost_in_a_crash_recovers_without_a_restart() -> None:
    port = free_port()
    async with own_ledger(port) as (data_dir, up):
        trustee = LedgerHome.in_data_dir(data_dir).trustee()
        async with (
            LedgerClient(up.descriptor, trustee, receipt_timeout=1.5) as impatient,
            LedgerClient(up.descriptor, trustee, receipt_timeout=20) as client,
        ):  # one process, one nonce manager for the key
            lost, error = await undetermined_write(data_dir, impatient)
            sigkill(data_dir)  # the pool (and the unmined write) goes with it
            await ledger_up(data_dir, port, progress=lambda _m: None)
            with pytest.raises(TransactionNotFound):
                await client.w3.eth.get_transaction(error.tx_hash)

            after = os.urandom(32)
            await client.send(client.dids.create(after))
            assert await client.dids.exists(client.dids.did_of(after))

            settled = await client.settle(error.tx_hash, error.nonce, timeout=20)
            assert settled.mined and settled.receipt is not None
            assert settled.receipt["status"] == 1
            assert await client.dids.exists(client.dids.did_of(lost))


async def test_a_write_still_in_the_pool_settles_as_mined() -> None:
    async with own_ledger() as (data_dir, up):
        trustee = LedgerHome.in_data_dir(data_dir).trustee()
        async with LedgerClient(up.descriptor, trustee, receipt_timeout=1.5) as client:
            verkey, error = await undetermined_write(data_dir, client)
            await dev_rpc(data_dir, "evm_setAutomine", [True])
            await dev_rpc(data_dir, "evm_mine")
            settled = await client.settle(error.tx_hash, error.nonce, timeout=20)
            assert settled.mined and settled.receipt["transactionHash"].to_0x_hex() == error.tx_hash
            assert await client.dids.exists(client.dids.did_of(verkey))


async def test_a_lost_write_settles_as_dropped_and_never_lands() -> None:
    async with own_ledger() as (data_dir, up):
        trustee = LedgerHome.in_data_dir(data_dir).trustee()
        async with LedgerClient(up.descriptor, trustee, receipt_timeout=1.5) as client:
            verkey, error = await undetermined_write(data_dir, client)
            await dev_rpc(data_dir, "anvil_dropTransaction", [error.tx_hash])
            await dev_rpc(data_dir, "evm_setAutomine", [True])

            settled = await client.settle(error.tx_hash, error.nonce, timeout=20)
            assert not settled.mined and settled.receipt is None
            # its nonce is taken for good, so it can never be mined
            confirmed = await client.w3.eth.get_transaction_count(client.signer.address, "latest")
            assert confirmed > error.nonce
            # later writes, and the recovery they may run, do not bring it back
            for _ in range(3):
                await client.send(client.dids.create(os.urandom(32)))
            await client._require_sender()._recover(min_interval=0)
            await client.send(client.dids.create(os.urandom(32)))
            with pytest.raises(TransactionNotFound):
                await client.w3.eth.get_transaction(error.tx_hash)
            assert not await client.dids.exists(client.dids.did_of(verkey))
            again = await client.settle(error.tx_hash, error.nonce, timeout=5)
            assert not again.mined


async def test_on_signed_comes_before_the_node_sees_the_write(
    state_client: LedgerClient,
) -> None:
    sender = state_client._require_sender()
    journal: list[tuple[str, int, bool]] = []

    async def record(tx_hash: str, nonce: int) -> None:
        try:
            await state_client.w3.eth.get_transaction(tx_hash)
            known = True
        except TransactionNotFound:
            known = False
        journal.append((tx_hash, nonce, known))

    sent = await sender.send(sender.address, "0x", on_signed=record)
    assert journal == [(sent.tx_hash, journal[0][1], False)]
    assert (await state_client.w3.eth.get_transaction(sent.tx_hash))["nonce"] == journal[0][1]

    async def refuse(_tx_hash: str, _nonce: int) -> None:
        raise RuntimeError("journal unavailable")

    before = await state_client.w3.eth.get_transaction_count(sender.address, "pending")
    with pytest.raises(RuntimeError, match="journal unavailable"):
        await sender.send(sender.address, "0x", on_signed=refuse)
    assert await state_client.w3.eth.get_transaction_count(sender.address, "pending") == before
    after = await sender.send(sender.address, "0x")
    assert (await state_client.w3.eth.get_transaction(after.tx_hash))["nonce"] == before


async def test_a_ledger_lost_after_sending_leaves_the_write_undetermined() -> None:
    """Once sent, a write whose receipt cannot be read is undetermined, never failed."""
    async with own_ledger() as (data_dir, up):
        trustee = LedgerHome.in_data_dir(data_dir).trustee()
        async with LedgerClient(up.descriptor, trustee, receipt_timeout=30) as client:
            await dev_rpc(data_dir, "evm_setAutomine", [False])

            async def pending() -> int:
                count = [trustee.address, "pending"]
                return int(await dev_rpc(data_dir, "eth_getTransactionCount", count), 16)

            before = await pending()
            sending = asyncio.create_task(client.send(client.dids.create(os.urandom(32))))
            deadline = time.monotonic() + 10
            while await pending() == before:
                assert time.monotonic() < deadline, "the write never reached the node"
                await asyncio.sleep(0.05)

            sigkill(data_dir, gateway=True)

            with pytest.raises(WriteUndeterminedError, match="may still land") as lost:
                await sending
            assert lost.value.tx_hash and lost.value.nonce >= 0
