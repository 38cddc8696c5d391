"""Check a wallet's presentation: signed by its ``did:key`` over this exchange's challenge.

A VC-API wallet proves control of its DID with a verifiable presentation whose proof has purpose
``authentication`` and carries the exchange's ``challenge`` and ``domain``. Accepted proofs:
``DataIntegrityProof`` with ``eddsa-rdfc-2022`` (checked by :mod:`ler_badges.cryptosuite`) and
``Ed25519Signature2020`` (what Learner Credential Wallet signs with; checked by ACA-Py's
linked-data proofs). Only ``did:key`` holders are accepted: their keys are in the DID itself,
so checking a wallet's proof never makes this server fetch anything a caller chose.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from acapy_agent.core.profile import Profile
from acapy_agent.vc.ld_proofs import (
    AuthenticationProofPurpose,
    Ed25519Signature2018,
    Ed25519Signature2020,
    WalletKeyPair,
)
from acapy_agent.vc.ld_proofs import verify as ld_verify
from acapy_agent.vc.ld_proofs.document_loader import DocumentLoader
from acapy_agent.wallet.key_type import ED25519

from ..acapy.loader import suite_loader
from ..cryptosuite import CRYPTOSUITE, PROOF_TYPE, did_key_resolver, verify_proof
from ..errors import BadgesError
from ..verification import object_id
from .refusals import ExchangeRefused

AUTHENTICATION = "authentication"
LD_SUITES = {
    "Ed25519Signature2020": Ed25519Signature2020,
    "Ed25519Signature2018": Ed25519Signature2018,
}


def _refused(code: str, message: str, status: int = 401) -> ExchangeRefused:
    return ExchangeRefused(status, code, message)


def authentication_proof(presentation: Mapping[str, Any]) -> dict[str, Any]:
    """The presentation's (first) ``authentication`` proof; refused if there is none."""
    proofs = presentation.get("proof")
    proofs = proofs if isinstance(proofs, list) else [proofs] if proofs else []
    for proof in proofs:
        if isinstance(proof, Mapping) and proof.get("proofPurpose") == AUTHENTICATION:
            return dict(proof)
    raise _refused(
        "no-authentication-proof",
        "the presentation is not signed for authentication: sign it with the wallet's DID key, "
        "proofPurpose authentication, over the request's challenge and domain",
    )


async def authenticate(
    profile: Profile, presentation: Mapping[str, Any], challenge: str, domain: str
) -> str:
    """The ``did:key`` that signed ``presentation`` over ``challenge`` and ``domain``.

    Raises :class:`ExchangeRefused` (401) saying which check failed.
    """
    proof = authentication_proof(presentation)
    if proof.get("challenge") != challenge:
        raise _refused(
            "wrong-challenge",
            "the presentation answers another challenge: sign over the challenge of this "
            "exchange's request (POST an empty object to the exchange URL to get it)",
        )
    if proof.get("domain") != domain:
        raise _refused(
            "wrong-domain",
            f"the presentation is bound to domain {proof.get('domain')!r}, not {domain!r}",
        )
    method = proof.get("verificationMethod")
    did = method.split("#", 1)[0] if isinstance(method, str) else ""
    if not did.startswith("did:key:"):
        raise _refused(
            "unsupported-did-method",
            "sign with a did:key DID (Ed25519); other DID methods are not accepted here",
            400,
        )
    holder = object_id(presentation.get("holder"))
    if holder is not None and holder != did:
        raise _refused("holder-mismatch", f"the presentation's holder {holder} did not sign it")
    if proof.get("type") == PROOF_TYPE and proof.get("cryptosuite") == CRYPTOSUITE:
        try:
            await verify_proof(
                presentation,
                did_key_resolver,
                expected_proof_purpose=AUTHENTICATION,
                loader=suite_loader(),
            )
        except BadgesError as error:
            raise _refused(
                "invalid-signature", f"the presentation's proof fails: {error}"
            ) from None
    elif proof.get("type") in LD_SUITES:
        await _verify_linked_data(profile, presentation, proof, challenge, domain)
    else:
        raise _refused(
            "unsupported-proof",
            f"proofs of type {proof.get('type')!r} are not accepted: use DataIntegrityProof "
            f"({CRYPTOSUITE}) or Ed25519Signature2020",
            400,
        )
    return did


async def _verify_linked_data(
    profile: Profile,
    presentation: Mapping[str, Any],
    proof: Mapping[str, Any],
    challenge: str,
    domain: str,
) -> None:
    suite = LD_SUITES[str(proof["type"])](key_pair=WalletKeyPair(profile=profile, key_type=ED25519))
    try:
        result = await ld_verify(
            document=dict(presentation),
            suites=[suite],
            purpose=AuthenticationProofPurpose(challenge=challenge, domain=domain),
            document_loader=profile.inject(DocumentLoader),
        )
    except Exception as error:  # ACA-Py raises many kinds for a malformed document
        raise _refused("invalid-signature", f"the presentation's proof fails: {error}") from None
    if not result.verified:
        errors = [str(e) for e in result.errors or []]
        raise _refused(
            "invalid-signature",
            "the presentation's proof fails: " + ("; ".join(errors) or "bad signature"),
        )
