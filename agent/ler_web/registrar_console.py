"""The college registrar's console: issued credentials and their status, ledger writes, invites.

Everything goes through the college agent's admin API: ``/ler/badges/*`` for Open Badges
credentials and status lists, AnonCreds credentials through :mod:`.registrar_anoncreds` (revoked
with the reason sent to the learner), ``/ler/endorsement/requests`` for the state's endorsement
of each ledger write, and ``/out-of-band/create-invitation`` to invite one learner. Credential
types are in :mod:`.registrar_types`, issuing to one learner in :mod:`.registrar_issuing`,
batches from a CSV file in :mod:`.registrar_batches`.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import registrar_anoncreds, registrar_batches, registrar_types
from .agent_calls import AgentCallError, quoted
from .app_keys import agent_api
from .page_rendering import page
from .qr_codes import qr_code
from .registrar_issuing import (
    Handover,
    check_email,
    college_name,
    credential_types,
    issue_to,
)
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
            "anoncreds": await registrar_anoncreds.issued(college),
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
    if posted.get("format") == "anoncreds":
        return await _revoke_anoncreds(request, credential_id, new_status, reason)
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


async def _revoke_anoncreds(
    request: web.Request, cred_ex_id: str, new_status: str, reason: str
) -> web.Response:
    """Revoke an AnonCreds credential (they cannot be suspended); the learner is told why."""
    field = f"reason-{cred_ex_id}"
    if new_status != "revoked":
        errors = {field: "An AnonCreds credential can only be revoked"}
        return await _credentials_page(request, errors=errors, status=400)
    try:
        told = await registrar_anoncreds.revoke(agent_api(request, ROLE), cred_ex_id, reason)
    except AgentCallError as exc:
        if exc.status in (400, 404, 409, 422):
            errors = {field: f"This change cannot be made: {exc.message}"}
            return await _credentials_page(request, errors=errors, status=exc.status)
        raise
    notice = f"You revoked {cred_ex_id}. It takes effect once the state endorses the ledger write"
    notice += ", and the learner is told your reason." if told else "."
    return await _credentials_page(request, notice=notice)


@requires(ROLE)
async def after_status_change(_request: web.Request) -> web.Response:
    """Reloading the page a status change answered (its address is the form's): the list."""
    raise web.HTTPSeeOther("/registrar")


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
    link = invitation["invitation_url"]
    return await page(
        request,
        "registrar_invite.html",
        {
            "errors": {},
            "form": {},
            "learner": learner,
            "link": link,
            "qr_image": await qr_code(link),
        },
    )


async def _issue_page(
    request: web.Request,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    handover: Handover | None = None,
    status: int = 200,
) -> web.Response:
    types = await credential_types(agent_api(request, ROLE))
    context = {"types": types, "errors": errors or {}, "form": form or {}, "handover": handover}
    if handover is not None:
        context["qr_image"] = await qr_code(handover.qr_text)
    return await page(request, "registrar_issue.html", context, status=status)


@requires(ROLE)
async def issue_form(request: web.Request) -> web.Response:
    """The page to issue a credential of a defined type to one learner."""
    return await _issue_page(request)


@requires(ROLE)
async def issue(request: web.Request) -> web.Response:
    """Issue to one learner: a link, its QR code and an e-mail text to send them."""
    posted = await request.post()
    form = {k: str(posted.get(k, "")).strip() for k in ("learner", "email", "type_id")}
    college = agent_api(request, ROLE)
    chosen = next(
        (t for t in await credential_types(college) if t["type_id"] == form["type_id"]), None
    )
    errors = {}
    if not form["learner"] or len(form["learner"]) > 100:
        errors["learner"] = "Enter the learner's name, up to 100 characters"
    email = check_email(form["email"])
    if email is None:
        errors["email"] = "Enter the learner's e-mail address, like name@example.org"
    if chosen is None:
        errors["type_id"] = "Choose the credential type to issue"
    if errors or chosen is None or email is None:
        return await _issue_page(request, errors, form, status=400)
    try:
        handover = await issue_to(college, college_name(request), chosen, form["learner"], email)
    except AgentCallError as exc:
        if not 400 <= exc.status < 500:
            raise
        errors = {"type_id": f"The college's agent refused it: {exc.message}"}
        return await _issue_page(request, errors, form, status=exc.status)
    return await _issue_page(request, handover=handover)


def routes() -> list[web.RouteDef]:
    """The console's routes."""
    return [
        web.get("/registrar", credentials),
        web.get("/registrar/status", after_status_change),
        web.post("/registrar/status", change_status),
        web.get("/registrar/ledger-writes", ledger_writes),
        web.get("/registrar/invite", invite_form),
        web.post("/registrar/invite", invite),
        web.get("/registrar/issue", issue_form),
        web.post("/registrar/issue", issue),
        *registrar_types.routes(),
        *registrar_batches.routes(),
    ]
