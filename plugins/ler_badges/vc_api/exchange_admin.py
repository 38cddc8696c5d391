"""Admin routes of VC-API exchanges (tag ``ler-badges``): registrars and employers create them.

``POST /ler/badges/vc-api/exchanges/issuance``
    a college offers a credential to whichever wallet claims the link first;
``POST /ler/badges/vc-api/exchanges/presentation``
    an employer asks a wallet for an Open Badge;
``GET /ler/badges/vc-api/exchanges`` and ``GET /ler/badges/vc-api/exchanges/{exchange_id}``
    their state (a presentation's with its verdict).

Authenticated and tenant-aware like the plugin's other routes; errors follow
:mod:`ler_ledger.http_errors`.
"""

from __future__ import annotations

from typing import Any

from acapy_agent.admin.decorators.auth import tenant_authentication
from acapy_agent.messaging.models.openapi import OpenAPISchema
from aiohttp import web
from aiohttp_apispec import (
    docs,
    match_info_schema,
    querystring_schema,
    request_schema,
    response_schema,
)
from marshmallow import fields, validate

from ler_ledger import http_errors, load_verdict, local_did, request_json, request_profile
from ler_ledger.validators import ler_did, one_of, text, uuid4

from .. import api_examples
from ..acapy.errors import BadgesInputError
from .exchange_manager import LIFETIMES, MIN_LIFETIME, VcApiExchanges
from .exchange_record import VcApiExchangeRecord, VcApiExchangeRecordSchema

TAG = "ler-badges"
BASE = "/ler/badges/vc-api/exchanges"
LONGEST = max(longest for _, longest in LIFETIMES.values())


def _ttl() -> fields.Int:
    return fields.Int(
        required=False,
        validate=validate.Range(1, LONGEST),
        metadata={
            "description": f"Seconds until the link expires (at least {MIN_LIFETIME}, or "
            "ler_badges.vc_api.min_ttl_seconds; issuance: default 86400, at most 604800; "
            "presentation: default 900, at most 3600)",
            "example": 3600,
        },
    )


class IssuanceExchangeRequestSchema(OpenAPISchema):
    """A credential to hand to the wallet that claims the link."""

    credential = fields.Dict(
        required=True,
        metadata={
            "description": "OB 3.0 / CLR 2.0 template; credentialSubject.id is set to the "
            "wallet's DID when it claims the credential",
            "example": api_examples.TEMPLATE,
        },
    )
    skills = fields.List(
        fields.Dict(),
        required=False,
        validate=validate.Length(max=100),
        metadata={"description": 'Skills to align to: [{"skill": ..., "level": ...}]'},
    )
    issuer_did = ler_did(required=False, description="did:ler DID to issue as (default: public)")
    ttl_seconds = _ttl()


class PresentationExchangeRequestSchema(OpenAPISchema):
    """What to ask a wallet for."""

    achievement_type = text(
        required=False,
        min_length=1,
        max_length=100,
        description="Only badges of this achievementType (e.g. Certificate)",
        example="Certificate",
    )
    ttl_seconds = _ttl()


class ExchangeSchema(VcApiExchangeRecordSchema):
    """An exchange and the links that start it."""

    exchange_url = fields.Str(metadata={"description": "VC-API exchange URL wallets POST to"})
    protocols = fields.Dict(metadata={"example": {"vcapi": "https://college.example/exchanges/…"}})
    interaction_url = fields.Str(metadata={"description": "Interaction URL (?iuv=1)"})
    lcw_request_url = fields.Str(metadata={"description": "Learner Credential Wallet deep link"})
    qr_text = fields.Str(metadata={"description": "Text to put in a QR code"})
    verdict = fields.Dict(required=False, metadata={"description": "A presentation's verdict"})


class ExchangeListSchema(OpenAPISchema):
    """Exchanges."""

    results = fields.List(fields.Nested(ExchangeSchema()))


class ExchangeQuerySchema(OpenAPISchema):
    """Filters."""

    kind = one_of([VcApiExchangeRecord.ISSUANCE, VcApiExchangeRecord.PRESENTATION], required=False)
    state = one_of(["pending", "active", "done", "failed"], required=False)


class ExchangeIdMatchSchema(OpenAPISchema):
    """An exchange id in the path."""

    exchange_id = uuid4(description="Exchange identifier")


def _ttl_of(body: dict[str, Any]) -> int | None:
    ttl = body.get("ttl_seconds")
    if ttl is not None and (not isinstance(ttl, int) or isinstance(ttl, bool)):
        raise BadgesInputError("ttl_seconds must be a whole number of seconds")
    return ttl


@docs(tags=[TAG], summary="Create a VC-API exchange that issues a credential to a wallet")
@request_schema(IssuanceExchangeRequestSchema())
@response_schema(ExchangeSchema(), 200)
@tenant_authentication
@http_errors.json_errors
async def create_issuance(request: web.BaseRequest) -> web.Response:
    """Check the template and open an issuance exchange."""
    body = await request_json(request)
    credential = body.get("credential")
    if not isinstance(credential, dict):
        raise BadgesInputError("credential (a JSON object) is required")
    skills = body.get("skills") or []
    if not isinstance(skills, list) or not all(isinstance(s, dict) for s in skills):
        raise BadgesInputError('skills must be a list of {"skill": ..., "level": ...} objects')
    profile = request_profile(request)
    issuer_did = body.get("issuer_did")
    if issuer_did is not None:
        if not isinstance(issuer_did, str):
            raise BadgesInputError("issuer_did must be a did:ler DID of this agent")
        local_did(profile, issuer_did)
    exchanges = VcApiExchanges(profile)
    record = await exchanges.create_issuance(
        credential, skills=skills, issuer_did=issuer_did, ttl_seconds=_ttl_of(body)
    )
    return web.json_response(exchanges.describe(record))


@docs(tags=[TAG], summary="Create a VC-API exchange that asks a wallet for an Open Badge")
@request_schema(PresentationExchangeRequestSchema())
@response_schema(ExchangeSchema(), 200)
@tenant_authentication
@http_errors.json_errors
async def create_presentation(request: web.BaseRequest) -> web.Response:
    """Open a presentation exchange."""
    body = await request_json(request)
    achievement_type = body.get("achievement_type")
    if achievement_type is not None and (
        not isinstance(achievement_type, str) or not 0 < len(achievement_type) <= 100
    ):
        raise BadgesInputError("achievement_type must be a short text, e.g. Certificate")
    exchanges = VcApiExchanges(request_profile(request))
    record = await exchanges.create_presentation(
        achievement_type=achievement_type, ttl_seconds=_ttl_of(body)
    )
    return web.json_response(exchanges.describe(record))


@docs(tags=[TAG], summary="VC-API exchanges of this wallet")
@querystring_schema(ExchangeQuerySchema())
@response_schema(ExchangeListSchema(), 200)
@tenant_authentication
@http_errors.json_errors
async def list_exchanges(request: web.BaseRequest) -> web.Response:
    """List exchanges (expired ones are failed first)."""
    tags = {k: request.query[k] for k in ("kind", "state") if k in request.query}
    exchanges = VcApiExchanges(request_profile(request))
    records = await exchanges.query(tags)
    return web.json_response({"results": [exchanges.describe(r) for r in records]})


@docs(tags=[TAG], summary="One VC-API exchange (a presentation's with its verdict)")
@match_info_schema(ExchangeIdMatchSchema())
@response_schema(ExchangeSchema(), 200)
@tenant_authentication
@http_errors.json_errors
async def get_exchange(request: web.BaseRequest) -> web.Response:
    """Fetch an exchange."""
    profile = request_profile(request)
    exchanges = VcApiExchanges(profile)
    record = await exchanges.get(request.match_info["exchange_id"])
    shown = exchanges.describe(record)
    if record.kind == VcApiExchangeRecord.PRESENTATION:
        verdict = await load_verdict(profile, record.exchange_id)
        if verdict is not None:
            shown["verdict"] = verdict
    return web.json_response(shown)


def exchange_admin_routes() -> list[web.RouteDef]:
    """The admin routes, for the plugin's ``register(app)``."""
    return [
        web.post(f"{BASE}/issuance", create_issuance),
        web.post(f"{BASE}/presentation", create_presentation),
        web.get(BASE, list_exchanges, allow_head=False),
        web.get(BASE + "/{exchange_id}", get_exchange, allow_head=False),
    ]
