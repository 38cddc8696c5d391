"""Attachments are checked when a message arrives, not again when its record is read back.

Every agent of the suite's network runs with this on, so each end-to-end exchange (and the
fuzzed admin routes) tests it through the real stack too.
"""

from __future__ import annotations

from typing import Any

import pytest
from acapy_agent.messaging.decorators.attach_decorator import AttachDecorator
from acapy_agent.messaging.models.base import BaseModelError
from acapy_agent.protocols.present_proof.v2_0.messages.pres import V20Pres
from acapy_agent.protocols.present_proof.v2_0.messages.pres_format import V20PresFormat
from acapy_agent.protocols.present_proof.v2_0.models.pres_exchange import V20PresExRecord

from ler_ledger import stored_records

from .speedups import speedup_fixtures

NOT_A_PROOF = {"proof": {"proofs": "not a list"}, "requested_proof": {}, "identifiers": []}


def _presentation(content: dict[str, Any]) -> dict[str, Any]:
    """A present-proof 2.0 presentation with one AnonCreds attachment, as stored."""
    return V20Pres(
        formats=[V20PresFormat(attach_id="p", format_=V20PresFormat.Format.ANONCREDS.aries)],
        presentations_attach=[AttachDecorator.data_base64(content, ident="p")],
    ).serialize()


def _stored(pres: dict[str, Any]) -> dict[str, Any]:
    return {"connection_id": "c", "thread_id": "t", "state": "presentation-received", "pres": pres}


acapys_own_first, installed = speedup_fixtures(stored_records)


@pytest.mark.usefixtures("installed")
def test_a_record_read_back_is_not_checked_again_but_an_arriving_message_is() -> None:
    pres = _presentation(NOT_A_PROOF)
    record = V20PresExRecord.from_storage("pres-ex-1", _stored(pres))
    assert record.pres_ex_id == "pres-ex-1"
    assert record.pres.attachment(V20PresFormat.Format.ANONCREDS) == NOT_A_PROOF
    assert stored_records.reading_stored() is False
    with pytest.raises(BaseModelError, match="V20Pres schema validation failed"):
        V20Pres.deserialize(pres)  # as from DIDComm or the admin API


def test_without_it_acapy_checks_the_stored_attachment_at_every_read() -> None:
    with pytest.raises(BaseModelError, match="V20Pres schema validation failed"):
        V20PresExRecord.from_storage("pres-ex-1", _stored(_presentation(NOT_A_PROOF)))


@pytest.mark.usefixtures("installed")
def test_the_skip_ends_with_the_read_even_when_it_fails() -> None:
    with pytest.raises(ValueError, match="Duplicate pres_ex_id"):
        V20PresExRecord.from_storage("x", {"pres_ex_id": "y"})
    assert stored_records.reading_stored() is False
    with pytest.raises(BaseModelError):
        V20Pres.deserialize(_presentation(NOT_A_PROOF))


def test_turned_off_acapy_keeps_checking() -> None:
    assert stored_records.install(False) is False
    test_without_it_acapy_checks_the_stored_attachment_at_every_read()
