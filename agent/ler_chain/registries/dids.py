"""The did:ler DID registry."""

from __future__ import annotations

from eth_utils import to_checksum_address

from ..errors import LedgerInputError
from ..identifiers import LerDid
from ..models import DidRecord
from ..writes import Write
from .base import RegistryClient


class DidRegistryClient(RegistryClient):
    """Typed access to ``DidRegistry``."""

    def did(self, value: LerDid | str) -> LerDid:
        """Parse a DID of this network."""
        did = value if isinstance(value, LerDid) else LerDid.parse(value)
        if did.network != self._network:
            raise LedgerInputError(
                f"{did} belongs to network {did.network!r}, not {self._network!r}"
            )
        return did

    def did_of(self, verkey: bytes) -> LerDid:
        """The DID that ``verkey`` gives on this network."""
        return LerDid.from_verkey(self._network, verkey)

    def create(self, verkey: bytes, endpoint: str = "") -> Write:
        """Create the DID of an Ed25519 ``verkey``, controlled by the author."""
        did = self.did_of(verkey)
        return Write(
            "dids",
            "createDid",
            {"verkey": verkey, "endpoint": endpoint},
            f"create {did}",
            nonce_key=int.from_bytes(did.id_bytes),
        )

    def update(self, did: LerDid | str, verkey: bytes, endpoint: str) -> Write:
        """Set the DID's verification key and service endpoint."""
        did = self.did(did)
        return Write(
            "dids",
            "updateDid",
            {"id": did.id_bytes, "verkey": verkey, "endpoint": endpoint},
            f"update {did}",
            nonce_key=int.from_bytes(did.id_bytes),
        )

    def set_also_known_as(self, did: LerDid | str, also_known_as: str) -> Write:
        """Record another DID of the same subject (e.g. its did:web); '' removes it."""
        did = self.did(did)
        return Write(
            "dids",
            "setAlsoKnownAs",
            {"id": did.id_bytes, "alsoKnownAs": also_known_as},
            f"record {also_known_as or 'no other identifier'} as also known as {did}",
            nonce_key=int.from_bytes(did.id_bytes),
        )

    def deactivate(self, did: LerDid | str) -> Write:
        """Deactivate the DID for good."""
        did = self.did(did)
        return Write(
            "dids",
            "deactivateDid",
            {"id": did.id_bytes},
            f"deactivate {did}",
            nonce_key=int.from_bytes(did.id_bytes),
        )

    def change_controller(self, did: LerDid | str, new_controller: str) -> Write:
        """Hand the DID to another EVM account."""
        did = self.did(did)
        return Write(
            "dids",
            "changeController",
            {"id": did.id_bytes, "newController": to_checksum_address(new_controller)},
            f"hand {did} to {new_controller}",
            nonce_key=int.from_bytes(did.id_bytes),
        )

    async def exists(self, did: LerDid | str) -> bool:
        """Whether the DID is on the ledger (deactivated ones are)."""
        return bool(await self._call(self._contract.functions.exists(self.did(did).id_bytes)))

    async def resolve(
        self, did: LerDid | str, *, at: int | None = None, version_id: int | None = None
    ) -> DidRecord:
        """The DID's current state, its state as of time ``at``, or one version."""
        did = self.did(did)
        functions = self._contract.functions
        if version_id is not None:
            call = functions.resolveVersion(did.id_bytes, version_id)
        elif at is not None:
            call = functions.resolveAt(did.id_bytes, at)
        else:
            call = functions.resolve(did.id_bytes)
        state = await self._call(call)
        controller, version, number, created, updated = state
        verkey, endpoint, _timestamp, block_number, deactivated, also_known_as = version
        return DidRecord(
            did=did,
            controller=controller,
            verkey=bytes(verkey),
            endpoint=endpoint,
            version_id=number,
            created=created,
            updated=updated,
            deactivated=deactivated,
            block_number=block_number,
            also_known_as=also_known_as,
        )
