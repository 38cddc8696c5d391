"""Admin routes to revoke an AnonCreds credential with a reason, and to read the kept reasons.

``POST /ler/anoncreds/revocations`` revokes, publishes and tells the learner why, then keeps the
reason in this wallet (:mod:`.anoncreds.revocation_reasons`); ``GET`` lists what was kept. Errors
follow the JSON contract of :mod:`.http_errors` (404 not a revocable credential of this agent,
409 revoked already, 400 no reason or ACA-Py did not revoke it).
"""

from __future__ import annotations

from acapy_agent.admin.decorators.auth import tenant_authentication
from acapy_agent.messaging.models.openapi import OpenAPISchema
from aiohttp import web
from aiohttp_apispec import docs, querystring_schema, request_schema, response_schema
from marshmallow import fields

from . import http_errors
from .admin_requests import request_json, request_profile
from .anoncreds import revocation_reasons
from .anoncreds.revocation_reasons import MAX_REASON, AlreadyRevoked, RevocationFailed
from .errors import LerInputError
from .validators import text

TAG = "ler"
ERROR_KINDS = {
    AlreadyRevoked: http_errors.ErrorKind(409, "already-revoked"),
    RevocationFailed: http_errors.ErrorKind(400, "not-revoked"),
}


class RevokeRequestSchema(OpenAPISchema):
    """The credential to revoke, by its issuance exchange, and why."""

    cred_ex_id = text(min_length=1, max_length=200, description="The issue-credential exchange id")
    reason = text(
        min_length=1, max_length=MAX_REASON, description="Why: the learner and the college see it"
    )


class RevocationSchema(OpenAPISchema):
    """A revocation this agent made, with its reason."""

    rev_reg_id = fields.Str()
    cred_rev_id = fields.Str()
    cred_ex_id = fields.Str()
    reason = fields.Str()
    revoked_at = fields.Str(metadata={"example": "2026-11-29T12:40:00+00:00"})
    connection_id = fields.Str(allow_none=True)
    notified = fields.Bool(metadata={"description": "whether the learner was sent the reason"})


class RevocationListSchema(OpenAPISchema):
    """Kept revocations, newest first."""

    results = fields.List(fields.Nested(RevocationSchema()))


class RevocationQuerySchema(OpenAPISchema):
    """Only one credential's revocation."""

    cred_ex_id = text(required=False, max_length=200, description="An exchange id")


@docs(tags=[TAG], summary="Revoke an AnonCreds credential with a reason (published, learner told)")
@request_schema(RevokeRequestSchema())
@response_schema(RevocationSchema(), 200)
@tenant_authentication
@http_errors.json_errors
async def revoke(request: web.BaseRequest) -> web.Response:
    """Revoke and publish; the reason is sent to the learner and kept here."""
    body = await request_json(request)
    cred_ex_id = body.get("cred_ex_id")
    if not isinstance(cred_ex_id, str) or not cred_ex_id:
        raise LerInputError("cred_ex_id is required: the issuance exchange id")
    kept = await revocation_reasons.revoke(request_profile(request), cred_ex_id, body.get("reason"))
    return web.json_response(kept)


@docs(tags=[TAG], summary="AnonCreds credentials this agent revoked, with their reasons")
@querystring_schema(RevocationQuerySchema())
@response_schema(RevocationListSchema(), 200)
@tenant_authentication
@http_errors.json_errors
async def revocations(request: web.BaseRequest) -> web.Response:
    """The kept revocations, newest first."""
    found = await revocation_reasons.revocations(
        request_profile(request), request.query.get("cred_ex_id") or None
    )
    return web.json_response({"results": found})


def routes() -> list[web.RouteDef]:
    """The module's routes (and the HTTP status of its errors)."""
    http_errors.register_errors(ERROR_KINDS)
    return [
        web.post("/ler/anoncreds/revocations", revoke),
        web.get("/ler/anoncreds/revocations", revocations, allow_head=False),
    ]
