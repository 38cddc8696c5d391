"""Read-only admin routes for the state console: roles, trustee votes, revocation history.

Role holders, trustee proposals, and the revocation registries with their revoked indexes as of
any time. They follow the error contract of :mod:`ler_ledger.http_errors` like the other
``/ler`` routes.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from acapy_agent.admin.decorators.auth import admin_authentication
from acapy_agent.messaging.models.openapi import OpenAPISchema
from aiohttp import web
from aiohttp_apispec import docs, querystring_schema, response_schema
from marshmallow import fields

from ler_chain import (
    CredDefId,
    LedgerClient,
    LedgerNotFoundError,
    LerDid,
    RevRegDefId,
    parse_anoncreds_id,
)
from ler_chain.registries.roles import ROLES
from ler_chain.transactions import rpc_errors

from . import http_errors
from .admin_requests import request_profile
from .errors import LerInputError
from .ledger import LedgerService
from .validators import UINT64_VALIDATE, text

TAG = "ler"
#: Newest trustee proposals listed (older ones are history, read from the ledger's events).
MAX_PROPOSALS = 50


class RoleHoldersSchema(OpenAPISchema):
    """Accounts holding each role."""

    roles = fields.Dict(
        keys=fields.Str(), values=fields.List(fields.Str()), metadata={"example": {"TRUSTEE": []}}
    )


class ProposalListSchema(OpenAPISchema):
    """Trustee proposals, newest first."""

    count = fields.Int(metadata={"description": "How many proposals were ever made"})
    proposals = fields.List(
        fields.Dict(),
        metadata={"description": "proposal_id, account, grant, approvals, needed, executed"},
    )


class RevocationRegistryListSchema(OpenAPISchema):
    """Revocation registries anchored on the ledger, oldest first."""

    results = fields.List(
        fields.Dict(),
        metadata={"description": "rev_reg_id, issuer, cred_def_id, size, block_number, time"},
    )


class RevocationListQuerySchema(OpenAPISchema):
    """Which registry, and as of when."""

    rev_reg_id = text(
        required=True,
        min_length=1,
        max_length=500,
        example="did:ler:local:AbCdEfGhIjKlMnOpQrStUv/anoncreds/v0/REV_REG_DEF/7/default/0",
    )
    at = fields.Int(
        required=False,
        validate=UINT64_VALIDATE,
        metadata={"description": "Unix time (default: now)", "example": 1767225600},
    )
    block = fields.Int(
        required=False,
        validate=UINT64_VALIDATE,
        metadata={"description": "As of this block's time (instead of at)", "example": 12},
    )


class RevocationListSchema(OpenAPISchema):
    """The revoked indexes of a registry as of a time."""

    rev_reg_id = fields.Str()
    at = fields.Int(metadata={"description": "The Unix time asked about"})
    entries = fields.Int(metadata={"description": "Status list entries up to then"})
    timestamp = fields.Int(metadata={"description": "Time of the last entry up to then"})
    block_number = fields.Int(metadata={"description": "Block of the last entry up to then"})
    revoked = fields.List(fields.Int(), metadata={"description": "Revoked indexes"})


def _chain(request: web.BaseRequest) -> LedgerClient:
    return request_profile(request).inject(LedgerService).chain


@docs(tags=[TAG], summary="State governance: the accounts holding TRUSTEE, STEWARD and ENDORSER")
@response_schema(RoleHoldersSchema(), 200)
@admin_authentication
@http_errors.json_errors
async def role_holders(request: web.BaseRequest) -> web.Response:
    """Role holders."""
    chain = _chain(request)
    async with rpc_errors(chain.descriptor.rpc_url):
        roles = {role: await chain.roles.members(role) for role in ROLES}
    return web.json_response({"roles": roles})


@docs(tags=[TAG], summary="State governance: trustee proposals and their votes, newest first")
@response_schema(ProposalListSchema(), 200)
@admin_authentication
@http_errors.json_errors
async def trustee_proposals(request: web.BaseRequest) -> web.Response:
    """Trustee proposals."""
    chain = _chain(request)
    roles = chain.roles
    async with rpc_errors(chain.descriptor.rpc_url):
        count = await roles.proposal_count()
        newest = range(count, max(0, count - MAX_PROPOSALS), -1)
        proposals = [asdict(await roles.proposal(number)) for number in newest]
    return web.json_response({"count": count, "proposals": proposals})


@docs(tags=[TAG], summary="State ledger browser: the AnonCreds revocation registries anchored")
@response_schema(RevocationRegistryListSchema(), 200)
@admin_authentication
@http_errors.json_errors
async def revocation_registries(request: web.BaseRequest) -> web.Response:
    """Revocation registries, from the ledger's events."""
    chain = _chain(request)
    network = request_profile(request).inject(LedgerService).network
    event = chain.contracts["anoncreds"].events.RevocationRegistryDefinitionRegistered
    results = []
    async with rpc_errors(chain.descriptor.rpc_url):
        logs = await event.get_logs(from_block=0, to_block=await chain.block_number())
        times: dict[int, int] = {}
        for log in logs:
            definition = json.loads(bytes(log["args"]["payload"]))
            cred_def = parse_anoncreds_id(str(definition.get("credDefId", "")))
            if not isinstance(cred_def, CredDefId):
                continue
            rev_reg = RevRegDefId(
                cred_def.issuer, cred_def.schema_seq_no, cred_def.tag, log["args"]["tag"]
            )
            if rev_reg.key != bytes(log["args"]["key"]):
                continue  # an id that does not name this registry: not listed
            block = log["blockNumber"]
            if block not in times:
                times[block] = int((await chain.w3.eth.get_block(block))["timestamp"])
            results.append(
                {
                    "rev_reg_id": str(rev_reg),
                    "issuer": str(LerDid.from_id(network, log["args"]["issuer"])),
                    "cred_def_id": str(cred_def),
                    "size": log["args"]["maxCredNum"],
                    "block_number": block,
                    "time": times[block],
                }
            )
    return web.json_response({"results": results})


@docs(
    tags=[TAG],
    summary="State ledger browser: a revocation registry's revoked indexes as of a time or block",
)
@querystring_schema(RevocationListQuerySchema())
@response_schema(RevocationListSchema(), 200)
@admin_authentication
@http_errors.json_errors
async def revocation_list(request: web.BaseRequest) -> web.Response:
    """Revoked indexes as of ``at`` (or ``block``'s time; default now)."""
    chain = _chain(request)
    rev_reg = parse_anoncreds_id(request.query.get("rev_reg_id", ""))
    if not isinstance(rev_reg, RevRegDefId):
        raise LerInputError("rev_reg_id must be a revocation registry id (.../REV_REG_DEF/...)")
    if "at" in request.query and "block" in request.query:
        raise LerInputError("give at (a Unix time) or block, not both")
    async with rpc_errors(chain.descriptor.rpc_url):
        if "block" in request.query:
            block = _uint64(request, "block")
            if block > await chain.block_number():
                raise LerInputError(f"block {block} is not on the ledger yet")
            at = int((await chain.w3.eth.get_block(block))["timestamp"])
        elif "at" in request.query:
            at = _uint64(request, "at")
        else:
            at = await chain.ledger_time()
        try:  # the ledger keeps times as uint48: a later time is "now"
            status = await chain.anoncreds.status_list(rev_reg, min(at, 2**48 - 1))
        except LedgerNotFoundError:
            await chain.anoncreds.revocation_registry_definition(rev_reg)  # 404 if unknown
            status = None  # the registry existed later than ``at``, or had no list yet
    if status is None:
        body = {"entries": 0, "timestamp": None, "block_number": None, "revoked": []}
    else:
        body = {
            "entries": status.entries,
            "timestamp": status.timestamp,
            "block_number": status.block_number,
            "revoked": [i for i, bit in enumerate(status.revoked) if bit],
        }
    return web.json_response({"rev_reg_id": str(rev_reg), "at": at, **body})


def _uint64(request: web.BaseRequest, name: str) -> int:
    value = request.query[name]
    if not value.isascii() or not value.isdigit() or int(value) >= 2**64:
        raise LerInputError(f"{name} must be an integer from 0 to 2**64-1")
    return int(value)


def routes() -> list[web.RouteDef]:
    """The module's routes."""
    return [
        web.get("/ler/governance/roles", role_holders, allow_head=False),
        web.get("/ler/governance/trustees", trustee_proposals, allow_head=False),
        web.get("/ler/ledger/revocation-registries", revocation_registries, allow_head=False),
        web.get("/ler/ledger/revocation-list", revocation_list, allow_head=False),
    ]
