"""The state's issuer registry in the DCC registry format (pure: no ACA-Py, no network).

Digital Credentials Consortium verifiers (``@digitalcredentials/verifier-core`` behind
VerifierPlus, Learner Credential Wallet) read "dcc-legacy" registries: a JSON object whose
``registry`` maps each issuer DID to ``{name, location, url}``. Each accredited college appears
under its did:ler and, when the ledger records one, its did:web, with what DCC readers ignore but
people and our tools use: its Credential Engine CTID and the accreditations in force (credential
type and validity window). The publisher (:mod:`ler_badges.acapy.registry_publisher`) wraps the
document in a credential signed by the state's DID, so it can be checked as well as read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = ["CREDENTIAL_ENGINE", "RegisteredIssuer", "issuer_registry"]

CREDENTIAL_ENGINE = "https://credentialengineregistry.org/resources/"


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class RegisteredIssuer:
    """An accredited issuer: its DIDs, how people know it, what it is accredited for.

    ``accreditations`` are ``(credential type, valid from, valid until or 0)`` in ledger seconds.
    """

    dids: Sequence[str]
    accreditations: Sequence[tuple[str, int, int]]
    display: Mapping[str, str] = field(default_factory=dict)

    def entry(self) -> dict[str, Any]:
        """Its registry entry (the same under each of its DIDs)."""
        entry: dict[str, Any] = {
            key: self.display[key] for key in ("name", "location", "url") if self.display.get(key)
        }
        entry.setdefault("name", self.dids[0])
        if ctid := self.display.get("ctid"):
            entry["ctid"] = ctid
            entry["credentialEngineUrl"] = CREDENTIAL_ENGINE + ctid
        entry["dids"] = list(self.dids)
        entry["accreditations"] = [
            {
                "credentialType": credential_type,
                "validFrom": _iso(valid_from),
                **({"validUntil": _iso(valid_until)} if valid_until else {}),
            }
            for credential_type, valid_from, valid_until in self.accreditations
        ]
        return entry


def issuer_registry(
    issuers: Sequence[RegisteredIssuer], *, name: str, updated: datetime, block: int
) -> dict[str, Any]:
    """The registry document: ``meta`` and ``registry`` (DID -> entry).

    Issuers with no accreditation in force are left out.
    """
    registry: dict[str, Any] = {}
    for issuer in issuers:
        if issuer.accreditations:
            registry.update({did: issuer.entry() for did in issuer.dids})
    return {
        "meta": {
            "name": name,
            "updated": updated.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "ledgerBlock": block,
        },
        "registry": registry,
    }
