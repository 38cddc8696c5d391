"""The LER flows, driven through agents' admin APIs: publish, issue, prove, revoke, accredit.

The demo tells its story with these, and the end-to-end tests check the same calls.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from .admin import AdminClient, AdminError, quoted

SKILLS_ATTRIBUTES = ["program", "skill", "level", "date"]
FINAL_ENDORSEMENT_STATES = ("done", "refused", "failed")


@dataclass(frozen=True)
class CredentialType:
    """A college's published credential type: schema and revocable credential definition."""

    schema_id: str
    cred_def_id: str


@dataclass(frozen=True)
class IssuedCredential:
    """A credential the college issued and the learner stored."""

    cred_ex_id: str
    connection_id: str
    rev_reg_id: str | None
    cred_rev_id: str | None


async def endorsements_after(admin: AdminClient, since: set[str], kind: str) -> dict[str, Any]:
    """Wait for an author-side endorsement of ``kind`` not in ``since`` to reach a final state."""
    deadline = asyncio.get_running_loop().time() + 60
    while asyncio.get_running_loop().time() < deadline:
        records = (await admin.get("/ler/endorsement/requests", role="author"))["results"]
        fresh = [r for r in records if r["endorsement_id"] not in since and r.get("kind") == kind]
        if fresh and all(r["state"] in FINAL_ENDORSEMENT_STATES for r in fresh):
            return fresh[-1]
        await asyncio.sleep(0.2)
    raise AdminError(f"{admin.name}: the {kind} endorsement did not finish within 60 s")


async def endorsement_ids(admin: AdminClient) -> set[str]:
    """Ids of the author-side endorsement records so far."""
    records = (await admin.get("/ler/endorsement/requests", role="author"))["results"]
    return {r["endorsement_id"] for r in records}


async def publish_credential_type(
    college: AdminClient,
    issuer_did: str,
    *,
    name: str = "SkillsCredential",
    version: str = "1.0",
    attributes: list[str] | None = None,
    registry_size: int = 100,
) -> CredentialType:
    """Publish a schema and a revocable credential definition, then wait for revocation.

    Both are endorsed writes; the revocation registry is ready when it is active.
    """
    schema = await college.post(
        "/anoncreds/schema",
        {
            "schema": {
                "attrNames": attributes or SKILLS_ATTRIBUTES,
                "issuerId": issuer_did,
                "name": name,
                "version": version,
            }
        },
    )
    schema_id = schema["schema_state"]["schema_id"]
    await college.wait_for(
        "/anoncreds/schemas", lambda r: schema_id in r["schema_ids"], what=f"schema {schema_id}"
    )
    cred_def = await college.post(
        "/anoncreds/credential-definition",
        {
            "credential_definition": {
                "issuerId": issuer_did,
                "schemaId": schema_id,
                "tag": "default",
            },
            "options": {"support_revocation": True, "revocation_registry_size": registry_size},
        },
    )
    cred_def_id = cred_def["credential_definition_state"]["credential_definition_id"]
    await college.wait_for(
        f"/anoncreds/revocation/active-registry/{quoted(cred_def_id)}",
        lambda r: r.get("result"),
        timeout=120,
        what="an active revocation registry",
    )
    return CredentialType(schema_id, cred_def_id)


async def issue_credential(
    college: AdminClient,
    college_connection: str,
    cred_def_id: str,
    attributes: dict[str, str],
) -> IssuedCredential:
    """Offer an AnonCreds credential (issue-credential 2.0); wait until the learner stored it.

    The college's record is ``done`` once the learner acknowledged storing the credential.
    """
    offer = await college.post(
        "/issue-credential-2.0/send-offer",
        {
            "connection_id": college_connection,
            "auto_issue": True,
            "auto_remove": False,
            "credential_preview": {
                "@type": "issue-credential/2.0/credential-preview",
                "attributes": [{"name": k, "value": v} for k, v in attributes.items()],
            },
            "filter": {"anoncreds": {"cred_def_id": cred_def_id}},
        },
    )
    cred_ex_id = offer["cred_ex_id"]
    record = await college.wait_for(
        f"/issue-credential-2.0/records/{cred_ex_id}",
        lambda r: r["cred_ex_record"]["state"] in ("done", "abandoned"),
        what="credential stored by the learner",
    )
    if record["cred_ex_record"]["state"] == "abandoned":
        raise AdminError(f"issuance abandoned: {record['cred_ex_record'].get('error_msg')}")
    details = record.get("anoncreds") or {}
    return IssuedCredential(
        cred_ex_id, college_connection, details.get("rev_reg_id"), details.get("cred_rev_id")
    )


def skill_proof_request(
    cred_def_id: str, *, skill_attribute: str = "skill", min_level: int = 3, at: int | None = None
) -> dict[str, Any]:
    """Ask for the skill (revealed), level >= min_level (predicate), not revoked at ``at``."""
    when = int(time.time()) if at is None else at
    restriction = [{"cred_def_id": cred_def_id}]
    return {
        "name": "skills check",
        "version": "1.0",
        "requested_attributes": {
            "skill": {"name": skill_attribute, "restrictions": restriction},
        },
        "requested_predicates": {
            "level": {
                "name": "level",
                "p_type": ">=",
                "p_value": min_level,
                "restrictions": restriction,
            },
        },
        "non_revoked": {"from": when, "to": when},
    }


async def request_proof(
    employer: AdminClient, connection_id: str, proof_request: dict[str, Any]
) -> dict[str, Any]:
    """Send a proof request and return the LER verdict once the exchange is done."""
    sent = await employer.post(
        "/present-proof-2.0/send-request",
        {
            "connection_id": connection_id,
            "presentation_request": {"anoncreds": proof_request},
            "auto_remove": False,
        },
    )
    pres_ex_id = sent["pres_ex_id"]
    record = await employer.wait_for(
        f"/present-proof-2.0/records/{pres_ex_id}",
        lambda r: r["state"] in ("done", "abandoned"),
        what="presentation verified",
    )
    if record["state"] == "abandoned":
        return {
            "pres_ex_id": pres_ex_id,
            "verified": False,
            "reasons": ["abandoned"],
            "checks": [],
            "detail": record.get("error_msg"),
        }
    return await employer.get(f"/ler/verifier/presentations/{pres_ex_id}")


async def share_requested_proof(
    wallet: AdminClient, connection_id: str | None = None, *, timeout: float = 60.0
) -> dict[str, Any]:
    """A hosted learner shares the oldest proof request waiting in ``wallet``, as its plan shows.

    ``connection_id``: only a request on this connection (the learner's side). Returns
    ``{"plan", "record"}`` of ler_tenants' share route (409 for what the wallet cannot answer).
    """
    query = {"role": "prover", "state": "request-received"}
    if connection_id:
        query["connection_id"] = connection_id
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (waiting := (await wallet.get("/present-proof-2.0/records", **query))["results"]):
        if loop.time() > deadline:
            raise AdminError(f"{wallet.name}: no proof request arrived within {timeout:.0f} s")
        await asyncio.sleep(0.25)
    oldest = min(waiting, key=lambda r: (r.get("created_at", ""), r["pres_ex_id"]))
    return await wallet.post(f"/ler/wallet/proof-requests/{quoted(oldest['pres_ex_id'])}/share")


async def revoke(
    college: AdminClient, issued: IssuedCredential, reason: str = "Revoked by the college."
) -> dict[str, Any]:
    """Revoke, publish and tell the learner why (the college keeps the reason too).

    Returns the endorsement record of the status list update.
    """
    since = await endorsement_ids(college)
    await college.post(
        "/ler/anoncreds/revocations", {"cred_ex_id": issued.cred_ex_id, "reason": reason}
    )
    return await endorsements_after(college, since, "rev_list")


async def set_accreditation(
    state: AdminClient, issuer_did: str, credential_type: str, action: str, reason: str = ""
) -> dict[str, Any]:
    """Accredit, suspend, reinstate or withdraw an issuer (the state's governance route)."""
    return await state.post(
        "/ler/governance/accreditations",
        {
            "issuer": issuer_did,
            "credential_type": credential_type,
            "action": action,
            "reason": reason,
        },
    )
