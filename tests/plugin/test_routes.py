"""Admin routes in-process: errors become 4xx with a message, never a traceback."""

from __future__ import annotations

import json
from unittest.mock import AsyncMock, MagicMock

import pytest
from acapy_agent.admin.request_context import AdminRequestContext
from acapy_agent.connections.models.conn_record import ConnRecord
from acapy_agent.core.event_bus import Event
from acapy_agent.core.profile import Profile
from acapy_agent.messaging.decorators.attach_decorator import AttachDecorator
from acapy_agent.protocols.present_proof.v2_0.messages.pres import V20Pres
from acapy_agent.protocols.present_proof.v2_0.messages.pres_format import V20PresFormat
from acapy_agent.protocols.present_proof.v2_0.messages.pres_request import V20PresRequest
from acapy_agent.protocols.present_proof.v2_0.models.pres_exchange import V20PresExRecord
from acapy_agent.storage.base import BaseStorage
from aiohttp import web

from ler_chain import LerDid
from ler_ledger import routes
from ler_ledger.endorsement.manager import EndorsementManager
from ler_ledger.verifier import events, policy

UNKNOWN_DID = str(LerDid.from_verkey("local", bytes(range(32))))


def request(profile: Profile, body: object = None, **match_info: str) -> MagicMock:
    context = AdminRequestContext.test_context({}, profile)
    mock = MagicMock()
    mock.__getitem__ = lambda _self, key: {"context": context}[key]
    mock.match_info = match_info
    mock.query = {}
    mock.body_exists = body is not None
    if isinstance(body, str):
        mock.json = AsyncMock(side_effect=json.JSONDecodeError("bad", body, 0))
    else:
        mock.json = AsyncMock(return_value=body)
    return mock


def handler(route):
    return routes.ler_errors(route.__wrapped__.__wrapped__)


async def test_account_shows_the_wallets_ledger_account(endorser_profile: Profile) -> None:
    response = await handler(routes.account)(request(endorser_profile))
    body = json.loads(response.body)
    assert body["address"].startswith("0x") and "ENDORSER" in body["roles"]
    assert body["endorsement_role"] == "endorser"


async def test_unknown_did_is_404_with_a_message(endorser_profile: Profile) -> None:
    with pytest.raises(web.HTTPNotFound) as missing:
        await handler(routes.did_rotate)(request(endorser_profile, {}, did=UNKNOWN_DID))
    assert "not on the ledger" in missing.value.reason


async def test_accrediting_an_unknown_did_is_404(endorser_profile: Profile) -> None:
    body = {"issuer": UNKNOWN_DID, "credential_type": "Skills", "action": "accredit"}
    with pytest.raises(web.HTTPNotFound) as missing:
        await handler(routes.governance_accreditation)(request(endorser_profile, body))
    assert "does not exist" in missing.value.reason


async def test_bad_input_is_400(endorser_profile: Profile) -> None:
    with pytest.raises(web.HTTPBadRequest, match="not JSON"):
        await handler(routes.did_endpoint)(request(endorser_profile, "{", did=UNKNOWN_DID))
    with pytest.raises(web.HTTPBadRequest) as bad:
        await handler(routes.did_rotate)(request(endorser_profile, {}, did="did:sov:abc"))
    assert "not a did:ler DID" in bad.value.reason
    with pytest.raises(web.HTTPBadRequest) as bad:
        await handler(routes.policy_put)(request(endorser_profile, {"auto_approve": "yes"}))
    assert "true or false" in bad.value.reason
    with pytest.raises(web.HTTPBadRequest) as bad:
        await handler(routes.endorsement_refuse)(request(endorser_profile, {}, endorsement_id="x"))
    assert "reason is required" in bad.value.reason


async def test_unknown_endorsement_is_404(endorser_profile: Profile) -> None:
    with pytest.raises(web.HTTPNotFound):
        await handler(routes.endorsement_approve)(request(endorser_profile, endorsement_id="nope"))


async def test_policy_can_hold_requests(endorser_profile: Profile) -> None:
    held = await handler(routes.policy_put)(request(endorser_profile, {"auto_approve": False}))
    assert json.loads(held.body) == {"auto_approve": False, "require_accreditation": False}
    shown = await handler(routes.policy_get)(request(endorser_profile))
    assert json.loads(shown.body)["auto_approve"] is False


async def test_a_connection_mark_survives_the_handshake(endorser_profile: Profile) -> None:
    connection = ConnRecord(state=ConnRecord.State.INVITATION.rfc160, their_label="college")
    async with endorser_profile.session() as session:
        await connection.save(session)
    marked = await handler(routes.endorsement_connection)(
        request(endorser_profile, {"their_role": "author"}, conn_id=connection.connection_id)
    )
    assert json.loads(marked.body)["their_role"] == "author"
    # ACA-Py wipes connection metadata with the out-of-band record when the handshake completes
    async with endorser_profile.session() as session:
        await session.inject(BaseStorage).delete_all_records(
            ConnRecord.RECORD_TYPE_METADATA, {"connection_id": connection.connection_id}
        )
    manager = EndorsementManager(endorser_profile)
    assert await manager.their_role(connection.connection_id) == "author"
    with pytest.raises(web.HTTPNotFound):
        await handler(routes.endorsement_connection)(
            request(endorser_profile, {"their_role": "author"}, conn_id="no-such-connection")
        )


async def test_a_crashing_verification_fails_the_exchange_with_a_reason(
    endorser_profile: Profile, monkeypatch: pytest.MonkeyPatch
) -> None:
    anoncreds = V20PresFormat.Format.ANONCREDS
    proof_request = {"requested_attributes": {}, "requested_predicates": {}}
    record = V20PresExRecord(
        state=V20PresExRecord.STATE_PRESENTATION_RECEIVED,
        role=V20PresExRecord.ROLE_VERIFIER,
        pres_request=V20PresRequest(
            formats=[V20PresFormat(attach_id="a", format_=anoncreds.aries)],
            request_presentations_attach=[AttachDecorator.data_base64(proof_request, ident="a")],
        ),
        pres=V20Pres(formats=[], presentations_attach=[]),
    )
    async with endorser_profile.session() as session:
        await record.save(session)

    async def crash(_self: object, _record: object) -> None:
        raise RuntimeError("resolver exploded")

    monkeypatch.setattr(policy.LerPresentationVerifier, "verify", crash)
    topic = "acapy::record::present_proof_v2_0::presentation-received"
    await events.on_presentation_received(
        endorser_profile, Event(topic, {"pres_ex_id": record.pres_ex_id})
    )

    async with endorser_profile.session() as session:
        after = await V20PresExRecord.retrieve_by_id(session, record.pres_ex_id)
    assert after.state == V20PresExRecord.STATE_DONE and after.verified == "false"
    verdict = await events.load_verdict(endorser_profile, record.pres_ex_id)
    assert verdict["reasons"] == ["invalid-proof"]
    assert "resolver exploded" in verdict["checks"][0]["detail"]
