"""Open Badges 3.0 and CLR 2.0 for ler-node: issue, hold, present and verify.

The package's modules are a library free of ACA-Py:

- :mod:`~ler_badges.document_loader`: bundled JSON-LD contexts, never the network;
- :mod:`~ler_badges.canonicalization`: RDF Dataset Canonicalization in safe mode;
- :mod:`~ler_badges.cryptosuite`: the ``eddsa-rdfc-2022`` Data Integrity cryptosuite, binding
  the generic :mod:`~ler_badges.data_integrity` proof to :mod:`~ler_badges.eddsa_rdfc_2022`;
- :mod:`~ler_badges.multikey` and :mod:`~ler_badges.ed25519`: Ed25519 Multikey, did:key, signing;
- :mod:`~ler_badges.validation`: OB 3.0 / CLR 2.0 JSON Schema validation with readable errors;
- :mod:`~ler_badges.issuance`: complete a registrar's template and check it may be signed;
- :mod:`~ler_badges.skills`: the skills catalogue, alignments and levels;
- :mod:`~ler_badges.bitstring`: W3C Bitstring Status Lists (revocation and suspension);
- :mod:`~ler_badges.verification`: every check of a credential, named;
- :mod:`~ler_badges.status_server`: the public HTTP service for signed status lists.

It is also the ACA-Py plugin (``aca-py start --plugin ler_ledger --plugin ler_badges``):
:func:`setup` does the wiring (in :mod:`ler_badges.acapy`), :mod:`ler_badges.routes` the admin API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .bitstring import (
    BitstringStatusList,
    StatusEntry,
    StatusListError,
    StatusValue,
    decode_list,
    encode_list,
    status_entry,
    status_list_credential,
)
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
from .ed25519 import local_signer, public_key_of, verify_ed25519
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
from .issuance import (
    IssuanceError,
    PreparedCredential,
    check_issuable,
    nested_credentials,
    prepare_credential,
)
from .multikey import (
    decode_multikey,
    did_key_from_public_key,
    did_key_verification_method,
    encode_multikey,
    public_key_from_did_key,
)
from .skills import (
    Level,
    Skill,
    SkillNotFoundError,
    add_skills,
    catalogue,
    find_skill,
    levels,
    proven_skills,
)
from .validation import (
    CredentialKind,
    credential_kind,
    schema_problems,
    validate_credential,
    validate_profile,
)
from .verification import (
    Check,
    CredentialVerdict,
    ResolvedKey,
    Verdict,
    VerificationEnvironment,
    accreditation_type,
    issuer_id,
    verify_credential,
)

if TYPE_CHECKING:
    from acapy_agent.config.injection_context import InjectionContext


async def setup(context: InjectionContext) -> None:
    """ACA-Py plugin entry point: wire ler_badges into the agent (see :mod:`ler_badges.acapy`)."""
    from .acapy.wiring import setup as wire

    await wire(context)


__all__ = [
    "CRYPTOSUITE",
    "PROOF_TYPE",
    "BadgesError",
    "BitstringStatusList",
    "CanonicalizationError",
    "Check",
    "ContextNotBundledError",
    "CredentialKind",
    "CredentialVerdict",
    "IssuanceError",
    "KeyResolutionError",
    "KeyResolver",
    "Level",
    "MalformedProofError",
    "MultikeyError",
    "OfflineDocumentLoader",
    "PreparedCredential",
    "ProofCreationError",
    "ProofError",
    "ProofVerificationError",
    "ResolvedKey",
    "SchemaProblem",
    "SchemaValidationError",
    "SignatureMismatchError",
    "Signer",
    "Skill",
    "SkillNotFoundError",
    "StatusEntry",
    "StatusListError",
    "StatusValue",
    "Verdict",
    "VerificationEnvironment",
    "VerifiedProof",
    "accreditation_type",
    "add_proof",
    "add_skills",
    "bundled_context",
    "bundled_context_urls",
    "canonical_proof_configuration",
    "canonicalize",
    "catalogue",
    "check_issuable",
    "credential_kind",
    "decode_list",
    "decode_multikey",
    "did_key_from_public_key",
    "did_key_resolver",
    "did_key_verification_method",
    "encode_list",
    "encode_multikey",
    "find_skill",
    "hash_data",
    "issuer_id",
    "levels",
    "local_signer",
    "nested_credentials",
    "prepare_credential",
    "proven_skills",
    "public_key_from_did_key",
    "public_key_of",
    "schema_problems",
    "setup",
    "status_entry",
    "status_list_credential",
    "validate_credential",
    "validate_profile",
    "verify_credential",
    "verify_ed25519",
    "verify_proof",
]
