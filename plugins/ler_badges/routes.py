"""Admin API of ler_badges (tag ``ler-badges``), authenticated like ACA-Py's own wallet routes.

Colleges issue and manage credentials, learners present them, employers verify them. Errors follow
the contract of ``ler_ledger``'s admin API (:mod:`ler_ledger.http_errors`): a JSON body
``{"error", "code", "problems"?}`` with the status from one table (schema problems list each one
with its JSON path); only an unexpected fault is a 500, and then without a traceback.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from acapy_agent.admin.decorators.auth import tenant_authentication
from acapy_agent.core.event_bus import EventBus
from acapy_agent.core.util import SHUTDOWN_EVENT_TOPIC, STARTUP_EVENT_TOPIC
from acapy_agent.messaging.models.openapi import OpenAPISchema
from acapy_agent.storage.error import StorageNotFoundError
from aiohttp import web
from aiohttp_apispec import (
    docs,
    match_info_schema,
    querystring_schema,
    request_schema,
    response_schema,
)
from marshmallow import fields, validate

from ler_ledger import http_errors, local_did, request_json, request_profile
from ler_ledger.validators import (
    ANY_DID_VALIDATE,
    URI_VALIDATE,
    AnyDid,
    LerDid,
    Uri,
    ler_did,
    one_of,
    text,
    uuid4,
)

from . import api_examples
from .acapy import did_web, presentations, wiring
from .acapy.credential_types import credential_type_routes
from .acapy.environment import AgentEnvironment
from .acapy.errors import BadgesInputError, IssuanceRefused
from .acapy.holder import BadgePresenter
from .acapy.issuer import BadgeIssuer
from .acapy.records import IssuedBadgeRecord, IssuedBadgeRecordSchema, StatusListRecord
from .acapy.registry_publisher import registry_admin_routes
from .acapy.service import BadgesService
from .acapy.status_lists import StatusListManager, status_value
from .skills import catalogue, levels
from .vc_api.exchange_admin import exchange_admin_routes
from .verification import verify_credential

LOGGER = logging.getLogger(__name__)
TAG = "ler-badges"
Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]

#: Every handler's errors become the JSON contract of :mod:`ler_ledger.http_errors`.
badges_errors = http_errors.json_errors
error_response = http_errors.error_response


def _credential(body: dict[str, Any]) -> dict[str, Any]:
    credential = body.get("credential")
    if not isinstance(credential, dict):
        raise BadgesInputError("credential (a JSON object) is required")
    return credential


def _skills(body: dict[str, Any]) -> list[dict[str, Any]]:
    skills = body.get("skills") or []
    if not isinstance(skills, list) or not all(isinstance(s, dict) for s in skills):
        raise BadgesInputError('skills must be a list of {"skill": ..., "level": ...} objects')
    return skills


def _issuer_did(profile: Any, body: dict[str, Any]) -> str | None:
    """The issuer DID asked for, checked to be a did:ler DID of this agent's network."""
    did = body.get("issuer_did")
    if did is None:
        return None
    if not isinstance(did, str):
        raise BadgesInputError(f"issuer_did must be a did:ler DID, e.g. {LerDid.EXAMPLE}")
    local_did(profile, did)
    return did


# --- schemas -----------------------------------------------------------------------------------


class SkillLevelSchema(OpenAPISchema):
    """A catalogued skill and the level reached."""

    skill = text(
        min_length=1,
        max_length=200,
        description="O*NET code, Credential Engine CTID or name",
        example="2.B.3.k",
    )
    level = fields.Raw(
        required=False, metadata={"description": "1-4 or level name", "example": "Proficient"}
    )


class OfferRequestSchema(OpenAPISchema):
    """Offer an OB 3.0 / CLR 2.0 credential to a learner."""

    connection_id = uuid4(description="Learner's connection")
    credential = fields.Dict(
        required=True,
        metadata={
            "description": "AchievementCredential or ClrCredential template; @context, id, type, "
            "issuer, validFrom, credentialSchema and credentialStatus are filled in",
            "example": api_examples.CREDENTIAL,
        },
    )
    skills = fields.List(
        fields.Nested(SkillLevelSchema()),
        required=False,
        validate=validate.Length(max=100),
        metadata={"description": "Skills to align the achievement to, with levels reached"},
    )
    issuer_did = ler_did(
        required=False, description="did:ler DID to issue as (default: public DID)"
    )
    comment = text(required=False, max_length=2000)


class CheckRequestSchema(OpenAPISchema):
    """A template to complete and check without issuing it."""

    credential = fields.Dict(required=True, metadata={"example": api_examples.CREDENTIAL})
    skills = fields.List(
        fields.Nested(SkillLevelSchema()), required=False, validate=validate.Length(max=100)
    )
    issuer_did = ler_did(
        required=False, description="did:ler DID to issue as (default: public DID)"
    )


class OfferResultSchema(OpenAPISchema):
    """An offered credential."""

    cred_ex_id = fields.Str(metadata={"description": "issue-credential 2.0 exchange"})
    credential_id = fields.Str(metadata={"example": "urn:uuid:7e1d6c1e-..."})
    kind = fields.Str(metadata={"example": "AchievementCredential"})
    credential = fields.Dict(metadata={"description": "The credential offered (unsigned)"})


class CredentialIdMatchSchema(OpenAPISchema):
    """A credential id in the path (percent-encode it)."""

    credential_id = fields.Str(
        required=True,
        validate=[URI_VALIDATE, validate.Length(max=2000)],
        metadata={"example": Uri.EXAMPLE},
    )


class StatusRequestSchema(OpenAPISchema):
    """A status change."""

    status = one_of(
        ["revoked", "suspended", "valid"], description="valid reinstates a suspended credential"
    )
    reason = text(required=False, example="issued in error")
    wait = fields.Bool(
        required=False,
        load_default=True,
        metadata={
            "description": "Wait until the change is on the ledger (default). With false, answer "
            "202 with the endorsement_id at once; the change applies when the state endorses it."
        },
    )


class IssuedQuerySchema(OpenAPISchema):
    """Filters for issued credentials."""

    credential_id = fields.Str(
        required=False,
        validate=[URI_VALIDATE, validate.Length(max=2000)],
        metadata={"example": Uri.EXAMPLE},
    )
    state = one_of(["valid", "revoked", "suspended"], required=False)
    cred_ex_id = uuid4(required=False, description="issue-credential 2.0 exchange")


class IssuedListSchema(OpenAPISchema):
    """Issued credentials."""

    results = fields.List(fields.Nested(IssuedBadgeRecordSchema()))


class VerifyRequestSchema(OpenAPISchema):
    """A credential to verify."""

    credential = fields.Dict(required=True, metadata={"description": "Signed OB 3.0 / CLR 2.0"})
    require_accreditation = fields.Bool(
        required=False,
        metadata={
            "description": "Fail if the state has not accredited the issuer (default: config)"
        },
    )


class CheckResultSchema(OpenAPISchema):
    """One named check (``ler_ledger``'s ``Check``, shared by every verifier)."""

    name = fields.Str(metadata={"example": "status"})
    outcome = fields.Str(metadata={"example": "passed", "description": "passed, failed, skipped"})
    passed = fields.Bool(allow_none=True, metadata={"description": "null when skipped"})
    detail = fields.Str()
    code = fields.Str(allow_none=True, metadata={"example": "revoked"})


class VerdictSchema(OpenAPISchema):
    """The verdict on one credential."""

    credential_id = fields.Str(allow_none=True)
    kind = fields.Str(metadata={"example": "AchievementCredential"})
    issuer = fields.Dict()
    verified = fields.Bool()
    checks = fields.List(fields.Nested(CheckResultSchema()))
    reasons = fields.List(fields.Str(), metadata={"example": ["revoked"]})
    skills = fields.List(fields.Dict())
    credentials = fields.List(fields.Dict(), metadata={"description": "A CLR's credentials"})


class PresExIdMatchSchema(OpenAPISchema):
    """A presentation exchange id in the path."""

    pres_ex_id = uuid4(description="Presentation exchange identifier")


class PresentationVerdictSchema(OpenAPISchema):
    """The verdict on a received presentation, from the verdict store AnonCreds verdicts share."""

    pres_ex_id = fields.Str()
    format = fields.Str(metadata={"example": "dif", "description": "dif or anoncreds"})
    verified = fields.Bool()
    reasons = fields.List(fields.Str(), metadata={"example": ["credential[0]: revoked"]})
    checks = fields.List(fields.Nested(CheckResultSchema()))
    presentation = fields.List(fields.Nested(CheckResultSchema()))
    credentials = fields.List(fields.Nested(VerdictSchema()))
    skills = fields.List(fields.Dict())


class SendPresentationRequestSchema(OpenAPISchema):
    """Which stored credentials to present, and as whom."""

    record_ids = fields.List(
        fields.Str(validate=validate.Length(1, 200)),
        required=False,
        validate=validate.Length(max=100),
        metadata={"description": "W3C credential record ids"},
    )
    holder_did = fields.Str(
        required=False,
        validate=[ANY_DID_VALIDATE, validate.Length(max=2000)],
        metadata={
            "description": "DID that signs (default: the subject)",
            "example": AnyDid.EXAMPLE,
        },
    )


class DidWebSchema(OpenAPISchema):
    """The college's did:web and its binding to the did:ler on the ledger."""

    did = fields.Str(metadata={"example": LerDid.EXAMPLE})
    did_web = fields.Str(metadata={"example": "did:web:prairieridge.example"})
    also_known_as = fields.Str(
        allow_none=True, metadata={"description": "What the did:ler's ledger entry names"}
    )
    bound = fields.Bool(metadata={"description": "The ledger entry names the did:web"})


class DidWebBindRequestSchema(OpenAPISchema):
    """Nothing to give: the agent's public did:ler and configured did:web are bound."""


class SkillsSchema(OpenAPISchema):
    """The skills catalogue."""

    levels = fields.List(fields.Dict())
    skills = fields.List(fields.Dict())


# --- issuer ------------------------------------------------------------------------------------


@docs(
    tags=[TAG], summary="Offer an OB 3.0 / CLR 2.0 credential to a learner (issue-credential 2.0)"
)
@request_schema(OfferRequestSchema())
@response_schema(OfferResultSchema(), 200)
@tenant_authentication
@badges_errors
async def send_offer(request: web.BaseRequest) -> web.Response:
    """Check, complete and offer a credential."""
    body = await request_json(request)
    if not isinstance(body.get("connection_id"), str) or not body["connection_id"]:
        raise BadgesInputError("connection_id (the learner's connection) is required")
    profile = request_profile(request)
    result = await BadgeIssuer(profile).offer(
        body["connection_id"],
        _credential(body),
        skills=_skills(body),
        issuer_did=_issuer_did(profile, body),
        comment=body.get("comment"),
    )
    return web.json_response(result)


@docs(tags=[TAG], summary="Complete and check a credential template without issuing it")
@request_schema(CheckRequestSchema())
@response_schema(OfferResultSchema(), 200)
@tenant_authentication
@badges_errors
async def check_template(request: web.BaseRequest) -> web.Response:
    """Dry run: the credential that would be offered, or every problem with it."""
    body = await request_json(request)
    profile = request_profile(request)
    credential = await BadgeIssuer(profile).prepare(
        _credential(body), skills=_skills(body), issuer_did=_issuer_did(profile, body)
    )
    return web.json_response({"credential_id": credential["id"], "credential": credential})


@docs(tags=[TAG], summary="Credentials this agent issued, with their status")
@querystring_schema(IssuedQuerySchema())
@response_schema(IssuedListSchema(), 200)
@tenant_authentication
@badges_errors
async def issued_list(request: web.BaseRequest) -> web.Response:
    """List issued credentials."""
    tags = {
        k: request.query[k] for k in ("credential_id", "state", "cred_ex_id") if k in request.query
    }
    async with request_profile(request).session() as session:
        records = await IssuedBadgeRecord.query(session, tags)
    return web.json_response({"results": [r.serialize() for r in records]})


@docs(
    tags=[TAG],
    summary="Revoke, suspend or reinstate an issued credential (anchored on the ledger first)",
)
@match_info_schema(CredentialIdMatchSchema())
@request_schema(StatusRequestSchema())
@response_schema(IssuedBadgeRecordSchema(), 200)
@response_schema(IssuedBadgeRecordSchema(), 202, description="Waiting for the state's endorser")
@tenant_authentication
@badges_errors
async def set_status(request: web.BaseRequest) -> web.Response:
    """Change a credential's status."""
    body = await request_json(request)
    change = await StatusListManager(request_profile(request)).set_status(
        request.match_info["credential_id"],
        status_value(str(body.get("status", ""))),
        body.get("reason"),
        wait=bool(body.get("wait", True)),
    )
    if change.pending_endorsement_id is None:
        return web.json_response(change.issued.serialize())
    return web.json_response(
        {**change.issued.serialize(), "endorsement_id": change.pending_endorsement_id}, status=202
    )


@docs(tags=[TAG], summary="This agent's status lists: URL, anchored version, entries used")
@tenant_authentication
@badges_errors
async def status_lists(request: web.BaseRequest) -> web.Response:
    """List status lists."""
    async with request_profile(request).session() as session:
        records = await StatusListRecord.query(session, {})
    keep = ("status_list_id", "issuer_did", "list_url", "purpose", "version", "used", "state")
    return web.json_response(
        {"results": [{k: v for k, v in r.serialize().items() if k in keep} for r in records]}
    )


async def _did_web_state(request: web.BaseRequest, *, bind_it: bool) -> dict[str, Any]:
    profile = request_profile(request)
    did = await did_web.public_ler_did(profile)
    if did is None:
        raise IssuanceRefused(
            "this agent has no public did:ler DID yet; anchor one "
            "(POST /ler/did/create with public=true)"
        )
    if profile.inject(BadgesService).did_web is None:
        raise IssuanceRefused(
            "no did:web is configured: set ler_badges.did_web.domain (and serve it: "
            "ler_badges.status_lists.port, ler_badges.tls)"
        )
    return await (did_web.bind if bind_it else did_web.binding)(profile, did)


@docs(tags=[TAG], summary="The college's did:web and whether the ledger binds it to its did:ler")
@response_schema(DidWebSchema(), 200)
@tenant_authentication
@badges_errors
async def did_web_get(request: web.BaseRequest) -> web.Response:
    """The did:web binding as the ledger holds it."""
    return web.json_response(await _did_web_state(request, bind_it=False))


@docs(
    tags=[TAG],
    summary="Record the did:web on the public did:ler's ledger entry (done on first issuance)",
)
@request_schema(DidWebBindRequestSchema())
@response_schema(DidWebSchema(), 200)
@tenant_authentication
@badges_errors
async def did_web_bind(request: web.BaseRequest) -> web.Response:
    """Bind the did:web to the did:ler on the ledger (an endorsed write), once."""
    return web.json_response(await _did_web_state(request, bind_it=True))


@docs(tags=[TAG], summary="The skills catalogue (O*NET skills with Credential Engine CTIDs)")
@response_schema(SkillsSchema(), 200)
@tenant_authentication
@badges_errors
async def skills(_request: web.BaseRequest) -> web.Response:
    """Catalogued skills and the proficiency levels."""
    return web.json_response(
        {
            "levels": [vars(level) for level in levels()],
            "skills": [{**vars(skill), "url": skill.url} for skill in catalogue()],
        }
    )


# --- verifier ----------------------------------------------------------------------------------


@docs(
    tags=[TAG],
    summary="Verify an OB 3.0 / CLR 2.0 credential: signature, schema, dates, status, issuer",
)
@request_schema(VerifyRequestSchema())
@response_schema(VerdictSchema(), 200)
@tenant_authentication
@badges_errors
async def verify(request: web.BaseRequest) -> web.Response:
    """Verify a credential given as JSON."""
    body = await request_json(request)
    require = body.get("require_accreditation")
    if require is not None and not isinstance(require, bool):
        raise BadgesInputError("require_accreditation must be true or false")
    env = AgentEnvironment(request_profile(request), require_accreditation=require)
    verdict = await verify_credential(_credential(body), env)
    return web.json_response(verdict.as_dict())


@docs(tags=[TAG], summary="Verify the OB 3.0 / CLR 2.0 credentials of a received presentation")
@match_info_schema(PresExIdMatchSchema())
@response_schema(PresentationVerdictSchema(), 200)
@tenant_authentication
@badges_errors
async def presentation_verify(request: web.BaseRequest) -> web.Response:
    """Verify (again) a presentation exchange."""
    profile = request_profile(request)
    return web.json_response(
        await presentations.verify_exchange(profile, request.match_info["pres_ex_id"])
    )


@docs(tags=[TAG], summary="The stored verdict on a received presentation")
@match_info_schema(PresExIdMatchSchema())
@response_schema(PresentationVerdictSchema(), 200)
@tenant_authentication
@badges_errors
async def presentation_get(request: web.BaseRequest) -> web.Response:
    """Fetch a verdict."""
    verdict = await presentations.load_verdict(
        request_profile(request), request.match_info["pres_ex_id"]
    )
    if verdict is None:
        raise StorageNotFoundError(
            "no verdict for this presentation exchange (yet): verify it with "
            "POST /ler/badges/presentations/{pres_ex_id}/verify"
        )
    return web.json_response(verdict)


# --- holder ------------------------------------------------------------------------------------


@docs(
    tags=[TAG],
    summary="Answer a DIF presentation request with stored OB 3.0 / CLR 2.0 credentials",
)
@match_info_schema(PresExIdMatchSchema())
@request_schema(SendPresentationRequestSchema())
@tenant_authentication
@badges_errors
async def send_presentation(request: web.BaseRequest) -> web.Response:
    """Present credentials for a request this agent received."""
    body = await request_json(request)
    record = await BadgePresenter(request_profile(request)).send(
        request.match_info["pres_ex_id"],
        record_ids=body.get("record_ids"),
        holder_did=body.get("holder_did"),
    )
    return web.json_response(record.serialize())


# --- wiring ------------------------------------------------------------------------------------


async def register(app: web.Application) -> None:
    """Add the plugin's routes, and the JSON error contract for ``/ler/`` paths."""
    http_errors.install(app)
    app.add_routes(
        [
            web.post("/ler/badges/credentials/send-offer", send_offer),
            web.post("/ler/badges/credentials/check", check_template),
            web.get("/ler/badges/credentials", issued_list, allow_head=False),
            web.post("/ler/badges/credentials/{credential_id}/status", set_status),
            web.get("/ler/badges/status-lists", status_lists, allow_head=False),
            web.get("/ler/badges/skills", skills, allow_head=False),
            web.get("/ler/badges/did-web", did_web_get, allow_head=False),
            web.post("/ler/badges/did-web/bind", did_web_bind),
            web.post("/ler/badges/verify", verify),
            web.post("/ler/badges/presentations/{pres_ex_id}/verify", presentation_verify),
            web.get("/ler/badges/presentations/{pres_ex_id}", presentation_get, allow_head=False),
            web.post("/ler/badges/presentations/{pres_ex_id}/send-presentation", send_presentation),
            *credential_type_routes(),
            *exchange_admin_routes(),
            *registry_admin_routes(),
        ]
    )


def register_events(event_bus: EventBus) -> None:
    """Startup wiring, shutdown, and verification of received presentations."""
    event_bus.subscribe(re.compile(f"^{STARTUP_EVENT_TOPIC}$"), wiring.on_startup)
    event_bus.subscribe(re.compile(f"^{SHUTDOWN_EVENT_TOPIC}$"), wiring.on_shutdown)
    event_bus.subscribe(
        re.compile(presentations.PRESENTATION_RECEIVED), presentations.on_presentation_received
    )


def post_process_routes(app: web.Application) -> None:
    """Describe the tag in the OpenAPI document."""
    app._state["swagger_dict"].setdefault("tags", []).append(
        {
            "name": TAG,
            "description": "Open Badges 3.0 / CLR 2.0: issue with eddsa-rdfc-2022, status lists "
            "anchored on the state ledger, present and verify",
        }
    )
