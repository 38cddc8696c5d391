"""Admin API of ler_hiring (tag ``ler-hiring``), authenticated like ACA-Py's own routes.

Employers post jobs, derive the proof request a job needs, and match a candidate's evidence
(a résumé, credentials, an AnonCreds presentation) against a job; learners export a résumé.
Errors follow ``ler_ledger``'s one contract (:mod:`ler_ledger.http_errors`): 4xx JSON bodies.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from acapy_agent.admin.decorators.auth import tenant_authentication
from acapy_agent.core.event_bus import EventBus
from acapy_agent.core.profile import Profile
from acapy_agent.core.util import SHUTDOWN_EVENT_TOPIC, STARTUP_EVENT_TOPIC
from acapy_agent.messaging.models.openapi import OpenAPISchema
from acapy_agent.protocols.present_proof.v2_0.formats.anoncreds.handler import (
    AnonCredsPresExchangeHandler,
)
from acapy_agent.protocols.present_proof.v2_0.models.pres_exchange import V20PresExRecord
from acapy_agent.storage.vc_holder.base import VCHolder
from aiohttp import web
from aiohttp_apispec import (
    docs,
    match_info_schema,
    querystring_schema,
    request_schema,
    response_schema,
)
from marshmallow import fields, validate

from ler_badges import BadgesError, verify_credential
from ler_badges.acapy.did_web import issuing_identity, public_ler_did
from ler_badges.acapy.environment import AgentEnvironment
from ler_badges.acapy.issuer import BadgeIssuer
from ler_badges.acapy.service import BadgesService
from ler_ledger import http_errors, load_verdict, request_json, request_profile
from ler_ledger.validators import text, uint64, uuid4

from . import store
from .ats_delivery import AtsDeliveries, Presenter
from .ats_presentation import authentic, signed_presentation
from .employment import employment_credential
from .errors import AtsSigningError, HiringInputError
from .jobs import job_schema, validate_job
from .matching import (
    Evidence,
    evidence_from_anoncreds,
    evidence_from_credential,
    match,
    self_reported,
)
from .proof_requests import CredentialShape, job_proof_request
from .resume import MAX_VERIFICATIONS, read_resume, resume_document

TAG = "ler-hiring"
hiring_errors = http_errors.json_errors
ANONCREDS = AnonCredsPresExchangeHandler.format


# --- schemas -----------------------------------------------------------------------------------


class SkillRequirementSchema(OpenAPISchema):
    """A catalogued skill and the minimum level a job needs."""

    skill = text(min_length=1, max_length=200, example="2.B.3.k")
    min_level = fields.Raw(required=True, metadata={"example": 3})


class JobSchema(OpenAPISchema):
    """A job posting (the full JSON Schema: GET /ler/hiring/job-schema)."""

    title = text(min_length=1, max_length=200, example="CNC Machinist")
    onet_code = text(max_length=20, example="51-4011.00")
    occupation = text(required=False, max_length=200)
    description = text(required=False, max_length=5000)
    employer = fields.Dict(required=False)
    location = text(required=False, max_length=200)
    required_skills = fields.List(
        fields.Nested(SkillRequirementSchema()), required=True, validate=validate.Length(1, 30)
    )
    preferred_skills = fields.List(
        fields.Nested(SkillRequirementSchema()), required=False, validate=validate.Length(0, 30)
    )


class JobIdMatchSchema(OpenAPISchema):
    """A job id in the path."""

    job_id = uuid4(description="Job identifier")


class MatchIdMatchSchema(OpenAPISchema):
    """A match report id in the path."""

    match_id = uuid4(description="Match report identifier")


class DeliveryIdMatchSchema(OpenAPISchema):
    """An ATS delivery id in the path."""

    delivery_id = uuid4(description="ATS delivery identifier")


class ProofRequestQuerySchema(OpenAPISchema):
    """When the credentials must not be revoked, and which credential type answers."""

    non_revoked_at = uint64(strict=False, description="Unix time (default: no interval)")
    schema_name = text(
        required=False,
        min_length=1,
        max_length=200,
        description="AnonCreds schema of the skills credentials (default SkillsCredential)",
    )


class MatchRequestSchema(OpenAPISchema):
    """A candidate's evidence: a résumé, credentials and/or an AnonCreds presentation."""

    resume = fields.Dict(required=False, metadata={"description": "HR Open LER-RS résumé"})
    credentials = fields.List(
        fields.Dict(),
        required=False,
        validate=validate.Length(max=MAX_VERIFICATIONS),
        metadata={"description": "OB 3.0 / CLR 2.0 credentials"},
    )
    pres_ex_id = uuid4(
        required=False, description="An AnonCreds presentation answering the job's request"
    )
    deliver = fields.Bool(
        required=False, metadata={"description": "Post to the ATS webhook (default: if set up)"}
    )


class ResumeExportSchema(OpenAPISchema):
    """What the learner's résumé says and which stored credentials it embeds."""

    person = fields.Dict(required=True, metadata={"example": {"name": {"formattedName": "J R"}}})
    record_ids = fields.List(
        fields.Str(validate=validate.Length(1, 200)),
        required=False,
        validate=validate.Length(max=MAX_VERIFICATIONS),
        metadata={"description": "W3C credential record ids (default: every OB 3.0 / CLR)"},
    )
    skills = fields.List(fields.Dict(), required=False, validate=validate.Length(max=100))
    employmentHistories = fields.List(
        fields.Dict(), required=False, validate=validate.Length(max=100)
    )
    educationAndLearnings = fields.List(
        fields.Dict(), required=False, validate=validate.Length(max=100)
    )


class EmploymentRequestSchema(OpenAPISchema):
    """An employment record to issue (offered if connection_id is given)."""

    subject_id = text(min_length=1, max_length=2000, example="did:key:z6Mk...")
    role = text(min_length=1, max_length=200, example="Machinist")
    start = text(max_length=10, example="2023-04-01")
    end = text(required=False, max_length=10, example="2025-06-30")
    onet_code = text(max_length=20, example="51-4011.00")
    occupation = text(required=False, max_length=200)
    skills = fields.List(fields.Dict(), required=False, validate=validate.Length(max=50))
    connection_id = uuid4(required=False, description="Offer it to this connection")


class AnyJsonSchema(OpenAPISchema):
    """A JSON document."""


# --- jobs --------------------------------------------------------------------------------------


@docs(tags=[TAG], summary="The JSON Schema of job postings")
@tenant_authentication
@hiring_errors
async def schema_get(_request: web.BaseRequest) -> web.Response:
    """The published job posting schema."""
    return web.json_response(job_schema())


@docs(tags=[TAG], summary="Post a job: title, O*NET code, required and preferred skills")
@request_schema(JobSchema())
@response_schema(AnyJsonSchema(), 200)
@tenant_authentication
@hiring_errors
async def job_create(request: web.BaseRequest) -> web.Response:
    """Validate a posting against the schema and the catalogue, and keep it."""
    body = await request_json(request)
    key = str(uuid.uuid4())
    body.pop("id", None)
    job = validate_job(body, job_id=f"urn:uuid:{key}")
    job.update(job_id=key, created=time.time())
    await store.save(request_profile(request), store.JOB, key, job)
    return web.json_response(job)


@docs(tags=[TAG], summary="The jobs this agent posted")
@tenant_authentication
@hiring_errors
async def job_list(request: web.BaseRequest) -> web.Response:
    """Every job, oldest first."""
    jobs = await store.load_all(request_profile(request), store.JOB)
    return web.json_response({"results": sorted(jobs, key=lambda j: j.get("created", 0))})


@docs(tags=[TAG], summary="One job")
@match_info_schema(JobIdMatchSchema())
@tenant_authentication
@hiring_errors
async def job_get(request: web.BaseRequest) -> web.Response:
    """A job by id."""
    job = await store.load(request_profile(request), store.JOB, request.match_info["job_id"], "job")
    return web.json_response(job)


@docs(tags=[TAG], summary="Remove a job")
@match_info_schema(JobIdMatchSchema())
@tenant_authentication
@hiring_errors
async def job_delete(request: web.BaseRequest) -> web.Response:
    """Delete a job (its match reports stay)."""
    job_id = request.match_info["job_id"]
    await store.delete(request_profile(request), store.JOB, job_id, "job")
    return web.json_response({"job_id": job_id, "deleted": True})


@docs(tags=[TAG], summary="The AnonCreds proof request a job needs, and what it does not ask")
@match_info_schema(JobIdMatchSchema())
@querystring_schema(ProofRequestQuerySchema())
@tenant_authentication
@hiring_errors
async def job_proof_request_get(request: web.BaseRequest) -> web.Response:
    """Predicates for the job's minimum levels, nothing more."""
    job = await store.load(request_profile(request), store.JOB, request.match_info["job_id"], "job")
    at = request.query.get("non_revoked_at")
    shape = CredentialShape(schema_name=request.query.get("schema_name") or "SkillsCredential")
    return web.json_response(
        job_proof_request(job, shape=shape, non_revoked_at=int(at) if at else None)
    )


# --- matching ----------------------------------------------------------------------------------


async def _anoncreds_evidence(profile: Profile, pres_ex_id: str) -> tuple[list[Evidence], dict]:
    async with profile.session() as session:
        record = await V20PresExRecord.retrieve_by_id(session, pres_ex_id)
    verdict = await load_verdict(profile, pres_ex_id)
    request = record.pres_request.attachment(ANONCREDS) if record.pres_request else None
    proof = record.pres.attachment(ANONCREDS) if record.pres else None
    if verdict is None or not request or not proof:
        raise HiringInputError(
            f"presentation exchange {pres_ex_id} has no verified AnonCreds presentation yet"
        )
    return evidence_from_anoncreds(verdict, request, proof), verdict


@docs(tags=[TAG], summary="Match a candidate's verified evidence against a job")
@match_info_schema(JobIdMatchSchema())
@request_schema(MatchRequestSchema())
@response_schema(AnyJsonSchema(), 200)
@tenant_authentication
@hiring_errors
async def job_match(request: web.BaseRequest) -> web.Response:
    """Verify every credential (résumé ``verifications`` too), rate each skill, keep the report."""
    profile = request_profile(request)
    body = await request_json(request)
    job = await store.load(profile, store.JOB, request.match_info["job_id"], "job")
    credentials = list(body.get("credentials") or [])
    evidence: list[Evidence] = []
    notes: list[str] = []
    resume = body.get("resume")
    if resume is not None:
        read = read_resume(resume)
        credentials += read.credentials
        evidence += [self_reported(code, lvl, "the résumé") for code, lvl in read.stated_skills]
        notes += read.notes
    if len(credentials) > MAX_VERIFICATIONS:
        raise HiringInputError(f"at most {MAX_VERIFICATIONS} credentials per match")
    env = AgentEnvironment(profile, require_accreditation=True)
    verdicts: list[dict[str, Any]] = []
    for credential in credentials:
        verdict = (await verify_credential(credential, env)).as_dict()
        verdicts.append(verdict)
        evidence += evidence_from_credential(credential, verdict)
    if body.get("pres_ex_id"):
        found, verdict = await _anoncreds_evidence(profile, body["pres_ex_id"])
        evidence += found
        verdicts.append(verdict)
    if not credentials and not body.get("pres_ex_id") and resume is None:
        raise HiringInputError("give a resume, credentials or a pres_ex_id to match")
    report = match(job, evidence)
    match_id = str(uuid.uuid4())
    report.update(match_id=match_id, created=time.time(), notes=notes)
    await store.save(profile, store.MATCH, match_id, report, {"job_id": job["job_id"]})
    deliveries: AtsDeliveries = profile.inject(AtsDeliveries)
    deliver = body.get("deliver")
    if deliver or (deliver is None and deliveries.config is not None):
        payload = {"report": report, "resume": resume, "verdicts": verdicts}
        present = await _employer_presenter(profile, authentic(credentials, verdicts))
        delivery = await deliveries.enqueue(store.deliveries_of(profile), payload, present)
        report["ats_delivery"] = {"delivery_id": delivery["delivery_id"], "state": "queued"}
    return web.json_response(report)


async def _employer_presenter(
    profile: Profile, credentials: Sequence[Mapping[str, Any]]
) -> Presenter | None:
    """How this agent signs a hand-off as a presentation (``signing: vp``), else ``None``.

    It signs as its public did:ler (or the did:web it issues as), like its badges; without one
    the delivery is refused before anything is queued.
    """
    config = profile.inject(AtsDeliveries).config
    if config is None or config.signing != "vp":
        return None
    anchor = await public_ler_did(profile)
    if anchor is None:
        raise AtsSigningError(
            "ler_hiring.ats.signing is vp: the hand-off is signed with this agent's public "
            "did:ler, and it has none; anchor one (POST /ler/did/create with public=true) or "
            "sign with hmac"
        )
    try:
        holder, sign, method = await issuing_identity(profile, anchor)
    except BadgesError as error:
        raise AtsSigningError(f"the hand-off cannot be signed as {anchor}: {error}") from error

    async def present(delivery_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            return await signed_presentation(
                delivery_id,
                payload,
                credentials,
                holder=holder,
                sign=sign,
                verification_method=method,
            )
        except BadgesError as error:
            raise AtsSigningError(f"the hand-off could not be signed: {error}") from error

    return present


@docs(tags=[TAG], summary="A stored match report")
@match_info_schema(MatchIdMatchSchema())
@tenant_authentication
@hiring_errors
async def match_get(request: web.BaseRequest) -> web.Response:
    """A match report by id."""
    report = await store.load(
        request_profile(request), store.MATCH, request.match_info["match_id"], "match report"
    )
    return web.json_response(report)


# --- learner: résumé ---------------------------------------------------------------------------


@docs(tags=[TAG], summary="Export an LER-RS résumé with the wallet's credentials embedded")
@request_schema(ResumeExportSchema())
@response_schema(AnyJsonSchema(), 200)
@tenant_authentication
@hiring_errors
async def resume_export(request: web.BaseRequest) -> web.Response:
    """Embed stored OB 3.0 / CLR 2.0 credentials (all, or ``record_ids``) in ``verifications``."""
    body = await request_json(request)
    profile = request_profile(request)
    async with profile.session() as session:
        holder = session.inject(VCHolder)
        if body.get("record_ids"):
            records = [await holder.retrieve_credential_by_id(r) for r in body["record_ids"]]
        else:
            records = await holder.search_credentials().fetch(MAX_VERIFICATIONS)
    credentials = [
        record.cred_value
        for record in records
        if {"OpenBadgeCredential", "AchievementCredential", "ClrCredential"}
        & set(record.cred_value.get("type") or [])
    ]
    document = resume_document(
        body["person"],
        credentials,
        skills=body.get("skills") or [],
        employment=body.get("employmentHistories") or [],
        education=body.get("educationAndLearnings") or [],
    )
    read_resume(document)  # what an employer will read must be readable
    return web.json_response(document)


# --- employer: work history --------------------------------------------------------------------


@docs(tags=[TAG], summary="Issue an employment record (OB 3.0) as this employer")
@request_schema(EmploymentRequestSchema())
@response_schema(AnyJsonSchema(), 200)
@tenant_authentication
@hiring_errors
async def employment_issue(request: web.BaseRequest) -> web.Response:
    """Build the record with this agent as issuer and creator; offer it if a connection is given.

    Offering needs what issuing any OB 3.0 credential needs: a public did:ler and status lists.
    """
    body = await request_json(request)
    issuer = BadgeIssuer(request_profile(request))
    employer = await issuer.issuer_profile(None)
    credential = employment_credential(
        employer=employer,
        subject_id=body["subject_id"],
        role=body["role"],
        start=body["start"],
        end=body.get("end"),
        onet_code=body["onet_code"],
        occupation=body.get("occupation"),
        skills=body.get("skills") or [],
    )
    if not body.get("connection_id"):
        return web.json_response({"credential": credential})
    offered = await issuer.offer(body["connection_id"], credential)
    return web.json_response(offered)


# --- ATS ---------------------------------------------------------------------------------------


@docs(tags=[TAG], summary="The ATS delivery log (queued, delivered, failed; every attempt)")
@tenant_authentication
@hiring_errors
async def delivery_list(request: web.BaseRequest) -> web.Response:
    """Every delivery with its attempts (payloads and signed bodies left out)."""
    deliveries = await store.load_all(request_profile(request), store.DELIVERY)
    shown = [{k: v for k, v in d.items() if k not in ("payload", "body")} for d in deliveries]
    return web.json_response({"results": sorted(shown, key=lambda d: d["created"])})


@docs(tags=[TAG], summary="Queue a failed ATS delivery again")
@match_info_schema(DeliveryIdMatchSchema())
@tenant_authentication
@hiring_errors
async def delivery_retry(request: web.BaseRequest) -> web.Response:
    """Retry a delivery now."""
    profile = request_profile(request)
    kept = store.deliveries_of(profile)
    delivery = await profile.inject(AtsDeliveries).retry(kept, request.match_info["delivery_id"])
    return web.json_response({k: v for k, v in delivery.items() if k not in ("payload", "body")})


# --- wiring ------------------------------------------------------------------------------------


async def register(app: web.Application) -> None:
    """Add the plugin's routes, and the JSON error contract for ``/ler/`` paths."""
    http_errors.install(app)
    app.add_routes(
        [
            web.get("/ler/hiring/job-schema", schema_get, allow_head=False),
            web.post("/ler/hiring/jobs", job_create),
            web.get("/ler/hiring/jobs", job_list, allow_head=False),
            web.get("/ler/hiring/jobs/{job_id}", job_get, allow_head=False),
            web.delete("/ler/hiring/jobs/{job_id}", job_delete),
            web.get(
                "/ler/hiring/jobs/{job_id}/proof-request", job_proof_request_get, allow_head=False
            ),
            web.post("/ler/hiring/jobs/{job_id}/match", job_match),
            web.get("/ler/hiring/matches/{match_id}", match_get, allow_head=False),
            web.post("/ler/hiring/resumes/export", resume_export),
            web.post("/ler/hiring/employment-credentials", employment_issue),
            web.get("/ler/hiring/ats/deliveries", delivery_list, allow_head=False),
            web.post("/ler/hiring/ats/deliveries/{delivery_id}/retry", delivery_retry),
        ]
    )


async def _on_startup(profile: Profile, _event: Any) -> None:
    """Serve the agent's own deliveries and those its tenants left queued."""
    deliveries = profile.inject(AtsDeliveries)
    deliveries.start(store.WalletDeliveries(profile))
    service = profile.inject_or(BadgesService)
    if deliveries.config is not None and service is not None:
        for tenant in await store.queued_tenants(profile, service.exchanges.tenant):
            deliveries.start(tenant)


async def _on_shutdown(profile: Profile, _event: Any) -> None:
    await profile.inject(AtsDeliveries).stop()


def register_events(event_bus: EventBus) -> None:
    """Start the ATS delivery worker with the agent, stop it with the agent."""
    import re

    event_bus.subscribe(re.compile(f"^{STARTUP_EVENT_TOPIC}$"), _on_startup)
    event_bus.subscribe(re.compile(f"^{SHUTDOWN_EVENT_TOPIC}$"), _on_shutdown)


def post_process_routes(app: web.Application) -> None:
    """Describe the tag in the OpenAPI document."""
    app._state["swagger_dict"].setdefault("tags", []).append(
        {
            "name": TAG,
            "description": "Skills-based hiring: job postings, proof requests derived from a "
            "job, verified-skills match reports, LER résumés, ATS hand-off",
        }
    )
