"""Every DIDComm exchange ends: one stalled longer than ``ler.exchange_timeout`` is abandoned.

ACA-Py keeps an issuance or a presentation waiting forever when the other side (or this agent)
crashed mid-way. Here an exchange that waits on a machine, not on a person, and made no progress
for the timeout is marked ``abandoned`` with a reason saying what to do: the states where this
agent waits for its peer, and those where it waits for itself to act automatically (an
``auto_*`` flag is set). States that wait for a person (an offer a learner has not accepted yet)
are left alone.
"""

from __future__ import annotations

import json
import logging
import time

from acapy_agent.core.profile import Profile
from acapy_agent.messaging.util import str_to_epoch
from acapy_agent.protocols.issue_credential.v2_0.models.cred_ex_record import V20CredExRecord
from acapy_agent.protocols.present_proof.v2_0.models.pres_exchange import V20PresExRecord
from acapy_agent.storage.base import BaseStorage

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
    """Abandon this wallet's exchanges stalled for ``timeout`` seconds; returns how many.

    The records are read as stored JSON and only a stalled one is loaded as an ACA-Py record: a
    wallet holds every exchange it ever made (a learner with 1,000 credentials has 1,000 done
    issuances), and loading each as a record cost about 1.7 CPU-s a pass at that size.
    """
    if timeout <= 0:
        return 0
    cutoff = (time.time() if now is None else now) - timeout
    abandoned = 0
    for record_type, waiting in WAITING_ON_MACHINES.items():
        async with profile.session() as session:
            rows = await session.inject(BaseStorage).find_all_records(record_type.RECORD_TYPE)
        for row in rows:
            value = json.loads(row.value)
            state, updated_at = value.get("state"), value.get("updated_at")
            if state not in waiting or not updated_at or str_to_epoch(updated_at) > cutoff:
                continue
            flag = waiting[state]
            if flag is not None and not value.get(flag):
                continue  # a person is to act
            if await _abandon(profile, record_type, row.id, value, timeout):
                abandoned += 1
    return abandoned


async def _abandon(
    profile: Profile,
    record_type: type[CredEx | PresEx],
    record_id: str,
    seen: dict,
    timeout: float,
) -> bool:
    reason = (
        f"abandoned: no progress for {timeout:.0f} s in state {seen['state']} (the other agent, "
        "or this one, may have restarted mid-way); start a new exchange"
    )
    async with profile.transaction() as txn:
        current = await record_type.retrieve_by_id(txn, record_id, for_update=True)
        if current.state != seen["state"] or current.updated_at != seen["updated_at"]:
            return False  # it moved on meanwhile
        current.state = record_type.STATE_ABANDONED
        current.error_msg = reason
        await current.save(txn, reason="exchange abandoned after its timeout")
        await txn.commit()
    LOGGER.warning("%s %s %s", record_type.__name__, record_id, reason)
    return True
