"""Writes the ledger confirmed survive a SIGKILL of anvil (and of its gateway)."""

from __future__ import annotations

import asyncio
import os

import pytest

from ler_chain import LedgerClient, LedgerUnavailableError
from ler_node.ledger.anvil import dev_rpc
from ler_node.ledger.local import LedgerHome, ledger_up

from .own_ledger import own_ledger, sigkill


@pytest.mark.parametrize("gateway_too", [False, True])
async def test_confirmed_writes_survive_sigkill(gateway_too: bool) -> None:
    async with own_ledger() as (data_dir, up):
        home = LedgerHome.in_data_dir(data_dir)
        verkeys = [os.urandom(32) for _ in range(5)]
        async with LedgerClient(up.descriptor, home.trustee()) as client:
            sequential = [await client.send(client.dids.create(v)) for v in verkeys[:2]]
            concurrent = await asyncio.gather(
                *(client.send(client.dids.create(v)) for v in verkeys[2:])
            )
            written = [*sequential, *concurrent]
            times = {
                r.block_number: (await client.w3.eth.get_block(r.block_number))["timestamp"]
                for r in written
            }
            sigkill(data_dir, gateway=gateway_too)  # right after the last confirmation
        async with LedgerClient(up.descriptor) as reader:
            with pytest.raises(LedgerUnavailableError, match="ledger status"):
                await reader.block_number()  # a gateway without its anvil answers 503
        confirmed = {r.tx_hash: r.block_number for r in written}

        again = await ledger_up(data_dir, 0, progress=lambda _m: None)
        assert again.started and not again.deployed
        async with LedgerClient(again.descriptor) as reader:
            assert await reader.block_number() >= max(confirmed.values())
            for verkey in verkeys:
                assert await reader.dids.exists(reader.dids.did_of(verkey))
            for tx_hash, block in confirmed.items():
                receipt = await reader.w3.eth.get_transaction_receipt(tx_hash)
                assert receipt["blockNumber"] == block and receipt["status"] == 1
                mined = await reader.w3.eth.get_block(block)
                assert mined["timestamp"] == times[block]  # the contracts' "now" is kept too


async def test_a_rewind_by_a_dev_tool_is_what_a_restart_finds() -> None:
    async with own_ledger() as (data_dir, up):
        home = LedgerHome.in_data_dir(data_dir)
        async with LedgerClient(up.descriptor, home.trustee()) as client:
            snapshot = await dev_rpc(data_dir, "evm_snapshot")
            reverted = os.urandom(32)
            undone = await client.send(client.dids.create(reverted))
            assert await dev_rpc(data_dir, "evm_revert", [snapshot])
            await dev_rpc(data_dir, "evm_mine")  # a different block at the same height
            block = await dev_rpc(data_dir, "eth_getBlockByNumber", ["latest", False])
            assert int(block["number"], 16) == undone.block_number
            seen = await client.w3.eth.get_block(undone.block_number)
            assert seen["hash"].to_0x_hex() == block["hash"]
            sigkill(data_dir)
        again = await ledger_up(data_dir, 0, progress=lambda _m: None)
        async with LedgerClient(again.descriptor) as reader:
            head = await reader.w3.eth.get_block(undone.block_number)
            assert head["hash"].to_0x_hex() == block["hash"]
            assert not await reader.dids.exists(reader.dids.did_of(reverted))
