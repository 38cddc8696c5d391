"""eddsa-rdfc-2022 sign and verify: round trips, tampering, errors, the 1EdTech fixtures."""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from ler_badges import (
    BadgesError,
    CanonicalizationError,
    KeyResolutionError,
    MalformedProofError,
    ProofCreationError,
    SignatureMismatchError,
    add_proof,
    did_key_resolver,
    did_key_verification_method,
    local_signer,
    public_key_of,
    verify_proof,
)

from .conftest import fixture_key_resolver
from .vectors import SigningVector, load_fixture

SEED = bytes(range(32))
PUBLIC_KEY = public_key_of(SEED)
DID_KEY_METHOD = did_key_verification_method(PUBLIC_KEY)


async def _signed(credential: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return await add_proof(
        credential, sign=local_signer(SEED), verification_method=DID_KEY_METHOD, **kwargs
    )


async def test_round_trip_with_did_key(ob_vector: SigningVector) -> None:
    signed = await _signed(ob_vector.credential)
    assert signed["proof"]["verificationMethod"] == DID_KEY_METHOD
    assert signed["proof"]["proofValue"].startswith("z")
    [by_key] = await verify_proof(signed, PUBLIC_KEY)
    [by_resolver] = await verify_proof(signed, did_key_resolver)
    assert by_key.verification_method == by_resolver.verification_method == DID_KEY_METHOD


async def test_input_document_is_not_modified_nor_shared(ob_vector: SigningVector) -> None:
    credential = copy.deepcopy(ob_vector.credential)
    signed = await _signed(credential)
    assert credential == ob_vector.credential
    signed["credentialSubject"]["id"] = "did:example:changed-after-signing"
    assert credential == ob_vector.credential


async def test_async_signer_is_awaited(ob_vector: SigningVector) -> None:
    """The wallet's signer will be a coroutine function; it is awaited."""
    seen: list[bytes] = []
    sync_sign = local_signer(SEED)

    async def wallet_sign(data: bytes) -> bytes:
        seen.append(data)
        return sync_sign(data)

    signed = await add_proof(
        ob_vector.credential,
        sign=wallet_sign,
        verification_method=DID_KEY_METHOD,
        created="2024-05-01T12:00:00Z",
    )
    assert len(seen) == 1 and len(seen[0]) == 64
    assert signed == await _signed(ob_vector.credential, created="2024-05-01T12:00:00Z")
    await verify_proof(signed, PUBLIC_KEY)


async def test_async_resolver_is_awaited(ob_vector: SigningVector) -> None:
    asked: list[str] = []

    async def resolve(method: str) -> bytes:
        asked.append(method)
        return PUBLIC_KEY

    await verify_proof(await _signed(ob_vector.credential), resolve)
    assert asked == [DID_KEY_METHOD]


async def test_created_defaults_to_now_in_utc(ob_vector: SigningVector) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    signed = await _signed(ob_vector.credential)
    created = signed["proof"]["created"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", created)
    assert datetime.fromisoformat(created) >= before


async def test_created_accepts_aware_datetime(ob_vector: SigningVector) -> None:
    when = datetime(2024, 5, 1, 14, 30, tzinfo=UTC)
    signed = await _signed(ob_vector.credential, created=when)
    assert signed["proof"]["created"] == "2024-05-01T14:30:00Z"
    with pytest.raises(ProofCreationError, match="timezone"):
        await _signed(ob_vector.credential, created=datetime(2024, 5, 1))
    with pytest.raises(ProofCreationError, match="dateTime"):
        await _signed(ob_vector.credential, created="yesterday")


async def test_extra_proof_options_are_signed(ob_vector: SigningVector) -> None:
    signed = await _signed(ob_vector.credential, options={"domain": "ler.example.gov"})
    assert signed["proof"]["domain"] == "ler.example.gov"
    await verify_proof(signed, PUBLIC_KEY)
    signed["proof"]["domain"] = "evil.example"
    with pytest.raises(SignatureMismatchError):
        await verify_proof(signed, PUBLIC_KEY)
    with pytest.raises(ProofCreationError, match="proofValue"):
        await _signed(ob_vector.credential, options={"proofValue": "z1"})


@pytest.mark.parametrize("bad", [b"", b"\x00" * 63, "z" * 64, None])
async def test_signer_returning_garbage_is_refused(ob_vector: SigningVector, bad: Any) -> None:
    with pytest.raises(ProofCreationError, match="64-byte"):
        await add_proof(
            ob_vector.credential, sign=lambda _data: bad, verification_method=DID_KEY_METHOD
        )


async def test_verification_method_is_required(ob_vector: SigningVector) -> None:
    with pytest.raises(ProofCreationError, match="verification method"):
        await add_proof(ob_vector.credential, sign=local_signer(SEED), verification_method="")


async def test_document_without_context_is_refused() -> None:
    with pytest.raises(ProofCreationError, match="@context"):
        await _signed({"id": "urn:uuid:1", "type": ["VerifiableCredential"]})


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaves(value, (*path, index))
    else:
        yield path, node


def _mutated(document: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    target = changed
    for step in path[:-1]:
        target = target[step]
    old = target[path[-1]]
    target[path[-1]] = old + "x" if isinstance(old, str) else old + 1
    return changed


async def test_every_changed_field_fails_verification(vector: SigningVector) -> None:
    """Change each value of the signed credential in turn (proofValue aside): all fail.

    Content values fail on the signature; a changed @context URL is refused as not bundled;
    a changed ``type`` (or other vocabulary value) becomes a relative IRI and is refused by
    safe-mode canonicalization; changed proof fields fail as malformed or on the signature.
    """
    signed = await add_proof(
        vector.credential,
        sign=local_signer(vector.secret_key),
        verification_method=vector.proof_options["verificationMethod"],
        created=vector.proof_options["created"],
    )
    await verify_proof(signed, vector.public_key)
    leaves = [path for path, _ in _leaves(signed) if path[-1] != "proofValue"]
    assert len(leaves) > 20
    for path in leaves:
        with pytest.raises(BadgesError) as caught:
            await verify_proof(_mutated(signed, path), vector.public_key)
        if not {"@context", "type", "proof"} & set(path):
            assert isinstance(caught.value, SignatureMismatchError), path


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda c: c.pop("name"), SignatureMismatchError),
        (lambda c: c.update(description="Now with a description"), SignatureMismatchError),
        (
            lambda c: c["credentialSubject"].update(id="did:example:someone-else"),
            SignatureMismatchError,
        ),
        (lambda c: c.update(validFrom="2011-01-01T00:00:00Z"), SignatureMismatchError),
        (lambda c: c["proof"].update(created="2011-01-01T19:23:24Z"), SignatureMismatchError),
        (lambda c: c["proof"].update(proofPurpose="authentication"), MalformedProofError),
        (lambda c: c["proof"].update(cryptosuite="eddsa-jcs-2022"), MalformedProofError),
        (lambda c: c["proof"].pop("proofValue"), MalformedProofError),
        (lambda c: c["proof"].update(proofValue="uAAAA"), MalformedProofError),
        (lambda c: c["proof"].update(proofValue="z" + "1" * 40), MalformedProofError),
        (lambda c: c.pop("proof"), MalformedProofError),
        (lambda c: c.update(unknownTerm="not in any context"), CanonicalizationError),
    ],
    ids=[
        "remove-name",
        "add-description",
        "other-learner",
        "validFrom",
        "proof-created",
        "proof-purpose",
        "cryptosuite",
        "no-proofValue",
        "proofValue-not-base58btc",
        "proofValue-too-short",
        "no-proof",
        "undefined-term",
    ],
)
async def test_specific_changes_fail(ob_vector: SigningVector, change: Any, error: type) -> None:
    signed = await _signed(ob_vector.credential)
    change(signed)
    with pytest.raises(error):
        await verify_proof(signed, PUBLIC_KEY)


async def test_other_key_does_not_verify(ob_vector: SigningVector) -> None:
    signed = await _signed(ob_vector.credential)
    with pytest.raises(SignatureMismatchError, match="changed after signing"):
        await verify_proof(signed, public_key_of(os.urandom(32)))


async def test_expected_purpose_can_be_changed(ob_vector: SigningVector) -> None:
    signed = await _signed(ob_vector.credential, proof_purpose="authentication")
    with pytest.raises(MalformedProofError, match="assertionMethod"):
        await verify_proof(signed, PUBLIC_KEY)
    [verified] = await verify_proof(signed, PUBLIC_KEY, expected_proof_purpose="authentication")
    assert verified.proof_purpose == "authentication"


async def test_proof_set_with_two_issuers(ob_vector: SigningVector) -> None:
    """A second proof joins a proof set and signs the document without the first proof."""
    other_seed = os.urandom(32)
    other_method = did_key_verification_method(public_key_of(other_seed))
    once = await _signed(ob_vector.credential)
    twice = await add_proof(once, sign=local_signer(other_seed), verification_method=other_method)
    assert isinstance(twice["proof"], list) and len(twice["proof"]) == 2
    verified = await verify_proof(twice, did_key_resolver)
    assert [v.verification_method for v in verified] == [DID_KEY_METHOD, other_method]
    twice["proof"][1]["created"] = "2000-01-01T00:00:00Z"
    with pytest.raises(SignatureMismatchError, match=re.escape(other_method)):
        await verify_proof(twice, did_key_resolver)


async def test_resolver_failures_become_key_resolution_errors(ob_vector: SigningVector) -> None:
    signed = await _signed(ob_vector.credential)

    def missing(_method: str) -> bytes:
        raise LookupError("no such key in the registry")

    with pytest.raises(KeyResolutionError, match="no such key"):
        await verify_proof(signed, missing)
    with pytest.raises(KeyResolutionError, match="32-byte"):
        await verify_proof(signed, lambda _method: b"short")
    with pytest.raises(KeyResolutionError, match="not a did:key"):
        did_key_resolver("https://example.edu/issuers/1#key-1")


VALID_SIGNED_FIXTURES = [
    "ob30/simple.json",
    "ob30/simple-context-alias.json",
    "ob30/simple-context-version.json",
    "ob30/simple-did-web-method.json",
    "ob30/simple-did-key-method.json",
    "ob30/simple-multiple-proofs.json",
    "ob30/complete.json",
    "ob30/endorsement-valid.json",
    "clr20/simple.json",
    # Signed correctly; they are refused for other reasons (dates, missing fields).
    "ob30/simple-err-expired.json",
    "ob30/simple-err-issued.json",
    "ob30/simple-err-issuer.json",
]


@pytest.mark.parametrize("name", VALID_SIGNED_FIXTURES)
async def test_1edtech_fixture_signatures_verify(name: str) -> None:
    credential = load_fixture(name)
    verified = await verify_proof(credential, fixture_key_resolver)
    assert verified and all(v.proof["cryptosuite"] == "eddsa-rdfc-2022" for v in verified)


async def test_did_key_fixture_verifies_with_the_production_resolver() -> None:
    credential = load_fixture("ob30/simple-did-key-method.json")
    [verified] = await verify_proof(credential, did_key_resolver)
    assert verified.verification_method.startswith("did:key:z6Mk")


async def test_clr_fixture_nested_credentials_verify() -> None:
    clr = load_fixture("clr20/simple.json")
    for nested in clr["credentialSubject"]["verifiableCredential"]:
        assert await verify_proof(nested, fixture_key_resolver)


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("ob30/simple-err-proof-value.json", SignatureMismatchError),
        ("ob30/simple-err-proof-method.json", KeyResolutionError),
        ("ob30/simple-err-proof-method-unknown-did-method.json", KeyResolutionError),
        ("ob30/simple-err-proof-method-unknown-scheme.json", KeyResolutionError),
        ("ob30/simple-err-proof-method-no-scheme.json", CanonicalizationError),
        ("ob30/simple-noproof.json", MalformedProofError),
        # Ed25519Signature2020 (VC 1.1): not this cryptosuite, left to ACA-Py's suites.
        ("ob30/simple_v1.json", MalformedProofError),
    ],
)
async def test_1edtech_fixture_proof_errors_are_refused(name: str, error: type) -> None:
    with pytest.raises(error):
        await verify_proof(load_fixture(name), fixture_key_resolver)
