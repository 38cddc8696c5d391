"""Shared plumbing of the typed contract wrappers."""

from __future__ import annotations

from typing import Any

from eth_utils import keccak
from web3.contract import AsyncContract
from web3.contract.async_contract import AsyncContractFunction

from ..cache import ReadCounter
from ..errors import LedgerIntegrityError
from ..transactions import rpc_errors


class RegistryClient:
    """Base of the per-contract wrappers: reads with clear errors, verified event payloads."""

    def __init__(
        self,
        contract: AsyncContract,
        network: str,
        rpc_url: str,
        *,
        reads: ReadCounter | None = None,
    ) -> None:
        self._contract = contract
        self._network = network
        self._rpc_url = rpc_url
        self.reads = reads if reads is not None else ReadCounter()

    @property
    def address(self) -> str:
        """The contract's address."""
        return self._contract.address

    async def _call(self, function: AsyncContractFunction, block: int | str = "latest") -> Any:
        self.reads.count("eth_call")
        async with rpc_errors(self._rpc_url):
            return await function.call(block_identifier=block)

    async def _event_in_block(
        self, event_name: str, block: int, filters: dict[str, Any]
    ) -> dict[str, Any]:
        """Arguments of the one ``event_name`` event matching ``filters`` in ``block``."""
        event = getattr(self._contract.events, event_name)
        self.reads.count("eth_getLogs")
        async with rpc_errors(self._rpc_url):
            logs = await event.get_logs(from_block=block, to_block=block, argument_filters=filters)
        if not logs:
            raise LedgerIntegrityError(
                f"{event_name} for {filters} is anchored in block {block}, but the node returned "
                "no such event; the node may be pruning logs (it needs full log history)"
            )
        return dict(logs[-1]["args"])

    async def _events_in_range(
        self, event_name: str, from_block: int, to_block: int, filters: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Events with their block numbers, oldest first."""
        event = getattr(self._contract.events, event_name)
        self.reads.count("eth_getLogs")
        async with rpc_errors(self._rpc_url):
            logs = await event.get_logs(
                from_block=from_block, to_block=to_block, argument_filters=filters
            )
        return [{**dict(log["args"]), "blockNumber": log["blockNumber"]} for log in logs]

    async def _call_batch(self, functions: list[AsyncContractFunction]) -> list[Any]:
        """Several ``eth_call``s at the latest block in one JSON-RPC batch (one round trip)."""
        if len(functions) == 1:
            return [await self._call(functions[0])]
        self.reads.count("eth_call_batch")
        self.reads.count("batched:eth_call", len(functions))
        w3 = self._contract.w3
        async with rpc_errors(self._rpc_url), w3.batch_requests() as batch:
            for function in functions:
                batch.add(function)
            return list(await batch.async_execute())


def verified_payload(payload: bytes, expected_hash: bytes, what: str) -> bytes:
    """Return ``payload`` if it hashes to the anchored hash."""
    if keccak(payload) != bytes(expected_hash):
        raise LedgerIntegrityError(
            f"the payload of {what} does not match the hash anchored on the ledger"
        )
    return payload
