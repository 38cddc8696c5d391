"""Job postings: the schema, catalogue resolution, and the proof request derived from a job."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from ler_hiring.errors import HiringInputError
from ler_hiring.jobs import job_schema, validate_job
from ler_hiring.proof_requests import job_proof_request, referent

from .kit import machinist_job


def test_the_published_schema_is_a_valid_json_schema() -> None:
    Draft202012Validator.check_schema(job_schema())


def test_a_job_resolves_its_skills_from_the_catalogue() -> None:
    job = machinist_job()
    first = job["required_skills"][0]
    assert first["onet_code"] == "2.B.3.k" and first["name"] == "Troubleshooting"
    assert first["ctid"].startswith("ce-") and first["url"].endswith(first["ctid"])
    assert first["min_level"] == 3 and first["min_level_name"] == "Proficient"
    assert job["required_skills"][1]["min_level"] == 2  # "Developing", by name
    assert job["id"].startswith("urn:uuid:")


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        ({"onet_code": "machinist"}, "onet_code", "does not match"),
        ({"required_skills": []}, "required_skills", "should be non-empty"),
        (
            {"required_skills": [{"skill": "Juggling", "min_level": 1}]},
            "required_skills.0",
            "not in the skills catalogue",
        ),
        (
            {"required_skills": [{"skill": "2.B.3.k", "min_level": 7}]},
            "required_skills.0.min_level",
            "",
        ),
        (
            {"required_skills": [{"skill": "2.B.3.k", "min_level": "Guru"}]},
            "required_skills.0",
            "not a proficiency level",
        ),
        ({"salary": 5}, "", "Additional properties"),
    ],
)
def test_bad_postings_list_each_problem(change: dict, path: str, words: str) -> None:
    posting = {
        "title": "CNC Machinist",
        "onet_code": "51-4041.00",
        "required_skills": [{"skill": "2.B.3.k", "min_level": 3}],
        **change,
    }
    with pytest.raises(HiringInputError) as raised:
        validate_job(posting)
    assert any(p.path == path and words in p.message for p in raised.value.problems), (
        raised.value.problems
    )


def test_a_skill_listed_twice_is_refused() -> None:
    posting = {
        "title": "T",
        "onet_code": "51-4041.00",
        "required_skills": [{"skill": "2.B.3.k", "min_level": 3}],
        "preferred_skills": [{"skill": "Troubleshooting", "min_level": 4}],
    }
    with pytest.raises(HiringInputError, match="listed twice"):
        validate_job(posting)


def test_the_proof_request_asks_only_the_required_minimum_levels() -> None:
    job = machinist_job()
    derived = job_proof_request(job, non_revoked_at=1_800_000_000)
    request = derived["proof_request"]
    predicates = request["requested_predicates"]
    assert set(predicates) == {referent("2.B.3.k"), referent("2.A.1.e"), referent("2.A.1.a")}
    troubleshooting = predicates[referent("2.B.3.k")]
    assert troubleshooting["name"] == "level" and troubleshooting["p_type"] == ">="
    assert troubleshooting["p_value"] == 3
    assert troubleshooting["restrictions"] == [
        {"schema_name": "SkillsCredential", "attr::skill_code::value": "O*NET 2.B.3.k"}
    ]
    # the only attributes revealed are the skill codes the job already names
    assert [a["names"] for a in request["requested_attributes"].values()] == [["skill_code"]] * 3
    assert len(request["requested_attributes"]) == 3
    assert request["non_revoked"] == {"from": 1_800_000_000, "to": 1_800_000_000}
    # the preferred skill is not asked, and the response says so
    assert "2.B.3.a" not in str(request)
    assert any(
        "Operations Analysis" in line or "preferred" in line for line in derived["does_not_ask"]
    )
    assert any("exact level" in line for line in derived["does_not_ask"])
    assert len(derived["asks"]) == 3
