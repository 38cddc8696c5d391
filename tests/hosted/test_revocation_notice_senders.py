"""A revocation notice is accepted only from the connection its credential came over (or from
the credential's issuer), in ACA-Py's in-memory askar profile with ler_tenants' handlers.

The accepted path through real agents (the college's notice reaches the hosted learner's wallet
and page) is tests/web/test_revocation_reason.py.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from acapy_agent.config.injection_context import InjectionContext
from acapy_agent.connections.models.conn_record import ConnRecord
from acapy_agent.core.event_bus import EventBus
from acapy_agent.core.goal_code_registry import GoalCodeRegistry
from acapy_agent.core.plugin_registry import PluginRegistry
from acapy_agent.core.profile import Profile
from acapy_agent.core.protocol_registry import ProtocolRegistry
from acapy_agent.messaging.agent_message import AgentMessage
from acapy_agent.messaging.base_handler import HandlerException
from acapy_agent.messaging.request_context import RequestContext
from acapy_agent.messaging.responder import MockResponder
from acapy_agent.protocols.issue_credential.v2_0.models.cred_ex_record import V20CredExRecord
from acapy_agent.protocols.issue_credential.v2_0.models.detail.anoncreds import (
    V20CredExRecordAnonCreds,
)
from acapy_agent.utils.testing import create_test_profile

from ler_chain import LerDid
from ler_tenants import revocation_notices
from ler_tenants.revocation_notices import CheckedRevokeV1, CheckedRevokeV2, notice_for

COLLEGE_DID = str(LerDid.from_verkey("local", bytes(range(32))))
REG = f"{COLLEGE_DID}/anoncreds/v0/REV_REG_DEF/12/default/0"
V1 = "https://didcomm.org/revocation_notification/1.0/revoke"
V2 = "https://didcomm.org/revocation_notification/2.0/revoke"

ISSUED_OVER = ConnRecord(connection_id="college-conn", state="completed")
STRANGER = ConnRecord(connection_id="stranger-conn", state="completed")
#: the college again, over a later connection made from its public DID
COLLEGE_AGAIN = ConnRecord(
    connection_id="college-again", their_public_did=COLLEGE_DID, state="completed"
)


@pytest.fixture
async def wallet(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Profile]:
    """A learner's wallet holding one credential, index 5, issued over ``college-conn``."""

    async def index(_profile: Profile, cred_id: str) -> str | None:
        return {"cred-1": "5"}.get(cred_id)

    monkeypatch.setattr(revocation_notices, "_revocation_index", index)
    profile = await create_test_profile()
    bus = EventBus()
    profile.context.injector.bind_instance(EventBus, bus)
    revocation_notices.register(bus)
    async with profile.session() as session:
        exchange = V20CredExRecord(
            connection_id=ISSUED_OVER.connection_id,
            thread_id="issuing-thread-1",
            role="holder",
            state="done",
        )
        await exchange.save(session)
        await V20CredExRecordAnonCreds(
            cred_ex_id=exchange.cred_ex_id, cred_id_stored="cred-1", rev_reg_id=REG
        ).save(session)
    yield profile
    await bus.shutdown()
    await profile.close()


async def _deliver(profile: Profile, message: AgentMessage, connection: ConnRecord | None) -> None:
    """Handle ``message`` as the dispatcher does, then let the event's listeners run."""
    context = RequestContext(profile)
    context.message = message
    context.connection_record = connection
    context.connection_ready = connection is not None
    await message.Handler().handle(context, MockResponder())
    await profile.inject(EventBus).task_queue.wait_for(10)


async def test_setup_puts_the_checked_messages_in_place_of_acapys() -> None:
    context = InjectionContext()
    context.injector.bind_instance(ProtocolRegistry, ProtocolRegistry())
    context.injector.bind_instance(GoalCodeRegistry, GoalCodeRegistry())
    plugins = PluginRegistry()
    plugins.register_plugin("acapy_agent.protocols.revocation_notification")  # as at startup:
    plugins.register_plugin("ler_tenants")  # ACA-Py's protocols first, then --plugin ones
    await plugins.init_context(context)
    registry = context.inject(ProtocolRegistry)
    prefixes = ("https://didcomm.org/", "did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/")
    for checked, message_type in ((CheckedRevokeV1, V1), (CheckedRevokeV2, V2)):
        suffix = message_type.removeprefix(prefixes[0])
        for prefix in prefixes:
            assert registry.resolve_message_class(prefix + suffix) is checked
    wire = {"@type": V1, "@id": "a", "thread_id": f"indy::{REG}::5", "comment": "why"}
    message = CheckedRevokeV1.deserialize(wire)
    assert message.Handler is revocation_notices.CheckedRevokeHandlerV1


@pytest.mark.parametrize(
    ("message", "connection"),
    [
        (CheckedRevokeV1(thread_id=f"indy::{REG}::5", comment="why"), ISSUED_OVER),
        (CheckedRevokeV1(thread_id="issuing-thread-1", comment="why"), ISSUED_OVER),
        (
            CheckedRevokeV2(
                revocation_format="indy-anoncreds", credential_id=f"{REG}::5", comment="why"
            ),
            ISSUED_OVER,
        ),
        (CheckedRevokeV1(thread_id=f"indy::{REG}::5", comment="why"), COLLEGE_AGAIN),
    ],
)
async def test_a_notice_from_the_issuing_connection_or_issuer_is_kept(
    wallet: Profile, message: AgentMessage, connection: ConnRecord
) -> None:
    await _deliver(wallet, message, connection)
    notice = await notice_for(wallet, "cred-1")
    assert notice is not None and notice["comment"] == "why"


async def test_a_notice_from_another_connection_is_dropped_and_logged(
    wallet: Profile, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=revocation_notices.__name__)
    for named in (f"indy::{REG}::5", "issuing-thread-1"):
        await _deliver(wallet, CheckedRevokeV1(thread_id=named, comment="forged"), STRANGER)
    await _deliver(
        wallet,
        CheckedRevokeV2(revocation_format="indy-anoncreds", credential_id=f"{REG}::5"),
        STRANGER,
    )
    assert await notice_for(wallet, "cred-1") is None
    dropped = [r for r in caplog.records if "stranger-conn" in r.getMessage()]
    assert len(dropped) == 3 and all("dropped" in r.getMessage() for r in dropped)


async def test_a_notice_without_a_connection_is_refused(wallet: Profile) -> None:
    with pytest.raises(HandlerException, match="No connection"):
        await _deliver(wallet, CheckedRevokeV1(thread_id=f"indy::{REG}::5"), None)
    assert await notice_for(wallet, "cred-1") is None
