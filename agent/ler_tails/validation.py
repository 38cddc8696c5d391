"""What a tails hash and a tails file must look like, and the refusals when they do not."""

from __future__ import annotations

import hashlib

import base58

#: A tails file starts with these two version bytes ...
TAILS_VERSION = b"\x00\x02"
#: ... followed by one or more points of this many bytes each.
POINT_SIZE = 128
#: Longer hashes are refused without decoding (base58 of 32 bytes is at most 44 characters).
_MAX_HASH_CHARS = 64


class UploadRefused(Exception):
    """Base class of the reasons a tails hash or upload is refused (``str()`` says why).

    ``status`` and ``reason`` are the HTTP status and reason phrase to answer with (ACA-Py
    logs the phrase when an upload fails).
    """

    status = 400
    reason = "Bad Request"


class InvalidTailsHash(UploadRefused):
    """The tails hash in the URL is not the canonical base58 text of 32 bytes."""

    reason = "Invalid Tails Hash"


class HashMismatch(UploadRefused):
    """The uploaded content does not hash to the tails hash in the URL."""

    reason = "Tails Hash Mismatch"


class NotATailsFile(UploadRefused):
    """The uploaded content is not laid out like a tails file."""

    reason = "Not A Tails File"


class UploadTooLarge(UploadRefused):
    """The upload is larger than the server accepts."""

    status = 413
    reason = "Tails File Too Large"


def parse_tails_hash(value: str) -> str:
    """Return ``value`` if it is the canonical base58 of 32 bytes, else raise InvalidTailsHash."""
    if not value:
        raise InvalidTailsHash("tails hash is empty")
    if len(value) > _MAX_HASH_CHARS:
        raise InvalidTailsHash(
            f"tails hash of {len(value)} characters is too long for base58 of a 32-byte digest"
        )
    try:
        digest = base58.b58decode(value)
    except ValueError:
        raise InvalidTailsHash(f"tails hash {value!r} is not valid base58") from None
    if len(digest) != 32:
        raise InvalidTailsHash(
            f"tails hash {value!r} decodes to {len(digest)} bytes, not a 32-byte SHA-256 digest"
        )
    if base58.b58encode(digest).decode("ascii") != value:
        raise InvalidTailsHash(f"tails hash {value!r} is not in canonical base58 form")
    return value


def tails_hash_of(data: bytes) -> str:
    """Compute the tails hash of ``data``: base58 of its SHA-256 digest, as ACA-Py does."""
    return base58.b58encode(hashlib.sha256(data).digest()).decode("ascii")


def check_version(head: bytes) -> None:
    """Raise NotATailsFile unless the first two bytes are the tails version ``00 02``."""
    if head != TAILS_VERSION:
        raise NotATailsFile(
            f"not a tails file: it starts with bytes {head.hex(' ')!r}, "
            f"expected version bytes {TAILS_VERSION.hex(' ')!r}"
        )


def check_length(size: int) -> None:
    """Raise NotATailsFile unless ``size`` is 2 version bytes plus a whole number of points."""
    points, rest = divmod(size - len(TAILS_VERSION), POINT_SIZE)
    if rest or points < 1:
        raise NotATailsFile(
            f"not a tails file: {size} bytes is not 2 version bytes plus "
            f"one or more {POINT_SIZE}-byte points"
        )
