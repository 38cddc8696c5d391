"""Stalled DIDComm exchanges are abandoned with a reason; those waiting for a person are not."""

from __future__ import annotations

import time
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from acapy_agent.core.event_bus import EventBus
from acapy_agent.core.profile import Profile
from acapy_agent.protocols.issue_credential.v2_0.models.cred_ex_record import V20CredExRecord
from acapy_agent.protocols.present_proof.v2_0.models.pres_exchange import V20PresExRecord

from ler_ledger import exchanges
from ler_ledger.exchanges import OPEN, OpenExchanges, abandon_stalled


async def saved(profile: Profile, record: V20CredExRecord | V20PresExRecord):
    async with profile.session() as session:
        await record.save(session)
    return record


async def state_of(profile: Profile, record: V20CredExRecord | V20PresExRecord) -> tuple:
    async with profile.session() as session:
        current = await type(record).retrieve_by_id(session, record._id)
    return current.state, current.error_msg


async def test_only_exchanges_waiting_on_machines_are_abandoned(endorser_profile: Profile) -> None:
    profile = endorser_profile
    offered = await saved(profile, V20CredExRecord(state="offer-sent", connection_id="c"))
    to_issue = await saved(
        profile, V20CredExRecord(state="request-received", auto_issue=True, connection_id="c")
    )
    for_a_person = await saved(
        profile, V20CredExRecord(state="offer-received", auto_offer=False, connection_id="c")
    )
    presented = await saved(profile, V20PresExRecord(state="presentation-sent", connection_id="c"))
    finished = await saved(profile, V20PresExRecord(state="done", connection_id="c"))

    assert await abandon_stalled(profile, 60) == 0  # nothing is 60 s old yet
    assert await abandon_stalled(profile, 0) == 0  # 0 turns it off

    later = time.time() + 61
    assert await abandon_stalled(profile, 60, now=later) == 3

    for record in (offered, to_issue, presented):
        state, reason = await state_of(profile, record)
        assert state == "abandoned"
        assert "no progress for 60 s" in reason and "start a new exchange" in reason
    assert (await state_of(profile, for_a_person))[0] == "offer-received"
    assert (await state_of(profile, finished))[0] == "done"


@pytest.fixture
def open_exchanges(endorser_profile: Profile) -> Iterator[OpenExchanges]:
    """:data:`OPEN` fed by the profile's record events, as the settling loop sets it up."""
    saved_root, saved_ids = OPEN.root_name, OPEN.ids
    OPEN.root_name, OPEN.ids = endorser_profile.name, {}
    exchanges.register(endorser_profile.inject(EventBus))
    yield OPEN
    OPEN.root_name, OPEN.ids = saved_root, saved_ids


async def test_between_full_scans_only_open_exchanges_are_read(
    endorser_profile: Profile, open_exchanges: OpenExchanges
) -> None:
    profile = endorser_profile
    offered = await saved(profile, V20CredExRecord(state="offer-sent", connection_id="c"))
    presented = await saved(profile, V20PresExRecord(state="presentation-sent", connection_id="c"))
    finished = await saved(profile, V20PresExRecord(state="done", connection_id="c"))
    assert open_exchanges.ids == {offered._id: V20CredExRecord, presented._id: V20PresExRecord}

    open_exchanges.ids.pop(presented._id)  # as if its event had been missed
    open_exchanges.ids["gone"] = V20CredExRecord  # deleted meanwhile
    open_exchanges.ids[finished._id] = V20PresExRecord  # moved on, its event missed
    later = time.time() + 61
    assert await abandon_stalled(profile, 60, now=later, only=open_exchanges.ids) == 1
    assert (await state_of(profile, offered))[0] == "abandoned"
    assert (await state_of(profile, presented))[0] == "presentation-sent"  # not read
    assert open_exchanges.ids == {}  # abandoned (its event), gone and moved on: dropped

    assert await abandon_stalled(profile, 60, now=time.time()) == 0  # a full scan finds it
    assert open_exchanges.ids == {presented._id: V20PresExRecord}
    assert await abandon_stalled(profile, 60, now=later, only=open_exchanges.ids) == 1
    assert (await state_of(profile, presented))[0] == "abandoned"


def test_events_of_other_wallets_are_not_kept(endorser_profile: Profile) -> None:
    index = OpenExchanges()
    index.root_name = endorser_profile.name
    tenant = SimpleNamespace(name="tenant-1")
    index.note(tenant, V20CredExRecord, {"cred_ex_id": "x", "state": "offer-sent"})
    index.note(endorser_profile, V20CredExRecord, {"cred_ex_id": "y", "state": "offer-sent"})
    index.note(endorser_profile, V20PresExRecord, {"pres_ex_id": "z", "state": "request-sent"})
    index.note(endorser_profile, V20PresExRecord, {"pres_ex_id": "z", "state": "done"})
    assert index.ids == {"y": V20CredExRecord}
