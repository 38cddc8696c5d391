"""Admin API of the ler plugin (tag ``ler``), authenticated like ACA-Py's own routes.

Wallet-level routes use ``@tenant_authentication`` (admin API key, or a tenant's token when
multitenant). State governance routes use ``@admin_authentication`` (the API key only).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import asdict

from acapy_agent.admin.decorators.auth import admin_authentication, tenant_authentication
from acapy_agent.core.event_bus import EventBus
from acapy_agent.messaging.models.base import BaseModelError
from acapy_agent.messaging.models.openapi import OpenAPISchema
from acapy_agent.storage.error import StorageError, StorageNotFoundError
from acapy_agent.wallet.error import WalletError
from aiohttp import web
from aiohttp_apispec import docs, querystring_schema, request_schema, response_schema
from marshmallow import fields, validate

from ler_chain import (
    DID_PATTERN,
    LedgerConflictError,
    LedgerError,
    LedgerInputError,
    LedgerInvalidError,
    LedgerNotFoundError,
    LedgerPermissionError,
    LedgerTimeoutError,
    LedgerUnavailableError,
    LerDid,
)

from . import events
from .admin_requests import one_line, request_json, request_profile
from .did.manager import LerDidManager
from .endorsement.manager import EndorsementManager
from .endorsement.policy import load_policy, save_policy
from .endorsement.records import LerEndorsementRecord, LerEndorsementRecordSchema
from .errors import EndorsementError, EndorsementRefused, LerPluginError
from .ledger import LedgerService
from .verifier.events import load_verdict, verify_exchange

LOGGER = logging.getLogger(__name__)
TAG = "ler"
DID_EXAMPLE = "did:ler:local:WgWxqztrNooG92RXvxSTWv"
ADDRESS_PATTERN = r"^0x[0-9a-fA-F]{40}$"

Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]


def ler_errors(handler: Handler) -> Handler:
    """Translate plugin and ledger errors into HTTP errors with a message (never a traceback)."""

    @functools.wraps(handler)
    async def wrapper(request: web.BaseRequest) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException:
            raise
        except (StorageNotFoundError, LedgerNotFoundError) as exc:
            raise web.HTTPNotFound(reason=_reason(exc)) from exc
        except LedgerPermissionError as exc:
            raise web.HTTPForbidden(reason=_reason(exc)) from exc
        except (LedgerConflictError, EndorsementRefused) as exc:
            raise web.HTTPConflict(reason=_reason(exc)) from exc
        except (
            LedgerInvalidError,
            LedgerInputError,
            WalletError,
            BaseModelError,
            ValueError,
        ) as exc:
            raise web.HTTPBadRequest(reason=_reason(exc)) from exc
        except LedgerUnavailableError as exc:
            raise web.HTTPServiceUnavailable(reason=_reason(exc)) from exc
        except LedgerTimeoutError as exc:
            raise web.HTTPGatewayTimeout(reason=_reason(exc)) from exc
        except (EndorsementError, LedgerError, LerPluginError, StorageError) as exc:
            raise web.HTTPBadRequest(reason=_reason(exc)) from exc

    return wrapper


def _reason(exc: BaseException) -> str:
    return one_line(str(exc))


# --- schemas -----------------------------------------------------------------------------------


class DidCreateRequestSchema(OpenAPISchema):
    """Create and anchor a did:ler DID."""

    endpoint = fields.Str(
        required=False,
        metadata={
            "description": "DIDComm endpoint (default: this agent's)",
            "example": "https://college.example/didcomm",
        },
    )
    public = fields.Bool(
        required=False, metadata={"description": "Make it the public DID", "example": True}
    )
    wait = fields.Bool(
        required=False,
        metadata={"description": "Wait until anchored (default true)", "example": True},
    )


class DidResultSchema(OpenAPISchema):
    """Outcome of a DID write."""

    did = fields.Str(metadata={"example": DID_EXAMPLE})
    verkey = fields.Str(metadata={"description": "Ed25519 key, base58"})
    state = fields.Str(metadata={"example": "finished", "description": "finished or wait"})
    tx_hash = fields.Str(required=False)
    endorsement_id = fields.Str(required=False)


class DidMatchSchema(OpenAPISchema):
    """A did:ler DID in the path."""

    did = fields.Str(
        required=True,
        validate=validate.Regexp(f"^{DID_PATTERN}$"),
        metadata={"example": DID_EXAMPLE},
    )


class EndpointRequestSchema(OpenAPISchema):
    """New DIDComm service endpoint ('' removes it)."""

    endpoint = fields.Str(required=True, metadata={"example": "https://college.example/didcomm"})
    wait = fields.Bool(required=False, metadata={"example": True})


class WaitRequestSchema(OpenAPISchema):
    """Whether to wait for the write to land."""

    wait = fields.Bool(required=False, metadata={"example": True})


class AccountSchema(OpenAPISchema):
    """This wallet's ledger account."""

    address = fields.Str(metadata={"example": "0x9a243fC4878616F1f9F52807EFb5DaA915a8d09E"})
    roles = fields.List(fields.Str(), metadata={"example": ["ENDORSER"]})
    network = fields.Str(metadata={"example": "local"})
    endorsement_role = fields.Str(metadata={"example": "author"})


class RoleRequestSchema(OpenAPISchema):
    """Grant or revoke a role (as a TRUSTEE)."""

    role = fields.Str(
        required=True,
        validate=validate.OneOf(["STEWARD", "ENDORSER"]),
        metadata={"example": "ENDORSER"},
    )
    account = fields.Str(
        required=True,
        validate=validate.Regexp(ADDRESS_PATTERN),
        metadata={"example": "0x9a243fC4878616F1f9F52807EFb5DaA915a8d09E"},
    )
    action = fields.Str(
        required=True, validate=validate.OneOf(["grant", "revoke"]), metadata={"example": "grant"}
    )


class AccreditationRequestSchema(OpenAPISchema):
    """Accredit, suspend, reinstate or withdraw an issuer (as TRUSTEE or ENDORSER)."""

    issuer = fields.Str(
        required=True,
        validate=validate.Regexp(f"^{DID_PATTERN}$"),
        metadata={"example": DID_EXAMPLE},
    )
    credential_type = fields.Str(required=True, metadata={"example": "SkillsCredential"})
    action = fields.Str(
        required=True,
        validate=validate.OneOf(["accredit", "suspend", "reinstate", "withdraw"]),
        metadata={"example": "accredit"},
    )
    valid_from = fields.Int(
        required=False, metadata={"description": "Unix time (accredit)", "example": 0}
    )
    valid_until = fields.Int(
        required=False, metadata={"description": "Unix time, 0 = open-ended", "example": 0}
    )
    reason = fields.Str(required=False, metadata={"example": "annual review"})


class TrusteeVoteSchema(OpenAPISchema):
    """Propose or approve a TRUSTEE change (as a TRUSTEE)."""

    action = fields.Str(
        required=True,
        validate=validate.OneOf(["propose", "approve"]),
        metadata={"example": "approve"},
    )
    account = fields.Str(
        required=False,
        validate=validate.Regexp(ADDRESS_PATTERN),
        metadata={
            "description": "propose: the account",
            "example": "0x9a243fC4878616F1f9F52807EFb5DaA915a8d09E",
        },
    )
    grant = fields.Bool(required=False, metadata={"description": "propose: add (true) or remove"})
    proposal_id = fields.Int(required=False, metadata={"description": "approve: the proposal"})


class ProposalSchema(OpenAPISchema):
    """A trustee proposal's state."""

    proposal_id = fields.Int()
    account = fields.Str()
    grant = fields.Bool()
    approvals = fields.Int()
    needed = fields.Int()
    executed = fields.Bool()


class TxResultSchema(OpenAPISchema):
    """A write that landed."""

    tx_hash = fields.Str()
    block_number = fields.Int()


class AccreditationQuerySchema(OpenAPISchema):
    """Optional filters for an accreditation lookup."""

    credential_type = fields.Str(required=False, metadata={"example": "SkillsCredential"})
    at = fields.Int(required=False, metadata={"description": "Unix time (default: now)"})


class AccreditationSchema(OpenAPISchema):
    """One accreditation."""

    credential_type = fields.Str()
    status = fields.Str(metadata={"example": "active"})
    valid_from = fields.Int()
    valid_until = fields.Int()
    changed_at = fields.Int()
    accredited = fields.Bool(metadata={"description": "Accredited at the time asked"})


class AccreditationListSchema(OpenAPISchema):
    """Accreditations of an issuer."""

    issuer = fields.Str()
    at = fields.Int()
    results = fields.List(fields.Nested(AccreditationSchema()))


class ConnectionRoleSchema(OpenAPISchema):
    """Mark what the other side of a connection is for endorsement."""

    their_role = fields.Str(
        required=True,
        validate=validate.OneOf(["endorser", "author"]),
        metadata={"example": "endorser"},
    )


class ConnIdMatchSchema(OpenAPISchema):
    """A connection id in the path."""

    conn_id = fields.Str(required=True)


class EndorsementIdMatchSchema(OpenAPISchema):
    """An endorsement record id in the path."""

    endorsement_id = fields.Str(required=True)


class EndorsementQuerySchema(OpenAPISchema):
    """Filters for listing endorsement records."""

    state = fields.Str(required=False, metadata={"example": "pending"})
    role = fields.Str(required=False, validate=validate.OneOf(["author", "endorser"]))


class EndorsementListSchema(OpenAPISchema):
    """Endorsement records."""

    results = fields.List(fields.Nested(LerEndorsementRecordSchema()))


class PolicySchema(OpenAPISchema):
    """The endorser's policy."""

    auto_approve = fields.Bool(
        required=False,
        metadata={
            "description": "Approve requests that pass policy without a person",
            "example": True,
        },
    )
    require_accreditation = fields.Bool(
        required=False,
        metadata={
            "description": "Endorse AnonCreds writes of accredited issuers only",
            "example": False,
        },
    )


class RefuseRequestSchema(OpenAPISchema):
    """Why a held request is refused."""

    reason = fields.Str(required=True, metadata={"example": "not an accredited college"})


class PresExIdMatchSchema(OpenAPISchema):
    """A presentation exchange id in the path."""

    pres_ex_id = fields.Str(required=True)


class VerdictSchema(OpenAPISchema):
    """An LER verification verdict."""

    pres_ex_id = fields.Str()
    verified = fields.Bool()
    reasons = fields.List(fields.Str(), metadata={"example": ["revoked"]})
    checks = fields.List(fields.Dict())
    revealed = fields.Dict()


# --- account and DIDs --------------------------------------------------------------------------


@docs(tags=[TAG], summary="This wallet's ledger account (created on first use) and its roles")
@response_schema(AccountSchema(), 200)
@tenant_authentication
@ler_errors
async def account(request: web.BaseRequest) -> web.Response:
    """Show the ledger account."""
    profile = request_profile(request)
    service = profile.inject(LedgerService)
    signer = await service.account(profile)
    roles = [
        r
        for r in ("TRUSTEE", "STEWARD", "ENDORSER")
        if await service.reader.roles.has_role(r, signer.address)
    ]
    return web.json_response(
        {
            "address": signer.address,
            "roles": roles,
            "network": service.network,
            "endorsement_role": service.config.endorsement.role,
        }
    )


@docs(
    tags=[TAG],
    summary="Create a did:ler DID and anchor it (endorsed unless this agent is the endorser)",
)
@request_schema(DidCreateRequestSchema())
@response_schema(DidResultSchema(), 200)
@tenant_authentication
@ler_errors
async def did_create(request: web.BaseRequest) -> web.Response:
    """Create and anchor a DID."""
    body = await request_json(request)
    result = await LerDidManager(request_profile(request)).create(
        endpoint=body.get("endpoint"),
        public=bool(body.get("public", False)),
        wait=bool(body.get("wait", True)),
    )
    return web.json_response(result)


@docs(tags=[TAG], summary="Rotate the DID's Ed25519 key (the DID stays)")
@request_schema(WaitRequestSchema())
@response_schema(DidResultSchema(), 200)
@tenant_authentication
@ler_errors
async def did_rotate(request: web.BaseRequest) -> web.Response:
    """Rotate the DID key."""
    body = await request_json(request)
    did = _did(request)
    return web.json_response(
        await LerDidManager(request_profile(request)).rotate_key(did, wait=body.get("wait", True))
    )


@docs(tags=[TAG], summary="Set the DID's DIDComm service endpoint")
@request_schema(EndpointRequestSchema())
@response_schema(DidResultSchema(), 200)
@tenant_authentication
@ler_errors
async def did_endpoint(request: web.BaseRequest) -> web.Response:
    """Update the service endpoint."""
    body = await request_json(request)
    if "endpoint" not in body:
        raise web.HTTPBadRequest(reason="endpoint is required ('' removes the service)")
    result = await LerDidManager(request_profile(request)).set_endpoint(
        _did(request), str(body["endpoint"]), wait=body.get("wait", True)
    )
    return web.json_response(result)


@docs(tags=[TAG], summary="Deactivate the DID for good")
@request_schema(WaitRequestSchema())
@response_schema(DidResultSchema(), 200)
@tenant_authentication
@ler_errors
async def did_deactivate(request: web.BaseRequest) -> web.Response:
    """Deactivate the DID."""
    body = await request_json(request)
    return web.json_response(
        await LerDidManager(request_profile(request)).deactivate(
            _did(request), wait=body.get("wait", True)
        )
    )


# --- governance (the state's agent) ------------------------------------------------------------


@docs(
    tags=[TAG],
    summary="State governance: grant or revoke STEWARD / ENDORSER (this agent must be a TRUSTEE)",
)
@request_schema(RoleRequestSchema())
@response_schema(TxResultSchema(), 200)
@admin_authentication
@ler_errors
async def governance_role(request: web.BaseRequest) -> web.Response:
    """Grant or revoke a role."""
    body = await request_json(request)
    profile = request_profile(request)
    service = profile.inject(LedgerService)
    writer = await service.writer(profile)
    roles = service.reader.roles
    write = (
        roles.grant(body["role"], body["account"])
        if body["action"] == "grant"
        else roles.revoke(body["role"], body["account"])
    )
    result = await writer.send(write)
    return web.json_response({"tx_hash": result.tx_hash, "block_number": result.block_number})


@docs(tags=[TAG], summary="State governance: propose or approve adding or removing a TRUSTEE")
@request_schema(TrusteeVoteSchema())
@response_schema(ProposalSchema(), 200)
@admin_authentication
@ler_errors
async def governance_trustee(request: web.BaseRequest) -> web.Response:
    """Vote on a trustee change."""
    body = await request_json(request)
    profile = request_profile(request)
    service = profile.inject(LedgerService)
    roles = service.reader.roles
    writer = await service.writer(profile)
    if body.get("action") == "propose":
        if "account" not in body or not isinstance(body.get("grant"), bool):
            raise web.HTTPBadRequest(reason="propose needs account and grant (true or false)")
        result = await writer.send(roles.propose_trustee_change(body["account"], body["grant"]))
        proposal_id = result.event("TrusteeChangeProposed")["proposalId"]
    elif body.get("action") == "approve":
        if not isinstance(body.get("proposal_id"), int):
            raise web.HTTPBadRequest(reason="approve needs proposal_id")
        proposal_id = body["proposal_id"]
        await writer.send(roles.approve_trustee_change(proposal_id))
    else:
        raise web.HTTPBadRequest(reason="action must be propose or approve")
    return web.json_response(asdict(await roles.proposal(proposal_id)))


@docs(
    tags=[TAG], summary="State governance: accredit, suspend, reinstate or withdraw an issuer DID"
)
@request_schema(AccreditationRequestSchema())
@response_schema(TxResultSchema(), 200)
@admin_authentication
@ler_errors
async def governance_accreditation(request: web.BaseRequest) -> web.Response:
    """Change an accreditation."""
    body = await request_json(request)
    profile = request_profile(request)
    service = profile.inject(LedgerService)
    registry = service.reader.accreditation
    issuer = LerDid.parse(body["issuer"])
    credential_type = body["credential_type"]
    action = body["action"]
    if action == "accredit":
        write = registry.accredit(
            issuer, credential_type, int(body.get("valid_from", 0)), int(body.get("valid_until", 0))
        )
    elif action == "suspend":
        write = registry.suspend(issuer, credential_type, body.get("reason", ""))
    elif action == "reinstate":
        write = registry.reinstate(issuer, credential_type)
    else:
        write = registry.withdraw(issuer, credential_type, body.get("reason", ""))
    result = await (await service.writer(profile)).send(write)
    return web.json_response({"tx_hash": result.tx_hash, "block_number": result.block_number})


@docs(tags=[TAG], summary="Look up an issuer's accreditations (optionally one type, as of a time)")
@querystring_schema(AccreditationQuerySchema())
@response_schema(AccreditationListSchema(), 200)
@tenant_authentication
@ler_errors
async def accreditation_lookup(request: web.BaseRequest) -> web.Response:
    """Accreditations of a DID."""
    profile = request_profile(request)
    reader = profile.inject(LedgerService).reader
    issuer = LerDid.parse(_did(request))
    at = int(request.query["at"]) if "at" in request.query else await reader.ledger_time()
    credential_type = request.query.get("credential_type")
    if credential_type:
        terms = [await reader.accreditation.accreditation_at(issuer, credential_type, at)]
    else:
        terms = await reader.accreditation.accreditations_of(issuer)
    results = [
        {
            "credential_type": t.credential_type or credential_type,
            "status": t.status.name.lower(),
            "valid_from": t.valid_from,
            "valid_until": t.valid_until,
            "changed_at": t.changed_at,
            "accredited": t.covers(at),
        }
        for t in terms
    ]
    return web.json_response({"issuer": str(issuer), "at": at, "results": results})


# --- endorsement -------------------------------------------------------------------------------


@docs(
    tags=[TAG],
    summary="Mark a connection: the other side is our endorser, or an author we endorse",
)
@request_schema(ConnectionRoleSchema())
@tenant_authentication
@ler_errors
async def endorsement_connection(request: web.BaseRequest) -> web.Response:
    """Mark a connection."""
    body = await request_json(request)
    value = await EndorsementManager(request_profile(request)).set_connection_role(
        request.match_info["conn_id"], body.get("their_role", "")
    )
    return web.json_response({"connection_id": request.match_info["conn_id"], **value})


@docs(tags=[TAG], summary="The endorser's policy (auto-approve, require accreditation)")
@response_schema(PolicySchema(), 200)
@tenant_authentication
@ler_errors
async def policy_get(request: web.BaseRequest) -> web.Response:
    """Show the policy."""
    return web.json_response(asdict(await load_policy(request_profile(request))))


@docs(
    tags=[TAG], summary="Change the endorser's policy, e.g. hold requests for a person to approve"
)
@request_schema(PolicySchema())
@response_schema(PolicySchema(), 200)
@tenant_authentication
@ler_errors
async def policy_put(request: web.BaseRequest) -> web.Response:
    """Change the policy."""
    body = await request_json(request)
    changes = {k: body[k] for k in ("auto_approve", "require_accreditation") if k in body}
    if not all(isinstance(v, bool) for v in changes.values()):
        raise web.HTTPBadRequest(reason="auto_approve and require_accreditation take true or false")
    return web.json_response(asdict(await save_policy(request_profile(request), **changes)))


@docs(
    tags=[TAG], summary="List endorsement requests (e.g. state=pending for those held for approval)"
)
@querystring_schema(EndorsementQuerySchema())
@response_schema(EndorsementListSchema(), 200)
@tenant_authentication
@ler_errors
async def endorsement_list(request: web.BaseRequest) -> web.Response:
    """List endorsement records."""
    tag_filter = {k: request.query[k] for k in ("state", "role") if request.query.get(k)}
    async with request_profile(request).session() as session:
        records = await LerEndorsementRecord.query(session, tag_filter)
    return web.json_response({"results": [r.serialize() for r in records]})


@docs(tags=[TAG], summary="One endorsement request, with its state and reason")
@response_schema(LerEndorsementRecordSchema(), 200)
@tenant_authentication
@ler_errors
async def endorsement_get(request: web.BaseRequest) -> web.Response:
    """Fetch an endorsement record."""
    async with request_profile(request).session() as session:
        record = await LerEndorsementRecord.retrieve_by_id(
            session, request.match_info["endorsement_id"]
        )
    return web.json_response(record.serialize())


@docs(tags=[TAG], summary="Approve a held endorsement request: submit it to the ledger")
@response_schema(LerEndorsementRecordSchema(), 200)
@tenant_authentication
@ler_errors
async def endorsement_approve(request: web.BaseRequest) -> web.Response:
    """Approve a pending request."""
    profile = request_profile(request)
    async with profile.session() as session:
        record = await LerEndorsementRecord.retrieve_by_id(
            session, request.match_info["endorsement_id"]
        )
    record = await EndorsementManager(profile).approve(record)
    return web.json_response(record.serialize())


@docs(tags=[TAG], summary="Refuse a held endorsement request with a reason")
@request_schema(RefuseRequestSchema())
@response_schema(LerEndorsementRecordSchema(), 200)
@tenant_authentication
@ler_errors
async def endorsement_refuse(request: web.BaseRequest) -> web.Response:
    """Refuse a pending request."""
    body = await request_json(request)
    if not body.get("reason"):
        raise web.HTTPBadRequest(reason="a reason is required; the author will see it")
    profile = request_profile(request)
    async with profile.session() as session:
        record = await LerEndorsementRecord.retrieve_by_id(
            session, request.match_info["endorsement_id"]
        )
    record = await EndorsementManager(profile).refuse(record, body["reason"])
    return web.json_response(record.serialize())


# --- verification ------------------------------------------------------------------------------


@docs(
    tags=[TAG],
    summary="Verify a received presentation under the LER policy (freshness, proof, accreditation)",
)
@response_schema(VerdictSchema(), 200)
@tenant_authentication
@ler_errors
async def verify_presentation(request: web.BaseRequest) -> web.Response:
    """Verify a presentation exchange."""
    return web.json_response(
        await verify_exchange(request_profile(request), request.match_info["pres_ex_id"])
    )


@docs(
    tags=[TAG], summary="The LER verdict of a presentation exchange: each check and why it failed"
)
@response_schema(VerdictSchema(), 200)
@tenant_authentication
@ler_errors
async def verification_get(request: web.BaseRequest) -> web.Response:
    """Fetch a verdict."""
    verdict = await load_verdict(request_profile(request), request.match_info["pres_ex_id"])
    if verdict is None:
        raise web.HTTPNotFound(reason="no LER verdict for this presentation exchange (yet)")
    return web.json_response(verdict)


# --- wiring ------------------------------------------------------------------------------------


def _did(request: web.BaseRequest) -> str:
    did = request.match_info["did"]
    if not re.fullmatch(DID_PATTERN, did):
        raise web.HTTPBadRequest(reason=f"{did!r} is not a did:ler DID")
    return did


async def register(app: web.Application) -> None:
    """Add the plugin's routes."""
    app.add_routes(
        [
            web.get("/ler/account", account, allow_head=False),
            web.post("/ler/did/create", did_create),
            web.post("/ler/did/{did}/rotate-key", did_rotate),
            web.post("/ler/did/{did}/endpoint", did_endpoint),
            web.post("/ler/did/{did}/deactivate", did_deactivate),
            web.post("/ler/governance/roles", governance_role),
            web.post("/ler/governance/trustees", governance_trustee),
            web.post("/ler/governance/accreditations", governance_accreditation),
            web.get("/ler/accreditations/{did}", accreditation_lookup, allow_head=False),
            web.post("/ler/endorsement/connections/{conn_id}", endorsement_connection),
            web.get("/ler/endorsement/policy", policy_get, allow_head=False),
            web.put("/ler/endorsement/policy", policy_put),
            web.get("/ler/endorsement/requests", endorsement_list, allow_head=False),
            web.get(
                "/ler/endorsement/requests/{endorsement_id}", endorsement_get, allow_head=False
            ),
            web.post("/ler/endorsement/requests/{endorsement_id}/approve", endorsement_approve),
            web.post("/ler/endorsement/requests/{endorsement_id}/refuse", endorsement_refuse),
            web.post("/ler/verifier/presentations/{pres_ex_id}/verify", verify_presentation),
            web.get("/ler/verifier/presentations/{pres_ex_id}", verification_get, allow_head=False),
        ]
    )


def register_events(event_bus: EventBus) -> None:
    """Subscribe the plugin's event handlers."""
    events.register(event_bus)


def post_process_routes(app: web.Application) -> None:
    """Describe the ``ler`` tag in the OpenAPI document."""
    app._state["swagger_dict"].setdefault("tags", []).append(
        {
            "name": TAG,
            "description": (
                "The LER state ledger: did:ler DIDs, endorsement, governance, accreditation, "
                "verification"
            ),
        }
    )
