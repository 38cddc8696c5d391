"""Validate Open Badges 3.0 and CLR 2.0 credentials against their JSON Schemas.

The schema is picked by the credential's ``type``:

- ``ClrCredential``: ler-node's CLR 2.0 subset schema (no registry package ships the official
  one; see ``schemas/SOURCES.md``), then each entry of ``credentialSubject.verifiableCredential``
  against the schema of its own type;
- ``EndorsementCredential``: the official OB 3.0 EndorsementCredential definition;
- anything else, including ``AchievementCredential`` and ``OpenBadgeCredential``: the official
  OB 3.0 AchievementCredential schema (so a wrong ``type`` is reported, not skipped).

Validation uses JSON Schema draft 2019-09 with ``date-time`` and ``date`` formats checked,
plus the nested ``type`` checks of :mod:`ler_badges.type_checks`. Every problem is reported
with its JSON path in words a registrar's office can act on (:mod:`ler_badges.schema_messages`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft201909Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT201909

from .errors import SchemaProblem, SchemaValidationError
from .schema_messages import format_path, problems_from_errors
from .type_checks import type_problems

__all__ = [
    "CredentialKind",
    "credential_kind",
    "schema_problems",
    "validate_credential",
    "validate_profile",
]

_SCHEMAS = resources.files(__package__) / "schemas"
OB_ACHIEVEMENT_CREDENTIAL_SCHEMA = "ob_v3p0_achievementcredential_schema.json"
OB_PROFILE_SCHEMA = "ob_v3p0_profile_schema.json"
CLR_SUBSET_SCHEMA = "ler_clr_v2p0_clrcredential_subset.json"

_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$",
)


class CredentialKind(StrEnum):
    """The kinds of credential this module validates, named by their ``type`` value."""

    ACHIEVEMENT = "AchievementCredential"
    ENDORSEMENT = "EndorsementCredential"
    CLR = "ClrCredential"

    @property
    def label(self) -> str:
        """How the kind is named in messages."""
        return {
            CredentialKind.ACHIEVEMENT: "Open Badges 3.0 AchievementCredential",
            CredentialKind.ENDORSEMENT: "Open Badges 3.0 EndorsementCredential",
            CredentialKind.CLR: "CLR 2.0 ClrCredential",
        }[self]


def credential_kind(credential: Mapping[str, Any]) -> CredentialKind:
    """Pick the kind by ``type``; anything that is neither CLR nor endorsement is a badge."""
    value = credential.get("type")
    types = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    if CredentialKind.CLR in types:
        return CredentialKind.CLR
    if CredentialKind.ENDORSEMENT in types:
        return CredentialKind.ENDORSEMENT
    return CredentialKind.ACHIEVEMENT


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.match(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == len("2024-05-01")


@cache
def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    checker.checks("date-time")(_is_date_time)
    checker.checks("date")(_is_date)
    return checker


@cache
def _schema(name: str) -> dict[str, Any]:
    return json.loads((_SCHEMAS / name).read_text("utf-8"))


@cache
def _registry() -> Registry:
    resources_ = [
        Resource.from_contents(_schema(name), default_specification=DRAFT201909)
        for name in (OB_ACHIEVEMENT_CREDENTIAL_SCHEMA, OB_PROFILE_SCHEMA, CLR_SUBSET_SCHEMA)
    ]
    return Registry().with_resources((resource.id(), resource) for resource in resources_)


@cache
def _validator(kind_or_profile: str) -> Draft201909Validator:
    ob_id = _schema(OB_ACHIEVEMENT_CREDENTIAL_SCHEMA)["$id"]
    schema: dict[str, Any] = {
        CredentialKind.ACHIEVEMENT: {"$ref": ob_id},
        CredentialKind.ENDORSEMENT: {"$ref": f"{ob_id}#/$defs/EndorsementCredential"},
        CredentialKind.CLR: {"$ref": _schema(CLR_SUBSET_SCHEMA)["$id"]},
        "Profile": {"$ref": _schema(OB_PROFILE_SCHEMA)["$id"]},
        "CredentialStatus": {"$ref": f"{ob_id}#/$defs/CredentialStatus"},
    }[kind_or_profile]
    return Draft201909Validator(schema, registry=_registry(), format_checker=_format_checker())


def _merge(problems: list[SchemaProblem], extra: list[SchemaProblem]) -> None:
    """Add ``extra`` problems unless one is already reported at the same path."""
    seen = {problem.path for problem in problems}
    problems.extend(problem for problem in extra if problem.path not in seen)


def _status_list_problems(
    credential: Mapping[str, Any], prefix: Sequence[str | int]
) -> tuple[Mapping[str, Any], list[SchemaProblem]]:
    """Check a list of ``credentialStatus`` entries one by one; the credential without them.

    VC Data Model 2.0 allows several entries (ler-node issues a revocation and a suspension
    entry); the OB 3.0 and CLR 2.0 schemas describe one, so each entry is checked against the
    schema's ``CredentialStatus`` on its own.
    """
    status = credential.get("credentialStatus")
    if not isinstance(status, list):
        return credential, []
    if not status:
        path = format_path([*prefix, "credentialStatus"])
        return credential, [SchemaProblem(path, f"{path} must not be an empty list")]
    problems: list[SchemaProblem] = []
    for index, entry in enumerate(status):
        errors = _validator("CredentialStatus").iter_errors(entry)
        problems += problems_from_errors(errors, [*prefix, "credentialStatus", index])
    return {k: v for k, v in credential.items() if k != "credentialStatus"}, problems


def _problems(
    credential: Mapping[str, Any], prefix: Sequence[str | int], depth: int
) -> list[SchemaProblem]:
    kind = credential_kind(credential)
    checked, status_problems = _status_list_problems(credential, prefix)
    errors = _validator(kind).iter_errors(checked)
    problems = problems_from_errors(errors, prefix)
    _merge(problems, type_problems(checked, kind, prefix))
    _merge(problems, status_problems)
    if kind is CredentialKind.CLR and depth < 2:
        subject = credential.get("credentialSubject")
        nested = subject.get("verifiableCredential") if isinstance(subject, Mapping) else None
        for index, item in enumerate(nested if isinstance(nested, list) else []):
            if isinstance(item, Mapping):
                path = [*prefix, "credentialSubject", "verifiableCredential", index]
                problems.extend(_problems(item, path, depth + 1))
    return problems


def schema_problems(credential: Mapping[str, Any]) -> list[SchemaProblem]:
    """Every schema problem of an OB 3.0 / CLR 2.0 credential (empty when it is valid)."""
    if not isinstance(credential, Mapping):
        return [SchemaProblem("(the credential itself)", "the credential must be a JSON object")]
    return _problems(credential, (), 0)


def validate_credential(credential: Mapping[str, Any]) -> CredentialKind:
    """Validate a credential against the schema for its type; return the kind it was checked as.

    Raises :class:`~ler_badges.errors.SchemaValidationError` listing every problem.
    """
    problems = schema_problems(credential)
    if not isinstance(credential, Mapping):
        raise SchemaValidationError("credential", problems)
    kind = credential_kind(credential)
    if problems:
        raise SchemaValidationError(kind.label, problems)
    return kind


def validate_profile(profile: Mapping[str, Any]) -> None:
    """Validate an issuer Profile against the official OB 3.0 Profile schema."""
    errors = _validator("Profile").iter_errors(profile)
    problems = problems_from_errors(errors)
    if isinstance(profile, Mapping):
        _merge(problems, type_problems(profile, "Profile"))
    if problems:
        raise SchemaValidationError("Open Badges 3.0 issuer Profile", problems)
