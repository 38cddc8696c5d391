"""LER résumés in the structure of HR Open's LER-RS: export with credentials, read one back.

HR Open's LER Résumé Standard carries a person, their employment and education history, stated
skills and, under ``verifications``, the verifiable credentials that back them. The licence of
HR Open's schema files is unclear, so none is vendored: this module writes and reads the
documented structure, limited to what ler-node uses::

    {"person": {"name": {"formattedName": ...}, "communication": {...}},
     "employmentHistories": [{"organization": {"name"}, "positionHistories": [...]}],
     "educationAndLearnings": [...],
     "skills": [{"name": ..., "code": ..., "level": ...}],      # stated, not proven
     "verifications": [<OB 3.0 / CLR 2.0 credential>, ...]}     # each verified on its own

A ``verifications`` entry is a credential, or an object holding one as ``verifiableCredential``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ler_badges import SkillNotFoundError, find_skill

from .errors import HiringInputError, Problem
from .jobs import level_number

__all__ = ["MAX_VERIFICATIONS", "Resume", "read_resume", "resume_document"]

MAX_VERIFICATIONS = 200
SECTIONS = ("employmentHistories", "educationAndLearnings")


@dataclass
class Resume:
    """What an employer reads from a résumé."""

    name: str | None
    credentials: list[dict[str, Any]] = field(default_factory=list)
    stated_skills: list[tuple[str, int | None]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def resume_document(
    person: Mapping[str, Any],
    credentials: Iterable[Mapping[str, Any]],
    *,
    skills: Iterable[Mapping[str, Any]] = (),
    employment: Iterable[Mapping[str, Any]] = (),
    education: Iterable[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """A résumé with ``credentials`` embedded in ``verifications``."""
    return {
        "person": dict(person),
        "employmentHistories": [dict(item) for item in employment],
        "educationAndLearnings": [dict(item) for item in education],
        "skills": [dict(item) for item in skills],
        "verifications": [dict(credential) for credential in credentials],
    }


def _credential(entry: Any) -> Mapping[str, Any] | None:
    if isinstance(entry, Mapping) and isinstance(entry.get("verifiableCredential"), Mapping):
        entry = entry["verifiableCredential"]
    if isinstance(entry, Mapping) and "VerifiableCredential" in (entry.get("type") or []):
        return entry
    return None


def _name(person: Any) -> str | None:
    name = person.get("name") if isinstance(person, Mapping) else None
    if isinstance(name, str):
        return name
    if isinstance(name, Mapping):
        formatted = name.get("formattedName")
        if isinstance(formatted, str):
            return formatted
        parts = [name.get("given"), name.get("family")]
        return " ".join(p for p in parts if isinstance(p, str)) or None
    return None


def _stated(item: Any, index: int) -> tuple[tuple[str, int | None] | None, str | None]:
    """A stated skill as (O*NET code, level), or a note on why it is not matched."""
    if not isinstance(item, Mapping):
        return None, f"skills.{index} is not an object"
    key = str(item.get("code") or item.get("name") or "")
    try:
        skill = find_skill(key)
    except SkillNotFoundError:
        return None, f"skills.{index} ({key[:80]!r}) is not in the skills catalogue"
    level = None
    if item.get("level") is not None:
        try:
            level = level_number(item["level"])
        except ValueError:
            level = None
    return (skill.onet_code, level), None


def read_resume(document: Any) -> Resume:
    """The credentials and stated skills of an LER-RS résumé; :class:`HiringInputError` if bad."""
    if not isinstance(document, Mapping):
        raise HiringInputError("a résumé is a JSON object (HR Open LER-RS structure)")
    verifications = document.get("verifications", [])
    if not isinstance(verifications, list):
        raise HiringInputError("verifications must be a list of credentials")
    if len(verifications) > MAX_VERIFICATIONS:
        raise HiringInputError(
            f"the résumé embeds {len(verifications)} credentials; at most {MAX_VERIFICATIONS}"
        )
    problems = []
    resume = Resume(_name(document.get("person")))
    for index, entry in enumerate(verifications):
        credential = _credential(entry)
        if credential is None:
            problems.append(
                Problem(f"verifications.{index}", "not a verifiable credential (JSON object)")
            )
        else:
            resume.credentials.append(dict(credential))
    if problems:
        raise HiringInputError(
            f"{len(problems)} entries of verifications are not credentials", problems
        )
    skills = document.get("skills", [])
    for index, item in enumerate(skills if isinstance(skills, list) else []):
        stated, note = _stated(item, index)
        if stated is not None:
            resume.stated_skills.append(stated)
        if note is not None:
            resume.notes.append(note)
    for section in SECTIONS:
        if not isinstance(document.get(section, []), list):
            resume.notes.append(f"{section} is not a list; it was ignored")
    return resume
