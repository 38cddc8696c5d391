"""Which credential a hosted learner's plan picks for each item (the wallet faked at its boundary).

The end-to-end path (a real request, plan, share, verdict) is in test_hosted_tenants.py; the
wallet's own read (askar, newest first) in tests/unit/test_holder_choice.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from acapy_agent.protocols.present_proof.v2_0.models.pres_exchange import V20PresExRecord

from ler_ledger.holder.choice import Candidate
from ler_tenants import presentation_plans
from ler_tenants.errors import NotShareableError

SKILL = {"program": "Welding", "skill": "Welding", "level": "4", "date": "20260101"}


class FakeWallet:
    """Matching credentials newest first and their revocation state, without askar or ledger."""

    def __init__(self, newest_first: dict[str, dict[str, str]], revoked: set[str]) -> None:
        self.credentials = newest_first
        self.revoked_ids = revoked
        self.asked_intervals: list[tuple[Any, Any]] = []
        self.reads: list[tuple[int, int]] = []

    async def newest(
        self, request: Mapping[str, Any], referent: str, offset: int, limit: int
    ) -> list[Candidate]:
        self.reads.append((offset, limit))
        found = [Candidate(i, attrs, "s", "d", "r") for i, attrs in self.credentials.items()]
        return found[offset : offset + limit]

    async def revoked(self, candidate: Candidate, interval: Mapping[str, Any]) -> bool:
        self.asked_intervals.append((interval.get("from"), interval.get("to")))
        return candidate.cred_id in self.revoked_ids


def _request(non_revoked: bool, min_level: int = 3) -> dict[str, Any]:
    request: dict[str, Any] = {
        "name": "skills check",
        "requested_attributes": {
            "skill": {"names": ["skill", "date"], "restrictions": [{"cred_def_id": "d"}]}
        },
        "requested_predicates": {"level": {"name": "level", "p_type": ">=", "p_value": min_level}},
    }
    if non_revoked:
        request["non_revoked"] = {"from": 100, "to": 100}
    return request


def _record(request: dict[str, Any], state: str = "request-received") -> V20PresExRecord:
    return V20PresExRecord(
        pres_ex_id="p1",
        connection_id="c1",
        role="prover",
        state=state,
        pres_request={
            "@type": "https://didcomm.org/present-proof/2.0/request-presentation",
            "formats": [{"attach_id": "anoncreds", "format": "anoncreds/proof-request@v1.0"}],
            "request_presentations~attach": [
                {
                    "@id": "anoncreds",
                    "mime-type": "application/json",
                    "data": {"json": request},
                }
            ],
        },
    )


@pytest.fixture
def wallet() -> FakeWallet:
    return FakeWallet(
        {  # newest first, as the wallet stored them
            "newest-revoked": {**SKILL, "date": "20260301"},
            "newer": {**SKILL, "date": "20250101"},
            "old": {**SKILL, "date": "20240101"},
        },
        revoked={"newest-revoked"},
    )


async def _plan(wallet: FakeWallet, request: dict[str, Any], **page: int) -> dict[str, Any]:
    return await presentation_plans.plan(None, _record(request), wallet=wallet, **page)


async def test_the_newest_credential_not_revoked_answers_each_item(wallet: FakeWallet) -> None:
    plan = await _plan(wallet, _request(non_revoked=True))
    [attribute], [predicate] = plan["attributes"], plan["predicates"]
    assert attribute["cred_id"] == predicate["cred_id"] == "newer"
    assert attribute["values"] == {"skill": "Welding", "date": "20250101"}
    assert (attribute["cred_def_id"], attribute["rev_reg_id"]) == ("d", "r")
    assert (plan["shareable"], plan["missing"], plan["format"]) == (True, [], "anoncreds")
    assert set(wallet.asked_intervals) == {(100, 100)}  # the request's own interval
    assert plan["page"] == {"offset": 0, "limit": presentation_plans.MOST, "more": []}
    assert presentation_plans.presentation_spec(plan) == {
        "anoncreds": {
            "requested_attributes": {"skill": {"cred_id": "newer", "revealed": True}},
            "requested_predicates": {"level": {"cred_id": "newer"}},
            "self_attested_attributes": {},
        }
    }


async def test_a_plan_reads_one_page_and_says_when_there_is_more(wallet: FakeWallet) -> None:
    wallet.revoked_ids.add("newer")
    plan = await _plan(wallet, _request(non_revoked=True), limit=2)
    assert [m["referent"] for m in plan["missing"]] == ["skill", "level"]
    assert plan["page"] == {"offset": 0, "limit": 2, "more": ["skill", "level"]}
    assert set(wallet.reads) == {(0, 3)}  # a page and one more row: never the whole wallet
    with pytest.raises(NotShareableError, match="older matching credentials exist for skill"):
        await presentation_plans.share(
            None, _record(_request(non_revoked=True)), limit=2, wallet=wallet
        )
    next_page = await _plan(wallet, _request(non_revoked=True), offset=2, limit=2)
    assert [a["cred_id"] for a in next_page["attributes"]] == ["old"]
    assert next_page["page"]["more"] == [] and next_page["shareable"] is True


async def test_without_a_non_revocation_interval_the_newest_answers_unchecked(
    wallet: FakeWallet,
) -> None:
    plan = await _plan(wallet, _request(non_revoked=False))
    assert [a["cred_id"] for a in plan["attributes"]] == ["newest-revoked"]
    assert wallet.asked_intervals == []


async def test_only_revoked_or_no_matches_make_a_missing_item_and_a_refusal(
    wallet: FakeWallet,
) -> None:
    wallet.revoked_ids |= set(wallet.credentials)
    record = _record(_request(non_revoked=True))
    plan = await presentation_plans.plan(None, record, wallet=wallet)
    assert plan["shareable"] is False and plan["attributes"] == plan["predicates"] == []
    assert [m["referent"] for m in plan["missing"]] == ["skill", "level"]
    assert plan["page"]["more"] == []
    with pytest.raises(NotShareableError, match=r"no usable credential for: skill, level$"):
        await presentation_plans.share(None, record, wallet=wallet)


async def test_a_request_not_waiting_is_not_shareable(wallet: FakeWallet) -> None:
    record = _record(_request(non_revoked=False), state="presentation-sent")
    assert (await presentation_plans.plan(None, record, wallet=wallet))["shareable"] is False
    with pytest.raises(NotShareableError, match="not request-received"):
        await presentation_plans.share(None, record, wallet=wallet)


async def test_a_predicate_is_answered_only_by_a_value_that_makes_it_true(
    wallet: FakeWallet,
) -> None:
    wallet.credentials["old"] = {**SKILL, "level": "6"}  # the only one at level 5 or more
    plan = await _plan(wallet, _request(non_revoked=True, min_level=5))
    assert [(p["referent"], p["cred_id"]) for p in plan["predicates"]] == [("level", "old")]
    # the attribute too: ACA-Py cannot prove two credentials of one registry (acapy#2036)
    assert [a["cred_id"] for a in plan["attributes"]] == ["old"]
    plan = await _plan(wallet, _request(non_revoked=True, min_level=7))
    assert [m["referent"] for m in plan["missing"]] == ["level"]
    assert [a["cred_id"] for a in plan["attributes"]] == ["newer"]
