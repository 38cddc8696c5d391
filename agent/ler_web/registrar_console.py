"""The college registrar's console: issued credentials and their status, ledger writes, invites.

Everything goes through the college agent's admin API: ``/ler/badges/*`` for credentials and
status lists, ``/ler/endorsement/requests`` for the state's endorsement of each ledger write, and
``/out-of-band/create-invitation`` to invite one learner.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .agent_calls import AgentCallError, quoted
from .app_keys import agent_api
from .page_rendering import page
from .sign_in import requires

ROLE = "registrar"
CHANGES = {"revoked": "Revoke", "suspended": "Suspend", "valid": "Reinstate"}
DONE = {"revoked": "revoked", "suspended": "suspended", "valid": "reinstated"}
WRITES = {
    "schema": "Schema",
    "cred_def": "Credential definition",
    "rev_reg_def": "Revocation registry",
    "rev_status_list": "Revocation list",
    "status_list": "Badge status list",
    "did": "DID",
}


async def _credentials_page(
    request: web.Request,
    notice: str | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    college = agent_api(request, "registrar")
    issued = (await college.get("/ler/badges/credentials"))["results"]
    issued.sort(key=lambda r: r.get("created_at", ""), reverse=True)
    lists = (await college.get("/ler/badges/status-lists"))["results"]
    return await page(
        request,
        "registrar_credentials.html",
        {
            "issued": issued,
            "lists": lists,
            "changes": CHANGES,
            "notice": notice,
            "errors": errors or {},
        },
        status=status,
    )


@requires(ROLE)
async def credentials(request: web.Request) -> web.Response:
    """Issued credentials, their status, and the status lists."""
    return await _credentials_page(request)


@requires(ROLE)
async def change_status(request: web.Request) -> web.Response:
    """Revoke, suspend or reinstate one credential, with a reason."""
    posted = await request.post()
    credential_id = str(posted.get("credential_id", ""))
    new_status = str(posted.get("status", ""))
    reason = str(posted.get("reason", "")).strip()
    field = f"reason-{credential_id}"
    if new_status not in CHANGES or not credential_id:
        raise web.HTTPBadRequest()
    if new_status != "valid" and not reason:
        errors = {field: "Give a reason: the learner and employers will see it"}
        return await _credentials_page(request, errors=errors, status=400)
    body: dict[str, Any] = {"status": new_status, "wait": False}
    if reason:
        body["reason"] = reason
    try:
        record = await agent_api(request, "registrar").post(
            f"/ler/badges/credentials/{quoted(credential_id)}/status", body
        )
    except AgentCallError as exc:
        if exc.status in (400, 404, 409, 422):
            errors = {field: f"This change cannot be made: {exc.message}"}
            return await _credentials_page(request, errors=errors, status=exc.status)
        raise
    notice = f"You {DONE[new_status]} {credential_id}."
    if record.get("endorsement_id"):
        notice += " It takes effect once the state endorses the ledger write."
    return await _credentials_page(request, notice=notice)


@requires(ROLE)
async def ledger_writes(request: web.Request) -> web.Response:
    """Each ledger write of the college and where the state's endorsement of it stands."""
    records = (
        await agent_api(request, "registrar").get("/ler/endorsement/requests", role="author")
    )["results"]
    records.sort(key=lambda r: r.get("created_at", ""), reverse=True)
    for record in records:
        record["kind_label"] = WRITES.get(record.get("kind", ""), record.get("kind") or "Write")
    return await page(request, "registrar_writes.html", {"records": records})


@requires(ROLE)
async def invite_form(request: web.Request) -> web.Response:
    """The page to invite one learner."""
    return await page(request, "registrar_invite.html", {"errors": {}, "form": {}})


@requires(ROLE)
async def invite(request: web.Request) -> web.Response:
    """Make an invitation link for one learner's wallet."""
    posted = await request.post()
    learner = str(posted.get("learner", "")).strip()
    if not learner or len(learner) > 100:
        errors = {"learner": "Enter the learner's name, up to 100 characters"}
        return await page(
            request, "registrar_invite.html", {"errors": errors, "form": {}}, status=400
        )
    invitation = await agent_api(request, "registrar").post(
        "/out-of-band/create-invitation",
        {"handshake_protocols": ["https://didcomm.org/didexchange/1.1"], "alias": learner},
        auto_accept="true",
    )
    return await page(
        request,
        "registrar_invite.html",
        {"errors": {}, "form": {}, "learner": learner, "link": invitation["invitation_url"]},
    )


def routes() -> list[web.RouteDef]:
    """The console's routes."""
    return [
        web.get("/registrar", credentials),
        web.post("/registrar/status", change_status),
        web.get("/registrar/ledger-writes", ledger_writes),
        web.get("/registrar/invite", invite_form),
        web.post("/registrar/invite", invite),
    ]
