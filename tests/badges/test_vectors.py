"""The official 1EdTech eddsa-rdfc-2022 test vectors (OB 3.0 and CLR 2.0), byte for byte."""

from __future__ import annotations

import hashlib

from ler_badges import (
    add_proof,
    canonical_proof_configuration,
    canonicalize,
    encode_multikey,
    hash_data,
    local_signer,
    public_key_of,
    verify_proof,
)

from .vectors import SigningVector, load_vector


def test_key_pair_and_multikey(vector: SigningVector) -> None:
    assert public_key_of(vector.secret_key) == vector.public_key
    assert encode_multikey(vector.public_key) == vector.public_key_multibase
    assert vector.proof_options["verificationMethod"].endswith("#" + vector.public_key_multibase)


def test_published_examples_agree_with_each_other(vector: SigningVector) -> None:
    without_value = {k: v for k, v in vector.proof.items() if k != "proofValue"}
    assert without_value == vector.proof_options
    assert vector.proof["proofValue"] == vector.proof_value
    unsigned = {k: v for k, v in vector.signed_credential.items() if k != "proof"}
    assert unsigned == vector.credential


def test_canonical_document_byte_for_byte(vector: SigningVector) -> None:
    canonical = canonicalize(vector.credential)
    assert canonical.encode("utf-8") == vector.document_canon.encode("utf-8")
    assert hashlib.sha256(canonical.encode("utf-8")).hexdigest() == vector.document_hash


def test_canonical_proof_configuration_byte_for_byte(vector: SigningVector) -> None:
    canonical = canonical_proof_configuration(vector.proof_options, vector.credential["@context"])
    assert canonical.encode("utf-8") == vector.proof_canon.encode("utf-8")
    assert hashlib.sha256(canonical.encode("utf-8")).hexdigest() == vector.proof_hash


def test_hash_data_and_signature(vector: SigningVector) -> None:
    data = hash_data(vector.proof_canon, vector.document_canon)
    assert data.hex() == vector.data_to_sign
    assert local_signer(vector.secret_key)(data).hex() == vector.signature


async def test_add_proof_reproduces_the_proof(vector: SigningVector) -> None:
    signed = await add_proof(
        vector.credential,
        sign=local_signer(vector.secret_key),
        verification_method=vector.proof_options["verificationMethod"],
        created=vector.proof_options["created"],
        proof_purpose=vector.proof_options["proofPurpose"],
    )
    assert signed["proof"] == vector.proof
    assert signed["proof"]["proofValue"] == vector.proof_value
    assert {k: v for k, v in signed.items() if k != "proof"} == vector.credential


async def test_published_signed_credential_verifies(vector: SigningVector) -> None:
    [verified] = await verify_proof(vector.signed_credential, vector.public_key)
    assert verified.verification_method == vector.proof_options["verificationMethod"]
    assert verified.created == vector.proof_options["created"]
    assert verified.proof_purpose == "assertionMethod"


async def test_clr_nested_credential_proof_verifies() -> None:
    """The AchievementCredential inside the CLR vector carries its own proof: check it too."""
    clr = load_vector("clr")
    [nested] = clr.credential["credentialSubject"]["verifiableCredential"]
    [verified] = await verify_proof(nested, clr.public_key)
    assert verified.verification_method == clr.proof_options["verificationMethod"]
