"""The ``eddsa-rdfc-2022`` Data Integrity cryptosuite (W3C vc-di-eddsa), sign and verify.

Why we implement it ourselves: Open Badges 3.0 and CLR 2.0 certification tests an embedded
``DataIntegrityProof`` with cryptosuite ``eddsa-rdfc-2022``. ACA-Py 1.7 cannot make one: its
Data Integrity support (``acapy_agent/vc/data_integrity``) has only ``eddsa-jcs-2022``, and its
VC 2.0 linked-data issuance (``VcLdpManager.prepare_credential`` in
``acapy_agent/vc/vc_ld/manager.py``) refuses any proof type outside
``SUPPORTED_V2_ISSUANCE_PROOF_TYPES`` (``Ed25519Signature2020`` and BBS). The way in later is
the ``ExternalSuiteProvider`` hook (``acapy_agent/vc/vc_ld/external_suite.py``), which
``VcLdpManager._get_suite`` asks first; this module stays free of ACA-Py so that the wiring can
wrap it and so it can be checked byte for byte against the 1EdTech test vectors on its own.

It binds the generic ``DataIntegrityProof`` (:mod:`~ler_badges.data_integrity`: proof options
and configuration, attaching the proof, verification methods) to the cryptosuite
(:mod:`~ler_badges.eddsa_rdfc_2022`: canonize, hash, sign, verify). The algorithm:

1. transformation: the document without ``proof`` is canonicalized with RDF Dataset
   Canonicalization (:func:`~ler_badges.canonicalization.canonicalize`);
2. proof configuration: the proof options without ``proofValue``, given the document's
   ``@context``, canonicalized the same way;
3. hashing: ``SHA-256(canonical proof configuration) || SHA-256(canonical document)``;
4. signing: Ed25519 over those 64 bytes; ``proofValue`` is the signature in multibase
   base58btc (``z...``).

Signing goes through an injected ``sign(data) -> signature`` callable (sync or async), so the
private key can stay in the agent's wallet. Verification takes the 32-byte public key, or a
resolver from verification method id to public key (sync or async).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from . import data_integrity, eddsa_rdfc_2022
from .data_integrity import (
    ASSERTION_METHOD,
    PROOF_TYPE,
    KeyResolver,
    Signer,
    VerifiedProof,
    did_key_resolver,
)
from .document_loader import OfflineDocumentLoader
from .eddsa_rdfc_2022 import CRYPTOSUITE, hash_data

__all__ = [
    "CRYPTOSUITE",
    "PROOF_TYPE",
    "KeyResolver",
    "Signer",
    "VerifiedProof",
    "add_proof",
    "canonical_proof_configuration",
    "did_key_resolver",
    "hash_data",
    "verify_proof",
]

SUITE = eddsa_rdfc_2022


def canonical_proof_configuration(
    proof_options: Mapping[str, Any],
    document_context: Any,
    loader: OfflineDocumentLoader | None = None,
) -> str:
    """Canonical N-Quads of the proof configuration (options with the document's context)."""
    return data_integrity.canonical_proof_configuration(
        SUITE, proof_options, document_context, loader
    )


async def add_proof(
    document: Mapping[str, Any],
    *,
    sign: Signer,
    verification_method: str,
    created: datetime | str | None = None,
    proof_purpose: str = ASSERTION_METHOD,
    options: Mapping[str, Any] | None = None,
    loader: OfflineDocumentLoader | None = None,
) -> dict[str, Any]:
    """Return a (deep) copy of ``document`` with an eddsa-rdfc-2022 ``DataIntegrityProof`` added.

    ``sign`` signs with the key named by ``verification_method``. ``created`` defaults to now
    (UTC, whole seconds). ``options`` adds further proof fields (``domain``, ``challenge``,
    ``expires``, ``id``...). If the document already has proofs, the new one joins the proof
    set and, as Data Integrity requires, signs the document without them.
    """
    return await data_integrity.add_proof(
        SUITE,
        document,
        sign=sign,
        verification_method=verification_method,
        created=created,
        proof_purpose=proof_purpose,
        options=options,
        loader=loader,
    )


async def verify_proof(
    document: Mapping[str, Any],
    key: bytes | KeyResolver,
    *,
    expected_proof_purpose: str = ASSERTION_METHOD,
    loader: OfflineDocumentLoader | None = None,
) -> list[VerifiedProof]:
    """Verify every eddsa-rdfc-2022 proof on ``document``; raise if any fails.

    ``key`` is the signer's 32-byte Ed25519 public key, or a resolver from verification method
    id to public key (e.g. :func:`did_key_resolver`). Proofs of other types or cryptosuites are
    left to other verifiers; at least one eddsa-rdfc-2022 proof must be present. Raises a
    :class:`~ler_badges.errors.ProofVerificationError` subclass saying what is wrong.
    """
    return await data_integrity.verify_proof(
        SUITE, document, key, expected_proof_purpose=expected_proof_purpose, loader=loader
    )
