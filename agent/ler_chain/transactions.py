"""Sending transactions: one nonce manager per key, receipts awaited with a timeout.

Nothing here is specific to a node implementation: it uses only standard ``eth_*`` JSON-RPC
methods, so it works against anvil, Besu or any other EVM node.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
from web3 import AsyncWeb3
from web3.exceptions import ContractLogicError, TransactionNotFound, Web3RPCError
from web3.types import TxReceipt

from .errors import (
    LedgerError,
    LedgerRevertError,
    LedgerTimeoutError,
    LedgerUnavailableError,
    revert_error_from_data,
)
from .signing import Signer

LOGGER = logging.getLogger(__name__)

_POLL_DELAYS = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5)


@asynccontextmanager
async def rpc_errors(rpc_url: str) -> AsyncIterator[None]:
    """Turn transport failures and contract reverts into ledger errors."""
    try:
        yield
    except LedgerError:
        raise
    except ContractLogicError as exc:
        raise revert_error_from_data(
            exc.data if isinstance(exc.data, str) else None, str(exc)
        ) from exc
    except (aiohttp.ClientConnectionError, ConnectionError, OSError) as exc:
        raise LedgerUnavailableError(
            f"cannot reach the ledger at {rpc_url} ({exc.__class__.__name__}: {exc}); "
            "check that the node is running (`ler-node ledger status`) and the RPC URL is right"
        ) from exc
    except TimeoutError as exc:
        raise LedgerUnavailableError(
            f"the ledger at {rpc_url} did not answer in time; check the node's health and load"
        ) from exc


@dataclass(frozen=True)
class SentTransaction:
    """A mined transaction."""

    tx_hash: str
    receipt: TxReceipt

    @property
    def block_number(self) -> int:
        """Block that includes it."""
        return int(self.receipt["blockNumber"])

    @property
    def gas_used(self) -> int:
        """Gas it consumed."""
        return int(self.receipt["gasUsed"])


class NonceManager:
    """Hands out consecutive nonces for one account and sends in nonce order.

    Building and sending a transaction happens under a lock, so concurrent writes from one key
    get consecutive nonces and reach the node in that order; receipts are awaited outside it.
    """

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._next: int | None = None

    async def send(
        self,
        fetch_nonce: Callable[[], Awaitable[int]],
        sign_and_send: Callable[[int], Awaitable[str]],
    ) -> str:
        """Send with the next nonce; on a nonce clash, resync from the node and retry once."""
        async with self._lock:
            for attempt in (1, 2):
                if self._next is None:
                    self._next = await fetch_nonce()
                try:
                    tx_hash = await sign_and_send(self._next)
                except Web3RPCError as exc:
                    self._next = None
                    if attempt == 1 and _is_nonce_error(exc):
                        LOGGER.info("nonce clash (%s); resyncing from the node", exc)
                        continue
                    raise
                except BaseException:
                    self._next = None  # the node may or may not have it; ask again next time
                    raise
                self._next += 1
                return tx_hash
        raise AssertionError("unreachable")


def _is_nonce_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "nonce" in text or "replacement transaction underpriced" in text


_NONCE_MANAGERS: dict[tuple[int, str], NonceManager] = {}


def nonce_manager_for(chain_id: int, address: str) -> NonceManager:
    """The process-wide nonce manager of an account on a chain."""
    return _NONCE_MANAGERS.setdefault((chain_id, address.lower()), NonceManager())


class TransactionSender:
    """Estimates, signs, sends and confirms transactions for one signer."""

    def __init__(
        self,
        w3: AsyncWeb3,
        signer: Signer,
        *,
        chain_id: int,
        rpc_url: str,
        gas_price: int | None = 0,
        receipt_timeout: float = 60.0,
    ) -> None:
        self._w3 = w3
        self._signer = signer
        self._chain_id = chain_id
        self._rpc_url = rpc_url
        self._gas_price = gas_price
        self._receipt_timeout = receipt_timeout
        self._nonces = nonce_manager_for(chain_id, signer.address)

    @property
    def address(self) -> str:
        """The sending account."""
        return self._signer.address

    async def send(self, to: str | None, data: str, *, gas: int | None = None) -> SentTransaction:
        """Send a call (or a deployment when ``to`` is None) and wait until it is mined.

        The call is estimated first, so a refusal surfaces as a :class:`LedgerRevertError` before
        anything is sent or any nonce is used.
        """
        call: dict[str, Any] = {"from": self._signer.address, "data": data}
        if to is not None:
            call["to"] = to
        async with rpc_errors(self._rpc_url):
            if gas is None:
                gas = int(await self._w3.eth.estimate_gas(call) * 1.25) + 20_000
            gas_price = self._gas_price
            if gas_price is None:
                gas_price = await self._w3.eth.gas_price

            async def sign_and_send(nonce: int) -> str:
                tx = {
                    **call,
                    "gas": gas,
                    "gasPrice": gas_price,
                    "nonce": nonce,
                    "chainId": self._chain_id,
                }
                raw = self._signer.sign_transaction(tx)
                return (await self._w3.eth.send_raw_transaction(raw)).to_0x_hex()

            async def fetch_nonce() -> int:
                return await self._w3.eth.get_transaction_count(self._signer.address, "pending")

            tx_hash = await self._nonces.send(fetch_nonce, sign_and_send)
            receipt = await self.wait_for_receipt(tx_hash)
            if receipt["status"] != 1:
                raise await self._explain_failure(call, receipt, tx_hash)
            return SentTransaction(tx_hash, receipt)

    async def wait_for_receipt(self, tx_hash: str) -> TxReceipt:
        """Poll for a receipt, quickly at first, giving up after the timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._receipt_timeout
        attempt = 0
        async with rpc_errors(self._rpc_url):
            while True:
                try:
                    return await self._w3.eth.get_transaction_receipt(tx_hash)
                except TransactionNotFound:
                    pass
                if loop.time() >= deadline:
                    raise LedgerTimeoutError(
                        f"transaction {tx_hash} was sent but not mined within "
                        f"{self._receipt_timeout:.0f} s; the ledger may be stalled (are the "
                        "validators up?). It may still land: check it before retrying.",
                        tx_hash,
                    )
                await asyncio.sleep(_POLL_DELAYS[min(attempt, len(_POLL_DELAYS) - 1)])
                attempt += 1

    async def _explain_failure(
        self, call: dict[str, Any], receipt: TxReceipt, tx_hash: str
    ) -> LedgerRevertError:
        """Replay a reverted transaction to learn why (the state may have changed since)."""
        block = int(receipt["blockNumber"]) - 1
        try:
            await self._w3.eth.call(call, block)
        except ContractLogicError as exc:
            return revert_error_from_data(exc.data if isinstance(exc.data, str) else None, tx_hash)
        except Exception as exc:  # the replay is best effort only
            LOGGER.debug("replay of %s failed: %s", tx_hash, exc)
        return LedgerRevertError(
            message=f"transaction {tx_hash} reverted in block {receipt['blockNumber']} "
            f"(gas used {receipt['gasUsed']}); another write may have changed the state first",
            error_name="Reverted",
        )
