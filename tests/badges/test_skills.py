"""The skills catalogue (checked against its source), alignments, levels, reading them back."""

from __future__ import annotations

import copy
import json

import pytest

from ler_badges import (
    SkillNotFoundError,
    add_skills,
    catalogue,
    find_skill,
    levels,
    proven_skills,
    validate_credential,
)

from .vectors import TEST_DATA, load_fixture

SKILLS = TEST_DATA / "skills"


def _source_competencies() -> dict[str, dict]:
    found = {}
    for path in SKILLS.glob("*.ctdlasn.json"):
        for node in json.loads(path.read_text("utf-8"))["@graph"][1:]:
            found[node["ceterms:ctid"]] = {**node, "_framework": path.name}
    return found


def test_catalogue_is_a_few_dozen_skills_taken_unchanged_from_the_source() -> None:
    source = _source_competencies()
    skills = catalogue()
    assert 30 <= len(skills) <= 60
    assert len({s.ctid for s in skills}) == len(skills)
    for skill in skills:
        node = source[skill.ctid]
        assert skill.onet_code == node["ceasn:codedNotation"]
        assert skill.name == node["ceasn:competencyLabel"]["en-us"]
        assert skill.description == node["ceasn:competencyText"]["en-us"]
        assert skill.framework_ctid == node["ceasn:isPartOf"].rsplit("/", 1)[1]
        assert skill.url == f"https://credentialengineregistry.org/resources/{skill.ctid}"


def test_find_by_code_ctid_url_or_name() -> None:
    skill = find_skill("2.B.3.k")
    assert skill.name == "Troubleshooting"
    assert find_skill(skill.ctid) == find_skill(skill.url) == find_skill("troubleshooting") == skill
    with pytest.raises(SkillNotFoundError, match="not in the skills catalogue"):
        find_skill("9.Z.9")


def _badge() -> dict:
    credential = copy.deepcopy(load_fixture("ob30/simple.json"))
    del credential["proof"]
    return credential


def test_added_skills_validate_and_read_back_with_levels() -> None:
    credential = add_skills(
        _badge(), [{"skill": "2.B.3.k", "level": 3}, {"skill": "Mathematics", "level": "advanced"}]
    )
    assert validate_credential(credential)
    skills = proven_skills(credential)
    assert [s["name"] for s in skills] == ["Troubleshooting", "Mathematics"]
    troubleshooting = skills[0]
    assert troubleshooting["code"] == "2.B.3.k"
    assert troubleshooting["type"] == "ceasn:Competency"
    assert troubleshooting["catalogue"]["ctid"] == find_skill("2.B.3.k").ctid
    assert troubleshooting["level"]["name"] == "Proficient"
    assert troubleshooting["level"]["level"] == "3"
    assert skills[1]["level"]["name"] == "Advanced"


def test_a_skill_without_level_is_only_aligned() -> None:
    credential = add_skills(_badge(), [{"skill": "2.A.1.a"}])
    [skill] = proven_skills(credential)
    assert skill["name"] == "Reading Comprehension" and skill["level"] is None
    assert "result" not in credential["credentialSubject"]


def test_unknown_level_is_refused_with_the_scale() -> None:
    with pytest.raises(SkillNotFoundError, match="1 Foundational"):
        add_skills(_badge(), [{"skill": "2.B.3.k", "level": "guru"}])
    assert [level.name for level in levels()] == [
        "Foundational",
        "Developing",
        "Proficient",
        "Advanced",
    ]


def test_levels_are_read_from_other_issuers_credentials() -> None:
    """The 1EdTech 'complete' fixture: CASE and CTDL alignments, a rubric level reached."""
    skills = proven_skills(load_fixture("ob30/complete.json"))
    assert {s["type"] for s in skills} == {"CFItem", "CTDL"}
    assert all(s["catalogue"] is None for s in skills)
    assert proven_skills({"credentialSubject": "nobody"}) == []
