"""The state officer's console: accreditation, endorsements, the ledger, the network's health.

Everything goes through the state (endorser) agent's admin API: ``/ler/governance/*``,
``/ler/accreditations/*``, ``/ler/endorsement/*`` and ``/ler/ledger/records``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import web

from .agent_calls import AgentApi, AgentCallError, quoted
from .app_keys import AGENTS, SETTINGS, agent_api
from .page_rendering import page
from .sign_in import requires

ROLE = "state_officer"
ACTIONS = {
    "accredit": "Accredit",
    "suspend": "Suspend",
    "reinstate": "Reinstate",
    "withdraw": "Withdraw",
}
DONE = {
    "accredit": "accredited",
    "suspend": "suspended",
    "reinstate": "reinstated",
    "withdraw": "withdrew the accreditation of",
}
CREDENTIAL_TYPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._:/#-]{0,199}$")
KINDS = {
    "schema": "a schema",
    "cred_def": "a credential definition",
    "rev_reg_def": "a revocation registry",
    "rev_status_list": "a revocation list",
    "status_list": "a badge status list",
    "did": "a DID",
}


async def _names_by(
    request: web.Request, key_of: Callable[[AgentApi], Awaitable[str | None]]
) -> dict[str, str]:
    """Organisation names of the network's agents, by what ``key_of`` reads from each."""
    names: dict[str, str] = {}

    async def one(api: AgentApi) -> None:
        try:
            key = await key_of(api)
        except (AgentCallError, KeyError, TypeError):
            return
        if key:
            names[key] = api.link.name

    await asyncio.gather(*(one(api) for api in request.app[AGENTS].values()))
    return names


async def agent_names(request: web.Request) -> dict[str, str]:
    """Organisation names of the network's agents, by their public DID."""

    async def public_did(api: AgentApi) -> str | None:
        return ((await api.get("/wallet/did/public")).get("result") or {}).get("did")

    return await _names_by(request, public_did)


async def agent_accounts(request: web.Request) -> dict[str, str]:
    """Organisation names of the network's agents, by their ledger account (lower case)."""

    async def account(api: AgentApi) -> str:
        return (await api.get("/ler/account"))["address"].lower()

    return await _names_by(request, account)


async def _records(request: web.Request) -> dict[str, Any]:
    return await agent_api(request, "state").get("/ler/ledger/records")


def _issuers(records: dict[str, Any], names: dict[str, str]) -> list[dict[str, str]]:
    """DIDs that may be accredited: every active DID on the ledger, named where known."""
    return sorted(
        (
            {"did": d["did"], "name": names.get(d["did"], "")}
            for d in records["dids"]
            if not d["deactivated"]
        ),
        key=lambda i: (not i["name"], i["name"], i["did"]),
    )


async def _current(request: web.Request, issuers: list[str]) -> list[dict[str, Any]]:
    state = agent_api(request, "state")
    rows = []
    for did in issuers:
        for term in (await state.get(f"/ler/accreditations/{quoted(did)}"))["results"]:
            rows.append({"issuer": did, **term})
    return rows


@requires(ROLE)
async def overview(request: web.Request) -> web.Response:
    """Network health and what waits for the officer."""
    settings = request.app[SETTINGS]
    agents = request.app[AGENTS]
    ready = await asyncio.gather(*(api.ready() for api in agents.values()))
    health = [
        {"name": api.link.name, "id": api.link.id, "up": up}
        for api, up in zip(agents.values(), ready, strict=True)
    ]
    tails = await _tails_up(settings.tails_url) if settings.tails_url else None
    ledger: dict[str, Any] | None = None
    pending: list[dict[str, Any]] = []
    try:
        records = await _records(request)
        ledger = {"block": records["block"], "time": records["time"]}
        pending = await _pending(request)
    except (AgentCallError, web.HTTPServiceUnavailable):
        ledger = None
    return await page(
        request,
        "state_overview.html",
        {"health": health, "tails": tails, "ledger": ledger, "pending": len(pending)},
    )


async def _tails_up(url: str) -> bool:
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as session,
            session.get(url.rstrip("/") + "/health") as response,
        ):
            return response.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False


@requires(ROLE)
async def accreditations(request: web.Request) -> web.Response:
    """Accreditations: change one, see each issuer's and the history."""
    return await _accreditations_page(request)


async def _accreditations_page(
    request: web.Request,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    notice: str | None = None,
    status: int = 200,
) -> web.Response:
    records = await _records(request)
    names = await agent_names(request)
    issuers = _issuers(records, names)
    accredited = sorted({a["issuer"] for a in records["accreditations"]})
    history = list(reversed(records["accreditations"]))
    for entry in history:
        entry["issuer_name"] = names.get(entry["issuer"], "")
    current = await _current(request, accredited)
    for row in current:
        row["issuer_name"] = names.get(row["issuer"], "")
    return await page(
        request,
        "state_accreditations.html",
        {
            "issuers": issuers,
            "current": current,
            "history": history,
            "actions": ACTIONS,
            "errors": errors or {},
            "form": form or {},
            "notice": notice,
        },
        status=status,
    )


@requires(ROLE)
async def change_accreditation(request: web.Request) -> web.Response:
    """Accredit, suspend, reinstate or withdraw an issuer for a credential type."""
    posted = await request.post()
    form = {k: str(posted.get(k, "")).strip() for k in ("issuer", "credential_type", "action")}
    form["reason"] = str(posted.get("reason", "")).strip()
    errors = {}
    if not form["issuer"].startswith("did:ler:"):
        errors["issuer"] = "Choose the college to change"
    if not CREDENTIAL_TYPE.match(form["credential_type"]):
        errors["credential_type"] = (
            "Enter the credential type, for example Certificate (letters, digits, spaces, "
            "and . _ : / # -)"
        )
    if form["action"] not in ACTIONS:
        errors["action"] = "Choose what to do"
    elif form["action"] in ("suspend", "withdraw") and not form["reason"]:
        errors["reason"] = "Give a reason: the college and employers will see it"
    if errors:
        return await _accreditations_page(request, errors, form, status=400)
    body: dict[str, Any] = {
        "issuer": form["issuer"],
        "credential_type": form["credential_type"],
        "action": form["action"],
    }
    if form["reason"]:
        body["reason"] = form["reason"]
    state = agent_api(request, "state")
    try:
        if form["action"] == "accredit":  # from now, as the ledger tells the time
            terms = await state.get(f"/ler/accreditations/{quoted(form['issuer'])}")
            body["valid_from"] = terms["at"]
        await state.post("/ler/governance/accreditations", body)
    except AgentCallError as exc:
        if exc.status == 0 or (exc.status >= 500 and exc.status != 502):
            raise
        message = f"The ledger refused this change: {exc.message}"
        return await _accreditations_page(request, {"action": message}, form, status=400)
    names = await agent_names(request)
    who = names.get(form["issuer"], form["issuer"])
    notice = f"You {DONE[form['action']]} {who} for {form['credential_type']}."
    return await _accreditations_page(request, notice=notice)


async def _pending(request: web.Request) -> list[dict[str, Any]]:
    records = await agent_api(request, "state").get(
        "/ler/endorsement/requests", role="endorser", state="pending"
    )
    return records["results"]


@requires(ROLE)
async def endorsements(request: web.Request) -> web.Response:
    """Ledger writes waiting for the officer, and recent decisions."""
    return await _endorsements_page(request)


async def _endorsements_page(
    request: web.Request,
    notice: str | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    state = agent_api(request, "state")
    everything = (await state.get("/ler/endorsement/requests", role="endorser"))["results"]
    everything.sort(key=lambda r: r.get("created_at", ""), reverse=True)
    pending = [r for r in everything if r["state"] == "pending"]
    decided = [r for r in everything if r["state"] != "pending"][:20]
    names = await agent_names(request)
    for record in everything:
        record["kind_label"] = KINDS.get(record.get("kind", ""), record.get("kind") or "a write")
        record["author_name"] = _author(record, names)
    return await page(
        request,
        "state_endorsements.html",
        {"pending": pending, "decided": decided, "notice": notice, "errors": errors or {}},
        status=status,
    )


def _author(record: dict[str, Any], names: dict[str, str]) -> str:
    object_id = str(record.get("object_id") or "")
    for did, name in names.items():
        if object_id.startswith(did):
            return name
    return "an author"


@requires(ROLE)
async def decide(request: web.Request) -> web.Response:
    """Approve or refuse one held request."""
    endorsement_id = request.match_info["endorsement_id"]
    posted = await request.post()
    decision = str(posted.get("decision", ""))
    reason = str(posted.get("reason", "")).strip()
    state = agent_api(request, "state")
    path = f"/ler/endorsement/requests/{quoted(endorsement_id)}"
    if decision == "refuse" and not reason:
        errors = {f"reason-{endorsement_id}": "Give a reason for refusing: the college will see it"}
        return await _endorsements_page(request, errors=errors, status=400)
    if decision not in ("approve", "refuse"):
        raise web.HTTPBadRequest()
    try:
        if decision == "approve":
            record = await state.post(path + "/approve")
        else:
            record = await state.post(path + "/refuse", {"reason": reason})
    except AgentCallError as exc:
        if exc.status in (400, 404, 409, 422):
            errors = {
                f"decision-{endorsement_id}": f"This request cannot be {decision}d now: "
                f"{exc.message}"
            }
            return await _endorsements_page(request, errors=errors, status=exc.status)
        raise
    done = "approved and sent to the ledger" if decision == "approve" else "refused"
    notice = f"The request for {KINDS.get(record.get('kind', ''), 'a write')} was {done}."
    return await _endorsements_page(request, notice=notice)


@requires(ROLE)
async def ledger(request: web.Request) -> web.Response:
    """The ledger browser."""
    records = await _records(request)
    names = await agent_names(request)
    for did in records["dids"]:
        did["name"] = names.get(did["did"], "")
    return await page(request, "state_ledger.html", {"records": records, "names": names})


def routes() -> list[web.RouteDef]:
    """The console's routes."""
    return [
        web.get("/state", overview),
        web.get("/state/accreditations", accreditations),
        web.post("/state/accreditations", change_accreditation),
        web.get("/state/endorsements", endorsements),
        web.post("/state/endorsements/{endorsement_id}", decide),
        web.get("/state/ledger", ledger),
    ]
