"""Revocation notices kept per credential, in ACA-Py's in-memory askar profile (no agents).

The path through real agents (a registrar revokes with a reason, the hosted learner's wallet page
shows it) is tests/web/test_revocation_reason.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from acapy_agent.core.event_bus import Event, EventBus
from acapy_agent.core.profile import Profile
from acapy_agent.protocols.issue_credential.v2_0.models.cred_ex_record import V20CredExRecord
from acapy_agent.protocols.issue_credential.v2_0.models.detail.anoncreds import (
    V20CredExRecordAnonCreds,
)
from acapy_agent.protocols.issue_credential.v2_0.models.detail.indy import V20CredExRecordIndy
from acapy_agent.protocols.revocation_notification.v1_0.handlers.revoke_handler import (
    RevokeHandler as RevokeV1,
)
from acapy_agent.protocols.revocation_notification.v2_0.handlers.revoke_handler import (
    RevokeHandler as RevokeV2,
)
from acapy_agent.storage.base import BaseStorage
from acapy_agent.utils.testing import create_test_profile

from ler_tenants import revocation_notices
from ler_tenants.revocation_notices import RECORD_TYPE, notice_for, revocation_ids

REG = "did:ler:local:z6Mk/anoncreds/v0/REV_REG_DEF/12/default/0"


#: each stored credential's index in the registry, as the wallet's holder reads it
INDEXES = {"cred-1": "5", "cred-2": "6", "cred-3": None}


@pytest.fixture
async def wallet(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[Profile, EventBus]]:
    """A wallet holding three credentials (two by revocation ids, one by its issuing thread).

    Its detail records are as a holder's are: the registry, no index (the stored credential has
    it; its holder is faked here, read for real in tests/web/test_revocation_reason.py).
    """

    async def index(_profile: Profile, cred_id: str) -> str | None:
        return INDEXES[cred_id]

    monkeypatch.setattr(revocation_notices, "_revocation_index", index)
    profile = await create_test_profile()
    bus = EventBus()
    revocation_notices.register(bus)
    async with profile.session() as session:
        for n in (1, 2):
            await V20CredExRecordAnonCreds(
                cred_ex_id=f"ex-{n}", cred_id_stored=f"cred-{n}", rev_reg_id=REG
            ).save(session)
        exchange = V20CredExRecord(thread_id="issuing-thread-3", role="holder", state="done")
        await exchange.save(session)
        indy = V20CredExRecordIndy(cred_ex_id=exchange.cred_ex_id, cred_id_stored="cred-3")
        await indy.save(session)
    yield profile, bus
    await bus.shutdown()
    await profile.close()


async def _receive(wallet: tuple[Profile, EventBus], topic: str, payload: dict) -> None:
    profile, bus = wallet
    await bus.notify(profile, Event(topic, payload))
    await bus.task_queue.wait_for(10)  # the handler runs as a task of the bus


async def _kept(profile: Profile) -> int:
    async with profile.session() as session:
        return len(await session.inject(BaseStorage).find_all_records(RECORD_TYPE))


def test_the_handlers_topics_are_the_ones_listened_to() -> None:
    assert revocation_notices.RECEIVED.match(RevokeV1.RECEIVED_TOPIC)
    assert revocation_notices.RECEIVED.match(RevokeV2.RECEIVED_TOPIC)
    assert not revocation_notices.RECEIVED.match(RevokeV1.WEBHOOK_TOPIC)


def test_what_a_notice_names() -> None:
    assert revocation_ids(f"indy::{REG}::5") == (REG, "5")
    assert revocation_ids(f"anoncreds::{REG}::5") == (REG, "5")
    assert revocation_ids(f"{REG}::7") == (REG, "7")  # 2.0's credential id
    assert revocation_ids("issuing-thread-3") is None
    assert revocation_ids("indy::::5") is None


async def test_a_notice_is_kept_under_the_credential_it_names(wallet) -> None:
    profile, _ = wallet
    await _receive(
        wallet,
        RevokeV1.RECEIVED_TOPIC,
        {"thread_id": f"indy::{REG}::5", "comment": "issued in error"},
    )
    await _receive(
        wallet, RevokeV2.RECEIVED_TOPIC, {"credential_id": f"{REG}::6", "comment": "fraud"}
    )
    await _receive(
        wallet, RevokeV1.RECEIVED_TOPIC, {"thread_id": "issuing-thread-3", "comment": "withdrawn"}
    )
    kept = {c: await notice_for(profile, c) for c in ("cred-1", "cred-2", "cred-3")}
    assert {c: n["comment"] for c, n in kept.items() if n} == {
        "cred-1": "issued in error",
        "cred-2": "fraud",
        "cred-3": "withdrawn",
    }
    assert kept["cred-1"]["named"] == f"indy::{REG}::5"
    assert kept["cred-1"]["received_at"].endswith("+00:00")


async def test_a_later_notice_replaces_and_a_long_comment_is_cut(wallet) -> None:
    profile, _ = wallet
    await _receive(
        wallet, RevokeV1.RECEIVED_TOPIC, {"thread_id": f"indy::{REG}::5", "comment": "a"}
    )
    await _receive(
        wallet, RevokeV1.RECEIVED_TOPIC, {"thread_id": f"indy::{REG}::5", "comment": "b" * 900}
    )
    notice = await notice_for(profile, "cred-1")
    assert notice is not None and notice["comment"] == "b" * revocation_notices.MAX_COMMENT
    assert await _kept(profile) == 1


async def test_a_notice_naming_nothing_held_is_dropped(wallet) -> None:
    profile, _ = wallet
    for payload in (
        {"thread_id": f"indy::{REG}::99", "comment": "not ours"},
        {"thread_id": "some-other-thread", "comment": "not ours"},
        {"thread_id": None, "comment": "names nothing"},
        {"credential_id": f"{REG}::", "comment": "half an id"},
    ):
        await _receive(wallet, RevokeV1.RECEIVED_TOPIC, payload)
    assert await _kept(profile) == 0
    assert await notice_for(profile, "cred-1") is None
