"""Every DIDComm exchange ends: one stalled longer than ``ler.exchange_timeout`` is abandoned.

ACA-Py keeps an issuance or a presentation waiting forever when the other side (or this agent)
crashed mid-way. Here an exchange that waits on a machine, not on a person, and made no progress
for the timeout is marked ``abandoned`` with a reason saying what to do: the states where this
agent waits for its peer, and those where it waits for itself to act automatically (an
``auto_*`` flag is set). States that wait for a person (an offer a learner has not accepted yet)
are left alone.

The agent's own (root) wallet is checked from the exchanges its events showed open, with a full
scan now and then; a hosted agent's tenants' from an index (:mod:`ler_ledger.tenant_exchanges`).
"""

from __future__ import annotations

import json
import logging
import re
import time

from acapy_agent.core.event_bus import Event, EventBus
from acapy_agent.core.profile import Profile
from acapy_agent.messaging.util import str_to_epoch
from acapy_agent.protocols.issue_credential.v2_0.models.cred_ex_record import V20CredExRecord
from acapy_agent.protocols.present_proof.v2_0.models.pres_exchange import V20PresExRecord
from acapy_agent.storage.base import BaseStorage
from acapy_agent.storage.error import StorageNotFoundError
from acapy_agent.storage.record import StorageRecord

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


def waits_on_machines(record_type: type[CredEx | PresEx], value: dict) -> bool:
    """Whether an exchange record (its stored or event JSON) waits on a machine, not a person."""
    waiting = WAITING_ON_MACHINES[record_type]
    state = value.get("state")
    if state not in waiting:
        return False
    flag = waiting[state]
    return flag is None or bool(value.get(flag))


class OpenExchanges:
    """The root wallet's exchanges in a state that may stall, kept from record events.

    Between full scans, each check reads only these records (by id), not every exchange the
    wallet ever made: a college keeps each issuance record, so a full scan grows with the
    credentials it has issued. Exchanges another instance moved, or whose event was missed, are
    found by the next full scan (at start-up, then every :data:`FULL_SCAN_EVERY` seconds).
    Tenants' exchanges: :mod:`ler_ledger.tenant_exchanges`.
    """

    def __init__(self) -> None:
        self.root: Profile | None = None
        self.ids: dict[str, type[CredEx | PresEx]] = {}

    def note(self, profile: Profile, record_type: type[CredEx | PresEx], payload: dict) -> None:
        """An exchange record of ``profile`` changed (a record event's payload)."""
        if self.root is None or profile.name != self.root.name or not isinstance(payload, dict):
            return
        record_id = payload.get(ID_KEYS[record_type])
        if not record_id:
            return
        if waits_on_machines(record_type, payload):
            self.ids[record_id] = record_type
        else:
            self.ids.pop(record_id, None)


#: how often the whole wallet is scanned (between scans only the open exchanges are read)
FULL_SCAN_EVERY = 3600.0
ID_KEYS: dict[type, str] = {CredEx: "cred_ex_id", PresEx: "pres_ex_id"}
RECORD_EVENTS = {
    CredEx: re.compile(r"^acapy::record::issue_credential_v2_0::"),
    PresEx: re.compile(r"^acapy::record::present_proof_v2_0::"),
}
OPEN = OpenExchanges()


def register(event_bus: EventBus) -> None:
    """Keep :data:`OPEN` from the exchange record events."""
    for record_type, pattern in RECORD_EVENTS.items():

        async def on_record(profile: Profile, event: Event, kind: type = record_type) -> None:
            OPEN.note(profile, kind, event.payload)

        event_bus.subscribe(pattern, on_record)


async def abandon_stalled(
    profile: Profile,
    timeout: float,
    now: float | None = None,
    only: dict[str, type[CredEx | PresEx]] | None = None,
) -> int:
    """Abandon this wallet's exchanges stalled for ``timeout`` seconds; returns how many.

    ``only``: read just these records (record id -> type) instead of every exchange record, and
    drop from it those gone, no longer waiting or abandoned; a full scan of :data:`OPEN`'s root
    wallet adds those it finds waiting to it. The records are read as stored JSON and only a
    stalled one is loaded as an ACA-Py record (loading every record of a learner with 1,000
    credentials cost about 1.7 CPU-s a pass).
    """
    if timeout <= 0:
        return 0
    cutoff = (time.time() if now is None else now) - timeout
    abandoned = 0
    waiting_now: dict[str, type[CredEx | PresEx]] = {}
    for record_type in WAITING_ON_MACHINES:
        rows = await _rows(profile, record_type, only)
        for row in rows:
            value = json.loads(row.value)
            if not waits_on_machines(record_type, value):
                if only is not None:  # it moved on and its event was missed
                    only.pop(row.id, None)
                continue
            if only is None:
                waiting_now[row.id] = record_type
            updated_at = value.get("updated_at")
            if not updated_at or str_to_epoch(updated_at) > cutoff:
                continue
            if await _abandon(profile, record_type, row.id, value, timeout):
                abandoned += 1
                if only is not None:
                    only.pop(row.id, None)
    if OPEN.root is not None and profile.name == OPEN.root.name and only is None:
        OPEN.ids.update(waiting_now)  # those whose events came before the loop started
    return abandoned


async def _rows(
    profile: Profile, record_type: type[CredEx | PresEx], only: dict[str, type] | None
) -> list[StorageRecord]:
    """Every stored record of ``record_type``, or those of ``only`` still there."""
    async with profile.session() as session:
        storage = session.inject(BaseStorage)
        if only is None:
            return list(await storage.find_all_records(record_type.RECORD_TYPE))
        rows = []
        for record_id, kind in list(only.items()):
            if kind is not record_type:
                continue
            try:
                rows.append(await storage.get_record(record_type.RECORD_TYPE, record_id))
            except StorageNotFoundError:
                only.pop(record_id, None)
        return rows


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
