"""Ed25519 primitives: a local signer (for tests and tools) and signature verification.

In the agent, signing is done by the ACA-Py (askar) wallet, handed to the cryptosuite as a
``sign(bytes) -> bytes`` callable; :func:`local_signer` builds such a callable from raw key
bytes for tests, tools and test vectors.
"""

from __future__ import annotations

from collections.abc import Callable

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

__all__ = [
    "ED25519_SIGNATURE_LENGTH",
    "local_signer",
    "public_key_of",
    "verify_ed25519",
]

ED25519_SIGNATURE_LENGTH = 64
_SEED_LENGTH = 32
_SECRET_KEY_LENGTH = 64


def _signing_key(secret_key: bytes) -> SigningKey:
    """Accept a 32-byte seed or a 64-byte secret key (seed followed by public key)."""
    if len(secret_key) == _SECRET_KEY_LENGTH:
        signing_key = SigningKey(bytes(secret_key[:_SEED_LENGTH]))
        if bytes(signing_key.verify_key) != bytes(secret_key[_SEED_LENGTH:]):
            raise ValueError("the secret key's second half is not the public key of its seed")
        return signing_key
    if len(secret_key) == _SEED_LENGTH:
        return SigningKey(bytes(secret_key))
    raise ValueError(f"an Ed25519 secret key is 32 or 64 bytes, got {len(secret_key)}")


def local_signer(secret_key: bytes) -> Callable[[bytes], bytes]:
    """A ``sign(data) -> signature`` callable over an in-memory Ed25519 key."""
    signing_key = _signing_key(secret_key)

    def sign(data: bytes) -> bytes:
        return signing_key.sign(data).signature

    return sign


def public_key_of(secret_key: bytes) -> bytes:
    """The 32-byte Ed25519 public key of a 32-byte seed or 64-byte secret key."""
    return bytes(_signing_key(secret_key).verify_key)


def verify_ed25519(public_key: bytes, data: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is a valid Ed25519 signature of ``data`` by ``public_key``."""
    if len(signature) != ED25519_SIGNATURE_LENGTH:
        return False
    try:
        VerifyKey(bytes(public_key)).verify(data, signature)
    except (BadSignatureError, ValueError, TypeError):
        return False
    return True
