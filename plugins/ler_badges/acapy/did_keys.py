"""Keys: find the Ed25519 key behind a verification method, and sign with the wallet's DID key.

Verification methods are resolved without fetching anything but DID documents: ``did:key``
locally, other DIDs (``did:ler`` from the state ledger) through ACA-Py's DID resolver, and
keys of issuers outside the network only if an operator pinned them
(``ler_badges.verifier.pinned_keys``).
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import base58
from acapy_agent.core.profile import Profile
from acapy_agent.resolver.base import ResolverError
from acapy_agent.resolver.did_resolver import DIDResolver
from acapy_agent.wallet.base import BaseWallet
from acapy_agent.wallet.error import WalletError

from ler_chain.did_document import build_did_document
from ler_ledger import LedgerService

from ..errors import KeyResolutionError, MultikeyError
from ..multikey import decode_multikey, public_key_from_did_key
from ..verification import ResolvedKey

ASSERTION = "assertionMethod"
AUTHENTICATION = "authentication"
Signer = Callable[[bytes], Awaitable[bytes]]


def _key_of(method: Mapping[str, Any]) -> bytes:
    """The Ed25519 public key of a verification method (Multikey, 2018, 2020 or JWK)."""
    try:
        if isinstance(method.get("publicKeyMultibase"), str):
            return decode_multikey(method["publicKeyMultibase"])
        if isinstance(method.get("publicKeyBase58"), str):
            return base58.b58decode(method["publicKeyBase58"])
        jwk = method.get("publicKeyJwk")
        if isinstance(jwk, Mapping) and jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
            x = str(jwk.get("x", ""))
            return base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
    except (MultikeyError, ValueError) as error:
        raise KeyResolutionError(f"the key of {method.get('id')} is malformed: {error}") from error
    raise KeyResolutionError(f"{method.get('id')} is not an Ed25519 verification method")


def _absolute(did: str, reference: str) -> str:
    return did + reference if reference.startswith("#") else reference


def find_method(document: Mapping[str, Any], method_id: str, relationship: str) -> dict[str, Any]:
    """The verification method ``method_id`` of a DID document, if listed under ``relationship``."""
    did = str(document.get("id", ""))
    methods = {
        _absolute(did, m["id"]): m
        for m in document.get("verificationMethod") or []
        if isinstance(m, Mapping) and isinstance(m.get("id"), str)
    }
    for entry in document.get(relationship) or []:
        if isinstance(entry, str) and _absolute(did, entry) == method_id:
            if method_id in methods:
                return dict(methods[method_id])
        elif isinstance(entry, Mapping) and _absolute(did, str(entry.get("id", ""))) == method_id:
            return dict(entry)
    if method_id in methods:
        raise KeyResolutionError(f"{method_id} is not listed under {relationship} of {did}")
    raise KeyResolutionError(f"{did} has no verification method {method_id}")


#: DIDs resolved locally or from the state ledger, never from a host the credential names
OFFLINE_DID_METHODS = ("did:ler:", "did:key:", "did:peer:", "did:jwk:")


async def resolve_key(
    profile: Profile,
    method_id: str,
    relationship: str = ASSERTION,
    pinned: Mapping[str, bytes] | None = None,
) -> ResolvedKey:
    """The public key of ``method_id`` and who controls it; raises KeyResolutionError."""
    if pinned and method_id in pinned:
        return ResolvedKey(pinned[method_id], method_id.split("#", 1)[0])
    if method_id.startswith("did:key:"):
        try:
            return ResolvedKey(public_key_from_did_key(method_id), method_id.split("#", 1)[0])
        except MultikeyError as error:
            raise KeyResolutionError(str(error)) from error
    if not method_id.startswith("did:"):
        raise KeyResolutionError(
            f"cannot resolve verification method {method_id!r}: only DIDs and keys pinned in "
            "ler_badges.verifier.pinned_keys are trusted, and nothing else is fetched"
        )
    did = method_id.split("#", 1)[0]
    if not did.startswith(OFFLINE_DID_METHODS):
        raise KeyResolutionError(
            f"cannot resolve {did}: this agent resolves only did:ler, did:key, did:peer and "
            "did:jwk DIDs here (nothing is fetched from a host a credential names); pin the "
            "issuer's key in ler_badges.verifier.pinned_keys"
        )
    resolver = profile.inject(DIDResolver)
    try:
        document = await resolver.resolve(profile, did)
    except ResolverError as error:
        raise KeyResolutionError(f"cannot resolve {did}: {error}") from error
    if isinstance(document, Mapping) and document.get("deactivated"):
        raise KeyResolutionError(f"{did} is deactivated")
    method = find_method(document, method_id, relationship)
    controller = method.get("controller") or did
    return ResolvedKey(_key_of(method), str(controller))


async def did_signer(profile: Profile, did: str) -> tuple[Signer, str]:
    """A signer for the wallet's ``did`` and the assertion method it signs as.

    The method is the one of the DID's resolved document whose key the wallet holds, so a
    signature always verifies against what the ledger says about the DID (a did:ler is read
    from the ledger itself, not from the resolver's cache, so a key rotation counts at once).
    """
    async with profile.session() as session:
        wallet = session.inject(BaseWallet)
        try:
            info = await wallet.get_local_did(did)
        except WalletError as error:
            raise KeyResolutionError(f"{did} is not a DID of this wallet") from error
    ledger = profile.inject_or(LedgerService)
    if did.startswith("did:ler:") and ledger is not None:  # fresh: a rotation shows at once
        document = build_did_document(await ledger.chain.dids.resolve(did))
    else:
        document = await profile.inject(DIDResolver).resolve(profile, did)
    verkey = base58.b58decode(info.verkey)
    for entry in document.get(ASSERTION) or []:
        method_id = _absolute(did, entry if isinstance(entry, str) else str(entry.get("id")))
        method = find_method(document, method_id, ASSERTION)
        if _key_of(method) == verkey:

            async def sign(data: bytes) -> bytes:
                async with profile.session() as session:
                    return await session.inject(BaseWallet).sign_message(data, info.verkey)

            return sign, method_id
    raise KeyResolutionError(
        f"the wallet's key of {did} is not an assertion method of its DID document; "
        "was the key rotated without updating the ledger?"
    )
