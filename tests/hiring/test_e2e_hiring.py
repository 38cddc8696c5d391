"""Skills-based hiring end to end, on the session's network of real agents.

The college issues an Open Badge with skills over DIDComm; the learner's agent exports an LER-RS
résumé with it embedded; the employer's agent (ler_hiring loaded next to ler_badges) posts a job,
verifies every embedded credential with ler_badges' checks against the ledger and matches it. The
employer also issues employment records under its own did:ler, which other employers trust as
primary source.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from netkit import Network

from ler_node.network import flows
from ler_node.network.admin import AdminClient, AdminError

from .kit import DIPLOMA_MILL, IMPOSTOR, employment

pytestmark = pytest.mark.e2e

POSTING = {
    "title": "CNC Machinist",
    "onet_code": "51-4041.00",
    "employer": {"name": "Crossroads Precision Manufacturing"},
    "required_skills": [
        {"skill": "2.B.3.k", "min_level": "Proficient"},
        {"skill": "2.A.1.e", "min_level": 2},
        {"skill": "2.A.1.a", "min_level": 2},
    ],
    "preferred_skills": [{"skill": "2.C.3.e", "min_level": 1}],
}


@pytest.fixture(scope="module")
async def admins(network: Network) -> AsyncIterator[dict[str, AdminClient]]:
    names = ("state", "college", "learner", "employer")
    async with network.admins_with_the_college_accredited(*names) as clients:
        yield clients


async def issue_badge(network: Network, admins: dict[str, AdminClient]) -> dict[str, Any]:
    """The college offers a Certificate with two skills; returns the learner's stored record."""
    to_learner, _ = await network.connection(admins, "college", "learner")
    learner_did = (
        await admins["learner"].post(
            "/wallet/did/create", {"method": "key", "options": {"key_type": "ed25519"}}
        )
    )["result"]["did"]
    template = {
        "credentialSubject": {
            "id": learner_did,
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://prairieridge.example/achievements/cnc-hiring",
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": "CNC Machining for Hiring",
                "description": "Sets up and runs a three-axis mill.",
                "criteria": {"narrative": "Passed the practical assessment."},
            },
        }
    }
    skills = [{"skill": "2.B.3.k", "level": "Proficient"}, {"skill": "2.C.3.e", "level": 2}]
    offer = await admins["college"].post(
        "/ler/badges/credentials/send-offer",
        {"connection_id": to_learner, "credential": template, "skills": skills},
    )
    record = await admins["college"].wait_for(
        f"/issue-credential-2.0/records/{offer['cred_ex_id']}",
        lambda r: r["cred_ex_record"]["state"] in ("done", "abandoned"),
        what="issuance",
    )
    assert record["cred_ex_record"]["state"] == "done", record["cred_ex_record"].get("error_msg")
    for _ in range(150):
        found = (
            await admins["learner"].post("/credentials/w3c", {"given_id": offer["credential_id"]})
        )["results"]
        if found:
            return found[0]
        await asyncio.sleep(0.2)
    raise AssertionError(f"the learner never stored {offer['credential_id']}")


def rated(report: dict, code: str) -> dict:
    return next(r for r in report["required_skills"] if r["skill"]["onet_code"] == code)


async def test_employer_posts_a_job_and_sees_a_verified_match_of_a_resume(
    network: Network, admins: dict[str, AdminClient]
) -> None:
    employer, learner = admins["employer"], admins["learner"]
    stored = await issue_badge(network, admins)

    job = await employer.post("/ler/hiring/jobs", POSTING)
    assert job["required_skills"][0]["ctid"].startswith("ce-")
    assert job["job_id"] in [
        j["job_id"] for j in (await employer.get("/ler/hiring/jobs"))["results"]
    ]
    derived = await employer.get(f"/ler/hiring/jobs/{job['job_id']}/proof-request")
    assert set(derived["proof_request"]["requested_predicates"]) == {
        "level:2.B.3.k",
        "level:2.A.1.e",
        "level:2.A.1.a",
    }

    # the learner exports a résumé from its own wallet, adding a stated skill
    resume = await learner.post(
        "/ler/hiring/resumes/export",
        {
            "person": {"name": {"formattedName": "Jordan Rivera"}},
            "record_ids": [stored["record_id"]],
            "skills": [{"name": "Reading Comprehension", "level": "Advanced"}],
        },
    )
    assert resume["verifications"] == [stored["cred_value"]]
    # an employment record signed in a former employer's name by a did:key the ledger does not
    # know (anyone could make it), and a copy of the badge whose level was raised after signing
    record = await IMPOSTOR.sign(employment([{"skill": "2.A.1.e", "level": 3}], issuer=IMPOSTOR))
    forged = json.loads(json.dumps(stored["cred_value"]).replace(":level:3", ":level:4"))
    resume["verifications"] += [record, forged]

    report = await employer.post(f"/ler/hiring/jobs/{job['job_id']}/match", {"resume": resume})

    troubleshooting = rated(report, "2.B.3.k")
    assert troubleshooting["status"] == "proven", troubleshooting
    [proof] = troubleshooting["proven_by"]
    assert proof["trust"] == "accredited" and proof["level"] == 3
    assert proof["credential_id"] == stored["cred_value"]["id"]
    assert proof["issuer"]["name"] == "Prairie Ridge Community College"
    forged_claim = troubleshooting["unverified_claims"][0]
    assert any(why.startswith("signature:") for why in forged_claim["why"])

    mathematics = rated(report, "2.A.1.e")
    assert mathematics["status"] == "unverified" and mathematics["proven_by"] == []
    assert mathematics["unverified_claims"][0]["trust"] == "self-issued"
    assert any("not on the state's ledger" in w for w in mathematics["unverified_claims"][0]["why"])
    [history] = report["work_history"]
    assert not history["trusted"] and history["same_occupation"]

    reading = rated(report, "2.A.1.a")
    assert reading["status"] == "unverified"
    assert "no credential backs it" in reading["unverified_claims"][0]["why"][0]

    assert report["fit"]["proven"] == 1 and report["fit"]["unverified"] == 2
    assert report["fit"]["meets_all_required"] is False
    assert report["preferred_skills"][0]["status"] == "proven"
    kept = await employer.get(f"/ler/hiring/matches/{report['match_id']}")
    assert kept["fit"] == report["fit"]
    # handed off to the ATS the employer's network entry names (tests/hiring/test_e2e_ats.py)
    assert report["ats_delivery"]["state"] == "queued"


async def test_bad_input_gets_a_json_4xx(network: Network, admins: dict[str, AdminClient]) -> None:
    employer = admins["employer"]
    bad = {**POSTING, "required_skills": [{"skill": "Juggling", "min_level": 9}]}
    with pytest.raises(AdminError) as refused:
        await employer.post("/ler/hiring/jobs", bad)
    assert refused.value.status in (400, 422)
    missing = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(AdminError) as refused:
        await employer.get(f"/ler/hiring/jobs/{missing}")
    assert refused.value.status == 404
    job = await employer.post("/ler/hiring/jobs", POSTING)
    with pytest.raises(AdminError) as refused:
        await employer.post(f"/ler/hiring/jobs/{job['job_id']}/match", {})
    assert refused.value.status == 400
    with pytest.raises(AdminError) as refused:
        await employer.post(
            f"/ler/hiring/jobs/{job['job_id']}/match", {"resume": {"verifications": ["x"]}}
        )
    assert refused.value.status == 400
    # delete through the raw API (the CLI has no delete), then it is gone
    key = network.home("employer").secrets()["api_key"]
    async with aiohttp.ClientSession(headers={"x-api-key": key}) as http:
        url = f"{employer.base_url}/ler/hiring/jobs/{job['job_id']}"
        async with http.delete(url) as response:
            assert response.status == 200
        async with http.delete(url) as response:
            assert response.status == 404
            assert "error" in await response.json()


def test_the_jobs_cli_talks_to_the_employers_admin_api(network: Network, tmp_path: Path) -> None:
    posting = tmp_path / "job.json"
    posting.write_text(json.dumps({**POSTING, "title": "Machinist (CLI)"}), "utf-8")
    cli = [str(Path(sys.executable).with_name("ler-node")), "jobs"]
    where = ["--data-dir", str(network.data_dir)]
    env = {**os.environ, "COLUMNS": "200"}

    def run(*args: str) -> str:
        done = subprocess.run(
            [*cli, *args, *where], capture_output=True, text=True, env=env, timeout=60
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    job_id = run("create", str(posting)).strip().splitlines()[-1]
    assert "Machinist (CLI)" in run("list")
    shown = json.loads(run("show", job_id))
    assert shown["job"]["job_id"] == job_id
    assert "level:2.B.3.k" in shown["proof_request"]["proof_request"]["requested_predicates"]
    bad = subprocess.run(
        [*cli, "show", "not-a-job", *where], capture_output=True, text=True, env=env, timeout=60
    )
    assert bad.returncode != 0


#: the demo withdraws SkillsCredential's accreditation, so this module uses a type of its own
ANONCREDS_TYPE = "HiringSkills"


async def test_the_proof_request_derived_from_a_job_is_answered_and_matched(
    network: Network, admins: dict[str, AdminClient]
) -> None:
    college, employer = admins["college"], admins["employer"]
    await flows.set_accreditation(
        admins["state"], network.did("college"), ANONCREDS_TYPE, "accredit"
    )
    kind = await flows.publish_credential_type(
        college,
        network.did("college"),
        name=ANONCREDS_TYPE,
        attributes=["skill", "skill_code", "level"],
        registry_size=10,
    )
    to_learner, _ = await network.connection(admins, "college", "learner")
    await flows.issue_credential(
        college,
        to_learner,
        kind.cred_def_id,
        {"skill": "Troubleshooting", "skill_code": "O*NET 2.B.3.k", "level": "4"},
    )
    # one skill: a proof over two credentials of one registry that asks for non-revocation does
    # not verify under the LER policy today (see the report); a one-credential proof does
    posting = {**POSTING, "required_skills": POSTING["required_skills"][:1], "preferred_skills": []}
    job = await employer.post("/ler/hiring/jobs", posting)
    derived = await employer.get(
        f"/ler/hiring/jobs/{job['job_id']}/proof-request",
        schema_name=ANONCREDS_TYPE,
        non_revoked_at=str(int(time.time())),
    )
    employer_to_learner, _ = await network.connection(admins, "employer", "learner")
    verdict = await flows.request_proof(employer, employer_to_learner, derived["proof_request"])
    assert verdict["verified"], json.dumps(verdict, indent=1)
    # only the skill codes the job names were revealed; the levels stayed hidden
    assert verdict["revealed"] == {"skill:2.B.3.k": {"skill_code": "O*NET 2.B.3.k"}}

    report = await employer.post(
        f"/ler/hiring/jobs/{job['job_id']}/match", {"pres_ex_id": verdict["pres_ex_id"]}
    )
    assert report["fit"]["proven"] == 1 and report["fit"]["meets_all_required"]
    proof = rated(report, "2.B.3.k")["proven_by"][0]
    assert proof["source"] == "anoncreds" and proof["trust"] == "accredited"
    assert proof["issuer"]["id"] == network.did("college") and proof["at_least"] == 3
    assert proof["level"] is None  # a predicate: the level itself is not known


async def test_an_employer_issues_an_employment_record_over_didcomm_trusted_as_primary_source(
    network: Network, admins: dict[str, AdminClient]
) -> None:
    """The employer issues a work-history record under its own did:ler (anchored through the
    state's endorser when the network came up, no accreditation), with status entries in its own
    status lists. Another hiring organisation (the college, hiring staff) trusts it as primary
    source; a record someone else signed in the employer's name is not trusted.
    """
    employer, learner, college = admins["employer"], admins["learner"], admins["college"]
    to_learner, _ = await network.connection(admins, "employer", "learner")
    subject = (
        await learner.post(
            "/wallet/did/create", {"method": "key", "options": {"key_type": "ed25519"}}
        )
    )["result"]["did"]
    request = {
        "subject_id": subject,
        "role": "Machinist",
        "start": "2022-08-15",
        "end": "2025-06-30",
        "onet_code": "51-4041.00",
        "skills": [{"skill": "2.A.1.e", "level": 3}],
    }
    preview = (await employer.post("/ler/hiring/employment-credentials", request))["credential"]
    employer_did = network.did("employer")
    assert preview["issuer"]["id"] == employer_did and employer_did.startswith("did:ler:")
    assert preview["credentialSubject"]["achievement"]["creator"]["id"] == employer_did
    offer = await employer.post(
        "/ler/hiring/employment-credentials", {**request, "connection_id": to_learner}
    )
    await employer.wait_for(
        f"/issue-credential-2.0/records/{offer['cred_ex_id']}",
        lambda r: r["cred_ex_record"]["state"] == "done",
        what="employment record issued",
    )
    stored: list = []
    for _ in range(150):
        stored = (await learner.post("/credentials/w3c", {"given_id": offer["credential_id"]}))[
            "results"
        ]
        if stored:
            break
        await asyncio.sleep(0.2)
    assert stored, "the learner never stored the employment record"
    issued = stored[0]["cred_value"]
    assert issued["issuer"]["id"] == employer_did and issued["credentialStatus"]
    resume = await learner.post(
        "/ler/hiring/resumes/export",
        {"person": {"name": "Jordan Rivera"}, "record_ids": [stored[0]["record_id"]]},
    )
    # someone else (a did:key) signs a record naming the employer as its achievement's creator
    impostor = employment([{"skill": "2.A.1.a", "level": 3}], issuer=DIPLOMA_MILL)
    impostor["credentialSubject"]["achievement"]["creator"] = preview["issuer"]
    resume["verifications"].append(await DIPLOMA_MILL.sign(impostor))

    posting = {**POSTING, "employer": {"name": "Prairie Ridge Community College"}}
    job = await college.post("/ler/hiring/jobs", posting)
    report = await college.post(
        f"/ler/hiring/jobs/{job['job_id']}/match", {"resume": resume, "deliver": False}
    )
    histories = {h["employer_id"]: h for h in report["work_history"]}
    genuine = histories[employer_did]
    assert genuine["role"] == "Machinist" and genuine["same_occupation"]
    assert genuine["employer"] == "Crossroads Precision Manufacturing"
    assert genuine["trusted"] and genuine["trust"] == "primary-source", genuine
    mathematics = rated(report, "2.A.1.e")
    assert mathematics["status"] == "proven"
    [proof] = mathematics["proven_by"]
    assert proof["trust"] == "primary-source" and proof["issuer"]["id"] == employer_did
    # signed, dated and status-checked (against the lists it anchored) like any badge: only
    # accreditation is waived
    evidence = next(e for e in report["evidence"] if e["credential_id"] == issued["id"])
    assert evidence["problems"] == []
    # the impostor's record: not its issuer's own, so accreditation is needed, and it has none
    forged = histories[DIPLOMA_MILL.did]
    assert not forged["trusted"] and forged["trust"] == "not-accredited", forged
    assert any(why.startswith("accreditation:") for why in forged["why"])
    reading = rated(report, "2.A.1.a")
    assert reading["status"] == "unverified" and not reading["proven_by"]
    assert reading["unverified_claims"][0]["trust"] == "not-accredited"
