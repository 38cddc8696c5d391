"""Bitstring status lists of did:ler issuers, anchored on the ledger (``StatusListRegistry``).

A college publishes each new state of a status list here. The event carries the list (the
GZIP-compressed bitstring that a ``BitstringStatusListCredential``'s ``encodedList`` encodes);
the contract keeps its hash, so a list read back is checked against the anchor.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi import encode as abi_encode
from eth_utils import keccak

from ..errors import LedgerInputError
from ..identifiers import LerDid
from ..writes import Write
from .base import RegistryClient, verified_payload

MAX_LIST_LENGTH = 65_536
MAX_LIST_ID_LENGTH = 512


@dataclass(frozen=True)
class AnchoredStatusList:
    """One version of a status list as anchored on the ledger, its bytes checked against it."""

    key: bytes
    issuer: LerDid
    list_id: str
    version: int
    timestamp: int
    block_number: int
    list_hash: bytes
    list: bytes


def status_list_key(issuer: LerDid, list_id: str) -> bytes:
    """On-chain key of a list (``StatusListRegistry.keyOf``)."""
    return keccak(
        abi_encode(["string", "bytes16", "string"], ["STATUS_LIST", issuer.id_bytes, list_id])
    )


def _check(list_id: str, encoded: bytes) -> None:
    if not list_id or len(list_id.encode()) > MAX_LIST_ID_LENGTH:
        raise LedgerInputError(f"a status list id has 1-{MAX_LIST_ID_LENGTH} bytes: {list_id!r}")
    if not encoded or len(encoded) > MAX_LIST_LENGTH:
        raise LedgerInputError(
            f"a status list has 1-{MAX_LIST_LENGTH} bytes when compressed, not {len(encoded)}"
        )


class StatusListRegistryClient(RegistryClient):
    """Typed access to ``StatusListRegistry``."""

    def publish(self, issuer: LerDid, list_id: str, previous_version: int, encoded: bytes) -> Write:
        """Publish version ``previous_version + 1`` of a list (``encoded``: compressed bits)."""
        _check(list_id, encoded)
        key = status_list_key(issuer, list_id)
        return Write(
            "status_lists",
            "publishStatusList",
            {
                "issuer": issuer.id_bytes,
                "listId": list_id,
                "previousVersion": previous_version,
                "list": encoded,
            },
            f"publish version {previous_version + 1} of status list {list_id}",
            nonce_key=int.from_bytes(key[:24]),
        )

    async def latest(self, issuer: LerDid, list_id: str) -> AnchoredStatusList:
        """The list's latest version."""
        key = status_list_key(issuer, list_id)
        return await self._read(key, self._contract.functions.statusListLatest(key), list_id)

    async def at(self, issuer: LerDid, list_id: str, timestamp: int) -> AnchoredStatusList:
        """The version in force at ``timestamp`` (block time)."""
        key = status_list_key(issuer, list_id)
        function = self._contract.functions.statusListAt(key, timestamp)
        return await self._read(key, function, list_id)

    async def version(self, issuer: LerDid, list_id: str, version: int) -> AnchoredStatusList:
        """One version by number (1 is the first)."""
        key = status_list_key(issuer, list_id)
        function = self._contract.functions.statusListVersion(key, version)
        return await self._read(key, function, list_id)

    async def _read(self, key: bytes, function: object, list_id: str) -> AnchoredStatusList:
        issuer, version, timestamp, block_number, list_hash = await self._call(function)
        event = await self._event_in_block(
            "StatusListPublished", block_number, {"key": key, "version": version}
        )
        return AnchoredStatusList(
            key=key,
            issuer=LerDid.from_id(self._network, issuer),
            list_id=event["listId"],
            version=version,
            timestamp=timestamp,
            block_number=block_number,
            list_hash=bytes(list_hash),
            list=verified_payload(
                bytes(event["list"]), list_hash, f"version {version} of status list {list_id}"
            ),
        )
