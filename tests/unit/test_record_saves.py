"""A saved record is serialized only for what reads it; stored, logged and emitted as by ACA-Py.

Every agent of the suite's network runs with this on, so each end-to-end exchange saves its
records through it. Here: ACA-Py's records in a real (in-memory) askar store, each scenario run
with ACA-Py's save and with ours, and the stored records, events and log lines compared.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
from acapy_agent.connections.models.conn_record import ConnRecord
from acapy_agent.core.event_bus import EventBus, MockEventBus
from acapy_agent.core.profile import Profile
from acapy_agent.messaging.decorators.attach_decorator import AttachDecorator
from acapy_agent.messaging.models.base import BaseModel
from acapy_agent.messaging.models.base_record import BaseRecord
from acapy_agent.protocols.present_proof.v2_0.messages.pres import V20Pres
from acapy_agent.protocols.present_proof.v2_0.messages.pres_format import V20PresFormat
from acapy_agent.protocols.present_proof.v2_0.messages.pres_request import V20PresRequest
from acapy_agent.protocols.present_proof.v2_0.messages.pres_webhook import V20PresExRecordWebhook
from acapy_agent.protocols.present_proof.v2_0.models.pres_exchange import V20PresExRecord
from acapy_agent.storage.base import BaseStorage
from acapy_agent.storage.error import StorageNotFoundError
from acapy_agent.utils.testing import create_test_profile

from ler_ledger import record_saves, tenant_exchanges
from ler_ledger.acapy_patches import replaced, restore

from .speedups import speedup_fixtures

acapys_own_first, installed = speedup_fixtures(record_saves)
ANONCREDS = V20PresFormat.Format.ANONCREDS.aries
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?Z?")

Scenario = Callable[[Profile], Awaitable[BaseRecord]]


@pytest.fixture
async def profile() -> AsyncIterator[Profile]:
    wallet = await create_test_profile()
    wallet.context.injector.bind_instance(EventBus, MockEventBus())
    yield wallet
    await wallet.close()


@pytest.fixture
def serializations(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Class names of the records serialized whole (``serialize``), in order."""
    names: list[str] = []
    serialize = BaseModel.serialize

    def counted(self: BaseModel, **kwargs: Any) -> Any:
        if isinstance(self, BaseRecord):
            names.append(type(self).__name__)
        return serialize(self, **kwargs)

    monkeypatch.setattr(BaseModel, "serialize", counted)
    yield names


def _pres_request() -> V20PresRequest:
    request = {"name": "skills", "version": "1.0", "nonce": "1", "requested_attributes": {}}
    return V20PresRequest(
        formats=[V20PresFormat(attach_id="r", format_=ANONCREDS)],
        request_presentations_attach=[AttachDecorator.data_base64(request, ident="r")],
    )


def _pres() -> V20Pres:
    proof = {"proof": {"proofs": []}, "requested_proof": {}, "identifiers": []}
    return V20Pres(
        formats=[V20PresFormat(attach_id="p", format_=ANONCREDS)],
        presentations_attach=[AttachDecorator.data_base64(proof, ident="p")],
    )


async def verifier_exchange(profile: Profile) -> BaseRecord:
    """A presentation exchange, as a verifier saves it from request to verdict."""
    record = V20PresExRecord(
        connection_id="conn-1",
        thread_id="thread-1",
        role=V20PresExRecord.ROLE_VERIFIER,
        state=V20PresExRecord.STATE_REQUEST_SENT,
        pres_request=_pres_request(),
        auto_verify=True,
    )
    async with profile.session() as session:
        await record.save(session, reason="create")
        record.state, record.pres = V20PresExRecord.STATE_PRESENTATION_RECEIVED, _pres()
        await record.save(session)
        await record.save(session, reason="same state: no event")
        record.state, record.verified = V20PresExRecord.STATE_DONE, "true"
        await record.save(session, reason="verified", event=True)
    return record


async def connection(profile: Profile) -> BaseRecord:
    """A connection, saved as it moves on, with its state log on."""
    profile.settings["debug.connections"] = True
    record = ConnRecord(
        their_label="Learner", state=ConnRecord.State.REQUEST.rfc160, their_role="invitee"
    )
    async with profile.session() as session:
        await record.save(session, log_params={"step": "request"})
        record.state = ConnRecord.State.COMPLETED.rfc160
        await record.save(session, reason="completed", log_override=True)
    return record


async def stored(profile: Profile, record: BaseRecord) -> tuple[str, dict[str, str]]:
    async with profile.session() as session:
        row = await session.inject(BaseStorage).get_record(record.RECORD_TYPE, record._id)
    return row.value, row.tags


async def _outcome(
    profile: Profile, scenario: Scenario, capsys: pytest.CaptureFixture[str]
) -> dict[str, Any]:
    """What a scenario leaves: stored row, events and log lines (ids and times made equal)."""
    record = await scenario(profile)
    assert record._id is not None
    value, tags = await stored(profile, record)
    bus = profile.inject(EventBus)
    assert isinstance(bus, MockEventBus)
    events = [(event.topic, event.payload) for _, event in bus.events]
    text = repr((value, tags, events)) + capsys.readouterr().err
    text = UUID.sub("<id>", TIMESTAMP.sub("<time>", text))
    return {"text": text, "events": len(events)}


@pytest.mark.parametrize("scenario", [verifier_exchange, connection])
async def test_stored_emitted_and_logged_as_by_acapy(
    profile: Profile, scenario: Scenario, capsys: pytest.CaptureFixture[str]
) -> None:
    acapys = await _outcome(profile, scenario, capsys)
    record_saves.install()
    second = await create_test_profile()
    second.context.injector.bind_instance(EventBus, MockEventBus())
    try:
        ours = await _outcome(second, scenario, capsys)
    finally:
        await second.close()
    assert acapys["events"] == (3 if scenario is verifier_exchange else 2)
    assert ours == acapys


@pytest.mark.parametrize("webhooks", [False, True], ids=["state-only events", "debug.webhooks"])
async def test_an_exchange_is_serialized_whole_only_for_full_events(
    profile: Profile, serializations: list[str], webhooks: bool
) -> None:
    profile.settings["debug.webhooks"] = webhooks
    await verifier_exchange(profile)
    assert serializations == ["V20PresExRecord"] * 7  # ACA-Py's: 4 log lines' and 3 events'
    serializations.clear()
    record_saves.install()
    record = await verifier_exchange(profile)
    assert serializations == (["V20PresExRecord"] * 3 if webhooks else [])
    bus = profile.inject(EventBus)
    assert isinstance(bus, MockEventBus)
    last = bus.events[-1][1].payload
    assert last["pres_ex_id"] == record._id
    assert last["verified"] == "true"
    assert ("by_format" in last) is webhooks  # the messages, in full


@pytest.mark.usefixtures("installed")
async def test_a_connection_is_serialized_for_its_log_line_only_when_logged(
    profile: Profile, serializations: list[str]
) -> None:
    record = ConnRecord(their_label="Learner", state=ConnRecord.State.REQUEST.rfc160)
    async with profile.session() as session:
        await record.save(session)
    assert serializations == ["ConnRecord"]  # its event carries the whole record
    profile.settings["debug.connections"] = True
    async with profile.session() as session:
        await record.save(session, reason="logged")
    assert serializations == ["ConnRecord"] * 2  # the log line; no event: same state


@pytest.mark.parametrize("ours", [False, True], ids=["acapys", "ours"])
async def test_a_failed_save_is_logged_and_raises_with_no_event(
    profile: Profile, capsys: pytest.CaptureFixture[str], ours: bool
) -> None:
    if ours:
        record_saves.install()
    profile.settings["debug.connections"] = True
    record = ConnRecord(connection_id="never-stored", their_label="Learner", state="request")
    async with profile.session() as session:
        with pytest.raises(StorageNotFoundError):
            await record.save(session, reason="lost")
    assert "FAILED: lost" in capsys.readouterr().err
    bus = profile.inject(EventBus)
    assert isinstance(bus, MockEventBus)
    assert bus.events == []


@pytest.mark.usefixtures("installed")
async def test_the_tenants_exchange_index_saves_through_it(
    profile: Profile, serializations: list[str]
) -> None:
    was_on = replaced(V20PresExRecord, "save")  # a plugin test of this worker installed it
    tenant_exchanges.install()  # wraps an exchange's save whatever BaseRecord.save is then
    try:
        await verifier_exchange(profile)
    finally:
        if not was_on:
            for kind in tenant_exchanges.KINDS.values():
                restore(kind, "save")
    assert serializations == []


def test_turned_off_acapys_methods_stay() -> None:
    assert record_saves.install(False) is False
    assert BaseRecord.save is not record_saves.save
    assert BaseRecord.post_save is not record_saves.post_save


def test_an_exchanges_state_fields_are_its_webhooks() -> None:
    schema = record_saves.state_schema(V20PresExRecord, V20PresExRecordWebhook)
    assert schema is not None and schema.only is not None
    assert {"pres_ex_id", "state", "verified", "updated_at"} <= set(schema.only)
    assert not {"pres_request", "pres", "by_format"} & set(schema.only)
    assert record_saves.state_schema(V20PresExRecord, object) is None  # no list: whole records
