"""Stalled DIDComm exchanges are abandoned with a reason; those waiting for a person are not."""

from __future__ import annotations

import time

from acapy_agent.core.profile import Profile
from acapy_agent.protocols.issue_credential.v2_0.models.cred_ex_record import V20CredExRecord
from acapy_agent.protocols.present_proof.v2_0.models.pres_exchange import V20PresExRecord

from ler_ledger.exchanges import abandon_stalled


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
