"""Accreditation registry: who may accredit, suspension, withdrawal, 'as of t' answers."""

from __future__ import annotations

import pytest
from chaintime import later_second

from ler_chain import AccreditationStatus, LedgerClient
from ler_chain.errors import (
    AccreditationInvalidTransition,
    AccreditationInvalidWindow,
    AccreditationUnauthorized,
    AccreditationUnknownIssuer,
)

from .helpers import anchor_college, new_college

TYPE = "SkillsCertificate"


async def test_accredit_suspend_reinstate_withdraw(state_client: LedgerClient) -> None:
    college = await anchor_college(state_client)
    registry = state_client.accreditation
    now = await state_client.ledger_time()
    assert not await registry.is_accredited(college.did, TYPE, now)

    await state_client.send(registry.accredit(college.did, TYPE, now - 10, now + 10_000))
    t_active = await state_client.ledger_time()
    assert await registry.is_accredited(college.did, TYPE, t_active)
    assert not await registry.is_accredited(college.did, "OtherType", t_active)
    assert not await registry.is_accredited(college.did, TYPE, now + 10_000)  # window closed

    await later_second(state_client.descriptor)
    await state_client.send(registry.suspend(college.did, TYPE, "audit pending"))
    t_suspended = await state_client.ledger_time()
    assert not await registry.is_accredited(college.did, TYPE, t_suspended)
    assert await registry.is_accredited(college.did, TYPE, t_active)  # history kept
    terms = await registry.accreditation_at(college.did, TYPE, t_suspended)
    assert terms.status is AccreditationStatus.SUSPENDED

    await later_second(state_client.descriptor)
    await state_client.send(registry.reinstate(college.did, TYPE))
    assert await registry.is_accredited(college.did, TYPE, await state_client.ledger_time())

    await later_second(state_client.descriptor)
    await state_client.send(registry.withdraw(college.did, TYPE, "closed"))
    t_withdrawn = await state_client.ledger_time()
    assert not await registry.is_accredited(college.did, TYPE, t_withdrawn)
    assert await registry.is_accredited(college.did, TYPE, t_active)
    with pytest.raises(AccreditationInvalidTransition, match="withdrawn"):
        await state_client.send(registry.suspend(college.did, TYPE, ""))
    listed = await registry.accreditations_of(college.did)
    assert [(a.credential_type, a.status) for a in listed] == [
        (TYPE, AccreditationStatus.WITHDRAWN)
    ]


async def test_only_trustees_and_endorsers_accredit(state_client: LedgerClient) -> None:
    college = await anchor_college(state_client)
    async with LedgerClient(state_client.descriptor, college.signer) as own:
        with pytest.raises(AccreditationUnauthorized):
            await own.send(own.accreditation.accredit(college.did, TYPE))


async def test_bad_accreditations_are_refused(state_client: LedgerClient) -> None:
    registry = state_client.accreditation
    with pytest.raises(AccreditationUnknownIssuer):
        await state_client.send(registry.accredit(new_college().did, TYPE))
    college = await anchor_college(state_client)
    with pytest.raises(AccreditationInvalidWindow):
        await state_client.send(registry.accredit(college.did, TYPE, 100, 50))
