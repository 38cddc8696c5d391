"""Where a wallet's ledger writes go: straight to the ledger, or to the state's endorser."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from acapy_agent.core.profile import Profile

from ler_chain import Write, WriteResult

from .direct_writes import send_direct
from .endorsement import settling
from .endorsement.manager import EndorsementManager
from .endorsement.records import LerEndorsementRecord
from .errors import LerPluginError
from .ledger import LedgerService


@dataclass(frozen=True)
class WriteOutcome:
    """A write that landed (``result``), or one waiting for the endorser (``record``)."""

    result: WriteResult | None = None
    record: LerEndorsementRecord | None = None

    @property
    def finished(self) -> bool:
        """Whether the write is already on the ledger."""
        return self.result is not None


async def write_to_ledger(
    profile: Profile,
    write: Write,
    *,
    kind: str,
    object_id: str,
    job: dict[str, Any] | None = None,
    did_key: str | None = None,
) -> WriteOutcome:
    """Send ``write`` directly (ENDORSER role) or through endorsement (author role).

    Either way the write is journaled until the chain settles it, and ends in one ``ler_anchor``
    webhook (see :mod:`.direct_writes` and :mod:`.endorsement.manager`).
    """
    service = profile.inject(LedgerService)
    role = service.config.endorsement.role
    if role == "endorser":
        result = await send_direct(profile, write, kind=kind, object_id=object_id, job=job)
        return WriteOutcome(result=result)
    if role == "none":
        raise LerPluginError(
            "this agent does not write to the ledger (ler.endorsement.role is none); "
            "configure it as author or endorser"
        )
    record = await EndorsementManager(profile).request(
        write, kind=kind, object_id=object_id, job=job, did_key=did_key
    )
    settling.watch(profile)
    return WriteOutcome(record=record)
