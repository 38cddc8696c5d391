"""The employer's request by QR code: ask a learner's wallet for a credential showing a skill.

A signed-in employer chooses a skill from the catalogue and the kind of wallet the candidate has:
a VC-API wallet (optionally for one kind of badge: the verifier agent opens a VC-API presentation
exchange, ``POST /ler/badges/vc-api/exchanges/presentation``) or a DIDComm wallet (a
connectionless present-proof request in an out-of-band invitation, :mod:`.didcomm_requests`).
The page shows the request's link as a QR code and polls (htmx) until the wallet has answered,
or the request has ended without an answer. The verdict is the verifier's, explained with the
check page's words. Only the requests made in this browser session can be opened.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from aiohttp_session import get_session

from . import didcomm_requests
from .agent_calls import AgentCallError, quoted
from .app_keys import agent_api
from .check_words import explain
from .page_rendering import page
from .qr_codes import qr_code
from .sign_in import requires

ROLE = "employer"
EXCHANGES = "/ler/badges/vc-api/exchanges"
LIFETIME = 900  # seconds a request's link works: a wallet must answer within them
KEPT = 20  # requests remembered in a session
SESSION_KEY = "employer_requests"
DIDCOMM_KEY = "employer_didcomm_requests"
WALLETS = {
    "vc-api": "A wallet that opens web links (VC-API)",
    "didcomm": "A DIDComm wallet (connectionless request)",
}
ACHIEVEMENT_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9 ._-]{0,99}$")
EXCHANGE_ID = re.compile(r"^[0-9a-f-]{36}$")


async def _catalogue(request: web.Request) -> list[dict[str, Any]]:
    skills = (await agent_api(request, "verifier").get("/ler/badges/skills"))["skills"]
    return sorted(skills, key=lambda s: s["name"])


async def _mine(request: web.Request, key: str = SESSION_KEY) -> dict[str, str]:
    """This session's requests: exchange id -> the skill asked for (its O*NET code)."""
    session = await get_session(request)
    kept = session.get(key)
    return dict(kept) if isinstance(kept, dict) else {}


async def _remember(request: web.Request, key: str, request_id: str, skill: str) -> None:
    """Keep a request made in this session (the last :data:`KEPT` of each kind).

    ``skill``: its O*NET code (for a DIDComm request, then its out-of-band record's id).
    """
    session = await get_session(request)
    kept = await _mine(request, key)
    kept[request_id] = skill
    session[key] = dict(list(kept.items())[-KEPT:])


@requires(ROLE)
async def request_form(request: web.Request) -> web.Response:
    """The form that starts a request."""
    return await _form_page(request)


async def _form_page(
    request: web.Request,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    return await page(
        request,
        "employer_request.html",
        {
            "skills": await _catalogue(request),
            "wallets": WALLETS,
            "errors": errors or {},
            "form": form or {"wallet": "vc-api"},
        },
        status=status,
    )


@requires(ROLE)
async def start_request(request: web.Request) -> web.Response:
    """Open a presentation exchange on the verifier agent and show its QR code."""
    posted = await request.post()
    form = {k: str(posted.get(k, "")).strip() for k in ("skill", "achievement_type", "wallet")}
    skills = {s["onet_code"]: s for s in await _catalogue(request)}
    errors = {}
    if form["skill"] not in skills:
        errors["skill"] = "Choose the skill the candidate should show"
    if form["wallet"] not in WALLETS:
        errors["wallet"] = "Choose the kind of wallet the candidate has"
    if form["achievement_type"] and not ACHIEVEMENT_TYPE.match(form["achievement_type"]):
        errors["achievement_type"] = (
            "Enter a kind of credential such as Certificate, or leave it empty"
        )
    elif form["achievement_type"] and form["wallet"] == "didcomm":
        errors["achievement_type"] = (
            "A DIDComm wallet is asked for the skill from any kind of credential: "
            "leave the kind of credential empty"
        )
    if errors:
        return await _form_page(request, errors, form, status=400)
    if form["wallet"] == "didcomm":
        return await _start_didcomm(request, skills[form["skill"]], form)
    body: dict[str, Any] = {"ttl_seconds": LIFETIME}
    if form["achievement_type"]:
        body["achievement_type"] = form["achievement_type"]
    try:
        created = await agent_api(request, "verifier").post(f"{EXCHANGES}/presentation", body)
    except AgentCallError as exc:
        if exc.status == 0 or exc.status >= 500:
            raise
        message = f"The request could not be made: {exc.message}"
        return await _form_page(request, {"skill": message}, form, status=400)
    await _remember(request, SESSION_KEY, created["exchange_id"], form["skill"])
    raise web.HTTPSeeOther(f"/employer/requests/{created['exchange_id']}")


async def _start_didcomm(
    request: web.Request, skill: dict[str, Any], form: dict[str, str]
) -> web.Response:
    """Make a connectionless request on the verifier agent and show its QR code."""
    try:
        created = await didcomm_requests.create(agent_api(request, "verifier"), skill)
    except AgentCallError as exc:
        if exc.status == 0 or exc.status >= 500:
            raise
        message = f"The request could not be made: {exc.message}"
        return await _form_page(request, {"skill": message}, form, status=400)
    kept = f"{skill['onet_code']} {created['oob_id']}"
    await _remember(request, DIDCOMM_KEY, created["pres_ex_id"], kept)
    raise web.HTTPSeeOther(f"/employer/didcomm-requests/{created['pres_ex_id']}")


async def _exchange(request: web.Request) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(the exchange, the skill asked for); 404 if it is not one of this session's."""
    exchange_id = request.match_info["exchange_id"]
    kept = await _mine(request)
    if not EXCHANGE_ID.match(exchange_id) or exchange_id not in kept:
        raise web.HTTPNotFound()
    exchange = await agent_api(request, "verifier").get(f"{EXCHANGES}/{quoted(exchange_id)}")
    skill = next(
        (s for s in await _catalogue(request) if s["onet_code"] == kept[exchange_id]), None
    )
    return exchange, skill


def _outcome(exchange: dict[str, Any], skill: dict[str, Any] | None) -> dict[str, Any]:
    """What the status part of the page shows."""
    state = exchange.get("state")
    if state not in ("done", "failed"):
        return {"final": False}
    verdict = exchange.get("verdict")
    if state == "failed" or not isinstance(verdict, dict):
        reason = exchange.get("error") or "the wallet did not answer in time"
        return {"final": True, "answered": False, "reason": reason}
    results = [explain(judged, {}) for judged in verdict.get("credentials") or []]
    shown = [s for r in results for s in r["skills"]]
    wanted = [
        s
        for s in shown
        if skill and (s.get("code") == skill["onet_code"] or s.get("name") == skill["name"])
    ]
    return {
        "final": True,
        "answered": True,
        "verified": bool(verdict.get("verified")),
        "results": results,
        "skill_shown": wanted[0] if wanted else None,
        "problems": [] if verdict.get("verified") else verdict.get("reasons") or [],
    }


@requires(ROLE)
async def show_request(request: web.Request) -> web.Response:
    """The request's QR code and link, and its answer once there is one."""
    exchange, skill = await _exchange(request)
    return await page(
        request,
        "employer_request_show.html",
        {
            **_vc_api_view(exchange, skill),
            "qr": await qr_code(exchange["qr_text"]),
        },
    )


@requires(ROLE)
async def request_status(request: web.Request) -> web.Response:
    """The status part alone, for htmx to poll."""
    exchange, skill = await _exchange(request)
    return await page(request, "employer_request_status.html", _vc_api_view(exchange, skill))


def _vc_api_view(exchange: dict[str, Any], skill: dict[str, Any] | None) -> dict[str, Any]:
    url = f"/employer/requests/{exchange['exchange_id']}"
    return {
        "wallet": "vc-api",
        "skill": skill,
        "achievement_type": exchange.get("achievement_type"),
        "link": exchange["interaction_url"],
        "page_url": url,
        "status_url": f"{url}/status",
        "outcome": _outcome(exchange, skill),
    }


async def _didcomm_view(request: web.Request) -> dict[str, Any]:
    """A DIDComm request of this session and its outcome; 404 if it is not one of its own."""
    pres_ex_id = request.match_info["pres_ex_id"]
    kept = await _mine(request, DIDCOMM_KEY)
    if not EXCHANGE_ID.match(pres_ex_id) or pres_ex_id not in kept:
        raise web.HTTPNotFound()
    verifier = agent_api(request, "verifier")
    record = await didcomm_requests.exchange(verifier, pres_ex_id)
    code, _, oob_id = kept[pres_ex_id].partition(" ")
    listed = await verifier.get("/ler/badges/skills")
    skill = next((s for s in listed["skills"] if s["onet_code"] == code), None)
    url = f"/employer/didcomm-requests/{pres_ex_id}"
    return {
        "wallet": "didcomm",
        "skill": skill,
        "record": record,
        "oob_id": oob_id,
        "page_url": url,
        "status_url": f"{url}/status",
        "outcome": didcomm_requests.outcome(record, skill, listed.get("levels") or []),
    }


@requires(ROLE)
async def show_didcomm_request(request: web.Request) -> web.Response:
    """A DIDComm request's QR code and link, and its answer once there is one."""
    view = await _didcomm_view(request)
    if not view["outcome"]["final"]:
        try:
            oob = await agent_api(request, "verifier").get(
                "/out-of-band/invitations", oob_id=view["oob_id"]
            )
        except AgentCallError as exc:
            if exc.status == 0 or exc.status >= 500:
                raise
            oob = {}  # the invitation is gone: the status says what became of the request
        if oob.get("invitation"):
            view["link"] = didcomm_requests.invitation_link(oob["invitation"])
            view["qr"] = await qr_code(view["link"])
    return await page(request, "employer_request_show.html", view)


@requires(ROLE)
async def didcomm_request_status(request: web.Request) -> web.Response:
    """The status part of a DIDComm request alone, for htmx to poll."""
    return await page(request, "employer_request_status.html", await _didcomm_view(request))


def routes() -> list[web.RouteDef]:
    """The employer's request pages."""
    return [
        web.get("/employer", request_form),
        web.post("/employer/requests", start_request),
        web.get("/employer/requests/{exchange_id}", show_request),
        web.get("/employer/requests/{exchange_id}/status", request_status),
        web.get("/employer/didcomm-requests/{pres_ex_id}", show_didcomm_request),
        web.get("/employer/didcomm-requests/{pres_ex_id}/status", didcomm_request_status),
    ]
