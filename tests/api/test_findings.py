"""The findings of issues #8 and #9, against a real agent: each is now a 4xx JSON error."""

from __future__ import annotations

from collections.abc import AsyncIterator
from http import HTTPStatus
from typing import Any

import aiohttp
import pytest
from yarl import URL

from ler_chain import LerDid

from .conftest import Agent

pytestmark = pytest.mark.e2e

UNKNOWN_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"


@pytest.fixture
async def http(agent: Agent) -> AsyncIterator[aiohttp.ClientSession]:
    """A client session with the admin API key."""
    async with aiohttp.ClientSession(headers={"x-api-key": agent.api_key}) as session:
        yield session


async def call(
    http: aiohttp.ClientSession, agent: Agent, method: str, path: str, body: Any = None
) -> tuple[int, str, dict]:
    """(status, reason phrase, JSON body); the path is sent exactly as given."""
    url = URL(agent.base_url + path, encoded=True)
    kwargs: dict[str, Any] = {} if body is None else {"json": body}
    async with http.request(method, url, **kwargs) as response:
        assert response.content_type == "application/json", await response.text()
        return response.status, response.reason or "", await response.json()


def accreditation(issuer: str, **extra: Any) -> dict:
    return {"issuer": issuer, "credential_type": "SkillsCredential", "action": "accredit", **extra}


@pytest.mark.parametrize("valid_from", [-1, 2**70])
async def test_out_of_range_times_are_422(
    agent: Agent, http: aiohttp.ClientSession, valid_from: int
) -> None:
    body = accreditation(agent.did, valid_from=valid_from)
    status, reason, answer = await call(http, agent, "POST", "/ler/governance/accreditations", body)
    assert (status, reason) == (422, HTTPStatus(422).phrase)
    assert answer["code"] == "invalid-request"
    assert answer["problems"] == [
        {"in": "body", "path": "valid_from", "message": "Must be an integer from 0 to 2**64-1."}
    ]
    assert "valid_from" in answer["error"] and "/api/doc" in answer["error"]


async def test_accreditation_writes_reach_the_ledger(
    agent: Agent, http: aiohttp.ClientSession
) -> None:
    path = "/ler/governance/accreditations"
    status, _, answer = await call(http, agent, "POST", path, accreditation(agent.did))
    assert status == 200 and answer["tx_hash"].startswith("0x")
    # the contract's own rule: valid_until must come after valid_from
    window = accreditation(agent.did, credential_type="Other", valid_from=20, valid_until=10)
    status, _, answer = await call(http, agent, "POST", path, window)
    assert (status, answer["code"]) == (400, "invalid-input")
    assert "AccreditationInvalidWindow" in answer["error"]
    _, _, looked_up = await call(
        http, agent, "GET", f"/ler/accreditations/{agent.did}?credential_type=SkillsCredential"
    )
    assert looked_up["results"][0]["status"] == "active"
    # as of a time (a query string is text: the time parses as an integer, in range)
    query = f"credential_type=SkillsCredential&at={looked_up['at']}"
    status, _, as_of = await call(http, agent, "GET", f"/ler/accreditations/{agent.did}?{query}")
    assert status == 200 and as_of["results"] == looked_up["results"]
    status, _, answer = await call(http, agent, "GET", f"/ler/accreditations/{agent.did}?at=-5")
    assert status == 422 and answer["problems"][0]["path"] == "at"


async def test_a_negative_proposal_id_is_422(agent: Agent, http: aiohttp.ClientSession) -> None:
    body = {"action": "approve", "proposal_id": -1}
    status, _, answer = await call(http, agent, "POST", "/ler/governance/trustees", body)
    assert status == 422 and answer["problems"][0]["path"] == "proposal_id"


async def test_a_control_character_in_an_id_is_a_json_error(
    agent: Agent, http: aiohttp.ClientSession
) -> None:
    status, reason, answer = await call(http, agent, "GET", "/ler/endorsement/requests/%1B")
    assert (status, reason) == (422, HTTPStatus(422).phrase)
    assert answer["problems"][0]["in"] == "path"
    assert answer["problems"][0]["path"] == "endorsement_id"
    # an id of the right form that is not there: 404, the standard reason, the id only in the body
    status, reason, answer = await call(
        http, agent, "GET", f"/ler/endorsement/requests/{UNKNOWN_ID}"
    )
    assert (status, reason, answer["code"]) == (404, HTTPStatus(404).phrase, "not-found")


async def test_a_did_of_another_network_is_refused(
    agent: Agent, http: aiohttp.ClientSession
) -> None:
    ours = LerDid.parse(agent.did)
    theirs = f"did:ler:other:{ours.method_specific_id}"
    body = accreditation(theirs, credential_type="ForeignCredential")
    status, _, answer = await call(http, agent, "POST", "/ler/governance/accreditations", body)
    assert (status, answer["code"]) == (400, "wrong-network")
    assert "another network" in answer["error"] and "did:ler:local:" in answer["error"]
    status, _, answer = await call(http, agent, "GET", f"/ler/accreditations/{theirs}")
    assert (status, answer["code"]) == (400, "wrong-network")
    # and nothing was accredited for our DID
    _, _, looked_up = await call(
        http, agent, "GET", f"/ler/accreditations/{agent.did}?credential_type=ForeignCredential"
    )
    assert [(r["status"], r["accredited"]) for r in looked_up["results"]] == [("none", False)]
    status, _, answer = await call(
        http, agent, "POST", f"/ler/did/{theirs}/rotate-key", {"wait": True}
    )
    assert (status, answer["code"]) == (400, "wrong-network")
    status, _, answer = await call(
        http,
        agent,
        "POST",
        "/ler/badges/credentials/check",
        {"credential": {}, "issuer_did": theirs},
    )
    assert (status, answer["code"]) == (400, "wrong-network")


async def test_a_body_that_is_not_json_is_400_json(
    agent: Agent, http: aiohttp.ClientSession
) -> None:
    for path in ("/ler/governance/accreditations", "/ler/badges/verify"):
        async with http.post(
            agent.base_url + path, data="{not json", headers={"Content-Type": "application/json"}
        ) as response:
            answer = await response.json()
        assert (response.status, answer["code"]) == (400, "invalid-json"), path


async def test_both_plugins_answer_in_the_same_shape(
    agent: Agent, http: aiohttp.ClientSession
) -> None:
    missing = [
        await call(http, agent, "GET", f"/ler/verifier/presentations/{UNKNOWN_ID}"),
        await call(http, agent, "GET", f"/ler/badges/presentations/{UNKNOWN_ID}"),
    ]
    assert [(s, r, sorted(a), a["code"]) for s, r, a in missing] == [
        (404, "Not Found", ["code", "error"], "not-found")
    ] * 2
    invalid = [
        await call(http, agent, "GET", "/ler/verifier/presentations/not-an-id"),
        await call(http, agent, "GET", "/ler/badges/presentations/not-an-id"),
    ]
    (status, _, first), (status_2, _, second) = invalid
    assert status == status_2 == 422
    assert first["code"] == second["code"] == "invalid-request"
    assert [p["path"] for p in first["problems"]] == ["pres_ex_id"]
    assert first["problems"] == second["problems"]


async def test_errors_outside_the_handlers_are_json_too(agent: Agent) -> None:
    async with aiohttp.ClientSession() as anonymous:
        async with anonymous.get(agent.base_url + "/ler/account") as response:
            answer = await response.json()
        assert (response.status, answer["code"]) == (401, "unauthorized")
        assert "x-api-key" in answer["error"]
    async with aiohttp.ClientSession(headers={"x-api-key": agent.api_key}) as http:
        async with http.delete(agent.base_url + "/ler/account") as response:
            answer = await response.json()
        assert (response.status, answer["code"]) == (405, "method-not-allowed")
        async with http.get(agent.base_url + "/ler/no-such-route") as response:
            answer = await response.json()
        assert (response.status, answer["code"]) == (404, "not-found")
