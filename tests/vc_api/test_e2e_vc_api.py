"""VC-API exchanges end to end: the network's college and employer agents, a did:key wallet.

The wallet (:mod:`ler_node.vcapi_wallet`, the demo's) is written from the specs, not from our
server: it opens the links the admin API hands out, answers DIDAuthentication and QueryByExample
requests and keeps what it is given. The college issues an Open Badge to it; the employer asks
for the badge and its agent keeps the verdict, with the college found accredited on the ledger.
"""

from __future__ import annotations

import copy
from typing import Any

import aiohttp
import pytest
from netkit import Network

from ler_node.network.admin import AdminClient, AdminError
from ler_node.vcapi_wallet import ExchangeFailed, VcApiWallet

pytestmark = pytest.mark.e2e

EXCHANGES = "/ler/badges/vc-api/exchanges"
TEMPLATE = {
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "credentialSubject": {
        "type": ["AchievementSubject"],
        "achievement": {
            "id": "https://prairieridge.example/achievements/weld-1",
            "type": ["Achievement"],
            "name": "Welding Fundamentals",
            "description": "Runs safe MIG welds on mild steel.",
            "criteria": {"narrative": "Passed the practical assessment."},
            "achievementType": "Certificate",
        },
    },
}


def _listed(value: Any) -> list:
    return value if isinstance(value, list) else [value]


async def issuance(college: AdminClient, **extra: Any) -> dict[str, Any]:
    return await college.post(f"{EXCHANGES}/issuance", {"credential": TEMPLATE, **extra})


async def test_badge_issued_to_a_wallet_then_verified_by_the_employer(
    admins: dict[str, AdminClient], network: Network, http: aiohttp.ClientSession
) -> None:
    college, employer = admins["college"], admins["employer"]
    wallet = VcApiWallet()

    created = await issuance(college)
    assert created["state"] == "pending" and created["kind"] == "issuance"
    assert created["lcw_request_url"].startswith("https://lcw.app/request?request=")
    assert created["qr_text"] == created["lcw_request_url"]
    assert "challenge" not in created

    url, request = await wallet.start(http, created["lcw_request_url"])
    assert url == created["exchange_url"]
    assert request["query"][0]["type"] == "DIDAuthentication"
    assert request["challenge"] and request["domain"] == created["domain"]
    assert (await college.get(f"{EXCHANGES}/{created['exchange_id']}"))["state"] == "active"

    answer = await wallet.answer(http, url, request)
    [badge] = answer["verifiablePresentation"]["verifiableCredential"]
    assert badge["credentialSubject"]["id"] == wallet.did
    issuer = badge["issuer"]["id"]  # its did:ler, or the did:web bound to it
    assert issuer == network.did("college") or issuer.startswith("did:web:")
    assert badge["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    status = badge["credentialStatus"]
    assert all(entry["statusListCredential"] for entry in _listed(status))

    done = await college.get(f"{EXCHANGES}/{created['exchange_id']}")
    assert (done["state"], done["holder_did"], done["credential_id"]) == (
        "done",
        wallet.did,
        badge["id"],
    )
    issued = await college.get("/ler/badges/credentials", credential_id=badge["id"])
    assert issued["results"][0]["subject_id"] == wallet.did

    with pytest.raises(ExchangeFailed) as replay:  # the link works once
        await wallet.answer(http, url, request)
    assert (replay.value.status, replay.value.body["code"]) == (409, "exchange-finished")

    asked = await employer.post(
        f"{EXCHANGES}/presentation", {"achievement_type": "Certificate", "ttl_seconds": 600}
    )
    url, request = await wallet.start(http, asked["interaction_url"])
    assert {q["type"] for q in request["query"]} == {"QueryByExample"}
    assert wallet.select(request) == [badge]
    assert await wallet.answer(http, url, request) == {}

    shown = await employer.get(f"{EXCHANGES}/{asked['exchange_id']}")
    assert (shown["state"], shown["verified"], shown["holder_did"]) == ("done", True, wallet.did)
    verdict = shown["verdict"]
    assert verdict["format"] == "vc-api" and verdict["verified"], verdict["reasons"]
    [judged] = verdict["credentials"]
    outcomes = {check["name"]: check["outcome"] for check in judged["checks"]}
    assert {k: outcomes[k] for k in ("signature", "status", "accreditation", "holder")} == {
        "signature": "passed",
        "status": "passed",
        "accreditation": "passed",
        "holder": "passed",
    }
    # the one verdict store: the same verdict as DIDComm presentations, by exchange id
    stored = await employer.get(f"/ler/badges/presentations/{asked['exchange_id']}")
    assert stored["verified"] is True


async def test_a_badge_of_another_kind_is_not_what_was_asked(
    admins: dict[str, AdminClient], http: aiohttp.ClientSession
) -> None:
    wallet = VcApiWallet()
    await wallet.run(http, (await issuance(admins["college"]))["interaction_url"])
    asked = await admins["employer"].post(
        f"{EXCHANGES}/presentation", {"achievement_type": "Degree"}
    )
    url, request = await wallet.start(http, asked["exchange_url"])
    assert wallet.select(request) == []  # the wallet has no Degree; it presents what it has
    request = {**request, "query": [{"type": "DIDAuthentication"}]}
    signed = await wallet.presentation(request, wallet.credentials)
    await wallet.post(http, url, {"verifiablePresentation": signed})
    shown = await admins["employer"].get(f"{EXCHANGES}/{asked['exchange_id']}")
    assert shown["state"] == "done" and shown["verified"] is False
    assert shown["verdict"]["reasons"] == ["credential[0]: not-requested"]


def _wrong_challenge(request: dict) -> dict:
    return {**request, "challenge": "not-the-challenge"}


def _wrong_domain(request: dict) -> dict:
    return {**request, "domain": "https://attacker.example"}


@pytest.mark.parametrize(
    ("tamper", "code"),
    [
        (_wrong_challenge, "wrong-challenge"),
        (_wrong_domain, "wrong-domain"),
        (None, "invalid-signature"),
    ],
)
async def test_a_bad_answer_is_refused_and_ends_the_exchange(
    admins: dict[str, AdminClient], http: aiohttp.ClientSession, tamper: Any, code: str
) -> None:
    college = admins["college"]
    wallet = VcApiWallet()
    created = await issuance(college)
    url, request = await wallet.start(http, created["exchange_url"])
    presentation = await wallet.presentation(tamper(request) if tamper else request)
    if tamper is None:  # a forged signature: another key's proof value
        forged = await VcApiWallet().presentation(request)
        presentation = copy.deepcopy(presentation)
        presentation["proof"]["proofValue"] = forged["proof"]["proofValue"]
    with pytest.raises(ExchangeFailed) as refused:
        await wallet.post(http, url, {"verifiablePresentation": presentation})
    assert refused.value.status == 401 and refused.value.body["code"] == code
    assert refused.value.body["error"]

    record = await college.get(f"{EXCHANGES}/{created['exchange_id']}")
    assert record["state"] == "failed" and record["error"].startswith(code)
    good = await wallet.presentation(request)  # the challenge is used up
    with pytest.raises(ExchangeFailed) as again:
        await wallet.post(http, url, {"verifiablePresentation": good})
    assert again.value.status == 409
    issued = await college.get("/ler/badges/credentials")
    assert all(r["cred_ex_id"] != created["exchange_id"] for r in issued["results"])


async def test_bad_requests_get_json_errors(
    admins: dict[str, AdminClient], http: aiohttp.ClientSession
) -> None:
    created = await issuance(admins["college"])
    url = created["exchange_url"]
    for body, status, code in [
        (b"not json", 400, "invalid-json"),
        (b"[1, 2]", 400, "invalid-json"),
        (b'{"verifiablePresentation": {"type": "Nope"}}', 400, "invalid-request"),
    ]:
        async with http.post(url, data=body) as response:
            assert response.status == status
            assert (await response.json())["code"] == code
    unknown = url.rsplit("/", 1)[0] + "/00000000-0000-4000-8000-000000000000"
    async with http.post(unknown, json={}) as response:
        assert response.status == 404
        assert (await response.json())["code"] == "exchange-not-found"
    for body in [{"credential": "x"}, {"credential": TEMPLATE, "ttl_seconds": 1}]:
        with pytest.raises(AdminError) as bad:
            await admins["college"].post(f"{EXCHANGES}/issuance", body)
        assert 400 <= bad.value.status < 500
