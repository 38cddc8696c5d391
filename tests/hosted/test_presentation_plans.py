"""Which credential a hosted learner's plan picks for each item (the wallet faked at its holder).

The end-to-end path (a real request, plan, share, verdict) is in test_hosted_tenants.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from acapy_agent.anoncreds.holder import AnonCredsHolder
from acapy_agent.protocols.present_proof.v2_0.models.pres_exchange import V20PresExRecord

from ler_tenants import presentation_plans
from ler_tenants.errors import NotShareableError

SKILL = {"program": "Welding", "skill": "Welding", "level": "4", "date": "20260101"}


class FakeHolder(AnonCredsHolder):
    """Matching credentials and their revocation state, without a wallet or a ledger."""

    def __init__(self, credentials: dict[str, dict[str, str]], revoked: set[str]) -> None:
        self.credentials = credentials
        self.revoked = revoked
        self.asked_intervals: list[tuple[Any, Any]] = []

    async def get_credentials_for_presentation_request_by_referent(
        self, presentation_request: dict, referents: Any, **_: Any
    ) -> list:
        return [
            {
                "cred_info": {"referent": cred_id, "attrs": attrs, "cred_rev_id": "1"},
                "presentation_referents": list(referents),
            }
            for cred_id, attrs in self.credentials.items()
            if int(attrs["level"]) >= 3
        ]

    async def credential_revoked(self, credential_id: str, timestamp_from=None, timestamp_to=None):
        self.asked_intervals.append((timestamp_from, timestamp_to))
        return credential_id in self.revoked


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
def wallet(monkeypatch: pytest.MonkeyPatch) -> FakeHolder:
    holder = FakeHolder(
        {
            "old": {**SKILL, "date": "20240101"},
            "newest-revoked": {**SKILL, "date": "20260301"},
            "newer": {**SKILL, "date": "20250101"},
            "unknown-time": {**SKILL, "date": "19990101"},
        },
        revoked={"newest-revoked"},
    )
    stored = {
        "old": "2024-01-01T00:00:00Z",
        "newest-revoked": "2026-03-01T00:00:00Z",
        "newer": "2025-01-01T00:00:00Z",
    }

    async def stored_times(profile: Any) -> dict[str, str]:
        return stored

    monkeypatch.setattr(presentation_plans, "_holder", lambda profile: holder)
    monkeypatch.setattr(presentation_plans, "_stored_times", stored_times)
    return holder


async def test_the_newest_credential_not_revoked_answers_each_item(wallet: FakeHolder) -> None:
    plan = await presentation_plans.plan(None, _record(_request(non_revoked=True)))
    [attribute], [predicate] = plan["attributes"], plan["predicates"]
    assert attribute["cred_id"] == predicate["cred_id"] == "newer"
    assert attribute["values"] == {"skill": "Welding", "date": "20250101"}
    assert (plan["shareable"], plan["missing"], plan["format"]) == (True, [], "anoncreds")
    assert set(wallet.asked_intervals) == {(100, 100)}  # the request's own interval
    assert presentation_plans.presentation_spec(plan) == {
        "anoncreds": {
            "requested_attributes": {"skill": {"cred_id": "newer", "revealed": True}},
            "requested_predicates": {"level": {"cred_id": "newer"}},
            "self_attested_attributes": {},
        }
    }


async def test_without_a_non_revocation_interval_the_newest_answers_unchecked(
    wallet: FakeHolder,
) -> None:
    plan = await presentation_plans.plan(None, _record(_request(non_revoked=False)))
    assert [a["cred_id"] for a in plan["attributes"]] == ["newest-revoked"]
    assert wallet.asked_intervals == []


async def test_only_revoked_or_no_matches_make_a_missing_item_and_a_refusal(
    wallet: FakeHolder,
) -> None:
    wallet.revoked |= set(wallet.credentials)
    record = _record(_request(non_revoked=True))
    plan = await presentation_plans.plan(None, record)
    assert plan["shareable"] is False and plan["attributes"] == plan["predicates"] == []
    assert [m["referent"] for m in plan["missing"]] == ["skill", "level"]
    with pytest.raises(NotShareableError, match="no usable credential for: skill, level"):
        await presentation_plans.share(None, record)


async def test_a_request_not_waiting_is_not_shareable(wallet: FakeHolder) -> None:
    record = _record(_request(non_revoked=False), state="presentation-sent")
    assert (await presentation_plans.plan(None, record))["shareable"] is False
    with pytest.raises(NotShareableError, match="not request-received"):
        await presentation_plans.share(None, record)


async def test_a_predicate_is_answered_only_by_a_value_that_makes_it_true(
    wallet: FakeHolder,
) -> None:
    wallet.credentials["newer"] = {**SKILL, "level": "6"}  # the only one at level 5 or more
    plan = await presentation_plans.plan(None, _record(_request(non_revoked=True, min_level=5)))
    assert [(p["referent"], p["cred_id"]) for p in plan["predicates"]] == [("level", "newer")]
    plan = await presentation_plans.plan(None, _record(_request(non_revoked=True, min_level=7)))
    assert [m["referent"] for m in plan["missing"]] == ["level"]
    assert [a["cred_id"] for a in plan["attributes"]] == ["newer"]
