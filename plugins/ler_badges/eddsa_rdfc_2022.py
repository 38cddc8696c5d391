"""The ``eddsa-rdfc-2022`` cryptosuite (W3C vc-di-eddsa): only canonize, hash, sign, verify.

Everything else about a proof (its options, configuration, attaching and checking it) is the
generic ``DataIntegrityProof`` of :mod:`~ler_badges.data_integrity`, the way digitalbazaar's
``data-integrity`` library takes a cryptosuite object.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from .canonicalization import canonicalize
from .data_integrity import Signer, maybe_await
from .document_loader import OfflineDocumentLoader
from .ed25519 import ED25519_SIGNATURE_LENGTH, verify_ed25519
from .errors import ProofCreationError
from .multikey import ED25519_PUBLIC_KEY_LENGTH

__all__ = ["CRYPTOSUITE", "canonize", "hash_data", "sign", "verify"]

CRYPTOSUITE = "eddsa-rdfc-2022"
NAME = CRYPTOSUITE
SIGNATURE_LENGTH = ED25519_SIGNATURE_LENGTH
PUBLIC_KEY_LENGTH = ED25519_PUBLIC_KEY_LENGTH
KEY_TYPE = "Ed25519"


def canonize(document: Mapping[str, Any], loader: OfflineDocumentLoader | None = None) -> str:
    """Transformation: RDF Dataset Canonicalization (RDFC-1.0) of a JSON-LD document."""
    return canonicalize(document, loader)


def hash_data(canonical_proof_config: str, canonical_document: str) -> bytes:
    """``SHA-256(proof configuration) || SHA-256(document)``: the 64 bytes that get signed."""
    return (
        hashlib.sha256(canonical_proof_config.encode("utf-8")).digest()
        + hashlib.sha256(canonical_document.encode("utf-8")).digest()
    )


async def sign(signer: Signer, data: bytes) -> bytes:
    """Ed25519 signature of ``data`` by ``signer`` (sync or async); checks its length."""
    signature = await maybe_await(signer(data))
    if not isinstance(signature, bytes | bytearray) or len(signature) != SIGNATURE_LENGTH:
        raise ProofCreationError(
            f"the signer must return a {SIGNATURE_LENGTH}-byte Ed25519 signature"
        )
    return bytes(signature)


def verify(public_key: bytes, data: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is the Ed25519 signature of ``data`` by ``public_key``."""
    return verify_ed25519(public_key, data, signature)
