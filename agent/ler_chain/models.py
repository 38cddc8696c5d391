"""What the ledger client returns: typed, immutable views of ledger state."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from .identifiers import LerDid


@dataclass(frozen=True)
class WriteResult:
    """A write that landed."""

    tx_hash: str
    block_number: int
    gas_used: int
    events: list[dict[str, Any]] = field(default_factory=list)

    def event(self, name: str) -> dict[str, Any]:
        """Arguments of the first event called ``name`` that the write emitted."""
        for item in self.events:
            if item["event"] == name:
                return item["args"]
        raise KeyError(f"the write emitted no {name} event")


@dataclass(frozen=True)
class DidRecord:
    """A DID's state on the ledger, current or as of a time."""

    did: LerDid
    controller: str
    verkey: bytes
    endpoint: str
    version_id: int
    created: int
    updated: int
    deactivated: bool
    block_number: int
    also_known_as: str = ""


@dataclass(frozen=True)
class AnchoredObject:
    """An AnonCreds object read from the ledger, its payload checked against its hash."""

    key: bytes
    issuer: LerDid
    block_number: int
    timestamp: int
    seq_no: int
    payload: bytes


@dataclass(frozen=True)
class RevocationRegistryRecord(AnchoredObject):
    """A revocation registry definition with its size."""

    max_cred_num: int = 0


@dataclass(frozen=True)
class RevocationStatusList:
    """A revocation status list as of a time.

    ``revoked`` holds one int (0 or 1) per credential index; ``timestamp`` is the block time of
    the newest entry it includes.
    """

    rev_reg_key: bytes
    entries: int
    timestamp: int
    block_number: int
    accumulator: str
    revoked: list[int]


class AccreditationStatus(IntEnum):
    """Status of an accreditation (mirrors the contract's enum)."""

    NONE = 0
    ACTIVE = 1
    SUSPENDED = 2
    WITHDRAWN = 3


@dataclass(frozen=True)
class Accreditation:
    """An issuer's accreditation for one credential type, as of some time."""

    credential_type: str
    status: AccreditationStatus
    valid_from: int
    valid_until: int
    changed_at: int

    def covers(self, timestamp: int) -> bool:
        """Whether these terms make the issuer accredited at ``timestamp``."""
        return (
            self.status is AccreditationStatus.ACTIVE
            and self.valid_from <= timestamp
            and (self.valid_until == 0 or timestamp < self.valid_until)
        )


@dataclass(frozen=True)
class TrusteeProposal:
    """A vote on granting or revoking TRUSTEE."""

    proposal_id: int
    account: str
    grant: bool
    approvals: int
    needed: int
    executed: bool
