"""VC-API exchanges of in-process agents (real wallets, the session's anvil, the public server on
127.0.0.1), driven by the spec-written did:key wallet: issuance, presentation, expiry, links.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from ler_badges.vc_api.exchange_record import VcApiExchangeRecord
from ler_chain import LedgerClient
from ler_node.vcapi_wallet import ExchangeFailed, VcApiWallet

from .agentkit import post
from .test_agent_issuance import set_accreditation, template

EXCHANGES = "/ler/badges/vc-api/exchanges"


@pytest.fixture
async def http():
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield session


def offered() -> dict:
    credential = template()
    del credential["credentialSubject"]["id"]  # the wallet's DID is set when it claims it
    return credential


async def create(agent, kind: str, body: dict) -> dict:
    status, created = await post(agent.client, f"{EXCHANGES}/{kind}", body)
    assert status == 200, created
    return created


async def shown(agent, exchange_id: str) -> dict:
    response = await agent.client.get(f"{EXCHANGES}/{exchange_id}")
    assert response.status == 200
    return await response.json()


async def test_issue_to_a_wallet_and_verify_its_presentation(
    college, employer, descriptor, trustee, http
) -> None:
    async with LedgerClient(descriptor, trustee) as state:
        await set_accreditation(state, college.did, "accredit")
    wallet = VcApiWallet()
    created = await create(college, "issuance", {"credential": offered(), "ttl_seconds": 600})
    expires = datetime.fromisoformat(created["expires_at"])
    assert timedelta(seconds=590) < expires - datetime.now(UTC) <= timedelta(seconds=600)

    answer = await wallet.run(http, created["interaction_url"])
    [badge] = answer["verifiablePresentation"]["verifiableCredential"]
    assert badge["credentialSubject"]["id"] == wallet.did
    assert badge["issuer"]["id"] == college.did
    assert (await shown(college, created["exchange_id"]))["state"] == "done"

    asked = await create(employer, "presentation", {"achievement_type": "Certificate"})
    assert await wallet.run(http, asked["lcw_request_url"]) == {}
    result = await shown(employer, asked["exchange_id"])
    assert result["verified"] is True, result["verdict"]["reasons"]
    assert result["verdict"]["presentation"][0]["outcome"] == "passed"


async def test_an_exchange_past_its_end_fails_as_expired(employer, http) -> None:
    asked = await create(employer, "presentation", {})
    async with employer.profile.session() as session:
        record = await VcApiExchangeRecord.retrieve_by_id(session, asked["exchange_id"])
        record.expires_at = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
        await record.save(session)

    with pytest.raises(ExchangeFailed) as expired:
        await VcApiWallet().run(http, asked["exchange_url"])
    assert (expired.value.status, expired.value.body["code"]) == (410, "exchange-expired")
    result = await shown(employer, asked["exchange_id"])
    assert result["state"] == "failed" and "expired" in result["error"]


async def test_links_lead_to_the_exchange_until_it_ends(college, http) -> None:
    created = await create(college, "issuance", {"credential": offered()})
    wallet = VcApiWallet()
    assert await wallet.exchange_url(http, created["interaction_url"]) == created["exchange_url"]
    assert await wallet.exchange_url(http, created["lcw_request_url"]) == created["exchange_url"]
    await wallet.run(http, created["exchange_url"])
    with pytest.raises(ExchangeFailed) as finished:
        await wallet.exchange_url(http, created["interaction_url"])
    assert finished.value.status == 409


@pytest.mark.parametrize(
    "body",
    [
        {"credential": {"credentialSubject": "nobody"}},
        {"credential": offered(), "ttl_seconds": 30},
        {"credential": offered(), "ttl_seconds": 8 * 86_400},
        {"credential": offered(), "issuer_did": "did:key:z6Mkfoo"},
    ],
)
async def test_a_bad_issuance_is_refused_before_any_link_exists(college, body) -> None:
    async def count() -> int:
        response = await college.client.get(EXCHANGES, params={"kind": "issuance"})
        return len((await response.json())["results"])

    before = await count()
    status, error = await post(college.client, f"{EXCHANGES}/issuance", body)
    assert 400 <= status < 500 and error["error"], error
    assert await count() == before
