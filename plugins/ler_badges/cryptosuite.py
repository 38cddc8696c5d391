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

The algorithm (vc-di-eddsa, "eddsa-rdfc-2022"):

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

import copy
import hashlib
import inspect
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import base58

from .canonicalization import canonicalize
from .document_loader import OfflineDocumentLoader
from .errors import (
    KeyResolutionError,
    MalformedProofError,
    MultikeyError,
    ProofCreationError,
    SignatureMismatchError,
)
from .keys import ED25519_SIGNATURE_LENGTH, verify_ed25519
from .multikey import ED25519_PUBLIC_KEY_LENGTH, public_key_from_did_key

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

CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_TYPE = "DataIntegrityProof"
ASSERTION_METHOD = "assertionMethod"

Signer = Callable[[bytes], bytes | Awaitable[bytes]]
"""Signs the hash data with the issuer's Ed25519 key; returns the 64-byte signature."""

KeyResolver = Callable[[str], bytes | Awaitable[bytes]]
"""Maps a verification method id to its 32-byte Ed25519 public key."""

_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$",
)
_RESERVED_OPTIONS = frozenset(
    {
        "@context",
        "type",
        "cryptosuite",
        "verificationMethod",
        "proofPurpose",
        "created",
        "proofValue",
    }
)


@dataclass(frozen=True)
class VerifiedProof:
    """A proof that verified: who signed (verification method), for what, and when."""

    verification_method: str
    proof_purpose: str
    created: str | None
    proof: dict[str, Any]


async def _maybe_await[T](value: T | Awaitable[T]) -> T:
    if inspect.isawaitable(value):
        return await value
    return value


def _format_created(created: datetime | str | None) -> str:
    if created is None:
        created = datetime.now(UTC).replace(microsecond=0)
    if isinstance(created, datetime):
        if created.tzinfo is None:
            raise ProofCreationError("created must be timezone-aware (UTC recommended)")
        return created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if not _DATETIME.match(created):
        raise ProofCreationError(f"created {created!r} is not an XML Schema dateTime with zone")
    return created


def _unsecured(document: Mapping[str, Any]) -> dict[str, Any]:
    if "@context" not in document:
        raise ProofCreationError("the document has no @context, so it cannot be canonicalized")
    return {key: value for key, value in document.items() if key != "proof"}


def canonical_proof_configuration(
    proof_options: Mapping[str, Any],
    document_context: Any,
    loader: OfflineDocumentLoader | None = None,
) -> str:
    """Canonical N-Quads of the proof configuration (options with the document's context)."""
    config = {key: value for key, value in proof_options.items() if key != "proofValue"}
    config["@context"] = document_context
    return canonicalize(config, loader)


def hash_data(canonical_proof_config: str, canonical_document: str) -> bytes:
    """``SHA-256(proof configuration) || SHA-256(document)``: the 64 bytes that get signed."""
    return (
        hashlib.sha256(canonical_proof_config.encode("utf-8")).digest()
        + hashlib.sha256(canonical_document.encode("utf-8")).digest()
    )


def _signing_input(
    unsecured: Mapping[str, Any],
    proof_options: Mapping[str, Any],
    loader: OfflineDocumentLoader | None,
) -> bytes:
    canonical_document = canonicalize(unsecured, loader)
    canonical_config = canonical_proof_configuration(proof_options, unsecured["@context"], loader)
    return hash_data(canonical_config, canonical_document)


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
    if not isinstance(verification_method, str) or not verification_method:
        raise ProofCreationError("a verification method id is required")
    extra = dict(options or {})
    if clash := sorted(_RESERVED_OPTIONS & extra.keys()):
        raise ProofCreationError(f"options may not set {', '.join(clash)}; use the arguments")
    unsecured = _unsecured(document)
    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "created": _format_created(created),
        "verificationMethod": verification_method,
        "cryptosuite": CRYPTOSUITE,
        "proofPurpose": proof_purpose,
        **extra,
    }
    data = _signing_input(unsecured, proof, loader)
    signature = await _maybe_await(sign(data))
    if not isinstance(signature, bytes | bytearray) or len(signature) != ED25519_SIGNATURE_LENGTH:
        raise ProofCreationError(
            f"the signer must return a {ED25519_SIGNATURE_LENGTH}-byte Ed25519 signature"
        )
    proof["proofValue"] = "z" + base58.b58encode(bytes(signature)).decode("ascii")

    secured = copy.deepcopy(dict(document))
    existing = secured.get("proof")
    if existing is None:
        secured["proof"] = proof
    else:
        secured["proof"] = [*(existing if isinstance(existing, list) else [existing]), proof]
    return secured


def did_key_resolver(verification_method: str) -> bytes:
    """Resolve an Ed25519 ``did:key`` verification method locally (no network)."""
    try:
        return public_key_from_did_key(verification_method)
    except MultikeyError as error:
        raise KeyResolutionError(
            f"cannot resolve verification method {verification_method!r}: {error}"
        ) from error


def _proofs_of(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    proof = document.get("proof")
    if proof is None:
        raise MalformedProofError("the document has no proof")
    proofs = proof if isinstance(proof, list) else [proof]
    ours = [
        item
        for item in proofs
        if isinstance(item, Mapping)
        and item.get("type") == PROOF_TYPE
        and item.get("cryptosuite") == CRYPTOSUITE
    ]
    if not ours:
        raise MalformedProofError(
            f"the document has no {PROOF_TYPE} with cryptosuite {CRYPTOSUITE}"
        )
    return ours


def _checked_fields(proof: Mapping[str, Any], expected_purpose: str) -> tuple[str, bytes]:
    method = proof.get("verificationMethod")
    if not isinstance(method, str) or not method:
        raise MalformedProofError("the proof has no verificationMethod")
    purpose = proof.get("proofPurpose")
    if purpose != expected_purpose:
        raise MalformedProofError(
            f"the proof's purpose is {purpose!r}, but {expected_purpose!r} is required"
        )
    created = proof.get("created")
    if created is not None and (not isinstance(created, str) or not _DATETIME.match(created)):
        raise MalformedProofError(f"the proof's created {created!r} is not a valid dateTime")
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        raise MalformedProofError("the proofValue must be multibase base58btc (start with 'z')")
    try:
        signature = base58.b58decode(value[1:])
    except ValueError as error:
        raise MalformedProofError("the proofValue is not valid base58btc") from error
    if len(signature) != ED25519_SIGNATURE_LENGTH:
        raise MalformedProofError(
            f"the proofValue holds {len(signature)} bytes, not a "
            f"{ED25519_SIGNATURE_LENGTH}-byte Ed25519 signature"
        )
    return method, signature


async def _public_key(key: bytes | KeyResolver, method: str) -> bytes:
    if isinstance(key, bytes | bytearray):
        public_key = bytes(key)
    else:
        try:
            public_key = await _maybe_await(key(method))
        except KeyResolutionError:
            raise
        except (MultikeyError, LookupError, ValueError) as error:
            raise KeyResolutionError(
                f"cannot resolve verification method {method!r}: {error}"
            ) from error
    if not isinstance(public_key, bytes | bytearray) or len(public_key) != (
        ED25519_PUBLIC_KEY_LENGTH
    ):
        raise KeyResolutionError(
            f"the key for {method!r} is not a {ED25519_PUBLIC_KEY_LENGTH}-byte Ed25519 key"
        )
    return bytes(public_key)


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
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    if "@context" not in unsecured:
        raise MalformedProofError("the document has no @context")
    canonical_documents: dict[str, str] = {}
    verified: list[VerifiedProof] = []
    for proof in _proofs_of(document):
        method, signature = _checked_fields(proof, expected_proof_purpose)
        options = {k: v for k, v in proof.items() if k != "proofValue"}
        context = unsecured["@context"]
        if "@context" in options:
            context = options.pop("@context")
            if not _context_starts_with(unsecured["@context"], context):
                raise MalformedProofError(
                    "the proof's @context does not match the start of the document's @context"
                )
        context_key = json.dumps(context, sort_keys=True)
        if context_key not in canonical_documents:
            canonical_documents[context_key] = canonicalize(
                {**unsecured, "@context": context}, loader
            )
        data = hash_data(
            canonical_proof_configuration(options, context, loader),
            canonical_documents[context_key],
        )
        public_key = await _public_key(key, method)
        if not verify_ed25519(public_key, data, signature):
            raise SignatureMismatchError(
                f"the signature by {method} does not match: the credential or its proof was "
                "changed after signing, or it was signed with another key"
            )
        created = proof.get("created")
        verified.append(
            VerifiedProof(
                verification_method=method,
                proof_purpose=expected_proof_purpose,
                created=created if isinstance(created, str) else None,
                proof=dict(proof),
            )
        )
    return verified


def _context_starts_with(document_context: Any, proof_context: Any) -> bool:
    doc = document_context if isinstance(document_context, list) else [document_context]
    prefix = proof_context if isinstance(proof_context, list) else [proof_context]
    return doc[: len(prefix)] == prefix
