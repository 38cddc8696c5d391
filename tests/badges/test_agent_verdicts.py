"""One verdict: AnonCreds and Open Badges presentations end in the same store, webhook and shape."""

from __future__ import annotations

import asyncio
import re
import warnings
from typing import Any

import pytest
from acapy_agent.admin.request_context import AdminRequestContext
from acapy_agent.core.event_bus import Event, EventBus
from acapy_agent.core.profile import Profile
from acapy_agent.messaging.decorators.attach_decorator import AttachDecorator
from acapy_agent.protocols.present_proof.v2_0.messages.pres import V20Pres
from acapy_agent.protocols.present_proof.v2_0.messages.pres_format import V20PresFormat
from acapy_agent.protocols.present_proof.v2_0.messages.pres_request import V20PresRequest
from acapy_agent.protocols.present_proof.v2_0.models.pres_exchange import V20PresExRecord
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.web_app import NotAppKeyWarning

from ler_badges.acapy import presentations
from ler_ledger import VERDICT_TOPIC, Check, load_verdict
from ler_ledger import routes as ledger_routes
from ler_ledger.verifier import presentation_verdicts, verification_policy

from .vectors import load_fixture

COMMON = {"pres_ex_id", "format", "verified", "reasons", "checks", "credentials"}
CHECK_FIELDS = {"name", "outcome", "passed", "code", "detail"}


async def exchange(profile: Profile, fmt: V20PresFormat.Format, request: dict, pres: dict) -> str:
    """A received presentation exchange (verifier side) with these attachments."""
    record = V20PresExRecord(
        state=V20PresExRecord.STATE_PRESENTATION_RECEIVED,
        role=V20PresExRecord.ROLE_VERIFIER,
        pres_request=V20PresRequest(
            formats=[V20PresFormat(attach_id="r", format_=fmt.aries)],
            request_presentations_attach=[AttachDecorator.data_base64(request, ident="r")],
        ),
        pres=V20Pres(
            formats=[V20PresFormat(attach_id="p", format_=fmt.aries)],
            presentations_attach=[AttachDecorator.data_base64(pres, ident="p")],
        ),
    )
    async with profile.session() as session:
        await record.save(session, event=False)  # verified here, not by the auto-verifiers
    return record.pres_ex_id


@pytest.fixture
def webhooks(employer) -> asyncio.Queue[dict]:
    """The payloads of the verdict webhook the employer emits during a test."""
    seen: asyncio.Queue[dict] = asyncio.Queue()

    async def collect(_profile: Profile, event: Event) -> None:
        seen.put_nowait(event.payload)

    bus = employer.profile.inject(EventBus)
    pattern = re.compile(f"^acapy::webhook::{VERDICT_TOPIC}$")
    bus.subscribe(pattern, collect)
    yield seen
    bus.unsubscribe(pattern, collect)


async def ledger_route_get(profile: Profile, path: str) -> Any:
    """GET one of ``ler_ledger``'s admin routes for ``profile``."""

    @web.middleware
    async def context(request: web.Request, handler: Any) -> web.StreamResponse:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotAppKeyWarning)
            request["context"] = AdminRequestContext(profile=profile)
        return await handler(request)

    app = web.Application(middlewares=[context])
    await ledger_routes.register(app)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        response = await client.get(path)
        assert response.status == 200, await response.text()
        return await response.json()


async def test_anoncreds_and_badge_verdicts_share_store_webhook_and_shape(
    employer, webhooks: asyncio.Queue[dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = employer.profile

    async def revoked(_self: object, _record: object) -> verification_policy.AnonCredsVerdict:
        verdict = verification_policy.AnonCredsVerdict(revealed={"skill": "Welding"})
        verdict.add(Check.passed("status-list-freshness", "the list in force now"))
        verdict.add(
            Check.failed("proof", verification_policy.REVOKED, "the credential was revoked")
        )
        verdict.add(Check.passed("issuer-accreditation", "accredited for MicroCredential"))
        return verdict.finish()

    monkeypatch.setattr(verification_policy.LerPresentationVerifier, "verify", revoked)
    anoncreds_id = await exchange(
        profile,
        V20PresFormat.Format.ANONCREDS,
        {"requested_attributes": {}, "requested_predicates": {}},
        {"proof": {}, "requested_proof": {}, "identifiers": []},
    )
    anoncreds = await presentation_verdicts.verify_exchange(profile, anoncreds_id)

    credential = load_fixture("ob30/simple.json")
    badge_id = await exchange(
        profile,
        V20PresFormat.Format.DIF,
        {"presentation_definition": {}, "options": {}},  # no challenge: the proof cannot hold
        {
            "@context": ["https://www.w3.org/2018/credentials/v1"],
            "type": ["VerifiablePresentation"],
            "verifiableCredential": [credential],
        },
    )
    badge = await presentations.verify_exchange(profile, badge_id)

    # one webhook topic, carrying what was stored, in the same shape (subscribers run as tasks)
    emitted = [await asyncio.wait_for(webhooks.get(), 10) for _ in range(2)]
    assert webhooks.empty()
    assert sorted(emitted, key=lambda hook: hook["pres_ex_id"] != anoncreds_id) == [
        anoncreds,
        badge,
    ]
    assert anoncreds["format"] == "anoncreds" and badge["format"] == "dif"
    assert set(anoncreds) >= COMMON and set(badge) >= COMMON
    for verdict in (anoncreds, badge, *badge["credentials"]):
        assert all(set(check) == CHECK_FIELDS for check in verdict["checks"])
    assert not anoncreds["verified"] and anoncreds["reasons"] == ["revoked"]
    assert [c["passed"] for c in anoncreds["checks"]] == [True, False, True]
    assert anoncreds["revealed"] == {"skill": "Welding"}
    assert not badge["verified"] and badge["reasons"][0] == "no-challenge"
    assert badge["presentation"] == badge["checks"]
    assert badge["credentials"][0]["credential_id"] == credential["id"]

    # one store: either admin route reads either verdict
    for pres_ex_id, stored in ((anoncreds_id, anoncreds), (badge_id, badge)):
        assert await load_verdict(profile, pres_ex_id) == stored
        assert await ledger_route_get(profile, f"/ler/verifier/presentations/{pres_ex_id}") == (
            stored
        )
        response = await employer.client.get(f"/ler/badges/presentations/{pres_ex_id}")
        assert await response.json() == stored
