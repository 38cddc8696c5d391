"""did:ler DIDs in the wallet: stored only once anchored, updated after rotation."""

from __future__ import annotations

import json

from acapy_agent.core.profile import Profile
from acapy_agent.wallet.base import BaseWallet
from acapy_agent.wallet.did_info import DIDInfo
from acapy_agent.wallet.key_type import ED25519

from ..did_method import LER

CATEGORY_DID = "did"


async def store_anchored_did(
    profile: Profile, did: str, verkey: str, metadata: dict, public: bool = False
) -> DIDInfo:
    """Store a DID that is on the ledger (metadata ``posted: true``), optionally as public DID."""
    async with profile.session() as session:
        wallet = session.inject(BaseWallet)
        info = await wallet.store_did(
            DIDInfo(did, verkey, {**metadata, "posted": True}, LER, ED25519)
        )
        if public:
            await wallet.set_public_did(did)
    return info


async def rotate_wallet_did_key(profile: Profile, did: str, new_verkey: str) -> None:
    """Point a wallet DID at its new key once the rotation is on the ledger."""
    async with profile.transaction() as txn:
        entry = await txn.handle.fetch(CATEGORY_DID, did, for_update=True)
        if entry is None:
            return
        value = json.loads(entry.value)
        value["verkey"] = new_verkey
        tags = dict(entry.tags)
        tags["verkey"] = new_verkey
        await txn.handle.replace(CATEGORY_DID, did, value=json.dumps(value), tags=tags)
        await txn.commit()


async def set_did_metadata(profile: Profile, did: str, **changes: object) -> None:
    """Merge ``changes`` into a wallet DID's metadata."""
    async with profile.session() as session:
        wallet = session.inject(BaseWallet)
        info = await wallet.get_local_did(did)
        await wallet.replace_local_did_metadata(did, {**info.metadata, **changes})
