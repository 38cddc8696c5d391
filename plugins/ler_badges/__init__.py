"""Open Badges 3.0 and CLR 2.0 for ler-node: proofs, offline contexts and schema validation.

A pure library for now (no ACA-Py imports); the ACA-Py plugin wiring will wrap it:

- :mod:`~ler_badges.document_loader`: bundled JSON-LD contexts, never the network;
- :mod:`~ler_badges.canonicalization`: RDF Dataset Canonicalization in safe mode;
- :mod:`~ler_badges.cryptosuite`: the ``eddsa-rdfc-2022`` Data Integrity cryptosuite;
- :mod:`~ler_badges.multikey` and :mod:`~ler_badges.keys`: Ed25519 Multikey, did:key, signing;
- :mod:`~ler_badges.validation`: OB 3.0 / CLR 2.0 JSON Schema validation with readable errors.
"""

from .canonicalization import canonicalize
from .cryptosuite import (
    CRYPTOSUITE,
    PROOF_TYPE,
    KeyResolver,
    Signer,
    VerifiedProof,
    add_proof,
    canonical_proof_configuration,
    did_key_resolver,
    hash_data,
    verify_proof,
)
from .document_loader import OfflineDocumentLoader, bundled_context, bundled_context_urls
from .errors import (
    BadgesError,
    CanonicalizationError,
    ContextNotBundledError,
    KeyResolutionError,
    MalformedProofError,
    MultikeyError,
    ProofCreationError,
    ProofError,
    ProofVerificationError,
    SchemaProblem,
    SchemaValidationError,
    SignatureMismatchError,
)
from .keys import local_signer, public_key_of, verify_ed25519
from .multikey import (
    decode_multikey,
    did_key_from_public_key,
    did_key_verification_method,
    encode_multikey,
    public_key_from_did_key,
)
from .validation import (
    CredentialKind,
    credential_kind,
    schema_problems,
    validate_credential,
    validate_profile,
)

__all__ = [
    "CRYPTOSUITE",
    "PROOF_TYPE",
    "BadgesError",
    "CanonicalizationError",
    "ContextNotBundledError",
    "CredentialKind",
    "KeyResolutionError",
    "KeyResolver",
    "MalformedProofError",
    "MultikeyError",
    "OfflineDocumentLoader",
    "ProofCreationError",
    "ProofError",
    "ProofVerificationError",
    "SchemaProblem",
    "SchemaValidationError",
    "SignatureMismatchError",
    "Signer",
    "VerifiedProof",
    "add_proof",
    "bundled_context",
    "bundled_context_urls",
    "canonical_proof_configuration",
    "canonicalize",
    "credential_kind",
    "decode_multikey",
    "did_key_from_public_key",
    "did_key_resolver",
    "did_key_verification_method",
    "encode_multikey",
    "hash_data",
    "local_signer",
    "public_key_from_did_key",
    "public_key_of",
    "schema_problems",
    "validate_credential",
    "validate_profile",
    "verify_ed25519",
    "verify_proof",
]
