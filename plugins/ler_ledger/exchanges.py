"""Every DIDComm exchange ends: one stalled longer than ``ler.exchange_timeout`` is abandoned.

ACA-Py keeps an issuance or a presentation waiting forever when the other side (or this agent)
crashed mid-way. Here an exchange that waits on a machine, not on a person, and made no progress
for the timeout is marked ``abandoned`` with a reason saying what to do: the states where this
agent waits for its peer, and those where it waits for itself to act automatically (an
``auto_*`` flag is set). States that wait for a person (an offer a learner has not accepted yet)
are left alone.
"""

from __future__ import annotations

import logging
import time

from acapy_agent.core.profile import Profile
from acapy_agent.messaging.util import str_to_epoch
from acapy_agent.protocols.issue_credential.v2_0.models.cred_ex_record import V20CredExRecord
from acapy_agent.protocols.present_proof.v2_0.models.pres_exchange import V20PresExRecord

LOGGER = logging.getLogger(__name__)

CredEx, PresEx = V20CredExRecord, V20PresExRecord
# state -> the flag that makes this agent act by itself (None: it waits for its peer)
WAITING_ON_MACHINES: dict[type, dict[str, str | None]] = {
    CredEx: {
        CredEx.STATE_PROPOSAL_SENT: None,
        CredEx.STATE_OFFER_SENT: None,
        CredEx.STATE_REQUEST_SENT: None,
        CredEx.STATE_ISSUED: None,
        CredEx.STATE_OFFER_RECEIVED: "auto_offer",
        CredEx.STATE_REQUEST_RECEIVED: "auto_issue",
    },
    PresEx: {
        PresEx.STATE_PROPOSAL_SENT: None,
        PresEx.STATE_REQUEST_SENT: None,
        PresEx.STATE_PRESENTATION_SENT: None,
        PresEx.STATE_REQUEST_RECEIVED: "auto_present",
        PresEx.STATE_PRESENTATION_RECEIVED: "auto_verify",
    },
}


async def abandon_stalled(profile: Profile, timeout: float, now: float | None = None) -> int:
    """Abandon this wallet's exchanges stalled for ``timeout`` seconds; returns how many."""
    if timeout <= 0:
        return 0
    cutoff = (time.time() if now is None else now) - timeout
    abandoned = 0
    for record_type, waiting in WAITING_ON_MACHINES.items():
        async with profile.session() as session:
            records = await record_type.query(session)
        for record in records:
            if record.state not in waiting or str_to_epoch(record.updated_at) > cutoff:
                continue
            flag = waiting[record.state]
            if flag is not None and not getattr(record, flag, False):
                continue  # a person is to act
            await _abandon(profile, record, timeout)
            abandoned += 1
    return abandoned


async def _abandon(profile: Profile, record: CredEx | PresEx, timeout: float) -> None:
    reason = (
        f"abandoned: no progress for {timeout:.0f} s in state {record.state} (the other agent, or "
        "this one, may have restarted mid-way); start a new exchange"
    )
    async with profile.transaction() as txn:
        current = await type(record).retrieve_by_id(txn, record._id, for_update=True)
        if current.state != record.state or current.updated_at != record.updated_at:
            return  # it moved on meanwhile
        current.state = type(record).STATE_ABANDONED
        current.error_msg = reason
        await current.save(txn, reason="exchange abandoned after its timeout")
        await txn.commit()
    LOGGER.warning("%s %s %s", type(record).__name__, record._id, reason)
