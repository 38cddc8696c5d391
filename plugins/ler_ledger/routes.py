"""Admin API of the ler plugin (tag ``ler``), authenticated like ACA-Py's own routes.

Wallet-level routes use ``@tenant_authentication`` (admin API key, or a tenant's token when
multitenant). State governance routes use ``@admin_authentication`` (the API key only).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict

from acapy_agent.admin.decorators.auth import admin_authentication, tenant_authentication
from acapy_agent.core.event_bus import EventBus
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
from marshmallow import fields

from ler_chain.transactions import rpc_errors

from . import event_subscriptions, governance_routes, http_errors, list_routes, revocation_routes
from .admin_requests import local_did, request_json, request_profile
from .did.manager import LerDidManager
from .direct_writes import send_direct
from .endorsement.endorser_policy import load_policy, save_policy
from .endorsement.manager import EndorsementManager
from .endorsement.records import LerEndorsementRecord, LerEndorsementRecordSchema
from .errors import LerInputError
from .ledger import LedgerService
from .ledger_records import ledger_records
from .validators import (
    ADDRESS_VALIDATE,
    ENDPOINT_VALIDATE,
    UINT64_VALIDATE,
    UINT256_VALIDATE,
    EvmAddress,
    LerDid,
    ler_did,
    one_of,
    text,
    uint64,
    uuid4,
)
from .verifier.presentation_verdicts import verify_exchange
from .verifier.store import load_verdict

LOGGER = logging.getLogger(__name__)
TAG = "ler"
DID_EXAMPLE = LerDid.EXAMPLE

Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]

#: Every handler's errors become the JSON contract of :mod:`ler_ledger.http_errors`.
ler_errors = http_errors.json_errors

#: Longest credential type the AccreditationRegistry takes (MAX_TYPE_LENGTH, in bytes).
CREDENTIAL_TYPE_MAX = 256
ENDORSEMENT_STATES = sorted(
    {
        LerEndorsementRecord.STATE_REQUEST_SENT,
        LerEndorsementRecord.STATE_REQUEST_RECEIVED,
        LerEndorsementRecord.STATE_PENDING,
        *LerEndorsementRecord.FINAL_STATES,
    }
)


# --- schemas -----------------------------------------------------------------------------------


class DidCreateRequestSchema(OpenAPISchema):
    """Create and anchor a did:ler DID."""

    endpoint = fields.Str(
        required=False,
        validate=ENDPOINT_VALIDATE,
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

    did = ler_did(description="A did:ler DID of this agent's network")


class EndpointRequestSchema(OpenAPISchema):
    """New DIDComm service endpoint ('' removes it)."""

    endpoint = fields.Str(
        required=True,
        validate=ENDPOINT_VALIDATE,
        metadata={"example": "https://college.example/didcomm"},
    )
    wait = fields.Bool(required=False, metadata={"example": True})


class WaitRequestSchema(OpenAPISchema):
    """Whether to wait for the write to land."""

    wait = fields.Bool(required=False, metadata={"example": True})


class AccountSchema(OpenAPISchema):
    """This wallet's ledger account."""

    address = fields.Str(metadata={"example": EvmAddress.EXAMPLE})
    roles = fields.List(fields.Str(), metadata={"example": ["ENDORSER"]})
    network = fields.Str(metadata={"example": "local"})
    endorsement_role = fields.Str(metadata={"example": "author"})


class RoleRequestSchema(OpenAPISchema):
    """Grant or revoke a role (as a TRUSTEE)."""

    role = one_of(["ENDORSER", "STEWARD"])
    account = fields.Str(
        required=True, validate=ADDRESS_VALIDATE, metadata={"example": EvmAddress.EXAMPLE}
    )
    action = one_of(["grant", "revoke"])


class AccreditationRequestSchema(OpenAPISchema):
    """Accredit, suspend, reinstate or withdraw an issuer (as TRUSTEE or ENDORSER)."""

    issuer = ler_did(description="The issuer's did:ler DID, on this agent's network")
    credential_type = text(min_length=1, max_length=CREDENTIAL_TYPE_MAX, example="SkillsCredential")
    action = one_of(["accredit", "suspend", "reinstate", "withdraw"])
    valid_from = uint64(description="Unix time (accredit)")
    valid_until = uint64(description="Unix time, 0 = open-ended (accredit)")
    reason = text(required=False, example="annual review")


class TrusteeVoteSchema(OpenAPISchema):
    """Propose or approve a TRUSTEE change (as a TRUSTEE)."""

    action = one_of(["approve", "propose"])
    account = fields.Str(
        required=False,
        validate=ADDRESS_VALIDATE,
        metadata={"description": "propose: the account", "example": EvmAddress.EXAMPLE},
    )
    grant = fields.Bool(required=False, metadata={"description": "propose: add (true) or remove"})
    proposal_id = fields.Int(
        required=False,
        strict=True,
        validate=UINT256_VALIDATE,
        metadata={"description": "approve: the proposal", "example": 1},
    )


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

    credential_type = text(
        required=False, min_length=1, max_length=CREDENTIAL_TYPE_MAX, example="SkillsCredential"
    )
    at = uint64(strict=False, description="Unix time (default: now)")


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

    their_role = one_of(["endorser", "author"])


class ConnIdMatchSchema(OpenAPISchema):
    """A connection id in the path."""

    conn_id = uuid4(description="Connection identifier")


class EndorsementIdMatchSchema(OpenAPISchema):
    """An endorsement record id in the path."""

    endorsement_id = uuid4(description="Endorsement record identifier")


class EndorsementQuerySchema(OpenAPISchema):
    """Filters for listing endorsement records."""

    state = one_of(ENDORSEMENT_STATES, required=False, example="pending")
    role = one_of(["author", "endorser"], required=False)


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

    reason = text(min_length=1, example="not an accredited college")


class PresExIdMatchSchema(OpenAPISchema):
    """A presentation exchange id in the path."""

    pres_ex_id = uuid4(description="Presentation exchange identifier")


class VerdictSchema(OpenAPISchema):
    """A verification verdict, as the one verdict store keeps it."""

    pres_ex_id = fields.Str()
    format = fields.Str(metadata={"example": "anoncreds", "description": "anoncreds or dif"})
    verified = fields.Bool()
    reasons = fields.List(fields.Str(), metadata={"example": ["revoked"]})
    checks = fields.List(fields.Dict())
    credentials = fields.List(fields.Dict())
    revealed = fields.Dict()


class LedgerRecordsQuerySchema(OpenAPISchema):
    """Where to start reading the ledger's events."""

    from_block = fields.Int(
        required=False,
        validate=UINT64_VALIDATE,
        metadata={"description": "First block to read (default 0: the whole ledger)", "example": 0},
    )


class LedgerRecordsSchema(OpenAPISchema):
    """What the ledger holds, from its events, oldest first."""

    network = fields.Str(metadata={"example": "local"})
    block = fields.Int(metadata={"description": "Ledger height read up to"})
    time = fields.Int(metadata={"description": "Unix time of that block"})
    from_block = fields.Int()
    dids = fields.List(
        fields.Dict(), metadata={"description": "did, controller, deactivated, versions"}
    )
    schemas = fields.List(fields.Dict(), metadata={"description": "schema_id, issuer, seq_no"})
    credential_definitions = fields.List(
        fields.Dict(), metadata={"description": "cred_def_id, issuer, schema_seq_no, tag"}
    )
    accreditations = fields.List(
        fields.Dict(),
        metadata={"description": "issuer, credential_type, action, by, reason, block, time"},
    )


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
        if await service.chain.roles.has_role(r, signer.address)
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
@match_info_schema(DidMatchSchema())
@request_schema(WaitRequestSchema())
@response_schema(DidResultSchema(), 200)
@tenant_authentication
@ler_errors
async def did_rotate(request: web.BaseRequest) -> web.Response:
    """Rotate the DID key."""
    body = await request_json(request)
    profile = request_profile(request)
    did = _did(request)
    return web.json_response(
        await LerDidManager(profile).rotate_key(did, wait=bool(body.get("wait", True)))
    )


@docs(tags=[TAG], summary="Set the DID's DIDComm service endpoint")
@match_info_schema(DidMatchSchema())
@request_schema(EndpointRequestSchema())
@response_schema(DidResultSchema(), 200)
@tenant_authentication
@ler_errors
async def did_endpoint(request: web.BaseRequest) -> web.Response:
    """Update the service endpoint."""
    body = await request_json(request)
    if not isinstance(body.get("endpoint"), str):
        raise LerInputError("endpoint (a URL, or '' to remove the service) is required")
    did = _did(request)
    result = await LerDidManager(request_profile(request)).set_endpoint(
        did, body["endpoint"], wait=bool(body.get("wait", True))
    )
    return web.json_response(result)


@docs(tags=[TAG], summary="Deactivate the DID for good")
@match_info_schema(DidMatchSchema())
@request_schema(WaitRequestSchema())
@response_schema(DidResultSchema(), 200)
@tenant_authentication
@ler_errors
async def did_deactivate(request: web.BaseRequest) -> web.Response:
    """Deactivate the DID."""
    body = await request_json(request)
    return web.json_response(
        await LerDidManager(request_profile(request)).deactivate(
            _did(request), wait=bool(body.get("wait", True))
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
    _require(body, "role", "account", "action")
    profile = request_profile(request)
    service = profile.inject(LedgerService)
    roles = service.chain.roles
    write = (
        roles.grant(body["role"], body["account"])
        if body["action"] == "grant"
        else roles.revoke(body["role"], body["account"])
    )
    result = await send_direct(profile, write, kind="role", object_id=body["account"])
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
    roles = service.chain.roles
    if body.get("action") == "propose":
        if "account" not in body or not isinstance(body.get("grant"), bool):
            raise LerInputError("propose needs account (0x...) and grant (true or false)")
        write = roles.propose_trustee_change(body["account"], body["grant"])
        result = await send_direct(profile, write, kind="trustee", object_id=body["account"])
        proposal_id = result.event("TrusteeChangeProposed")["proposalId"]
    elif body.get("action") == "approve":
        if "proposal_id" not in body:
            raise LerInputError("approve needs proposal_id (the number propose returned)")
        proposal_id = _uint(body["proposal_id"], "proposal_id", 256)
        write = roles.approve_trustee_change(proposal_id)
        await send_direct(profile, write, kind="trustee", object_id=str(proposal_id))
    else:
        raise LerInputError("action must be propose or approve")
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
    registry = service.chain.accreditation
    issuer = local_did(profile, str(body.get("issuer", "")))
    _require(body, "credential_type", "action")
    credential_type = body["credential_type"]
    action = body["action"]
    if action == "accredit":
        write = registry.accredit(
            issuer,
            credential_type,
            _uint(body.get("valid_from", 0), "valid_from", 64),
            _uint(body.get("valid_until", 0), "valid_until", 64),
        )
    elif action == "suspend":
        write = registry.suspend(issuer, credential_type, body.get("reason", ""))
    elif action == "reinstate":
        write = registry.reinstate(issuer, credential_type)
    else:
        write = registry.withdraw(issuer, credential_type, body.get("reason", ""))
    result = await send_direct(profile, write, kind="accreditation", object_id=str(issuer))
    return web.json_response({"tx_hash": result.tx_hash, "block_number": result.block_number})


@docs(tags=[TAG], summary="Look up an issuer's accreditations (optionally one type, as of a time)")
@match_info_schema(DidMatchSchema())
@querystring_schema(AccreditationQuerySchema())
@response_schema(AccreditationListSchema(), 200)
@tenant_authentication
@ler_errors
async def accreditation_lookup(request: web.BaseRequest) -> web.Response:
    """Accreditations of a DID."""
    profile = request_profile(request)
    chain = profile.inject(LedgerService).chain
    issuer = local_did(profile, request.match_info["did"])
    at = _uint64_query(request, "at")
    if at is None:
        at = await chain.ledger_time()
    credential_type = request.query.get("credential_type")
    if credential_type:
        terms = [await chain.accreditation.accreditation_at(issuer, credential_type, at)]
    else:
        terms = await chain.accreditation.accreditations_of(issuer)
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


@docs(
    tags=[TAG],
    summary="State ledger browser: DIDs with versions, schemas, credential definitions and "
    "accreditation history, read from the ledger's events",
)
@querystring_schema(LedgerRecordsQuerySchema())
@response_schema(LedgerRecordsSchema(), 200)
@admin_authentication
@ler_errors
async def ledger_records_get(request: web.BaseRequest) -> web.Response:
    """Read what the ledger holds."""
    service = request_profile(request).inject(LedgerService)
    from_block = _uint64_query(request, "from_block") or 0
    async with rpc_errors(service.chain.descriptor.rpc_url):
        records = await ledger_records(service.chain, service.network, from_block)
    return web.json_response(records)


# --- endorsement -------------------------------------------------------------------------------


@docs(
    tags=[TAG],
    summary="Mark a connection: the other side is our endorser, or an author we endorse",
)
@match_info_schema(ConnIdMatchSchema())
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
        raise LerInputError("auto_approve and require_accreditation take true or false")
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
@match_info_schema(EndorsementIdMatchSchema())
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
@match_info_schema(EndorsementIdMatchSchema())
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
@match_info_schema(EndorsementIdMatchSchema())
@request_schema(RefuseRequestSchema())
@response_schema(LerEndorsementRecordSchema(), 200)
@tenant_authentication
@ler_errors
async def endorsement_refuse(request: web.BaseRequest) -> web.Response:
    """Refuse a pending request."""
    body = await request_json(request)
    if not isinstance(body.get("reason"), str) or not body["reason"].strip():
        raise LerInputError("a reason is required; the author will see it")
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
@match_info_schema(PresExIdMatchSchema())
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
@match_info_schema(PresExIdMatchSchema())
@response_schema(VerdictSchema(), 200)
@tenant_authentication
@ler_errors
async def verification_get(request: web.BaseRequest) -> web.Response:
    """Fetch a verdict."""
    verdict = await load_verdict(request_profile(request), request.match_info["pres_ex_id"])
    if verdict is None:
        raise StorageNotFoundError(
            "no LER verdict for this presentation exchange (yet): verify it with "
            "POST /ler/verifier/presentations/{pres_ex_id}/verify"
        )
    return web.json_response(verdict)


# --- wiring ------------------------------------------------------------------------------------


def _did(request: web.BaseRequest) -> str:
    """The path's DID, checked to be a did:ler DID of this agent's network."""
    did = request.match_info["did"]
    local_did(request_profile(request), did)
    return did


def _require(body: dict, *names: str) -> None:
    """Refuse a body without ``names`` (the schema says so too; this keeps handlers total)."""
    missing = [name for name in names if name not in body]
    if missing:
        raise LerInputError(f"missing {', '.join(missing)}: see the route's schema at /api/doc")


def _uint(value: object, name: str, bits: int) -> int:
    """``value`` as an unsigned integer of ``bits`` bits, as the contract takes it."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**bits:
        raise LerInputError(f"{name} must be an integer from 0 to 2**{bits}-1")
    return value


def _uint64_query(request: web.BaseRequest, name: str) -> int | None:
    """An unsigned 64-bit integer query parameter (a Unix time), or None if absent."""
    if name not in request.query:
        return None
    value = request.query[name]
    if not value.isascii() or not value.isdigit():
        raise LerInputError(f"{name} must be a Unix time: an integer from 0 to 2**64-1")
    return _uint(int(value), name, 64)


async def register(app: web.Application) -> None:
    """Add the plugin's routes, the JSON error contract for ``/ler/`` paths, the list-call gate."""
    http_errors.install(app)
    list_routes.install(app)
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
            web.get("/ler/ledger/records", ledger_records_get, allow_head=False),
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
            *governance_routes.routes(),
            *revocation_routes.routes(),
        ]
    )


def register_events(event_bus: EventBus) -> None:
    """Subscribe the plugin's event handlers."""
    event_subscriptions.register(event_bus)


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
