"""The ATS hand-off as a Verifiable Presentation signed by the employer's DID (``signing: vp``).

A VC Data Model 2.0 presentation whose ``holder`` is the employer: the hand-off (delivery id,
match report, résumé, verdicts) as one JSON literal (``lerHiringHandOff``, ``@type: @json``, so
it is signed as it is, whatever its keys), and the candidate's credentials whose own signatures
verified as ``verifiableCredential`` (whether their issuers are trusted is in the verdicts). It
is secured with ler_badges' eddsa-rdfc-2022 ``DataIntegrityProof`` (:func:`ler_badges.add_proof`,
the signer of badges), so an ATS checks it like any credential of the network:
:func:`ler_badges.verify_proof` against the employer's DID document, then each embedded
credential with its own checks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ler_badges import Signer, add_proof

__all__ = ["CONTEXT", "HAND_OFF", "authentic", "presentation", "signed_presentation"]

HAND_OFF = "lerHiringHandOff"
CONTEXT: list[Any] = [
    "https://www.w3.org/ns/credentials/v2",
    {HAND_OFF: {"@id": "https://w3id.org/ler-node/hiring#handOff", "@type": "@json"}},
]


def authentic(
    credentials: Sequence[Mapping[str, Any]], verdicts: Sequence[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """The credentials whose verdict (same order) says their signature verified."""
    return [
        credential
        for credential, verdict in zip(credentials, verdicts, strict=False)
        if any(c.get("name") == "signature" and c.get("passed") for c in verdict.get("checks", []))
    ]


def presentation(
    delivery_id: str,
    holder: str,
    hand_off: Mapping[str, Any],
    credentials: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The unsigned presentation of one delivery."""
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": f"urn:uuid:{delivery_id}",
        "type": ["VerifiablePresentation"],
        "holder": holder,
        HAND_OFF: {"delivery_id": delivery_id, **hand_off},
    }
    if credentials:
        document["verifiableCredential"] = [dict(c) for c in credentials]
    return document


async def signed_presentation(
    delivery_id: str,
    hand_off: Mapping[str, Any],
    credentials: Sequence[Mapping[str, Any]],
    *,
    holder: str,
    sign: Signer,
    verification_method: str,
) -> dict[str, Any]:
    """The presentation with the holder's proof (assertionMethod: the employer vouches for it)."""
    document = presentation(delivery_id, holder, hand_off, credentials)
    return await add_proof(document, sign=sign, verification_method=verification_method)
