"""Ed25519 Multikey and did:key helpers, and the local Ed25519 signer."""

from __future__ import annotations

import base58
import pytest

from ler_badges import (
    MultikeyError,
    decode_multikey,
    did_key_from_public_key,
    did_key_verification_method,
    encode_multikey,
    local_signer,
    public_key_from_did_key,
    public_key_of,
    verify_ed25519,
)

from .vectors import SigningVector, load_fixture


def test_vector_key_encodes_to_its_published_multikey(ob_vector: SigningVector) -> None:
    multikey = encode_multikey(ob_vector.public_key)
    assert multikey == ob_vector.public_key_multibase
    assert multikey.startswith("z6Mk")
    assert base58.b58decode(multikey[1:])[:2] == b"\xed\x01"
    assert decode_multikey(multikey) == ob_vector.public_key


def test_did_key_round_trip(ob_vector: SigningVector) -> None:
    did = did_key_from_public_key(ob_vector.public_key)
    method = did_key_verification_method(ob_vector.public_key)
    assert did == "did:key:" + ob_vector.public_key_multibase
    assert method == f"{did}#{ob_vector.public_key_multibase}"
    assert public_key_from_did_key(did) == ob_vector.public_key
    assert public_key_from_did_key(method) == ob_vector.public_key


def test_did_key_of_the_1edtech_fixture(ob_vector: SigningVector) -> None:
    method = load_fixture("ob30/simple-did-key-method.json")["proof"][0]["verificationMethod"]
    assert public_key_from_did_key(method) == ob_vector.public_key


@pytest.mark.parametrize(
    "value",
    [
        "6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",  # no multibase prefix
        "z0OIl",  # not base58
        "z" + base58.b58encode(b"\xe7\x01" + bytes(33)).decode(),  # secp256k1 multicodec
        "z" + base58.b58encode(b"\xed\x01" + bytes(31)).decode(),  # short key
        "z6MkjZRsdasZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",  # the 1EdTech broken key
    ],
)
def test_bad_multikeys_are_refused(value: str) -> None:
    with pytest.raises(MultikeyError):
        decode_multikey(value)


@pytest.mark.parametrize(
    "value",
    [
        "did:web:example.edu#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",
        "did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi#key-1",
    ],
)
def test_bad_did_keys_are_refused(value: str) -> None:
    with pytest.raises(MultikeyError):
        public_key_from_did_key(value)


def test_encode_refuses_wrong_length() -> None:
    with pytest.raises(MultikeyError, match="32 bytes"):
        encode_multikey(bytes(33))


def test_local_signer_accepts_seed_or_secret_key(ob_vector: SigningVector) -> None:
    seed = ob_vector.secret_key[:32]
    assert public_key_of(seed) == public_key_of(ob_vector.secret_key) == ob_vector.public_key
    signature = local_signer(seed)(b"hello")
    assert signature == local_signer(ob_vector.secret_key)(b"hello")
    assert verify_ed25519(ob_vector.public_key, b"hello", signature)
    assert not verify_ed25519(ob_vector.public_key, b"hellO", signature)
    assert not verify_ed25519(ob_vector.public_key, b"hello", signature[:-1])
    with pytest.raises(ValueError, match="public key of its seed"):
        local_signer(seed + bytes(32))
    with pytest.raises(ValueError, match="32 or 64"):
        local_signer(bytes(31))
