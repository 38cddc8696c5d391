"""The verified-skills match, on credentials signed and verified for real (ler_badges' checks)."""

from __future__ import annotations

import copy

from ler_hiring.matching import (
    evidence_from_anoncreds,
    evidence_from_credential,
    match,
    self_reported,
)
from ler_hiring.proof_requests import job_proof_request

from .kit import (
    COLLEGE,
    DIPLOMA_MILL,
    EMPLOYER,
    IMPOSTOR,
    badge,
    employment,
    machinist_job,
    verified,
)


async def evidence_of(credential: dict) -> list:
    return evidence_from_credential(credential, await verified(credential))


def rated(report: dict, code: str) -> dict:
    return next(r for r in report["required_skills"] if r["skill"]["onet_code"] == code)


async def test_accredited_evidence_proves_skills_and_the_rest_is_missing() -> None:
    credential = await COLLEGE.sign(
        badge(COLLEGE, [{"skill": "2.B.3.k", "level": 3}, {"skill": "2.A.1.e", "level": 4}])
    )
    report = match(machinist_job(), await evidence_of(credential))
    troubleshooting = rated(report, "2.B.3.k")
    assert troubleshooting["status"] == "proven"
    [proof] = troubleshooting["proven_by"]
    assert proof["issuer"]["id"] == COLLEGE.did and proof["trust"] == "accredited"
    assert proof["level"] == 3 and proof["credential_id"] == credential["id"]
    assert "accredited for Certificate" in proof["accreditation"]
    assert rated(report, "2.A.1.e")["status"] == "proven"
    assert rated(report, "2.A.1.a")["status"] == "missing"
    assert report["fit"] | {"rule": ""} == {
        "required": 3,
        "proven": 2,
        "unverified": 0,
        "missing": 1,
        "score": 0.667,
        "meets_all_required": False,
        "preferred": 1,
        "preferred_proven": 0,
        "rule": "",
    }


async def test_an_unaccredited_issuer_is_a_claim_never_a_proof() -> None:
    credential = await DIPLOMA_MILL.sign(badge(DIPLOMA_MILL, [{"skill": "2.A.1.a", "level": 4}]))
    report = match(machinist_job(), await evidence_of(credential))
    reading = rated(report, "2.A.1.a")
    assert reading["status"] == "unverified" and reading["proven_by"] == []
    [claim] = reading["unverified_claims"]
    assert claim["trust"] == "not-accredited"
    assert any("not accredited" in why for why in claim["why"])
    assert report["fit"]["proven"] == 0 and report["fit"]["unverified"] == 1


async def test_a_tampered_credential_is_unverified_with_the_reason() -> None:
    credential = await COLLEGE.sign(badge(COLLEGE, [{"skill": "2.B.3.k", "level": 2}]))
    forged = copy.deepcopy(credential)
    forged["credentialSubject"]["result"][0]["achievedLevel"] = forged["credentialSubject"][
        "result"
    ][0]["achievedLevel"].replace(":level:2", ":level:4")
    reading = rated(match(machinist_job(), await evidence_of(forged)), "2.B.3.k")
    assert reading["status"] == "unverified"
    assert any(why.startswith("signature:") for why in reading["unverified_claims"][0]["why"])


async def test_a_verified_level_below_the_minimum_does_not_count() -> None:
    credential = await COLLEGE.sign(badge(COLLEGE, [{"skill": "2.B.3.k", "level": 2}]))
    reading = rated(match(machinist_job(), await evidence_of(credential)), "2.B.3.k")
    assert reading["status"] == "missing"
    assert reading["below_level"][0]["why"] == ["proves level 2; the job needs 3"]


async def test_an_employers_own_record_is_a_primary_source() -> None:
    record = await EMPLOYER.sign(employment([{"skill": "2.A.1.a", "level": 3}]))
    report = match(machinist_job(), await evidence_of(record))
    reading = rated(report, "2.A.1.a")
    assert reading["status"] == "proven"
    assert reading["proven_by"][0]["trust"] == "primary-source"
    assert "primary source" in reading["proven_by"][0]["accreditation"]
    [job] = report["work_history"]
    assert job["role"] == "Machinist" and job["employer_id"] == EMPLOYER.did
    assert job["trusted"] and job["trust"] == "primary-source" and job["same_occupation"]
    assert job["start"].startswith("2023-04-01") and job["end"].startswith("2025-06-30")


async def test_a_record_signed_in_the_employers_name_off_the_ledger_is_only_a_claim() -> None:
    record = await IMPOSTOR.sign(employment([{"skill": "2.A.1.a", "level": 3}], issuer=IMPOSTOR))
    report = match(machinist_job(), await evidence_of(record))
    reading = rated(report, "2.A.1.a")
    assert reading["status"] == "unverified" and reading["proven_by"] == []
    [claim] = reading["unverified_claims"]
    assert claim["trust"] == "self-issued"
    assert any("not on the state's ledger" in why for why in claim["why"])
    [job] = report["work_history"]
    assert job["trusted"] is False and job["trust"] == "self-issued"
    assert report["fit"]["proven"] == 0


async def test_an_employment_record_about_another_employer_is_not_a_primary_source() -> None:
    record = await DIPLOMA_MILL.sign(
        employment([{"skill": "2.A.1.a", "level": 3}], issuer=DIPLOMA_MILL, creator=EMPLOYER)
    )
    report = match(machinist_job(), await evidence_of(record))
    assert rated(report, "2.A.1.a")["status"] == "unverified"
    assert report["work_history"][0]["trusted"] is False


def test_a_stated_skill_is_only_a_claim() -> None:
    report = match(machinist_job(), [self_reported("2.B.3.k", 4, "the résumé")])
    reading = rated(report, "2.B.3.k")
    assert reading["status"] == "unverified"
    assert reading["unverified_claims"][0]["why"] == [
        "self-reported in the résumé; no credential backs it"
    ]
    assert report["fit"]["score"] == 0.0


def anoncreds_answer(verified: bool) -> tuple[dict, dict, dict]:
    """A presentation answering the job's request, as the verifier stored it."""
    request = job_proof_request(machinist_job())["proof_request"]
    issuer = "did:ler:local:0x1111111111111111111111111111111111111111"
    cred_def = f"{issuer}/anoncreds/v0/CLAIM_DEF/7/default"
    proof = {
        "identifiers": [{"schema_id": "s", "cred_def_id": cred_def}],
        "requested_proof": {
            "predicates": {name: {"sub_proof_index": 0} for name in request["requested_predicates"]}
        },
    }
    verdict = {
        "verified": verified,
        "reasons": [] if verified else ["revoked"],
        "checks": [
            {"name": "proof", "outcome": "passed" if verified else "failed", "detail": "revoked"},
            {
                "name": "issuer-accreditation",
                "outcome": "passed",
                "detail": f"{issuer} is accredited for SkillsCredential",
            },
        ],
    }
    return verdict, request, proof


def test_an_anoncreds_presentation_proves_each_predicate() -> None:
    evidence = evidence_from_anoncreds(*anoncreds_answer(True))
    report = match(machinist_job(), evidence)
    assert report["fit"]["proven"] == 3 and report["fit"]["meets_all_required"]
    proof = rated(report, "2.B.3.k")["proven_by"][0]
    assert proof["at_least"] == 3 and proof["level"] is None and proof["trust"] == "accredited"
    assert proof["proof"] == "predicate level >= 3 proven"


def test_a_failed_anoncreds_presentation_proves_nothing() -> None:
    report = match(machinist_job(), evidence_from_anoncreds(*anoncreds_answer(False)))
    assert report["fit"]["proven"] == 0 and report["fit"]["unverified"] == 3
    assert "proof: revoked" in rated(report, "2.B.3.k")["unverified_claims"][0]["why"]
