"""Helpers for ledger tests: colleges with their own keys, anchored through endorsement."""

from __future__ import annotations

import os
from dataclasses import dataclass

from ler_chain import LedgerClient, LerDid, LocalSigner


@dataclass
class College:
    """A college: an EVM author key without any role, and its Ed25519 DID key."""

    signer: LocalSigner
    verkey: bytes
    did: LerDid


def new_college(network: str = "local") -> College:
    """A fresh college identity (not on the ledger yet)."""
    verkey = os.urandom(32)
    return College(LocalSigner.generate(), verkey, LerDid.from_verkey(network, verkey))


async def anchor_college(endorser: LedgerClient, endpoint: str = "") -> College:
    """Create a college's DID through endorsement: the college signs, the endorser submits."""
    college = new_college(endorser.descriptor.network)
    signed = await endorser.sign_for_endorsement(
        endorser.dids.create(college.verkey, endpoint), college.signer
    )
    await endorser.submit(signed)
    return college
