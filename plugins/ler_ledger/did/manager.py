"""Creating and maintaining a wallet's did:ler DIDs on the ledger."""

from __future__ import annotations

from typing import Any

import base58
from acapy_agent.core.profile import Profile
from acapy_agent.wallet.base import BaseWallet
from acapy_agent.wallet.key_type import ED25519

from ler_chain import LerDid

from ..endorsement.completions import run_landed
from ..endorsement.manager import EndorsementManager
from ..ledger import LedgerService
from ..write_routing import write_to_ledger
from .completions import KIND


class LerDidManager:
    """Anchor, rotate, re-point and deactivate did:ler DIDs of one wallet."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.ledger = profile.inject(LedgerService)

    async def create(
        self, *, endpoint: str | None = None, public: bool = False, wait: bool = True
    ) -> dict[str, Any]:
        """Create an Ed25519 key, anchor its DID (endorsed unless we are the endorser)."""
        async with self.profile.session() as session:
            key = await session.inject(BaseWallet).create_key(ED25519)
        verkey = base58.b58decode(key.verkey)
        did = LerDid.from_verkey(self.ledger.network, verkey)
        if endpoint is None:
            endpoint = self.profile.settings.get("default_endpoint") or ""
        job = {
            "type": "did_create",
            "did": str(did),
            "verkey": key.verkey,
            "public": public,
            "metadata": {"endpoint": endpoint},
        }
        write = self.ledger.chain.dids.create(verkey, endpoint)
        return await self._run(write, job, did, did_key=key.verkey, wait=wait, verkey=key.verkey)

    async def rotate_key(self, did: str, *, wait: bool = True) -> dict[str, Any]:
        """Anchor a new Ed25519 key for ``did`` (the id stays)."""
        current = await self.ledger.chain.dids.resolve(did)
        async with self.profile.session() as session:
            key = await session.inject(BaseWallet).create_key(ED25519)
        write = self.ledger.chain.dids.update(did, base58.b58decode(key.verkey), current.endpoint)
        job = {"type": "did_update", "did": did, "verkey": key.verkey}
        return await self._run(
            write, job, current.did, did_key=key.verkey, wait=wait, verkey=key.verkey
        )

    async def set_endpoint(self, did: str, endpoint: str, *, wait: bool = True) -> dict[str, Any]:
        """Point the DID's DIDComm service at ``endpoint`` ('' removes it)."""
        current = await self.ledger.chain.dids.resolve(did)
        verkey = base58.b58encode(current.verkey).decode()
        write = self.ledger.chain.dids.update(did, current.verkey, endpoint)
        return await self._run(write, {}, current.did, did_key=verkey, wait=wait, verkey=verkey)

    async def deactivate(self, did: str, *, wait: bool = True) -> dict[str, Any]:
        """Deactivate the DID for good."""
        current = await self.ledger.chain.dids.resolve(did)
        write = self.ledger.chain.dids.deactivate(did)
        job = {"type": "did_deactivate", "did": did}
        verkey = base58.b58encode(current.verkey).decode()
        return await self._run(write, job, current.did, did_key=None, wait=wait, verkey=verkey)

    async def _run(
        self,
        write: Any,
        job: dict[str, Any],
        did: LerDid,
        *,
        did_key: str | None,
        wait: bool,
        verkey: str,
    ) -> dict[str, Any]:
        outcome = await write_to_ledger(
            self.profile, write, kind=KIND, object_id=str(did), job=job, did_key=did_key
        )
        result: dict[str, Any] = {"did": str(did), "verkey": verkey}
        if outcome.finished:
            await run_landed(self.profile, KIND, job)
            return {**result, "state": "finished", "tx_hash": outcome.result.tx_hash}
        record = outcome.record
        if wait:
            record = await EndorsementManager(self.profile).wait(
                record, self.ledger.config.endorsement.timeout
            )
            return {**result, "state": "finished", "tx_hash": record.tx_hash}
        return {**result, "state": "wait", "endorsement_id": record.endorsement_id}
