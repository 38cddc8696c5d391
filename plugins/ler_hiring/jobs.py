"""Job postings: the published JSON Schema, validation, and the skills resolved from the catalogue.

A posting names the skills a job needs (``required_skills``) and would like (``preferred_skills``)
with a minimum level each, from ``ler_badges``' skills catalogue. :func:`validate_job` checks a
posting against ``schemas/job-posting.schema.json`` and resolves each skill, so the stored job
carries the O*NET code, the skill's name and its Credential Engine CTID and registry URL.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator

from ler_badges import Skill, SkillNotFoundError, find_skill, levels

from .errors import HiringInputError, Problem

__all__ = ["SCHEMA_ID", "job_schema", "level_number", "validate_job"]

SCHEMA_ID = "urn:ler-node:schema:job-posting:1"
SKILL_LISTS = ("required_skills", "preferred_skills")
JOB_ID = re.compile(r"^urn:uuid:[0-9a-f-]{36}$")


@cache
def job_schema() -> dict[str, Any]:
    """The job posting JSON Schema (draft 2020-12)."""
    path = resources.files(__package__) / "schemas" / "job-posting.schema.json"
    return json.loads(path.read_text("utf-8"))


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(job_schema())


def level_number(value: int | str) -> int:
    """A catalogue level given as 1-4 or by name; ValueError if there is no such level."""
    for level in levels():
        if str(value).strip().lower() in (str(level.level), level.name.lower()):
            return level.level
    names = ", ".join(f"{level.level} {level.name}" for level in levels())
    raise ValueError(f"{value!r} is not a proficiency level; use one of {names}")


def _path(parts: Any) -> str:
    return ".".join(str(part) for part in parts)


def _skill_entry(skill: Skill, min_level: int) -> dict[str, Any]:
    level = next(item for item in levels() if item.level == min_level)
    return {
        "onet_code": skill.onet_code,
        "name": skill.name,
        "ctid": skill.ctid,
        "url": skill.url,
        "framework": skill.framework_name,
        "min_level": min_level,
        "min_level_name": level.name,
    }


def validate_job(document: Any, *, job_id: str | None = None) -> dict[str, Any]:
    """The posting, checked and with its skills resolved; :class:`HiringInputError` lists problems.

    ``job_id`` (else the document's ``id``, else a new ``urn:uuid``) becomes its ``id``.
    """
    if not isinstance(document, Mapping):
        raise HiringInputError("a job posting is a JSON object")
    problems = [
        Problem(_path(error.absolute_path), error.message)
        for error in sorted(_validator().iter_errors(document), key=lambda e: list(e.path))
    ]
    job = dict(document)
    seen: set[str] = set()
    for key in SKILL_LISTS:
        resolved = []
        items = job.get(key) if isinstance(job.get(key), list) else []
        for index, item in enumerate(items):
            if not isinstance(item, Mapping):
                continue
            where = f"{key}.{index}"
            try:
                skill = find_skill(str(item.get("skill", "")))
                level = level_number(item.get("min_level", ""))
            except (SkillNotFoundError, ValueError) as error:
                problems.append(Problem(where, str(error)))
                continue
            if skill.onet_code in seen:
                problems.append(Problem(where, f"{skill.name} is listed twice"))
                continue
            seen.add(skill.onet_code)
            resolved.append(_skill_entry(skill, level))
        job[key] = resolved
    if problems:
        listed = "; ".join(f"{p.path or '(posting)'}: {p.message}" for p in problems[:5])
        raise HiringInputError(f"the job posting is not valid ({listed})", problems)
    job["id"] = job_id or job.get("id") or f"urn:uuid:{uuid.uuid4()}"
    job["schema"] = SCHEMA_ID
    return job
