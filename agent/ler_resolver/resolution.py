"""Resolve a did:ler DID from the ledger into a DID Resolution result.

Errors follow the DID Resolution specification: ``invalidDid`` (400), ``notFound`` (404),
``methodNotSupported`` (501, not a did:ler DID), ``invalidOptions`` (400),
``internalError`` (500, e.g. the ledger cannot be reached). A deactivated DID resolves with
``deactivated: true`` and HTTP status 410.

A did:ler DID of another network (``did:ler:<other>:<id>``) is ``invalidDid``: the network is
part of the method-specific id, so this driver can tell from the DID alone, without asking the
ledger, that the DID is not one it could ever resolve (``notFound`` would suggest the DID may
appear here later). The message names the network to ask instead.

``versionId`` is a decimal integer from 1 to 4294967295 (the ledger's uint32 version numbers);
``versionTime`` an RFC 3339 date-time with a time zone, from 1970-01-01T00:00:00Z to
9999-12-31T23:59:59Z.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ler_chain import LedgerClient, LedgerError, LedgerNotFoundError, LerDid
from ler_chain.did_document import build_did_document, build_document_metadata

RESOLUTION_CONTEXT = "https://w3id.org/did-resolution/v1"
DID_LD_JSON = "application/did+ld+json"
MAX_VERSION_ID = 2**32 - 1
_VERSION_ID = re.compile(r"[1-9][0-9]{0,9}", re.ASCII)
_RFC3339 = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[Tt](?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2})"
    r"(?:\.[0-9]+)?(?P<zone>[Zz]|[+-][0-9]{2}:[0-9]{2})",
    re.ASCII,
)


class ResolutionError(Exception):
    """A resolution that failed: ``error`` is the spec's error code, ``status`` the HTTP one."""

    def __init__(self, error: str, message: str, status: int) -> None:
        super().__init__(message)
        self.error = error
        self.status = status


@dataclass
class Resolution:
    """A DID Resolution result."""

    did_document: dict[str, Any]
    document_metadata: dict[str, Any]
    resolution_metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> int:
        """200, or 410 for a deactivated DID."""
        return 410 if self.document_metadata.get("deactivated") else 200

    def as_dict(self) -> dict[str, Any]:
        """JSON form, as the Universal Resolver returns it."""
        return {
            "@context": RESOLUTION_CONTEXT,
            "didDocument": self.did_document,
            "didResolutionMetadata": self.resolution_metadata,
            "didDocumentMetadata": self.document_metadata,
        }


def _invalid_options(message: str) -> ResolutionError:
    return ResolutionError("invalidOptions", message, 400)


def parse_version_id(value: str) -> int:
    """``versionId``: a version number the ledger can hold (1 to 4294967295)."""
    if not _VERSION_ID.fullmatch(value) or int(value) > MAX_VERSION_ID:
        raise _invalid_options(
            f"versionId {value[:40]!r} is not a version number: use 1, 2, ... up to "
            f"{MAX_VERSION_ID} (the didDocumentMetadata versionId of a resolution)"
        )
    return int(value)


def parse_version_time(value: str) -> int:
    """``versionTime`` (RFC 3339, e.g. 2026-05-01T00:00:00Z) as Unix time, at or after 1970."""
    example = "use an RFC 3339 date-time with a time zone, such as 2026-05-01T00:00:00Z"
    match = _RFC3339.fullmatch(value)
    if not match:
        raise _invalid_options(f"versionTime {value[:40]!r} is not a date-time: {example}")
    zone = match["zone"].upper().replace("Z", "+00:00")
    try:  # the ledger counts whole seconds: the fraction does not matter
        moment = datetime.fromisoformat(f"{match['date']}T{match['time']}{zone}")
        timestamp = int(moment.timestamp())
    except (ValueError, OverflowError):
        message = f"versionTime {value!r} is not a valid date-time: {example}"
        raise _invalid_options(message) from None
    if timestamp < 0:
        raise _invalid_options(
            f"versionTime {value!r} is before 1970-01-01T00:00:00Z; the ledger has no DIDs then"
        )
    return timestamp


def parse_did(did: str, network: str) -> LerDid:
    """A did:ler DID of this network, or the matching resolution error."""
    if not did.startswith("did:"):
        raise ResolutionError("invalidDid", f"{did!r} is not a DID", 400)
    if not did.startswith("did:ler:"):
        raise ResolutionError(
            "methodNotSupported",
            f"this driver resolves did:ler DIDs, not {did.split(':')[1]!r}",
            501,
        )
    try:
        parsed = LerDid.parse(did)
    except LedgerError as error:
        raise ResolutionError("invalidDid", str(error), 400) from error
    if parsed.network != network:
        raise ResolutionError(
            "invalidDid",
            f"{did} belongs to network {parsed.network!r}, but this driver resolves DIDs of "
            f"network {network!r} only; ask a resolver of network {parsed.network!r}",
            400,
        )
    return parsed


async def resolve(
    ledger: LedgerClient,
    did: str,
    *,
    version_id: str | None = None,
    version_time: str | None = None,
) -> Resolution:
    """Resolve ``did`` (optionally one version, or as of a time)."""
    parsed = parse_did(did, ledger.descriptor.network)
    number = parse_version_id(version_id) if version_id is not None else None
    at = parse_version_time(version_time) if version_time is not None else None
    if number is not None and at is not None:
        raise ResolutionError("invalidOptions", "give versionId or versionTime, not both", 400)
    try:
        record = await ledger.dids.resolve(parsed, at=at, version_id=number)
        latest = await ledger.dids.resolve(parsed) if (at or number) else record
        metadata = build_document_metadata(record)
        if latest.version_id > record.version_id:
            following = await _next_version(ledger, parsed, record.version_id + 1)
            metadata["nextVersionId"] = str(record.version_id + 1)
            metadata["nextUpdate"] = following
    except LedgerNotFoundError as error:
        raise ResolutionError("notFound", str(error), 404) from error
    except LedgerError as error:
        raise ResolutionError(
            "internalError", f"the ledger could not be read: {error}", 500
        ) from error
    return Resolution(
        did_document=build_did_document(record),
        document_metadata=metadata,
        resolution_metadata={"contentType": DID_LD_JSON, "driver": "ler-resolver"},
    )


async def _next_version(ledger: LedgerClient, did: LerDid, version: int) -> str:
    record = await ledger.dids.resolve(did, version_id=version)
    return build_document_metadata(record)["updated"]
