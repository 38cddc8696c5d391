"""The state's accreditation (trust) registry."""

from __future__ import annotations

from ..identifiers import LerDid
from ..models import Accreditation, AccreditationStatus
from ..writes import Write
from .base import RegistryClient


def _accreditation(terms: tuple) -> Accreditation:
    credential_type, status, valid_from, valid_until, changed_at = terms
    return Accreditation(
        credential_type=credential_type,
        status=AccreditationStatus(status),
        valid_from=valid_from,
        valid_until=valid_until,
        changed_at=changed_at,
    )


class AccreditationRegistryClient(RegistryClient):
    """Typed access to ``AccreditationRegistry``."""

    def accredit(
        self, issuer: LerDid, credential_type: str, valid_from: int = 0, valid_until: int = 0
    ) -> Write:
        """Accredit ``issuer`` for ``credential_type`` (``valid_until`` 0: open-ended)."""
        return Write(
            "accreditation",
            "accredit",
            {
                "issuer": issuer.id_bytes,
                "credentialType": credential_type,
                "validFrom": valid_from,
                "validUntil": valid_until,
            },
            f"accredit {issuer} for {credential_type!r}",
        )

    def suspend(self, issuer: LerDid, credential_type: str, reason: str = "") -> Write:
        """Suspend an active accreditation."""
        return Write(
            "accreditation",
            "suspend",
            {"issuer": issuer.id_bytes, "credentialType": credential_type, "reason": reason},
            f"suspend {issuer} for {credential_type!r}",
        )

    def reinstate(self, issuer: LerDid, credential_type: str) -> Write:
        """Lift a suspension."""
        return Write(
            "accreditation",
            "reinstate",
            {"issuer": issuer.id_bytes, "credentialType": credential_type},
            f"reinstate {issuer} for {credential_type!r}",
        )

    def withdraw(self, issuer: LerDid, credential_type: str, reason: str = "") -> Write:
        """Withdraw an accreditation."""
        return Write(
            "accreditation",
            "withdraw",
            {"issuer": issuer.id_bytes, "credentialType": credential_type, "reason": reason},
            f"withdraw {issuer}'s accreditation for {credential_type!r}",
        )

    async def is_accredited(self, issuer: LerDid, credential_type: str, at: int) -> bool:
        """Whether ``issuer`` was accredited for ``credential_type`` at time ``at``."""
        fn = self._contract.functions.isAccredited(issuer.id_bytes, credential_type, at)
        return bool(await self._call(fn))

    async def accreditation_at(
        self, issuer: LerDid, credential_type: str, at: int
    ) -> Accreditation:
        """The terms in force at time ``at`` (status NONE if there were none)."""
        fn = self._contract.functions.accreditationAt(issuer.id_bytes, credential_type, at)
        return _accreditation(await self._call(fn))

    async def issuer_ids(self, to_block: int) -> list[bytes]:
        """Ids of every issuer ever accredited (up to ``to_block``), first accredited first."""
        events = await self._events_in_range("IssuerAccredited", 0, to_block, {})
        return list(dict.fromkeys(bytes(event["issuer"]) for event in events))

    async def accreditations_of(self, issuer: LerDid) -> list[Accreditation]:
        """Every type ever accredited for ``issuer``, with current terms."""
        terms = await self._call(self._contract.functions.accreditationsOf(issuer.id_bytes))
        return [_accreditation(t) for t in terms]
