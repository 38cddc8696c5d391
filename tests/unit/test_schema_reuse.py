"""Pooled marshmallow schemas give what ACA-Py's own BaseModel methods give, and share no state.

Every agent of the suite's network runs with schema reuse on, so each end-to-end exchange
tests it through the real stack too.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from acapy_agent.connections.models.conn_record import ConnRecord
from acapy_agent.messaging.decorators.attach_decorator import AttachDecorator
from acapy_agent.messaging.models.base import BaseModel, BaseModelError, BaseModelSchema
from acapy_agent.protocols.issue_credential.v2_0.messages.cred_format import V20CredFormat
from acapy_agent.protocols.issue_credential.v2_0.messages.cred_offer import V20CredOffer
from acapy_agent.protocols.issue_credential.v2_0.models.cred_ex_record import V20CredExRecord
from acapy_agent.protocols.trustping.v1_0.messages.ping import Ping
from marshmallow import fields

from ler_ledger import schema_reuse

from .speedups import speedup_fixtures

OFFER = {
    "schema_id": "WgWxqztrNooG92RXvxSTWv:2:skills:1.0",
    "cred_def_id": "WgWxqztrNooG92RXvxSTWv:3:CL:20:tag",
    "nonce": "1234567890",
    "key_correctness_proof": {"c": "1", "xz_cap": "2", "xr_cap": [["skill", "3"]]},
}


def _offer(thread: str | None) -> dict[str, Any]:
    offer = V20CredOffer(
        comment="welding",
        formats=[V20CredFormat(attach_id="0", format_=V20CredFormat.Format.ANONCREDS.aries)],
        offers_attach=[AttachDecorator.data_base64(OFFER, ident="0")],
    )
    if thread:
        offer.assign_thread_id(thread)
    return offer.serialize()


def _samples() -> list[tuple[type[BaseModel], dict[str, Any]]]:
    ping = Ping(comment="hello", response_requested=True)
    ping.assign_thread_id("thread-1")
    record = V20CredExRecord(
        connection_id="conn-1",
        thread_id="thread-2",
        state=V20CredExRecord.STATE_OFFER_SENT,
        cred_offer=_offer("thread-2"),
        auto_issue=True,
    )
    connection = ConnRecord(
        their_label="Jordan", state=ConnRecord.State.COMPLETED.rfc160, their_did="did:peer:4x"
    )
    return [
        (Ping, ping.serialize()),
        (V20CredOffer, _offer("thread-3")),
        (V20CredExRecord, record.serialize()),
        (ConnRecord, connection.serialize()),
    ]


acapys_own_first, installed = speedup_fixtures(schema_reuse)


def _round_trip(cls: type[BaseModel], data: dict[str, Any]) -> tuple[Any, Any, Any]:
    model = cls.deserialize(dict(data))
    return model.serialize(), model.serialize(as_string=True), cls.deserialize(data).serialize()


def test_the_same_dicts_and_strings_as_acapys_own_methods() -> None:
    samples = _samples()
    stock = [_round_trip(cls, data) for cls, data in samples]
    schema_reuse.install()
    try:
        for _ in range(3):  # the second and third calls take pooled instances
            assert [_round_trip(cls, data) for cls, data in samples] == stock
    finally:
        schema_reuse.uninstall()


@pytest.mark.usefixtures("installed")
def test_a_message_does_not_inherit_the_decorators_of_the_one_loaded_before() -> None:
    first = V20CredOffer.deserialize(_offer("thread-a"))
    second = V20CredOffer.deserialize(_offer(None))
    assert first._thread_id == "thread-a"
    assert second._thread is None and second._thread_id == second._id
    assert first._decorators is not second._decorators


@pytest.mark.usefixtures("installed")
def test_messages_nested_in_records_keep_their_own_threads() -> None:
    loaded = []
    for thread in ("thread-x", "thread-y"):
        record = V20CredExRecord(connection_id="c", thread_id=thread, cred_offer=_offer(thread))
        loaded.append(V20CredExRecord.deserialize(record.serialize()))
    assert [r.cred_offer._thread_id for r in loaded] == ["thread-x", "thread-y"]


class _Node(BaseModel):
    """A model whose constructor deserializes another of its kind (a reentrant call)."""

    class Meta:
        schema_class = "_NodeSchema"

    def __init__(self, name: str, child: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.name = name
        self.child = _Node.deserialize(child) if isinstance(child, dict) else child


class _NodeSchema(BaseModelSchema):
    class Meta:
        model_class = _Node

    name = fields.Str(required=True)
    child = fields.Raw(required=False, allow_none=True)


@pytest.mark.usefixtures("installed")
def test_a_reentrant_call_takes_an_instance_of_its_own() -> None:
    tree = _Node.deserialize({"name": "a", "child": {"name": "b", "child": {"name": "c"}}})
    assert (tree.name, tree.child.name, tree.child.child.name) == ("a", "b", "c")
    assert len(schema_reuse._pools[(_NodeSchema, "exclude")]) == 3


@pytest.mark.usefixtures("installed")
def test_calls_from_many_threads_get_their_own_results() -> None:
    errors: list[str] = []

    def work(n: int) -> None:
        for i in range(100):
            thread = f"t{n}-{i}"
            offer = V20CredOffer.deserialize(_offer(thread))
            if offer._thread_id != thread or offer.serialize()["~thread"]["thid"] != thread:
                errors.append(thread)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert all(len(pool) <= schema_reuse.POOL_SIZE for pool in schema_reuse._pools.values())


@pytest.mark.usefixtures("installed")
def test_bad_input_fails_as_acapys_does() -> None:
    with pytest.raises(BaseModelError, match="V20CredOffer schema validation failed"):
        V20CredOffer.deserialize({"@type": "x", "offers~attach": "not a list"})
    assert V20CredOffer.deserialize(None, none2none=True) is None


def test_turned_off_it_keeps_acapys_own_methods() -> None:
    own = BaseModel.__dict__["deserialize"], BaseModel.serialize
    assert schema_reuse.install(False) is False
    assert (BaseModel.__dict__["deserialize"], BaseModel.serialize) == own
    assert schema_reuse.install() is True
    assert BaseModel.serialize is not own[1]
    schema_reuse.uninstall()
    assert (BaseModel.__dict__["deserialize"], BaseModel.serialize) == own
