"""Credential types a college defines once and issues many times (tag ``ler-badges``).

A type is an OB 3.0 ``Achievement`` (name, description, criteria, achievement type) and the
catalogued skills it certifies, each with the level a learner normally reaches. It is kept in the
college's wallet; ``achievement`` in the answer is ready to put in a template's
``credentialSubject``, and ``skills`` ready to pass with it to issuance.

``GET  /ler/badges/credential-types``            every type
``POST /ler/badges/credential-types``            define one (409 if the name is taken)
``GET  /ler/badges/credential-types/{type_id}``  one type

Errors follow :mod:`ler_ledger.http_errors`, like the plugin's other routes.
"""

from __future__ import annotations

import uuid
from typing import Any

from acapy_agent.admin.decorators.auth import tenant_authentication
from acapy_agent.messaging.models.base_record import BaseRecord, BaseRecordSchema
from acapy_agent.messaging.models.openapi import OpenAPISchema
from acapy_agent.storage.error import StorageDuplicateError
from aiohttp import web
from aiohttp_apispec import docs, match_info_schema, request_schema, response_schema
from marshmallow import EXCLUDE, fields, validate

from ler_ledger import http_errors, request_json, request_profile
from ler_ledger.validators import text, uuid4

from ..skills import add_skills, find_skill, levels
from .errors import BadgesInputError

__all__ = ["CredentialTypeRecord", "credential_type_routes"]

TAG = "ler-badges"
BASE = "/ler/badges/credential-types"
MAX_SKILLS = 20

#: The OB 3.0 AchievementType vocabulary a college may pick from (``ext:`` terms are not offered).
ACHIEVEMENT_TYPES = [
    "Certificate",
    "Badge",
    "Certification",
    "CertificateOfCompletion",
    "MicroCredential",
    "Competency",
    "Course",
    "ApprenticeshipCertificate",
    "JourneymanCertificate",
    "License",
    "Diploma",
    "AssociateDegree",
    "BachelorDegree",
    "Award",
    "Assessment",
    "LearningProgram",
]


class CredentialTypeRecord(BaseRecord):
    """One credential type of this wallet's college."""

    class Meta:
        """Record metadata."""

        schema_class = "CredentialTypeRecordSchema"

    RECORD_TYPE = "ler_badges_credential_type"
    RECORD_ID_NAME = "type_id"
    TAG_NAMES = {"name_key"}
    VALUES = (
        "name",
        "name_key",
        "description",
        "criteria",
        "achievement_type",
        "achievement_id",
        "skills",
    )

    def __init__(
        self,
        *,
        type_id: str | None = None,
        name: str | None = None,
        name_key: str | None = None,
        description: str | None = None,
        criteria: str | None = None,
        achievement_type: str | None = None,
        achievement_id: str | None = None,
        skills: list[dict[str, Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(type_id, None, **kwargs)
        self.name = name
        self.name_key = name_key
        self.description = description
        self.criteria = criteria
        self.achievement_type = achievement_type
        self.achievement_id = achievement_id
        self.skills = skills or []

    @property
    def type_id(self) -> str:
        """The record's id."""
        return self._id

    @property
    def record_value(self) -> dict[str, Any]:
        """What is stored."""
        return {name: getattr(self, name) for name in self.VALUES}

    def achievement(self) -> dict[str, Any]:
        """The OB 3.0 ``Achievement`` every credential of this type certifies."""
        return {
            "id": self.achievement_id,
            "type": ["Achievement"],
            "name": self.name,
            "description": self.description,
            "criteria": {"narrative": self.criteria},
            "achievementType": self.achievement_type,
        }

    def shown(self) -> dict[str, Any]:
        """The type as the admin API shows it."""
        return {
            "type_id": self.type_id,
            "name": self.name,
            "description": self.description,
            "criteria": self.criteria,
            "achievement_type": self.achievement_type,
            "skills": self.skills,
            "achievement": self.achievement(),
            "created_at": self.created_at,
        }


class CredentialTypeRecordSchema(BaseRecordSchema):
    """Schema of :class:`CredentialTypeRecord` as stored."""

    class Meta:
        """Schema metadata."""

        model_class = CredentialTypeRecord
        unknown = EXCLUDE

    type_id = fields.Str(required=False)
    name = fields.Str(required=False)
    name_key = fields.Str(required=False)
    description = fields.Str(required=False)
    criteria = fields.Str(required=False)
    achievement_type = fields.Str(required=False)
    achievement_id = fields.Str(required=False)
    skills = fields.List(fields.Dict(), required=False)


class TypeSkillSchema(OpenAPISchema):
    """A catalogued skill and the level a learner of this type reaches."""

    skill = text(
        min_length=1, max_length=200, description="O*NET code, CTID or name", example="2.B.3.k"
    )
    level = fields.Raw(
        required=True, metadata={"description": "1-4 or level name", "example": "Proficient"}
    )


class CredentialTypeRequestSchema(OpenAPISchema):
    """A credential type to define."""

    name = text(min_length=1, max_length=100, example="CNC Machining I")
    description = text(min_length=1, max_length=1000, example="Sets up and runs a three-axis mill.")
    criteria = text(min_length=1, max_length=2000, example="Passed the practical assessment.")
    achievement_type = fields.Str(
        required=False,
        load_default="Certificate",
        validate=validate.OneOf(ACHIEVEMENT_TYPES),
        metadata={"description": "OB 3.0 achievementType (default Certificate)"},
    )
    skills = fields.List(
        fields.Nested(TypeSkillSchema()),
        required=True,
        validate=validate.Length(1, MAX_SKILLS),
        metadata={"description": "Skills from the catalogue (GET /ler/badges/skills)"},
    )


class CredentialTypeSchema(OpenAPISchema):
    """A defined credential type."""

    type_id = fields.Str(metadata={"example": "3fa85f64-5717-4562-b3fc-2c963f66afa6"})
    name = fields.Str()
    description = fields.Str()
    criteria = fields.Str()
    achievement_type = fields.Str()
    skills = fields.List(
        fields.Dict(), metadata={"example": [{"skill": "2.B.3.k", "level": 3, "name": "…"}]}
    )
    achievement = fields.Dict(metadata={"description": "OB 3.0 Achievement for templates"})
    created_at = fields.Str()


class CredentialTypeListSchema(OpenAPISchema):
    """Credential types."""

    results = fields.List(fields.Nested(CredentialTypeSchema()))


class TypeIdMatchSchema(OpenAPISchema):
    """A credential type id in the path."""

    type_id = uuid4(description="Credential type identifier")


def _text(body: dict[str, Any], key: str, longest: int) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > longest:
        raise BadgesInputError(f"{key} must be a text of 1 to {longest} characters")
    return value.strip()


def _level_number(value: Any) -> int:
    """The level's number, once the catalogue accepted it."""
    wanted = str(value).strip().lower()
    return next(lvl.level for lvl in levels() if wanted in (str(lvl.level), lvl.name.lower()))


def checked_skills(given: Any) -> list[dict[str, Any]]:
    """``[{"skill", "level"}]`` checked against the catalogue, as O*NET codes and level numbers.

    Raises :class:`~ler_badges.skills.SkillNotFoundError` (a skill or level the catalogue does
    not have) or :class:`BadgesInputError`.
    """
    if not isinstance(given, list) or not 0 < len(given) <= MAX_SKILLS:
        raise BadgesInputError(f"skills must list 1 to {MAX_SKILLS} skills from the catalogue")
    if not all(isinstance(item, dict) and item.get("level") is not None for item in given):
        raise BadgesInputError('each skill is {"skill": ..., "level": ...}, with a level')
    add_skills({}, given)  # the catalogue's own check, with its messages
    checked: list[dict[str, Any]] = []
    for item in given:
        skill = find_skill(str(item["skill"]))
        if any(seen["skill"] == skill.onet_code for seen in checked):
            raise BadgesInputError(f"{skill.name} is listed twice; list each skill once")
        level = _level_number(item["level"])
        checked.append({"skill": skill.onet_code, "level": level, "name": skill.name})
    return checked


@docs(tags=[TAG], summary="Define a credential type: achievement and catalogued skills")
@request_schema(CredentialTypeRequestSchema())
@response_schema(CredentialTypeSchema(), 200)
@tenant_authentication
@http_errors.json_errors
async def create_type(request: web.BaseRequest) -> web.Response:
    """Check and keep a new credential type."""
    body = await request_json(request)
    name = _text(body, "name", 100)
    achievement_type = body.get("achievement_type", "Certificate")
    if achievement_type not in ACHIEVEMENT_TYPES:
        raise BadgesInputError("achievement_type must be one of " + ", ".join(ACHIEVEMENT_TYPES))
    record = CredentialTypeRecord(
        name=name,
        name_key=name.casefold(),
        description=_text(body, "description", 1000),
        criteria=_text(body, "criteria", 2000),
        achievement_type=achievement_type,
        achievement_id=f"urn:uuid:{uuid.uuid4()}",
        skills=checked_skills(body.get("skills")),
    )
    async with request_profile(request).transaction() as txn:
        taken = await CredentialTypeRecord.query(txn, {"name_key": record.name_key})
        if taken:
            raise StorageDuplicateError(f"a credential type named {taken[0].name!r} exists")
        await record.save(txn, reason="credential type defined")
        await txn.commit()
    return web.json_response(record.shown())


@docs(tags=[TAG], summary="This college's credential types")
@response_schema(CredentialTypeListSchema(), 200)
@tenant_authentication
@http_errors.json_errors
async def list_types(request: web.BaseRequest) -> web.Response:
    """Every credential type, by name."""
    async with request_profile(request).session() as session:
        records = await CredentialTypeRecord.query(session, {})
    records.sort(key=lambda r: r.name_key or "")
    return web.json_response({"results": [r.shown() for r in records]})


@docs(tags=[TAG], summary="One credential type")
@match_info_schema(TypeIdMatchSchema())
@response_schema(CredentialTypeSchema(), 200)
@tenant_authentication
@http_errors.json_errors
async def get_type(request: web.BaseRequest) -> web.Response:
    """A credential type by id (404 if there is none)."""
    async with request_profile(request).session() as session:
        record = await CredentialTypeRecord.retrieve_by_id(session, request.match_info["type_id"])
    return web.json_response(record.shown())


def credential_type_routes() -> list[web.RouteDef]:
    """The routes, for the plugin's ``register(app)``."""
    return [
        web.get(BASE, list_types, allow_head=False),
        web.post(BASE, create_type),
        web.get(BASE + "/{type_id}", get_type, allow_head=False),
    ]
