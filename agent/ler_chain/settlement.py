"""Where a signed (endorsed) write stands, read from the chain alone.

An author's :class:`~ler_chain.writes.SignedWrite` can land only while its keyed nonce is unused
and the ledger's time is at most its deadline. So the chain settles it for certain:

- ``landed``: a transaction carrying this very signature consumed the nonce;
- ``superseded``: the nonce was consumed by another write (the author signed a competing write
  for the same object), so this one can never land;
- ``expired``: the nonce is unused in a block whose time is past the deadline; every later block
  is later still, so it can never land;
- ``pending``: none of these yet: it may still land.

A node's latest block only moves when blocks are produced (an idle anvil produces none), so
once the wall clock is :data:`CLOCK_MARGIN` seconds past the deadline a write is also taken as
expired: a new block carries the time it is made, which the validators keep close to real time.
Only standard ``eth_*`` JSON-RPC methods are used.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from eth_utils import to_checksum_address
from web3.exceptions import TransactionNotFound

from .transactions import rpc_errors
from .writes import SignedWrite

if TYPE_CHECKING:
    from .client import LedgerClient

CLOCK_MARGIN = 30


class Settlement(StrEnum):
    """Where a signed write stands."""

    LANDED = "landed"
    SUPERSEDED = "superseded"
    EXPIRED = "expired"
    PENDING = "pending"

    @property
    def final(self) -> bool:
        """Whether the chain can no longer change the answer."""
        return self is not Settlement.PENDING


@dataclass(frozen=True)
class WriteStanding:
    """A settlement, with the transaction that landed the write if it did."""

    settlement: Settlement
    tx_hash: str | None = None
    block_number: int | None = None

    def describe(self, deadline: int) -> str:
        """One line for people."""
        match self.settlement:
            case Settlement.LANDED:
                return f"on the ledger in block {self.block_number} ({self.tx_hash})"
            case Settlement.SUPERSEDED:
                return "another write for the same object used its place, so it can never land"
            case Settlement.EXPIRED:
                return f"its signature expired at {deadline} (Unix time) before it landed"
        return f"it may still land until {deadline} (Unix time)"


async def settle(
    client: LedgerClient,
    signed: SignedWrite,
    *,
    from_block: int = 0,
    tx_hash: str | None = None,
    now: float | None = None,
) -> WriteStanding:
    """Read from the chain whether ``signed`` landed, can never land, or may still land.

    ``tx_hash`` (a transaction said to carry it) is checked first; ``from_block`` bounds the
    search for the transaction that consumed the nonce (the block at which it was signed).
    """
    contract = client.contracts[signed.contract]
    author = to_checksum_address(signed.author)
    nonce = int(signed.nonce)
    signature = bytes.fromhex(signed.signature.removeprefix("0x"))
    w3 = client.w3
    async with rpc_errors(client.descriptor.rpc_url):
        if tx_hash and (found := await _carried_by(client, tx_hash, signed, signature)):
            return found
        latest = await w3.eth.get_block("latest")
        current = int(await contract.functions.nonces(author, nonce >> 64).call())
        if current > nonce:
            events = await contract.events.WriteEndorsed().get_logs(
                argument_filters={"author": author}, from_block=from_block
            )
            for event in events:
                if int(event["args"]["nonce"]) != nonce:
                    continue
                found = await _carried_by(
                    client, event["transactionHash"].to_0x_hex(), signed, signature
                )
                if found:
                    return found
            return WriteStanding(Settlement.SUPERSEDED)
        wall = time.time() if now is None else now
        if int(latest["timestamp"]) > signed.deadline or wall > signed.deadline + CLOCK_MARGIN:
            return WriteStanding(Settlement.EXPIRED)
        return WriteStanding(Settlement.PENDING)


async def _carried_by(
    client: LedgerClient, tx_hash: str, signed: SignedWrite, signature: bytes
) -> WriteStanding | None:
    """The standing ``landed`` if ``tx_hash`` is a successful transaction carrying ``signed``."""
    w3 = client.w3
    try:
        receipt = await w3.eth.get_transaction_receipt(tx_hash)
        transaction = await w3.eth.get_transaction(tx_hash)
    except TransactionNotFound:  # not mined (or unknown): the search by nonce decides
        return None
    contract = client.contracts[signed.contract]
    if (
        receipt["status"] != 1
        or str(transaction.get("to", "")).lower() != contract.address.lower()
        or signature not in bytes(transaction["input"])
    ):
        return None
    return WriteStanding(Settlement.LANDED, tx_hash, int(receipt["blockNumber"]))
