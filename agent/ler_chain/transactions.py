"""Sending transactions: one nonce manager per key, receipts awaited, outcomes settled.

Nothing here is specific to a node implementation: it uses only standard ``eth_*`` JSON-RPC
methods, so it works against anvil, Besu or any other EVM node.

**Every write ends in one of three ways.** :meth:`TransactionSender.send` returns the mined
transaction; or raises a definite failure (a revert, which was mined and changed nothing; a
refusal before or by the node, where nothing was accepted); or raises
:class:`WriteUndeterminedError` (a :class:`LedgerTimeoutError`): the node may have the transaction
and it may still be mined. A write reported as failed never lands later; an undetermined one is
settled with :meth:`TransactionSender.settle` (``LedgerClient.settle``)::

    try:
        result = await ledger.send(write)
    except WriteUndeterminedError as exc:          # exc.tx_hash, exc.nonce, exc.sender
        settled = await ledger.settle(exc.tx_hash, exc.nonce)
        if settled.mined: ...                      # settled.receipt (status 1: it took effect)
        else: ...                                  # dropped: it can never land

``settle`` returns ``mined`` with the receipt, or ``dropped`` once the account's confirmed nonce
(its transaction count at the node's reported height) has passed ``nonce`` without this
transaction. If the node has lost the transaction, ``settle`` takes its nonce with a 0-value
self-transfer (gas is free on the state's ledgers) so the answer becomes final; while the node
still holds it, ``settle`` waits for it to be mined. It needs only the hash and nonce (a journal
can keep them across restarts: ``send(..., on_signed=...)`` reports both before the node sees the
transaction), and raises :class:`WriteUndeterminedError` again if ``timeout`` passes first.

**Nonces recover by themselves.** Each account's :class:`NonceManager` keeps the signed raw
transactions it sent (until well after they are mined). When a receipt is slow to come, it compares
its next nonce with the node's ``eth_getTransactionCount(address, "pending")``: if the node is
behind (the chain was rewound, or its pool lost transactions), it re-broadcasts the missing ones in
nonce order, filling nonces it has no transaction for with 0-value self-transfers, so later writes
are mined without restarting anything.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
from eth_utils import keccak
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
#: Seconds without a receipt after which the sender checks that the node still has its nonces.
STALL_CHECK = 1.0
#: Mined transactions kept per account, to re-broadcast if the chain is rewound past them.
RETAINED = 256
_HARMLESS_REBROADCAST = ("nonce too low", "already", "known", "underpriced")


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
    except aiohttp.ClientResponseError as exc:  # e.g. 503 from a gateway whose node is down
        raise LedgerUnavailableError(
            f"the ledger at {rpc_url} answered HTTP {exc.status} ({exc.message}); "
            "check the node's health (`ler-node ledger status`)"
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


class WriteUndeterminedError(LedgerTimeoutError):
    """A transaction was sent and may still be mined: settle it before retrying the write."""

    def __init__(self, message: str, tx_hash: str, nonce: int, sender: str) -> None:
        super().__init__(message, tx_hash)
        self.nonce = nonce
        self.sender = sender


@dataclass(frozen=True)
class SettledTransaction:
    """The final outcome of a transaction: mined (with its receipt) or dropped for good."""

    tx_hash: str
    nonce: int
    receipt: TxReceipt | None

    @property
    def mined(self) -> bool:
        """Whether it is in a block (``receipt["status"]`` says whether it took effect)."""
        return self.receipt is not None


@dataclass(frozen=True)
class _Broadcast:
    tx_hash: str
    raw: bytes
    filler: bool = False


def tx_hash_of(raw: bytes) -> str:
    """The hash of a signed raw transaction."""
    return "0x" + keccak(raw).hex()


Sign = Callable[[int], bytes]
Broadcast = Callable[[bytes], Awaitable[Any]]
OnSigned = Callable[[str, int], Awaitable[None]]


class NonceManager:
    """Hands out consecutive nonces for one account, sends in nonce order, and recovers.

    Building and sending a transaction happens under a lock, so concurrent writes from one key
    get consecutive nonces and reach the node in that order; receipts are awaited outside it.
    """

    def __init__(self, address: str = "") -> None:
        self.address = address
        self._lock = asyncio.Lock()
        self._next: int | None = None
        self._sent: dict[int, _Broadcast] = {}
        self._checked = 0.0

    async def send(
        self,
        fetch_nonce: Callable[[], Awaitable[int]],
        sign: Sign,
        broadcast: Broadcast,
        on_signed: OnSigned | None = None,
    ) -> tuple[str, int]:
        """Sign and broadcast with the next nonce; on a nonce clash, resync and retry once.

        Returns the hash and nonce. If the broadcast fails in a way that leaves it unknown whether
        the node got the transaction, it is kept (and re-broadcast by :meth:`recover`) and
        :class:`WriteUndeterminedError` is raised.
        """
        async with self._lock:
            for attempt in (1, 2):
                if self._next is None:
                    self._next = await fetch_nonce()
                nonce = self._next
                raw = sign(nonce)
                tx_hash = tx_hash_of(raw)
                if on_signed is not None:
                    await on_signed(tx_hash, nonce)
                try:
                    await broadcast(raw)
                except Web3RPCError as exc:  # refused by the node: nothing was accepted
                    self._next = None
                    if attempt == 1 and _is_nonce_error(exc):
                        LOGGER.info("nonce clash (%s); resyncing from the node", exc)
                        continue
                    raise
                except aiohttp.ClientConnectorError:  # never connected: nothing was sent
                    self._next = None
                    raise
                except BaseException as exc:  # the node may have it
                    self._remember(nonce, _Broadcast(tx_hash, raw))
                    self._next = nonce + 1
                    if not isinstance(exc, Exception):
                        raise
                    raise WriteUndeterminedError(
                        f"sending transaction {tx_hash} (nonce {nonce}) failed midway ({exc!r}); "
                        "the node may have it: settle it before retrying the write",
                        tx_hash,
                        nonce,
                        self.address,
                    ) from exc
                self._remember(nonce, _Broadcast(tx_hash, raw))
                self._next = nonce + 1
                return tx_hash, nonce
        raise AssertionError("unreachable")

    async def recover(
        self,
        counts: Callable[[], Awaitable[tuple[int, int]]],
        sign_filler: Sign,
        broadcast: Broadcast,
        *,
        min_interval: float = STALL_CHECK / 2,
    ) -> int:
        """Re-broadcast what the node lacks of ours, in nonce order; returns how many were sent.

        ``counts`` returns the node's ``(latest, pending)`` transaction counts of the account.
        Nonces below ours that the node lacks and we hold no transaction for get a filler.
        """
        async with self._lock:
            now = time.monotonic()
            if now - self._checked < min_interval:
                return 0
            self._checked = now
            latest, pending = await counts()
            for old in [n for n in self._sent if n < latest - RETAINED]:
                del self._sent[old]
            target = max([self._next or 0, *(n + 1 for n in self._sent)])
            if pending >= target:
                return 0
            LOGGER.warning(
                "the node has nonces up to %d of ours but we sent up to %d (chain rewound or "
                "pool lost); re-broadcasting",
                pending - 1,
                target - 1,
            )
            for nonce in range(pending, target):
                entry = self._sent.get(nonce)
                if entry is None:
                    entry = self._filler(nonce, sign_filler)
                await _rebroadcast(broadcast, entry, nonce)
            return target - pending

    async def fill(self, nonce: int, sign_filler: Sign, broadcast: Broadcast) -> str:
        """Give ``nonce`` to a 0-value self-transfer (replacing whatever we held for it)."""
        async with self._lock:
            entry = self._sent.get(nonce)
            if entry is None or not entry.filler:
                entry = self._filler(nonce, sign_filler)
            if self._next is not None and self._next <= nonce:
                self._next = nonce + 1
            await _rebroadcast(broadcast, entry, nonce)
            return entry.tx_hash

    def forget(self, nonce: int, tx_hash: str) -> None:
        """Never re-broadcast ``tx_hash`` (settled as dropped)."""
        entry = self._sent.get(nonce)
        if entry is not None and entry.tx_hash == tx_hash:
            del self._sent[nonce]

    def _filler(self, nonce: int, sign_filler: Sign) -> _Broadcast:
        raw = sign_filler(nonce)
        entry = _Broadcast(tx_hash_of(raw), raw, filler=True)
        self._sent[nonce] = entry
        return entry

    def _remember(self, nonce: int, entry: _Broadcast) -> None:
        self._sent[nonce] = entry


async def _rebroadcast(broadcast: Broadcast, entry: _Broadcast, nonce: int) -> None:
    try:
        await broadcast(entry.raw)
    except Web3RPCError as exc:
        if not any(text in str(exc).lower() for text in _HARMLESS_REBROADCAST):
            LOGGER.warning("re-broadcasting nonce %d (%s) failed: %s", nonce, entry.tx_hash, exc)


def _is_nonce_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "nonce" in text or "replacement transaction underpriced" in text


_NONCE_MANAGERS: dict[tuple[int, str], NonceManager] = {}


def nonce_manager_for(chain_id: int, address: str) -> NonceManager:
    """The process-wide nonce manager of an account on a chain."""
    key = (chain_id, address.lower())
    if key not in _NONCE_MANAGERS:
        _NONCE_MANAGERS[key] = NonceManager(address)
    return _NONCE_MANAGERS[key]


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

    async def send(
        self,
        to: str | None,
        data: str,
        *,
        gas: int | None = None,
        on_signed: OnSigned | None = None,
    ) -> SentTransaction:
        """Send a call (or a deployment when ``to`` is None) and wait until it is mined.

        The call is estimated first, so a refusal surfaces as a :class:`LedgerRevertError` before
        anything is sent or any nonce is used. ``on_signed(tx_hash, nonce)`` is awaited before the
        node sees the transaction (to journal it); if it raises, nothing is sent. Raises
        :class:`WriteUndeterminedError` if the outcome is unknown (see the module docstring).
        """
        call: dict[str, Any] = {"from": self._signer.address, "data": data}
        if to is not None:
            call["to"] = to
        async with rpc_errors(self._rpc_url):
            if gas is None:
                gas = int(await self._w3.eth.estimate_gas(call) * 1.25) + 20_000
            gas_price = await self._price()

            def sign(nonce: int) -> bytes:
                tx = {
                    **call,
                    "gas": gas,
                    "gasPrice": gas_price,
                    "nonce": nonce,
                    "chainId": self._chain_id,
                }
                return self._signer.sign_transaction(tx)

            async def fetch_nonce() -> int:
                return await self._w3.eth.get_transaction_count(self._signer.address, "pending")

            tx_hash, nonce = await self._nonces.send(fetch_nonce, sign, self._broadcast, on_signed)
            try:
                receipt = await self.wait_for_receipt(tx_hash, nonce)
            except WriteUndeterminedError:
                raise
            except LedgerError as exc:  # sent: whatever went wrong since, it may still land
                raise WriteUndeterminedError(
                    f"transaction {tx_hash} (nonce {nonce}) was sent, but then {exc}. It may "
                    "still land: settle it (LedgerClient.settle) before retrying the write.",
                    tx_hash,
                    nonce,
                    self.address,
                ) from exc
            if receipt["status"] != 1:
                raise await self._explain_failure(call, receipt, tx_hash)
            return SentTransaction(tx_hash, receipt)

    async def wait_for_receipt(self, tx_hash: str, nonce: int | None = None) -> TxReceipt:
        """Poll for a receipt, quickly at first, until the timeout.

        With ``nonce`` (a transaction of this sender), a slow receipt makes the sender check that
        the node still has its transactions (see :meth:`NonceManager.recover`).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._receipt_timeout
        check = loop.time() + STALL_CHECK
        attempt = 0
        async with rpc_errors(self._rpc_url):
            while True:
                if (receipt := await self._receipt(tx_hash)) is not None:
                    return receipt
                if nonce is not None and loop.time() >= check:
                    await self._recover()
                    check = loop.time() + STALL_CHECK
                if loop.time() >= deadline:
                    raise WriteUndeterminedError(
                        f"transaction {tx_hash} (nonce {nonce}) was sent but not mined within "
                        f"{self._receipt_timeout:.0f} s; the ledger may be stalled (are the "
                        "validators up?). It may still land: settle it (LedgerClient.settle) "
                        "before retrying the write.",
                        tx_hash,
                        -1 if nonce is None else nonce,
                        self.address,
                    )
                await asyncio.sleep(_POLL_DELAYS[min(attempt, len(_POLL_DELAYS) - 1)])
                attempt += 1

    async def settle(
        self, tx_hash: str, nonce: int, *, timeout: float = 60.0
    ) -> SettledTransaction:
        """Find out for good whether this sender's transaction ``tx_hash`` at ``nonce`` lands.

        Returns it ``mined`` (with the receipt) or dropped (``receipt`` None: the account's
        confirmed nonce passed ``nonce`` with another transaction, which this call sends itself
        if the node has lost ``tx_hash``). Raises :class:`WriteUndeterminedError` after
        ``timeout`` seconds without an answer (call it again later).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with rpc_errors(self._rpc_url):
            while True:
                # the count at the height the node reports (a gateway reports only saved blocks),
                # read before the receipt: a transaction mined up to there has a receipt by now
                height = await self._w3.eth.block_number
                confirmed = await self._w3.eth.get_transaction_count(self.address, height)
                if (receipt := await self._receipt(tx_hash)) is not None:
                    return SettledTransaction(tx_hash, nonce, receipt)
                if confirmed > nonce:
                    self._nonces.forget(nonce, tx_hash)
                    return SettledTransaction(tx_hash, nonce, None)
                try:
                    await self._w3.eth.get_transaction(tx_hash)  # still with the node: wait
                except TransactionNotFound:
                    LOGGER.info("the node lost %s; taking nonce %d with a filler", tx_hash, nonce)
                    await self._nonces.fill(nonce, await self._filler(), self._broadcast)
                    self._nonces.forget(nonce, tx_hash)
                await self._recover(min_interval=0.0)
                if loop.time() >= deadline:
                    raise WriteUndeterminedError(
                        f"transaction {tx_hash} (nonce {nonce}) is still undetermined after "
                        f"{timeout:.0f} s (the account's confirmed nonce is {confirmed}); is the "
                        "ledger producing blocks? Settle it again later.",
                        tx_hash,
                        nonce,
                        self.address,
                    )
                await asyncio.sleep(0.2)

    async def _receipt(self, tx_hash: str) -> TxReceipt | None:
        try:
            return await self._w3.eth.get_transaction_receipt(tx_hash)
        except TransactionNotFound:
            return None

    async def _price(self) -> int:
        if self._gas_price is not None:
            return self._gas_price
        return int(await self._w3.eth.gas_price)

    async def _broadcast(self, raw: bytes) -> None:
        await self._w3.eth.send_raw_transaction(raw)

    async def _filler(self) -> Sign:
        """Signs 0-value self-transfers that take a nonce (free on the state's ledgers)."""
        price = await self._price()

        def sign(nonce: int) -> bytes:
            tx = {
                "to": self.address,
                "value": 0,
                "data": "0x",
                "gas": 21_000,
                "gasPrice": price,
                "nonce": nonce,
                "chainId": self._chain_id,
            }
            return self._signer.sign_transaction(tx)

        return sign

    async def _recover(self, min_interval: float = STALL_CHECK / 2) -> None:
        async def counts() -> tuple[int, int]:
            latest = await self._w3.eth.get_transaction_count(self.address, "latest")
            pending = await self._w3.eth.get_transaction_count(self.address, "pending")
            return latest, pending

        await self._nonces.recover(
            counts, await self._filler(), self._broadcast, min_interval=min_interval
        )

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
