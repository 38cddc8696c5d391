"""Ed25519 public keys as Multikey strings (``z6Mk...``) and ``did:key`` identifiers.

A Multikey is multibase base58btc (prefix ``z``) of the multicodec header ``0xed 0x01``
followed by the 32-byte public key (W3C Controlled Identifiers, "Multikey"). A ``did:key``
for Ed25519 is ``did:key:`` + that Multikey; its one verification method is
``did:key:<multikey>#<multikey>``.
"""

from __future__ import annotations

import base58

from .errors import MultikeyError

__all__ = [
    "ED25519_MULTICODEC",
    "decode_multikey",
    "did_key_from_public_key",
    "did_key_verification_method",
    "encode_multikey",
    "public_key_from_did_key",
]

ED25519_MULTICODEC = b"\xed\x01"
ED25519_PUBLIC_KEY_LENGTH = 32
_DID_KEY = "did:key:"


def encode_multikey(public_key: bytes) -> str:
    """Encode a 32-byte Ed25519 public key as a Multikey string (``z6Mk...``)."""
    if len(public_key) != ED25519_PUBLIC_KEY_LENGTH:
        raise MultikeyError(
            f"an Ed25519 public key is {ED25519_PUBLIC_KEY_LENGTH} bytes, got {len(public_key)}"
        )
    return "z" + base58.b58encode(ED25519_MULTICODEC + bytes(public_key)).decode("ascii")


def decode_multikey(multikey: str) -> bytes:
    """Decode an Ed25519 Multikey string to its 32-byte public key."""
    if not isinstance(multikey, str) or not multikey.startswith("z"):
        raise MultikeyError(f"{multikey!r} is not a base58btc Multikey (it must start with 'z')")
    try:
        raw = base58.b58decode(multikey[1:])
    except ValueError as error:
        raise MultikeyError(f"{multikey!r} is not valid base58btc") from error
    if not raw.startswith(ED25519_MULTICODEC):
        raise MultikeyError(f"{multikey!r} is not an Ed25519 Multikey (multicodec 0xed01)")
    key = raw[len(ED25519_MULTICODEC) :]
    if len(key) != ED25519_PUBLIC_KEY_LENGTH:
        raise MultikeyError(
            f"{multikey!r} holds {len(key)} key bytes; Ed25519 keys are {ED25519_PUBLIC_KEY_LENGTH}"
        )
    return key


def did_key_from_public_key(public_key: bytes) -> str:
    """The ``did:key`` DID of an Ed25519 public key."""
    return _DID_KEY + encode_multikey(public_key)


def did_key_verification_method(public_key: bytes) -> str:
    """The verification method id of an Ed25519 ``did:key`` (``did:key:z..#z..``)."""
    multikey = encode_multikey(public_key)
    return f"{_DID_KEY}{multikey}#{multikey}"


def public_key_from_did_key(did_or_method: str) -> bytes:
    """The Ed25519 public key of a ``did:key`` DID or verification method id, decoded locally.

    A fragment, if present, must name the same key as the DID.
    """
    if not isinstance(did_or_method, str) or not did_or_method.startswith(_DID_KEY):
        raise MultikeyError(f"{did_or_method!r} is not a did:key identifier")
    did, _, fragment = did_or_method.partition("#")
    multikey = did[len(_DID_KEY) :]
    key = decode_multikey(multikey)
    if fragment and fragment != multikey:
        raise MultikeyError(f"{did_or_method!r}: the fragment does not name the DID's own key")
    return key
