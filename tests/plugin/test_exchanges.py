"""Stalled DIDComm exchanges are abandoned with a reason; those waiting for a person are not."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace

import pytest
from acapy_agent.config.injection_context import InjectionContext
from acapy_agent.core.event_bus import EventBus
from acapy_agent.core.profile import Profile
from acapy_agent.protocols.issue_credential.v2_0.models.cred_ex_record import V20CredExRecord
from acapy_agent.protocols.present_proof.v2_0.models.pres_exchange import V20PresExRecord
from acapy_agent.storage.base import BaseStorage
from acapy_agent.storage.record import StorageRecord
from acapy_agent.utils.testing import create_test_profile

from ler_ledger import exchanges, tenant_exchanges
from ler_ledger.exchanges import OPEN, OpenExchanges, abandon_stalled
from ler_ledger.tenant_exchanges import INDEX, TENANT_INDEX


async def saved(profile: Profile, record: V20CredExRecord | V20PresExRecord):
    async with profile.session() as session:
        await record.save(session)
    await profile.inject(EventBus).task_queue.wait_for(5)  # its event handled (in the background)
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
    """:data:`OPEN` (root) and :data:`INDEX` (tenants) fed as the settling loop sets them up."""
    saved = OPEN.root, OPEN.ids, INDEX.root, INDEX.keys, INDEX.ended
    OPEN.root, OPEN.ids, INDEX.root = endorser_profile, {}, endorser_profile
    INDEX.keys, INDEX.ended = set(), set()
    exchanges.register(endorser_profile.inject(EventBus))
    tenant_exchanges.install()
    yield OPEN
    OPEN.root, OPEN.ids, INDEX.root, INDEX.keys, INDEX.ended = saved


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


async def test_events_of_other_wallets_and_of_a_persons_turn_are_not_kept(
    endorser_profile: Profile,
) -> None:
    index, root = OpenExchanges(), endorser_profile
    index.root = root
    other = SimpleNamespace(name="another-agent", settings={})  # neither root nor a tenant
    index.note(other, V20CredExRecord, {"cred_ex_id": "x", "state": "offer-sent"})
    index.note(root, V20CredExRecord, {"cred_ex_id": "y", "state": "offer-sent"})
    index.note(root, V20PresExRecord, {"pres_ex_id": "z", "state": "request-sent"})
    index.note(root, V20PresExRecord, {"pres_ex_id": "z", "state": "done"})
    # a request this agent answers only when a person says so is not the machines' to end
    index.note(root, V20PresExRecord, {"pres_ex_id": "p", "state": "request-received"})
    assert index.ids == {"y": V20CredExRecord}


@pytest.fixture
async def tenant(endorser_profile: Profile) -> AsyncIterator[Profile]:
    """A hosted agent's tenant: its own wallet, ``wallet.id`` set and the root's event bus, as
    ACA-Py sets a tenant up (so the root's list of its own open exchanges sees its events)."""
    context = InjectionContext(settings={"wallet.id": "tenant-1"})
    context.injector.bind_instance(EventBus, endorser_profile.inject(EventBus))
    profile = await create_test_profile({"wallet.id": "tenant-1"}, context)
    yield profile
    await profile.close()


def opener_of(tenant: Profile):
    """The multitenant manager's part: wallet id -> the tenant (``tenant-1`` only)."""

    async def opener(wallet_id: str) -> Profile | None:
        return tenant if wallet_id == "tenant-1" else None

    return opener


async def index_of(root: Profile) -> dict[str, str]:
    """The root wallet's index of tenants' open exchanges."""
    async with root.session() as session:
        rows = await session.inject(BaseStorage).find_all_records(TENANT_INDEX)
    return {row.id: row.value for row in rows}


async def test_a_tenants_open_exchange_is_indexed_in_the_root_wallet_until_it_moves_on(
    endorser_profile: Profile, tenant: Profile, open_exchanges: OpenExchanges
) -> None:
    root = endorser_profile
    requested = await saved(tenant, V20CredExRecord(state="request-sent", connection_id="c"))
    await saved(tenant, V20PresExRecord(state="request-received", connection_id="c"))  # a person's
    assert await index_of(root) == {f"tenant-1.{requested._id}": "credential"}
    assert open_exchanges.ids == {}  # the root's own exchanges are not the tenant's
    own = await saved(root, V20CredExRecord(state="offer-sent", connection_id="c"))
    assert open_exchanges.ids == {own._id: V20CredExRecord}
    assert len(await index_of(root)) == 1  # nor are they indexed

    async with tenant.session() as session:
        requested.state = "credential-received"
        await requested.save(session)
    assert INDEX.ended == {f"tenant-1.{requested._id}"}  # removed with the next check's batch
    assert await tenant_exchanges.abandon_stalled_tenants(root, 60, opener=opener_of(tenant)) == 0
    assert await index_of(root) == {}
    assert INDEX.ended == INDEX.keys == set()


async def test_tenants_stalled_exchanges_are_abandoned_from_the_index_after_a_restart(
    endorser_profile: Profile, tenant: Profile, open_exchanges: OpenExchanges
) -> None:
    root = endorser_profile
    requested = await saved(tenant, V20CredExRecord(state="request-sent", connection_id="c"))
    presented = await saved(tenant, V20PresExRecord(state="presentation-sent", connection_id="c"))
    finished = await saved(tenant, V20PresExRecord(state="done", connection_id="c"))
    index = await index_of(root)
    assert set(index) == {f"tenant-1.{requested._id}", f"tenant-1.{presented._id}"}
    # left behind: one whose move this process did not see (another replica's), one of a record
    # never saved (the agent died between index and record), one of a deleted tenant
    async with root.session() as session:
        storage = session.inject(BaseStorage)
        for key, kind, wallet_id in (
            (f"tenant-1.{finished._id}", "presentation", "tenant-1"),
            ("tenant-1.gone", "credential", "tenant-1"),
            ("tenant-2.x", "credential", "tenant-2"),
        ):
            record = StorageRecord(TENANT_INDEX, kind, {"wallet_id": wallet_id}, key)
            await storage.add_record(record)
    INDEX.keys = set()  # a restarted agent knows only its root wallet

    check = tenant_exchanges.abandon_stalled_tenants
    opener = opener_of(tenant)
    assert await check(root, 60, opener=opener) == 0  # nothing is 60 s old yet
    assert set(await index_of(root)) == set(index)  # those that ended are gone
    assert await check(root, 60, now=time.time() + 61, opener=opener) == 2
    for record in (requested, presented):
        state, reason = await state_of(tenant, record)
        assert state == "abandoned" and "start a new exchange" in reason
    assert (await state_of(tenant, finished))[0] == "done"
    assert await index_of(root) == {}
    assert INDEX.keys == set()
