"""Admin API of ler_tenants (tag ``ler-tenants``): the state's operators act on hosted tenants.

Every ``/ler/tenants`` route takes the admin API key only (``@admin_authentication``); a tenant
backs up its own wallet with its token at ``/ler/wallet/backup``. A middleware refuses to issue
a token (``POST /multitenancy/wallet/{id}/token``) for a suspended tenant; another lets a restore
carry a backup of up to :data:`MAX_RESTORE_REQUEST` (ACA-Py's admin limit is 1 MiB).

A tenant's signing key rotates through ler_ledger's ``/ler/did/{did}/rotate-key`` with the
tenant's token: the ledger takes a new key for a DID only from its controller's account.

A tenant reads why a credential of its wallet was revoked (the revocation notice its wallet
received and :mod:`.revocation_notices` kept) at ``/ler/wallet/credentials/{referent}/
revocation-notice``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from dataclasses import asdict

from acapy_agent.admin.decorators.auth import admin_authentication, tenant_authentication
from acapy_agent.admin.request_context import AdminRequestContext
from acapy_agent.core.event_bus import EventBus
from acapy_agent.core.profile import Profile
from acapy_agent.messaging.models.openapi import OpenAPISchema
from acapy_agent.multitenant.base import BaseMultitenantManager
from acapy_agent.wallet.models.wallet_record import WalletRecord
from aiohttp import web
from aiohttp_apispec import (
    docs,
    match_info_schema,
    querystring_schema,
    request_schema,
    response_schema,
)
from marshmallow import fields, validate

from ler_ledger import http_errors, request_json, request_profile
from ler_ledger.validators import text, uuid4

from . import presentation_plans, revocation_notices, suspension, wallet_backup
from .errors import BackupFormatError, TenantError, TenantSuspendedError

TAG = "ler-tenants"
TOKEN_PATH = re.compile(r"^/multitenancy/wallet/([^/]+)/token/?$")
RESTORE_PATH = re.compile(r"^/ler/tenants/[^/]+/restore/?$")
#: a restore's body (a backup, base64) may exceed ACA-Py's admin limit (1 MiB); up to this much
MAX_RESTORE_REQUEST = 64 * 1024 * 1024
errors = http_errors.json_errors


class WalletIdMatchSchema(OpenAPISchema):
    """Path parameter: a tenant's wallet id."""

    wallet_id = uuid4(description="The tenant's wallet id (from /multitenancy/wallets)")


class BackupRequestSchema(OpenAPISchema):
    """A passphrase that encrypts the backup."""

    passphrase = text(
        min_length=wallet_backup.MIN_PASSPHRASE,
        max_length=1000,
        description="encrypts the backup (argon2i); keep it apart from the backup",
    )


class BackupSchema(OpenAPISchema):
    """An encrypted wallet backup."""

    wallet_id = fields.Str()
    format = fields.Str(metadata={"example": "askar-sqlite"})
    backup = fields.Str(metadata={"description": "the askar SQLite store, base64"})
    records = fields.Int()
    keys = fields.Int()


class RestoreRequestSchema(BackupRequestSchema):
    """A backup and its passphrase."""

    backup = fields.Str(required=True, metadata={"description": "a backup's base64 text"})


class RestoreSchema(OpenAPISchema):
    """What a restore wrote."""

    wallet_id = fields.Str()
    records = fields.Int()
    keys = fields.Int()
    routed = fields.Int(metadata={"description": "keys newly routed to this tenant"})


class SuspensionSchema(OpenAPISchema):
    """A tenant's suspension."""

    wallet_id = fields.Str()
    suspended = fields.Bool()
    suspended_at = fields.Int()


class PresExIdMatchSchema(OpenAPISchema):
    """Path parameter: a proof request's exchange record id, in the caller's wallet."""

    pres_ex_id = uuid4(description="The exchange record id (from /present-proof-2.0/records)")


class PlanQuerySchema(OpenAPISchema):
    """Which of each item's newest matching credentials a plan considers."""

    offset = fields.Int(
        required=False,
        validate=validate.Range(min=0, max=100_000),
        metadata={"description": "matching credentials to skip, newest first (default 0)"},
    )
    limit = fields.Int(
        required=False,
        validate=validate.Range(min=1, max=presentation_plans.MOST),
        metadata={"description": "matching credentials considered per item (default: the most)"},
    )


class PlanSchema(OpenAPISchema):
    """What answering a proof request shares."""

    pres_ex_id = fields.Str()
    state = fields.Str()
    connection_id = fields.Str(allow_none=True)
    name = fields.Str(allow_none=True)
    format = fields.Str(allow_none=True, metadata={"description": "anoncreds, indy or null"})
    attributes = fields.List(
        fields.Dict(),
        metadata={"description": "referent, names, values (revealed) and the credential"},
    )
    predicates = fields.List(
        fields.Dict(),
        metadata={"description": "referent, name, p_type, p_value (proven, not revealed)"},
    )
    missing = fields.List(fields.Dict(), metadata={"description": "items no credential answers"})
    page = fields.Dict(
        metadata={
            "description": "offset and limit considered; more: the missing items that have "
            "older matching credentials (ask again with offset + limit)"
        }
    )
    shareable = fields.Bool()


class SharedSchema(OpenAPISchema):
    """The plan that was shared and the exchange record after sending it."""

    plan = fields.Nested(PlanSchema())
    record = fields.Dict()


class ReferentMatchSchema(OpenAPISchema):
    """Path parameter: a credential's id in the caller's wallet."""

    referent = text(max_length=200, description="The credential's id (from /credentials)")


class RevocationNoticeSchema(OpenAPISchema):
    """The revocation notice a wallet received for one credential, if any."""

    referent = fields.Str()
    notice = fields.Dict(
        allow_none=True,
        metadata={"description": "comment (the college's reason), received_at, named; or null"},
    )


class SuspendedListSchema(OpenAPISchema):
    """Suspended tenants."""

    results = fields.List(fields.Str())


async def tenant_profile(request: web.BaseRequest, wallet_id: str) -> Profile:
    """The profile of the tenant ``wallet_id``, opened by the multitenant manager."""
    context: AdminRequestContext = request["context"]
    root = context.profile
    manager = root.inject(BaseMultitenantManager)
    async with root.session() as session:
        record = await WalletRecord.retrieve_by_id(session, wallet_id)
    if record.requires_external_key:
        raise TenantError("this tenant's wallet key is not kept by the agent (unmanaged)")
    return await manager.get_wallet_profile(root.context, record)


def _root(request: web.BaseRequest) -> Profile:
    context: AdminRequestContext = request["context"]
    return context.root_profile or context.profile


@docs(tags=[TAG], summary="Suspend a tenant: its tokens refused, its inbound messages dropped")
@match_info_schema(WalletIdMatchSchema())
@response_schema(SuspensionSchema(), 200)
@admin_authentication
@errors
async def suspend(request: web.BaseRequest) -> web.Response:
    """Suspend a tenant (idempotent)."""
    wallet_id = request.match_info["wallet_id"]
    value = await suspension.suspend(_root(request), wallet_id)
    return web.json_response(
        {"wallet_id": wallet_id, "suspended": True, "suspended_at": value["suspended_at"]}
    )


@docs(tags=[TAG], summary="Resume a suspended tenant (then issue it a new token)")
@match_info_schema(WalletIdMatchSchema())
@admin_authentication
@errors
async def resume(request: web.BaseRequest) -> web.Response:
    """Resume a tenant: its routes back; its old tokens stay refused."""
    return web.json_response(
        await suspension.resume(_root(request), request.match_info["wallet_id"])
    )


@docs(tags=[TAG], summary="Ids of the suspended tenants")
@response_schema(SuspendedListSchema(), 200)
@admin_authentication
@errors
async def suspended(request: web.BaseRequest) -> web.Response:
    """List suspended tenants."""
    return web.json_response({"results": await suspension.suspended_ids(_root(request))})


async def _backup_response(profile: Profile, wallet_id: str, passphrase: str) -> web.Response:
    data, contents = await wallet_backup.backup(profile, passphrase)
    return web.json_response(
        {
            "wallet_id": wallet_id,
            "format": "askar-sqlite",
            "backup": base64.b64encode(data).decode("ascii"),
            "records": contents.records,
            "keys": contents.keys,
        }
    )


@docs(tags=[TAG], summary="Back up a tenant's wallet, encrypted under a passphrase")
@match_info_schema(WalletIdMatchSchema())
@request_schema(BackupRequestSchema())
@response_schema(BackupSchema(), 200)
@admin_authentication
@errors
async def tenant_backup(request: web.BaseRequest) -> web.Response:
    """Back up a tenant's wallet."""
    wallet_id = request.match_info["wallet_id"]
    body = await request_json(request)
    profile = await tenant_profile(request, wallet_id)
    return await _backup_response(profile, wallet_id, body.get("passphrase"))


@docs(tags=[TAG], summary="Back up this wallet (a tenant, with its token)")
@request_schema(BackupRequestSchema())
@response_schema(BackupSchema(), 200)
@tenant_authentication
@errors
async def own_backup(request: web.BaseRequest) -> web.Response:
    """Back up the caller's own wallet."""
    body = await request_json(request)
    profile = request_profile(request)
    wallet_id = profile.settings.get_str("wallet.id") or "base"
    return await _backup_response(profile, wallet_id, body.get("passphrase"))


@docs(tags=[TAG], summary="Restore a backup into a (fresh) tenant, its keys routed to it")
@match_info_schema(WalletIdMatchSchema())
@request_schema(RestoreRequestSchema())
@response_schema(RestoreSchema(), 200)
@admin_authentication
@errors
async def tenant_restore(request: web.BaseRequest) -> web.Response:
    """Restore a backup into a tenant."""
    wallet_id = request.match_info["wallet_id"]
    body = await request_json(request)
    try:
        data = base64.b64decode(str(body.get("backup", "")), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BackupFormatError("backup must be the base64 text a backup returned") from exc
    profile = await tenant_profile(request, wallet_id)
    contents = await wallet_backup.restore(_root(request), profile, data, body.get("passphrase"))
    return web.json_response({"wallet_id": wallet_id, **asdict(contents)})


@docs(tags=[TAG], summary="What answering this proof request would share (this wallet)")
@match_info_schema(PresExIdMatchSchema())
@querystring_schema(PlanQuerySchema())
@response_schema(PlanSchema(), 200)
@tenant_authentication
@errors
async def proof_request_plan(request: web.BaseRequest) -> web.Response:
    """The plan of an answer: revealed values, predicates, missing items, and from what."""
    profile = request_profile(request)
    record = await presentation_plans.retrieve(profile, request.match_info["pres_ex_id"])
    return web.json_response(await presentation_plans.plan(profile, record, **_page(request)))


@docs(tags=[TAG], summary="Share exactly the plan of this proof request (409 if it cannot be)")
@match_info_schema(PresExIdMatchSchema())
@querystring_schema(PlanQuerySchema())
@response_schema(SharedSchema(), 200)
@tenant_authentication
@errors
async def proof_request_share(request: web.BaseRequest) -> web.Response:
    """Send the presentation the plan (of the same page) shows; nothing else is revealed."""
    profile = request_profile(request)
    record = await presentation_plans.retrieve(profile, request.match_info["pres_ex_id"])
    shared, record, message = await presentation_plans.share(profile, record, **_page(request))
    await request["outbound_message_router"](message, connection_id=record.connection_id)
    return web.json_response({"plan": shared, "record": record.serialize()})


def _page(request: web.BaseRequest) -> dict[str, int]:
    """The page of a plan the query asks for (validated by :class:`PlanQuerySchema`)."""
    return {
        "offset": int(request.query.get("offset", 0)),
        "limit": int(request.query.get("limit", presentation_plans.MOST)),
    }


@docs(tags=[TAG], summary="Why a credential of this wallet was revoked: the notice it received")
@match_info_schema(ReferentMatchSchema())
@response_schema(RevocationNoticeSchema(), 200)
@tenant_authentication
@errors
async def revocation_notice(request: web.BaseRequest) -> web.Response:
    """The college's revocation notice of one credential (``notice`` null if none came)."""
    referent = request.match_info["referent"]
    notice = await revocation_notices.notice_for(request_profile(request), referent)
    return web.json_response({"referent": referent, "notice": notice})


@web.middleware
async def suspended_token_middleware(request: web.Request, handler) -> web.StreamResponse:
    """Refuse to issue a token for a suspended tenant (its old ones are refused by ACA-Py)."""
    match = TOKEN_PATH.match(request.path)
    if request.method == "POST" and match and _has_admin_key(request):
        root = request.app["context"].inject(Profile)
        if await suspension.suspension(root, match.group(1)) is not None:
            return http_errors.error_response(
                TenantSuspendedError(
                    f"tenant {match.group(1)} is suspended: resume it "
                    "(POST /ler/tenants/{wallet_id}/resume) before issuing a token"
                ),
                request,
            )
    return await handler(request)


@web.middleware
async def restore_size_middleware(request: web.Request, handler) -> web.StreamResponse:
    """Raise the body limit to :data:`MAX_RESTORE_REQUEST` for the operator's restores only.

    First in the chain, before anything reads the body; a caller without the admin API key
    keeps ACA-Py's limit (and gets its 401).
    """
    if request.method == "POST" and RESTORE_PATH.match(request.path) and _has_admin_key(request):
        request = request.clone(client_max_size=MAX_RESTORE_REQUEST)
    return await handler(request)


def _has_admin_key(request: web.Request) -> bool:
    """Whether the request carries the admin API key (others get ACA-Py's own 401)."""
    expected = request.app["context"].settings.get("admin.admin_api_key") or ""
    given = request.headers.get("x-api-key") or ""
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


async def register(app: web.Application) -> None:
    """Add the routes, the error contract and the suspended-token check."""
    http_errors.install(app)
    if suspended_token_middleware not in app.middlewares:
        app.middlewares.append(suspended_token_middleware)
    if restore_size_middleware not in app.middlewares:
        app.middlewares.insert(0, restore_size_middleware)
    app.add_routes(
        [
            web.get("/ler/tenants/suspended", suspended, allow_head=False),
            web.post("/ler/tenants/{wallet_id}/suspend", suspend),
            web.post("/ler/tenants/{wallet_id}/resume", resume),
            web.post("/ler/tenants/{wallet_id}/backup", tenant_backup),
            web.post("/ler/tenants/{wallet_id}/restore", tenant_restore),
            web.post("/ler/wallet/backup", own_backup),
            web.get(
                "/ler/wallet/proof-requests/{pres_ex_id}/plan",
                proof_request_plan,
                allow_head=False,
            ),
            web.post("/ler/wallet/proof-requests/{pres_ex_id}/share", proof_request_share),
            web.get(
                "/ler/wallet/credentials/{referent}/revocation-notice",
                revocation_notice,
                allow_head=False,
            ),
        ]
    )


def register_events(event_bus: EventBus) -> None:
    """Keep the revocation notices each wallet receives (:mod:`.revocation_notices`)."""
    revocation_notices.register(event_bus)


def post_process_routes(app: web.Application) -> None:
    """Tag the routes in the OpenAPI document."""
    app._state.setdefault("swagger_dict", {}).setdefault("tags", []).append(
        {
            "name": TAG,
            "description": "Hosted tenants: suspend, resume, back up, restore; "
            "a tenant's consent to each proof it shares",
        }
    )
