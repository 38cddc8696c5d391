"""Admin routes in-process: errors become 4xx JSON with a message, never a traceback."""

from __future__ import annotations

import json
from http import HTTPStatus
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
from ler_ledger.verifier import presentation_verdicts, verification_policy

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


def error_of(response: web.Response) -> tuple[int, dict]:
    """The status and JSON body of an error response (the reason phrase is the standard one)."""
    assert response.content_type == "application/json"
    assert response.reason == HTTPStatus(response.status).phrase
    return response.status, json.loads(response.body)


async def test_account_shows_the_wallets_ledger_account(endorser_profile: Profile) -> None:
    response = await handler(routes.account)(request(endorser_profile))
    body = json.loads(response.body)
    assert body["address"].startswith("0x") and "ENDORSER" in body["roles"]
    assert body["endorsement_role"] == "endorser"


async def test_unknown_did_is_404_with_a_message(endorser_profile: Profile) -> None:
    response = await handler(routes.did_rotate)(request(endorser_profile, {}, did=UNKNOWN_DID))
    status, body = error_of(response)
    assert status == 404 and "not on the ledger" in body["error"]
    assert body["code"] == "not-found"


async def test_accrediting_an_unknown_did_is_404(endorser_profile: Profile) -> None:
    body = {"issuer": UNKNOWN_DID, "credential_type": "Skills", "action": "accredit"}
    response = await handler(routes.governance_accreditation)(request(endorser_profile, body))
    status, answer = error_of(response)
    assert status == 404 and "does not exist" in answer["error"]


async def test_a_did_of_another_network_is_400(endorser_profile: Profile) -> None:
    other = UNKNOWN_DID.replace("did:ler:local:", "did:ler:other:")
    body = {"issuer": other, "credential_type": "Skills", "action": "accredit"}
    for response in (
        await handler(routes.governance_accreditation)(request(endorser_profile, body)),
        await handler(routes.did_rotate)(request(endorser_profile, {}, did=other)),
        await handler(routes.accreditation_lookup)(request(endorser_profile, did=other)),
    ):
        status, answer = error_of(response)
        assert (status, answer["code"]) == (400, "wrong-network")
        assert "did:ler:local:<base58 id>" in answer["error"]


def accredit(**extra: object) -> dict:
    return {"issuer": UNKNOWN_DID, "credential_type": "Skills", "action": "accredit", **extra}


async def test_bad_input_is_400(endorser_profile: Profile) -> None:
    cases = [
        (routes.did_endpoint, "{", {"did": UNKNOWN_DID}, "not JSON"),
        (routes.did_rotate, {}, {"did": "did:sov:abc"}, "not a did:ler DID"),
        (routes.policy_put, {"auto_approve": "yes"}, {}, "true or false"),
        (routes.endorsement_refuse, {}, {"endorsement_id": "x"}, "reason is required"),
        (routes.governance_trustee, {"action": "approve"}, {}, "approve needs proposal_id"),
        # without ACA-Py's schema validation in front, the handlers still refuse these
        (routes.governance_trustee, {"action": "approve", "proposal_id": -1}, {}, "2**256-1"),
        (routes.governance_accreditation, accredit(valid_from=-1), {}, "valid_from must be"),
        (routes.governance_accreditation, accredit(valid_until=2**70), {}, "2**64-1"),
        (routes.governance_role, {"role": "ENDORSER"}, {}, "missing account, action"),
    ]
    for route, body, match_info, words in cases:
        response = await handler(route)(request(endorser_profile, body, **match_info))
        status, answer = error_of(response)
        assert status == 400 and words in answer["error"], (route.__name__, answer)
        assert answer["code"] == "invalid-input"


async def test_unknown_endorsement_is_404(endorser_profile: Profile) -> None:
    response = await handler(routes.endorsement_approve)(
        request(endorser_profile, endorsement_id="nope")
    )
    assert error_of(response)[0] == 404


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
    missing = await handler(routes.endorsement_connection)(
        request(endorser_profile, {"their_role": "author"}, conn_id="no-such-connection")
    )
    assert error_of(missing)[0] == 404


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
        # no event: the plugin would verify it in the background while the test calls the handler
        await record.save(session, event=False)

    async def crash(_self: object, _record: object) -> None:
        raise RuntimeError("resolver exploded")

    monkeypatch.setattr(verification_policy.LerPresentationVerifier, "verify", crash)
    topic = "acapy::record::present_proof_v2_0::presentation-received"
    await presentation_verdicts.on_presentation_received(
        endorser_profile, Event(topic, {"pres_ex_id": record.pres_ex_id})
    )

    async with endorser_profile.session() as session:
        after = await V20PresExRecord.retrieve_by_id(session, record.pres_ex_id)
    assert after.state == V20PresExRecord.STATE_DONE and after.verified == "false"
    verdict = await presentation_verdicts.load_verdict(endorser_profile, record.pres_ex_id)
    assert verdict["reasons"] == ["unverifiable"]  # a crash says nothing about the credential
    assert "resolver exploded" in verdict["checks"][0]["detail"]
