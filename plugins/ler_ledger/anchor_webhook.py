"""The ``ler_anchor`` webhook: one per ledger write, when it is settled.

Every ledger write ends in exactly one: ``finished`` once it is on the ledger, ``failed`` once it
never will be (emitted by :mod:`.write_routing` for direct writes and by
:mod:`.endorsement.manager` for endorsed ones).
"""

from __future__ import annotations

from acapy_agent.core.profile import Profile

ANCHOR_TOPIC = "acapy::webhook::ler_anchor"


async def notify_anchor(
    profile: Profile,
    *,
    state: str,
    kind: str | None,
    object_id: str | None,
    tx_hash: str | None = None,
    endorsement_id: str | None = None,
    reason: str | None = None,
) -> None:
    """Emit the one ``ler_anchor`` webhook of a write (``finished`` or ``failed``)."""
    await profile.notify(
        ANCHOR_TOPIC,
        {
            "state": state,
            "kind": kind,
            "object_id": object_id,
            "endorsement_id": endorsement_id,
            "tx_hash": tx_hash,
            "reason": reason,
        },
    )
