"""W3C Bitstring Status List: the list, its entries and its credential.

ler-node gives each credential two ``BitstringStatusListEntry`` entries, the form verifiers such
as DCC's VerifierPlus check: one in a ``revocation`` list and one in a ``suspension`` list, each
one bit per credential (``1`` = revoked, or suspended). Revocation is final; a suspension can be
lifted. Each list holds :data:`PURPOSE_LIST_ENTRIES` entries (131,072 bits, the 16 KB minimum the
specification sets for herd privacy).

Entries with ``statusPurpose: "message"`` and ``statusSize: 2`` (one entry for both, as ler-node
issued before) are still read by the verifier:

======  ===========  =======================================================
value   message      meaning
======  ===========  =======================================================
``0x0`` valid        the credential is in force
``0x1`` revoked      withdrawn for good (never changes again)
``0x2`` suspended    temporarily not in force (may go back to valid)
``0x3`` unused       never set by ler-node
======  ===========  =======================================================

``encodedList`` is multibase base64url (``u`` prefix, no padding) of the GZIP-compressed
bitstring, index 0 being the most significant bit of the first byte. The compressed bytes are
exactly what the college anchors on the ledger.
"""

from __future__ import annotations

import base64
import gzip
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from .errors import BadgesError

__all__ = [
    "LIST_ENTRIES",
    "PURPOSE_LIST_ENTRIES",
    "REVOCATION",
    "STATUS_SIZE",
    "SUSPENSION",
    "BitstringStatusList",
    "StatusEntry",
    "StatusListError",
    "StatusValue",
    "decode_list",
    "encode_list",
    "status_entry",
    "status_list_credential",
]

ENTRY_TYPE = "BitstringStatusListEntry"
LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"
STATUS_PURPOSE = "message"
REVOCATION = "revocation"
SUSPENSION = "suspension"
PURPOSES = (REVOCATION, SUSPENSION, "message", "refresh")
STATUS_SIZE = 2
LIST_ENTRIES = 65_536
LIST_BITS = LIST_ENTRIES * STATUS_SIZE
PURPOSE_LIST_ENTRIES = LIST_BITS  # one bit per credential in a revocation or suspension list
MAX_DECOMPRESSED = 16 * 1024 * 1024  # refuse lists that inflate beyond 16 MiB
VC_V2 = "https://www.w3.org/ns/credentials/v2"


class StatusListError(BadgesError, ValueError):
    """A status list or status entry is malformed."""


class StatusValue(IntEnum):
    """What a two-bit entry says."""

    VALID = 0
    REVOKED = 1
    SUSPENDED = 2
    UNUSED = 3

    @property
    def message(self) -> str:
        """The entry's ``statusMessage`` text."""
        return self.name.lower()


STATUS_MESSAGES = [
    {"status": f"0x{value.value:x}", "message": value.message} for value in StatusValue
]


def encode_list(compressed: bytes) -> str:
    """``encodedList``: multibase base64url, no padding, of the compressed bitstring."""
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode_list(encoded: str) -> bytes:
    """The compressed bitstring of an ``encodedList`` (multibase base64url)."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise StatusListError("encodedList must be multibase base64url (start with 'u')")
    body = encoded[1:]
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError as error:
        raise StatusListError("encodedList is not valid base64url") from error


class BitstringStatusList:
    """A bitstring of ``entries`` entries of ``status_size`` bits each."""

    def __init__(
        self,
        bits: bytes | None = None,
        *,
        status_size: int = STATUS_SIZE,
        entries: int = LIST_ENTRIES,
    ) -> None:
        if not 1 <= status_size <= 8:
            raise StatusListError(f"statusSize {status_size} is not supported (1 to 8 bits)")
        if bits is None:
            bits = bytes(entries * status_size // 8)
        self.status_size = status_size
        self.entries = len(bits) * 8 // status_size
        self._bits = bytearray(bits)

    @classmethod
    def from_compressed(
        cls, compressed: bytes, status_size: int = STATUS_SIZE
    ) -> BitstringStatusList:
        """Read a GZIP-compressed bitstring (bounded, so a hostile list cannot exhaust memory)."""
        try:
            inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            bits = inflater.decompress(compressed, MAX_DECOMPRESSED)
        except zlib.error as error:
            raise StatusListError(f"the status list is not GZIP data: {error}") from error
        if inflater.unconsumed_tail:
            raise StatusListError("the status list inflates beyond 16 MiB")
        return cls(bits, status_size=status_size)

    def _position(self, index: int) -> tuple[int, int]:
        if not 0 <= index < self.entries:
            raise StatusListError(
                f"status index {index} is outside the list (0..{self.entries - 1})"
            )
        return index * self.status_size, (1 << self.status_size) - 1

    def get(self, index: int) -> int:
        """The value of entry ``index`` (its bits, most significant first)."""
        start, mask = self._position(index)
        as_int = int.from_bytes(self._bits[start // 8 : (start + self.status_size - 1) // 8 + 1])
        width = ((start + self.status_size - 1) // 8 + 1 - start // 8) * 8
        return (as_int >> (width - start % 8 - self.status_size)) & mask

    def set(self, index: int, value: int) -> None:
        """Set entry ``index`` to ``value``."""
        start, mask = self._position(index)
        if not 0 <= value <= mask:
            raise StatusListError(f"value {value} does not fit {self.status_size} bits")
        first, last = start // 8, (start + self.status_size - 1) // 8 + 1
        width = (last - first) * 8
        shift = width - start % 8 - self.status_size
        as_int = int.from_bytes(self._bits[first:last])
        as_int = (as_int & ~(mask << shift)) | (value << shift)
        self._bits[first:last] = as_int.to_bytes(last - first)

    def raw(self) -> bytes:
        """The uncompressed bitstring."""
        return bytes(self._bits)

    def compressed(self) -> bytes:
        """The GZIP-compressed bitstring (deterministic: no timestamp)."""
        return gzip.compress(bytes(self._bits), mtime=0)

    def encoded(self) -> str:
        """``encodedList``."""
        return encode_list(self.compressed())


@dataclass(frozen=True)
class StatusEntry:
    """A ``BitstringStatusListEntry`` as read from a credential."""

    list_url: str
    index: int
    purpose: str
    size: int
    messages: dict[int, str]

    @classmethod
    def read(cls, entry: Mapping[str, Any]) -> StatusEntry:
        """Read and check a ``credentialStatus`` entry; raise if it is malformed."""
        if not isinstance(entry, Mapping) or entry.get("type") != ENTRY_TYPE:
            found = entry.get("type") if isinstance(entry, Mapping) else entry
            raise StatusListError(f"status type {found!r} is not {ENTRY_TYPE}")
        url = entry.get("statusListCredential")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise StatusListError("statusListCredential must be an http(s) URL")
        try:
            index = int(str(entry.get("statusListIndex")))
            size = int(entry.get("statusSize", 1))
        except ValueError:
            raise StatusListError("statusListIndex and statusSize must be whole numbers") from None
        purpose = entry.get("statusPurpose")
        if purpose not in PURPOSES:
            raise StatusListError(f"statusPurpose {purpose!r} is not one of {', '.join(PURPOSES)}")
        messages = {}
        for item in entry.get("statusMessage") or []:
            if isinstance(item, Mapping) and isinstance(item.get("status"), str):
                try:
                    messages[int(item["status"], 16)] = str(item.get("message", ""))
                except ValueError:
                    raise StatusListError(
                        f"statusMessage status {item['status']!r} is not a hex value"
                    ) from None
        return cls(url, index, purpose, size, messages)

    def describe(self, value: int) -> tuple[str, bool]:
        """What ``value`` means for this entry: (message, whether the credential is in force)."""
        if self.purpose in ("revocation", "suspension"):
            word = "revoked" if self.purpose == "revocation" else "suspended"
            return (word, False) if value else ("valid", True)
        if self.purpose == STATUS_PURPOSE:
            return self.messages.get(value, f"0x{value:x}"), value == 0
        return f"0x{value:x}", True  # refresh: says nothing about validity


def status_entry(list_url: str, index: int, purpose: str = STATUS_PURPOSE) -> dict[str, Any]:
    """The ``credentialStatus`` of the credential at ``index`` of the list at ``list_url``.

    ``revocation`` and ``suspension`` entries are one bit; ``message`` entries two (see above).
    """
    if purpose in (REVOCATION, SUSPENSION):
        return {
            "id": f"{list_url}#{index}",
            "type": ENTRY_TYPE,
            "statusPurpose": purpose,
            "statusListIndex": str(index),
            "statusListCredential": list_url,
        }
    return {
        "id": f"{list_url}#{index}",
        "type": ENTRY_TYPE,
        "statusPurpose": STATUS_PURPOSE,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
        "statusSize": STATUS_SIZE,
        "statusMessage": STATUS_MESSAGES,
    }


def status_list_credential(
    list_url: str, issuer: str, encoded: str, valid_from: str, purpose: str = STATUS_PURPOSE
) -> dict[str, Any]:
    """The unsigned ``BitstringStatusListCredential`` for a list."""
    return {
        "@context": [VC_V2],
        "id": list_url,
        "type": ["VerifiableCredential", LIST_CREDENTIAL_TYPE],
        "issuer": issuer,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded,
        },
    }
