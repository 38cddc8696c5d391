"""Skills: the bundled catalogue, alignments and levels on achievements, and reading them back.

An achievement says which skills it certifies with ``alignment`` entries (CTDL competencies,
CASE items, O*NET skills...). The level reached is a ``result`` whose ``achievedLevel`` names a
``rubricCriterionLevel`` of a ``ResultDescription`` declared on the achievement.
:func:`add_skills` writes both from the catalogue (``catalogue/skills.json``, see
``catalogue/SOURCES.md``); :func:`proven_skills` reads them back from any OB 3.0 credential,
catalogued or not.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from .errors import BadgesError

__all__ = [
    "Level",
    "Skill",
    "SkillNotFoundError",
    "add_skills",
    "catalogue",
    "find_skill",
    "levels",
    "proven_skills",
]

REGISTRY_URL = "https://credentialengineregistry.org/resources/"
ALIGNMENT_TYPE = "ceasn:Competency"


class SkillNotFoundError(BadgesError, LookupError):
    """A skill or level that the catalogue does not have."""


@dataclass(frozen=True)
class Skill:
    """One catalogued skill."""

    onet_code: str
    ctid: str
    name: str
    description: str
    framework_ctid: str
    framework_name: str

    @property
    def url(self) -> str:
        """The skill's Credential Engine registry URL."""
        return REGISTRY_URL + self.ctid

    def alignment(self) -> dict[str, Any]:
        """The OB 3.0 ``Alignment`` pointing at this skill."""
        return {
            "type": ["Alignment"],
            "targetType": ALIGNMENT_TYPE,
            "targetName": self.name,
            "targetDescription": self.description,
            "targetUrl": self.url,
            "targetCode": self.onet_code,
            "targetFramework": self.framework_name,
        }


@dataclass(frozen=True)
class Level:
    """A step of the (project-authored) proficiency scale."""

    level: int
    name: str
    description: str


@cache
def _data() -> dict[str, Any]:
    path = resources.files(__package__) / "catalogue" / "skills.json"
    return json.loads(path.read_text("utf-8"))


@cache
def catalogue() -> tuple[Skill, ...]:
    """Every catalogued skill."""
    names = {f["ctid"]: f["name"] for f in _data()["frameworks"]}
    return tuple(
        Skill(
            s["onet_code"],
            s["ctid"],
            s["name"],
            s["description"],
            s["framework"],
            names[s["framework"]],
        )
        for s in _data()["skills"]
    )


@cache
def levels() -> tuple[Level, ...]:
    """The proficiency scale, lowest first."""
    return tuple(Level(**level) for level in _data()["levels"])


def find_skill(key: str) -> Skill:
    """A skill by O*NET code, CTID, registry URL or (case-insensitive) name."""
    wanted = key.strip().removeprefix(REGISTRY_URL)
    for skill in catalogue():
        if wanted in (skill.onet_code, skill.ctid) or wanted.lower() == skill.name.lower():
            return skill
    raise SkillNotFoundError(
        f"{key!r} is not in the skills catalogue; use an O*NET code (e.g. 2.B.3.k), a Credential "
        "Engine CTID or a skill name"
    )


def _level(value: int | str) -> Level:
    for level in levels():
        if str(value).strip().lower() in (str(level.level), level.name.lower()):
            return level
    names = ", ".join(f"{level.level} {level.name}" for level in levels())
    raise SkillNotFoundError(f"{value!r} is not a proficiency level; use one of {names}")


def _level_id(skill: Skill, level: Level) -> str:
    return f"urn:ler:skill:{skill.ctid}:level:{level.level}"


def _result_description(skill: Skill) -> dict[str, Any]:
    return {
        "id": f"urn:ler:skill:{skill.ctid}",
        "type": ["ResultDescription"],
        "name": f"{skill.name} proficiency",
        "resultType": "RubricCriterionLevel",
        "alignment": [skill.alignment()],
        "rubricCriterionLevel": [
            {
                "id": _level_id(skill, level),
                "type": ["RubricCriterionLevel"],
                "name": level.name,
                "level": str(level.level),
                "description": level.description,
            }
            for level in levels()
        ],
    }


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def add_skills(credential: dict[str, Any], skills: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Align the credential's achievement to catalogued ``skills`` and record the levels reached.

    Each item is ``{"skill": <code, CTID or name>, "level": <1-4 or level name>}`` (``level``
    optional). Adds an ``alignment`` and a ``ResultDescription`` to the achievement and a
    ``Result`` with ``achievedLevel`` to the subject. Changes ``credential`` in place.
    """
    subject = credential.setdefault("credentialSubject", {})
    achievement = subject.setdefault("achievement", {})
    for item in skills:
        skill = find_skill(str(item.get("skill", "")))
        achievement["alignment"] = [*_as_list(achievement.get("alignment")), skill.alignment()]
        if item.get("level") is None:
            continue
        level = _level(item["level"])
        description = _result_description(skill)
        achievement["resultDescription"] = [
            *_as_list(achievement.get("resultDescription")),
            description,
        ]
        subject["result"] = [
            *_as_list(subject.get("result")),
            {
                "type": ["Result"],
                "resultDescription": description["id"],
                "achievedLevel": _level_id(skill, level),
                "alignment": [skill.alignment()],
            },
        ]
    return credential


def _text(value: Any) -> str | None:
    """A plain string, or the English (else first) entry of a language map."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and value:
        for key in ("en", "en-US", "en-us"):
            if isinstance(value.get(key), str):
                return value[key]
        first = next(iter(value.values()))
        return first if isinstance(first, str) else None
    return None


def _catalogued(url: str | None, code: str | None) -> Skill | None:
    for key in (url, code):
        if key:
            try:
                return find_skill(key)
            except SkillNotFoundError:
                continue
    return None


def _levels_by_alignment(achievement: Mapping[str, Any], subject: Mapping[str, Any]) -> dict:
    """``targetUrl`` -> the level reached, from results and their declared descriptions."""
    descriptions = {
        d.get("id"): d
        for d in _as_list(achievement.get("resultDescription"))
        if isinstance(d, Mapping)
    }
    found: dict[str, dict[str, Any]] = {}
    for result in _as_list(subject.get("result")):
        if not isinstance(result, Mapping) or not result.get("achievedLevel"):
            continue
        description = descriptions.get(result.get("resultDescription")) or {}
        level = next(
            (
                lvl
                for lvl in _as_list(description.get("rubricCriterionLevel"))
                if isinstance(lvl, Mapping) and lvl.get("id") == result["achievedLevel"]
            ),
            None,
        )
        shown = {
            "id": result["achievedLevel"],
            "name": _text(level.get("name")) if level else None,
            "level": _text(level.get("level")) if level else None,
            "result_description": _text(description.get("name")),
        }
        alignments = [*_as_list(result.get("alignment")), *_as_list(description.get("alignment"))]
        for alignment in alignments:
            if isinstance(alignment, Mapping) and alignment.get("targetUrl"):
                found.setdefault(alignment["targetUrl"], shown)
    return found


def proven_skills(credential: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The skills an AchievementCredential's achievement is aligned to, with the level reached.

    Each entry has ``name``, ``url``, ``code``, ``framework``, ``type``, ``level`` (``None`` if
    no result records one) and ``catalogue`` (O*NET code and CTID when the skill is catalogued).
    """
    subject = credential.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    if not isinstance(subject, Mapping):
        return []
    achievement = subject.get("achievement")
    if not isinstance(achievement, Mapping):
        return []
    reached = _levels_by_alignment(achievement, subject)
    skills = []
    for alignment in _as_list(achievement.get("alignment")):
        if not isinstance(alignment, Mapping):
            continue
        url, code = alignment.get("targetUrl"), alignment.get("targetCode")
        known = _catalogued(url, code)
        skills.append(
            {
                "name": _text(alignment.get("targetName")),
                "url": url,
                "code": code,
                "framework": _text(alignment.get("targetFramework")),
                "type": alignment.get("targetType"),
                "level": reached.get(url),
                "catalogue": {"onet_code": known.onet_code, "ctid": known.ctid} if known else None,
            }
        )
    return skills
