"""Resolve a did:ler DID from the ledger into a DID Resolution result.

Errors follow the DID Resolution specification: ``invalidDid`` (400), ``notFound`` (404),
``methodNotSupported`` (501, not a did:ler DID), ``invalidOptions`` (400),
``internalError`` (500, e.g. the ledger cannot be reached). A deactivated DID resolves with
``deactivated: true`` and HTTP status 410.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ler_chain import LedgerClient, LedgerError, LedgerNotFoundError, LerDid
from ler_chain.did_document import build_did_document, build_document_metadata

RESOLUTION_CONTEXT = "https://w3id.org/did-resolution/v1"
DID_LD_JSON = "application/did+ld+json"


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


def parse_version_time(value: str) -> int:
    """``versionTime`` (an XML Schema dateTime, e.g. 2026-05-01T00:00:00Z) as Unix time."""
    try:
        moment = datetime.fromisoformat(value.strip().upper().replace("Z", "+00:00"))
    except ValueError:
        raise ResolutionError(
            "invalidOptions",
            f"versionTime {value!r} is not a date-time such as 2026-05-01T00:00:00Z",
            400,
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


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
        raise ResolutionError("notFound", f"{did} is not on network {network!r}", 404)
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
    if version_id is not None and version_time is not None:
        raise ResolutionError("invalidOptions", "give versionId or versionTime, not both", 400)
    number = None
    if version_id is not None:
        if not version_id.isdigit() or int(version_id) < 1:
            raise ResolutionError(
                "invalidOptions", f"versionId {version_id!r} is not 1, 2, ...", 400
            )
        number = int(version_id)
    at = parse_version_time(version_time) if version_time is not None else None
    try:
        record = await ledger.dids.resolve(parsed, at=at, version_id=number)
        latest = await ledger.dids.resolve(parsed) if (at or number) else record
    except LedgerNotFoundError as error:
        raise ResolutionError("notFound", str(error), 404) from error
    except LedgerError as error:
        raise ResolutionError(
            "internalError", f"the ledger could not be read: {error}", 500
        ) from error
    metadata = build_document_metadata(record)
    if latest.version_id > record.version_id:
        following = await _next_version(ledger, parsed, record.version_id + 1)
        metadata["nextVersionId"] = str(record.version_id + 1)
        metadata["nextUpdate"] = following
    return Resolution(
        did_document=build_did_document(record),
        document_metadata=metadata,
        resolution_metadata={"contentType": DID_LD_JSON, "driver": "ler-resolver"},
    )


async def _next_version(ledger: LedgerClient, did: LerDid, version: int) -> str:
    record = await ledger.dids.resolve(did, version_id=version)
    return build_document_metadata(record)["updated"]
