"""A generic W3C ``DataIntegrityProof``; the cryptosuite is handed in.

This part holds proof options and configuration, attaching and detaching the proof, and
verification methods. A cryptosuite (e.g. :mod:`~ler_badges.eddsa_rdfc_2022`) provides only
``canonize``, ``hash_data``, ``sign`` and ``verify`` with its ``NAME`` and key sizes, as in
digitalbazaar's split of ``data-integrity`` from its cryptosuites;
:mod:`~ler_badges.cryptosuite` binds the two.
"""

from __future__ import annotations

import copy
import inspect
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import base58

from .document_loader import OfflineDocumentLoader
from .errors import (
    KeyResolutionError,
    MalformedProofError,
    MultikeyError,
    ProofCreationError,
    SignatureMismatchError,
)
from .multikey import public_key_from_did_key

__all__ = [
    "PROOF_TYPE",
    "KeyResolver",
    "Signer",
    "VerifiedProof",
    "did_key_resolver",
]

PROOF_TYPE = "DataIntegrityProof"
ASSERTION_METHOD = "assertionMethod"

Signer = Callable[[bytes], bytes | Awaitable[bytes]]
"""Signs the hash data with the issuer's key; returns the signature."""

KeyResolver = Callable[[str], bytes | Awaitable[bytes]]
"""Maps a verification method id to its public key."""

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


class Cryptosuite(Protocol):
    """What a cryptosuite adds to a ``DataIntegrityProof`` (a module fits)."""

    NAME: str
    KEY_TYPE: str
    SIGNATURE_LENGTH: int
    PUBLIC_KEY_LENGTH: int

    def canonize(self, document: Mapping[str, Any], loader: OfflineDocumentLoader | None) -> str:
        """The transformed (canonical) form of a document."""
        ...

    def hash_data(self, canonical_proof_config: str, canonical_document: str) -> bytes:
        """The bytes that get signed."""
        ...

    async def sign(self, signer: Signer, data: bytes) -> bytes:
        """The signature of ``data``."""
        ...

    def verify(self, public_key: bytes, data: bytes, signature: bytes) -> bool:
        """Whether ``signature`` signs ``data``."""
        ...


@dataclass(frozen=True)
class VerifiedProof:
    """A proof that verified: who signed (verification method), for what, and when."""

    verification_method: str
    proof_purpose: str
    created: str | None
    proof: dict[str, Any]


async def maybe_await[T](value: T | Awaitable[T]) -> T:
    """``value``, awaited if it is awaitable (signers and resolvers may be sync or async)."""
    if inspect.isawaitable(value):
        return await value
    return value


# --- proof options and configuration -------------------------------------------------------


def format_created(created: datetime | str | None) -> str:
    """The proof's ``created``: now (UTC, whole seconds) by default, checked otherwise."""
    if created is None:
        created = datetime.now(UTC).replace(microsecond=0)
    if isinstance(created, datetime):
        if created.tzinfo is None:
            raise ProofCreationError("created must be timezone-aware (UTC recommended)")
        return created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if not _DATETIME.match(created):
        raise ProofCreationError(f"created {created!r} is not an XML Schema dateTime with zone")
    return created


def _extra_options(verification_method: str, options: Mapping[str, Any] | None) -> dict[str, Any]:
    if not isinstance(verification_method, str) or not verification_method:
        raise ProofCreationError("a verification method id is required")
    extra = dict(options or {})
    if clash := sorted(_RESERVED_OPTIONS & extra.keys()):
        raise ProofCreationError(f"options may not set {', '.join(clash)}; use the arguments")
    return extra


def proof_options(
    suite: Cryptosuite,
    *,
    verification_method: str,
    created: datetime | str | None,
    proof_purpose: str,
    options: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The proof without its ``proofValue``, in the order it is serialized."""
    extra = _extra_options(verification_method, options)
    return {
        "type": PROOF_TYPE,
        "created": format_created(created),
        "verificationMethod": verification_method,
        "cryptosuite": suite.NAME,
        "proofPurpose": proof_purpose,
        **extra,
    }


def canonical_proof_configuration(
    suite: Cryptosuite,
    options: Mapping[str, Any],
    document_context: Any,
    loader: OfflineDocumentLoader | None = None,
) -> str:
    """Canonical form of the proof configuration (options with the document's context)."""
    config = {key: value for key, value in options.items() if key != "proofValue"}
    config["@context"] = document_context
    return suite.canonize(config, loader)


# --- attaching and detaching ---------------------------------------------------------------


def unsecured(document: Mapping[str, Any]) -> dict[str, Any]:
    """The document without its proof(s), as it is signed."""
    if "@context" not in document:
        raise ProofCreationError("the document has no @context, so it cannot be canonicalized")
    return {key: value for key, value in document.items() if key != "proof"}


def attach(document: Mapping[str, Any], proof: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of ``document`` with ``proof`` added (joining a proof set if there is one)."""
    secured = copy.deepcopy(dict(document))
    existing = secured.get("proof")
    if existing is None:
        secured["proof"] = proof
    else:
        secured["proof"] = [*(existing if isinstance(existing, list) else [existing]), proof]
    return secured


async def add_proof(
    suite: Cryptosuite,
    document: Mapping[str, Any],
    *,
    sign: Signer,
    verification_method: str,
    created: datetime | str | None = None,
    proof_purpose: str = ASSERTION_METHOD,
    options: Mapping[str, Any] | None = None,
    loader: OfflineDocumentLoader | None = None,
) -> dict[str, Any]:
    """A copy of ``document`` with a ``DataIntegrityProof`` of ``suite`` added."""
    _extra_options(verification_method, options)
    document_without_proof = unsecured(document)
    proof = proof_options(
        suite,
        verification_method=verification_method,
        created=created,
        proof_purpose=proof_purpose,
        options=options,
    )
    data = suite.hash_data(
        canonical_proof_configuration(suite, proof, document_without_proof["@context"], loader),
        suite.canonize(document_without_proof, loader),
    )
    signature = await suite.sign(sign, data)
    proof["proofValue"] = "z" + base58.b58encode(signature).decode("ascii")
    return attach(document, proof)


# --- verification methods and verifying ---------------------------------------------------


def did_key_resolver(verification_method: str) -> bytes:
    """Resolve an Ed25519 ``did:key`` verification method locally (no network)."""
    try:
        return public_key_from_did_key(verification_method)
    except MultikeyError as error:
        raise KeyResolutionError(
            f"cannot resolve verification method {verification_method!r}: {error}"
        ) from error


def _proofs_of(suite: Cryptosuite, document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    proof = document.get("proof")
    if proof is None:
        raise MalformedProofError("the document has no proof")
    proofs = proof if isinstance(proof, list) else [proof]
    ours = [
        item
        for item in proofs
        if isinstance(item, Mapping)
        and item.get("type") == PROOF_TYPE
        and item.get("cryptosuite") == suite.NAME
    ]
    if not ours:
        raise MalformedProofError(f"the document has no {PROOF_TYPE} with cryptosuite {suite.NAME}")
    return ours


def _checked_fields(
    suite: Cryptosuite, proof: Mapping[str, Any], expected_purpose: str
) -> tuple[str, bytes]:
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
    if len(signature) != suite.SIGNATURE_LENGTH:
        raise MalformedProofError(
            f"the proofValue holds {len(signature)} bytes, not a "
            f"{suite.SIGNATURE_LENGTH}-byte {suite.KEY_TYPE} signature"
        )
    return method, signature


async def _public_key(suite: Cryptosuite, key: bytes | KeyResolver, method: str) -> bytes:
    if isinstance(key, bytes | bytearray):
        public_key = bytes(key)
    else:
        try:
            public_key = await maybe_await(key(method))
        except KeyResolutionError:
            raise
        except (MultikeyError, LookupError, ValueError) as error:
            raise KeyResolutionError(
                f"cannot resolve verification method {method!r}: {error}"
            ) from error
    if not isinstance(public_key, bytes | bytearray) or len(public_key) != (
        suite.PUBLIC_KEY_LENGTH
    ):
        raise KeyResolutionError(
            f"the key for {method!r} is not a {suite.PUBLIC_KEY_LENGTH}-byte {suite.KEY_TYPE} key"
        )
    return bytes(public_key)


def _context_starts_with(document_context: Any, proof_context: Any) -> bool:
    doc = document_context if isinstance(document_context, list) else [document_context]
    prefix = proof_context if isinstance(proof_context, list) else [proof_context]
    return doc[: len(prefix)] == prefix


async def verify_proof(
    suite: Cryptosuite,
    document: Mapping[str, Any],
    key: bytes | KeyResolver,
    *,
    expected_proof_purpose: str = ASSERTION_METHOD,
    loader: OfflineDocumentLoader | None = None,
) -> list[VerifiedProof]:
    """Verify every ``DataIntegrityProof`` of ``suite`` on ``document``; raise if any fails."""
    document_without_proof = {k: v for k, v in document.items() if k != "proof"}
    if "@context" not in document_without_proof:
        raise MalformedProofError("the document has no @context")
    canonical_documents: dict[str, str] = {}
    verified: list[VerifiedProof] = []
    for proof in _proofs_of(suite, document):
        method, signature = _checked_fields(suite, proof, expected_proof_purpose)
        options = {k: v for k, v in proof.items() if k != "proofValue"}
        context = document_without_proof["@context"]
        if "@context" in options:
            context = options.pop("@context")
            if not _context_starts_with(document_without_proof["@context"], context):
                raise MalformedProofError(
                    "the proof's @context does not match the start of the document's @context"
                )
        context_key = json.dumps(context, sort_keys=True)
        if context_key not in canonical_documents:
            canonical_documents[context_key] = suite.canonize(
                {**document_without_proof, "@context": context}, loader
            )
        data = suite.hash_data(
            canonical_proof_configuration(suite, options, context, loader),
            canonical_documents[context_key],
        )
        public_key = await _public_key(suite, key, method)
        if not suite.verify(public_key, data, signature):
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
