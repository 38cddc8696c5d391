"""The async ledger client: typed registries, direct writes, endorsed writes."""

from __future__ import annotations

import time
from typing import Any

import aiohttp
from eth_utils import to_checksum_address
from web3 import AsyncHTTPProvider, AsyncWeb3

from .cache import ReadCounter
from .contracts import Contracts
from .descriptor import NetworkDescriptor
from .errors import (
    EndorsementInvalidSignature,
    LedgerConfigError,
    LedgerInputError,
    LedgerRevertError,
    explain_endorsed_revert,
    replay_missed_cause,
)
from .models import WriteResult
from .registries.accreditation import AccreditationRegistryClient
from .registries.anoncreds import AnonCredsRegistryClient
from .registries.dids import DidRegistryClient
from .registries.roles import RolesClient
from .registries.status_lists import StatusListRegistryClient
from .signing import Signer, recover_typed_data_signer
from .transactions import OnSigned, SettledTransaction, TransactionSender, rpc_errors
from .writes import Endorsement, SignedWrite, Write, build_calldata, typed_data

DEFAULT_SIGNATURE_VALIDITY = 3600


# web3's default middleware the client does without, so no middleware runs on any request:
# transactions are built complete (chain id, gas, gas price, nonce) and signed locally, names are
# never ENS names, the validation middleware's per-request eth_chainId round trip cost about a
# third of write throughput (measured by bench/ledger.py: 77 -> 113 sequential writes per second
# on anvil), and results are read by key, so attrdict's recursive copy of every block, receipt
# and log into an AttributeDict is wasted work.
UNUSED_MIDDLEWARE = (
    "validation",
    "ens_name_to_address",
    "gas_price_strategy",
    "gas_estimate",
    "attrdict",
)


def connect(rpc_url: str, request_timeout: float = 10.0) -> AsyncWeb3:
    """An AsyncWeb3 over HTTP that fails fast (no silent retries) when the node is away."""
    provider = AsyncHTTPProvider(
        rpc_url,
        request_kwargs={"timeout": aiohttp.ClientTimeout(total=request_timeout)},
        exception_retry_configuration=None,
    )
    w3 = AsyncWeb3(provider)
    for name in UNUSED_MIDDLEWARE:
        w3.middleware_onion.remove(name)
    return w3


class LedgerClient:
    """Talks to one LER network's contracts over any EVM JSON-RPC endpoint.

    Use as ``async with LedgerClient(descriptor, signer) as ledger:``. Reads need no signer.
    Registry methods that change the ledger return a :class:`Write`; pass it to :meth:`send`
    (the signer must be an ENDORSER, or a TRUSTEE for governance), or to
    :meth:`sign_for_endorsement` to have an endorser :meth:`submit` it.
    """

    def __init__(
        self,
        descriptor: NetworkDescriptor,
        signer: Signer | None = None,
        *,
        receipt_timeout: float = 60.0,
        request_timeout: float = 10.0,
    ) -> None:
        self.descriptor = descriptor
        self.signer = signer
        self._w3 = connect(descriptor.rpc_url, request_timeout)
        self.contracts = Contracts(self._w3, descriptor)
        #: every JSON-RPC read this client made, by method (see :meth:`cache_stats`)
        self.reads = ReadCounter()
        args = (descriptor.network, descriptor.rpc_url)
        shared = {"reads": self.reads}
        self.roles = RolesClient(self.contracts["roles"], *args, **shared)
        self.dids = DidRegistryClient(self.contracts["dids"], *args, **shared)
        self.anoncreds = AnonCredsRegistryClient(self.contracts["anoncreds"], *args, **shared)
        self.accreditation = AccreditationRegistryClient(
            self.contracts["accreditation"], *args, **shared
        )
        self.status_lists = StatusListRegistryClient(
            self.contracts["status_lists"], *args, **shared
        )
        self._sender = (
            TransactionSender(
                self._w3,
                signer,
                chain_id=descriptor.chain_id,
                rpc_url=descriptor.rpc_url,
                gas_price=descriptor.gas_price,
                receipt_timeout=receipt_timeout,
            )
            if signer is not None
            else None
        )

    async def __aenter__(self) -> LedgerClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session."""
        await self._w3.provider.disconnect()

    @property
    def w3(self) -> AsyncWeb3:
        """The underlying web3 connection (for tools that need raw JSON-RPC)."""
        return self._w3

    # --- chain facts ----------------------------------------------------------------------------

    async def block_number(self) -> int:
        """Height of the chain."""
        async with rpc_errors(self.descriptor.rpc_url):
            return await self._w3.eth.block_number

    async def ledger_time(self) -> int:
        """Timestamp of the latest block: 'now' as the contracts see it (never cached)."""
        self.reads.count("eth_getBlockByNumber")
        async with rpc_errors(self.descriptor.rpc_url):
            return int((await self._w3.eth.get_block("latest"))["timestamp"])

    async def check(self) -> dict[str, Any]:
        """Check that the endpoint serves this network: chain id and contract code."""
        async with rpc_errors(self.descriptor.rpc_url):
            chain_id = await self._w3.eth.chain_id
            if chain_id != self.descriptor.chain_id:
                raise LedgerConfigError(
                    f"{self.descriptor.rpc_url} serves chain {chain_id}, but the descriptor is for "
                    f"chain {self.descriptor.chain_id}; point --rpc-url at the right network"
                )
            for key, contract in self.contracts.items():
                if not await self._w3.eth.get_code(contract.address):
                    raise LedgerConfigError(
                        f"no {key} contract at {contract.address} on {self.descriptor.rpc_url}; "
                        "was the network deployed (`ler-node ledger deploy`)?"
                    )
            block = await self._w3.eth.get_block("latest")
        return {"chain_id": chain_id, "block": block["number"], "timestamp": block["timestamp"]}

    def cache_stats(self) -> dict[str, object]:
        """Reads made and the hit/miss counters of this client's caches of immutable objects."""
        histories = self.anoncreds.histories
        states = [h.snapshots.stats for h in (histories.peek(k) for k in histories) if h]
        return {
            "reads": self.reads.as_dict(),
            "anoncreds_objects": self.anoncreds.objects.stats.as_dict(),
            "status_list_histories": histories.stats.as_dict(),
            "status_list_states": {
                "hits": sum(s.hits for s in states),
                "misses": sum(s.misses for s in states),
                "evictions": sum(s.evictions for s in states),
            },
        }

    # --- writes ---------------------------------------------------------------------------------

    async def send(self, write: Write, *, on_signed: OnSigned | None = None) -> WriteResult:
        """Make ``write`` as the client's signer and wait until it is mined.

        ``on_signed(tx_hash, nonce)`` runs before the node sees the transaction (to journal it);
        :class:`WriteUndeterminedError` means it may still land: :meth:`settle` it.
        """
        sender = self._require_sender()
        endorsement = Endorsement.direct(sender.address) if write.endorsable else None
        return await self._transact(write, build_calldata(write, endorsement), on_signed)

    async def sign_for_endorsement(
        self,
        write: Write,
        author: Signer,
        *,
        valid_for: int = DEFAULT_SIGNATURE_VALIDITY,
        nonce: int | None = None,
    ) -> SignedWrite:
        """Sign ``write`` as ``author`` so that any ENDORSER can submit it.

        The nonce is the author's next one in the write's keyed sequence, read from the ledger.
        """
        contract = self.contracts[write.contract]
        if nonce is None:
            async with rpc_errors(self.descriptor.rpc_url):
                nonce = int(await contract.functions.nonces(author.address, write.nonce_key).call())
        deadline = int(time.time()) + valid_for
        message = typed_data(
            write,
            chain_id=self.descriptor.chain_id,
            contract_address=contract.address,
            author=author.address,
            nonce=nonce,
            deadline=deadline,
        )
        signature = author.sign_typed_data(message)
        return SignedWrite(
            chain_id=self.descriptor.chain_id,
            contract=write.contract,
            contract_address=contract.address,
            function=write.function,
            args=self.contracts.args_to_json(write.contract, write.function, write.args),
            summary=write.summary,
            author=author.address,
            nonce=str(nonce),
            deadline=deadline,
            signature="0x" + signature.hex(),
        )

    def open_signed_write(self, signed: SignedWrite) -> Write:
        """Check a signed write (network, contract, signature) and return the write it carries.

        An endorser calls this before deciding on a request; the contract checks it all again.
        """
        if signed.chain_id != self.descriptor.chain_id:
            raise LedgerInputError(
                f"the write was signed for chain {signed.chain_id}, not {self.descriptor.chain_id}"
            )
        contract = self.contracts[signed.contract]
        if to_checksum_address(signed.contract_address) != contract.address:
            raise LedgerInputError(
                f"the write targets {signed.contract_address}, not this network's "
                f"{signed.contract} contract {contract.address}"
            )
        args = self.contracts.args_from_json(signed.contract, signed.function, signed.args)
        write = Write(signed.contract, signed.function, args, signed.summary)
        message = typed_data(
            write,
            chain_id=signed.chain_id,
            contract_address=contract.address,
            author=signed.author,
            nonce=int(signed.nonce),
            deadline=signed.deadline,
        )
        signature = bytes.fromhex(signed.signature.removeprefix("0x"))
        if recover_typed_data_signer(message, signature) != to_checksum_address(signed.author):
            raise EndorsementInvalidSignature({"author": signed.author})
        return write

    async def submit(self, signed: SignedWrite) -> WriteResult:
        """Submit an author's signed write as this client's signer (an ENDORSER)."""
        self._require_sender()
        write = self.open_signed_write(signed)
        try:
            return await self._transact(write, build_calldata(write, signed.endorsement))
        except LedgerRevertError as exc:
            if not replay_missed_cause(exc):
                raise
            ledger_time = await self.ledger_time()
            raise explain_endorsed_revert(exc, signed.deadline, ledger_time) from exc

    async def settle(
        self, tx_hash: str, nonce: int, *, timeout: float = 60.0
    ) -> SettledTransaction:
        """Settle a write of this client's signer that ended undetermined: mined or dropped.

        See :mod:`ler_chain.transactions` (``WriteUndeterminedError`` carries both arguments).
        """
        return await self._require_sender().settle(tx_hash, nonce, timeout=timeout)

    async def _transact(
        self, write: Write, data: bytes, on_signed: OnSigned | None = None
    ) -> WriteResult:
        sender = self._require_sender()
        contract = self.contracts[write.contract]
        sent = await sender.send(contract.address, "0x" + data.hex(), on_signed=on_signed)
        return WriteResult(
            tx_hash=sent.tx_hash,
            block_number=sent.block_number,
            gas_used=sent.gas_used,
            events=self._decode_events(sent.receipt),
        )

    def _decode_events(self, receipt: Any) -> list[dict[str, Any]]:
        events = []
        by_address = {c.address.lower(): c for _, c in self.contracts.items()}
        for log in receipt["logs"]:
            contract = by_address.get(str(log["address"]).lower())
            if contract is None:
                continue
            for event_abi in contract.events:
                try:
                    decoded = event_abi.process_log(log)
                except Exception:  # not this event
                    continue
                events.append({"event": decoded["event"], "args": dict(decoded["args"])})
                break
        return events

    def _require_sender(self) -> TransactionSender:
        if self._sender is None:
            raise LedgerConfigError("this ledger client has no signer, so it can only read")
        return self._sender
