"""The employer's request by QR code: ask a learner's wallet for a credential showing a skill.

A signed-in employer chooses a skill from the catalogue and the kind of wallet the candidate has:
a VC-API wallet (optionally for one kind of badge: the verifier agent opens a VC-API presentation
exchange, ``POST /ler/badges/vc-api/exchanges/presentation``) or a DIDComm wallet (a
connectionless present-proof request in an out-of-band invitation, :mod:`.didcomm_requests`).
The page shows the request's link as a QR code and polls (htmx) until the wallet has answered,
or the request has ended without an answer (declined, or expired: said in plain words, with a
link to ask again). A DIDComm request's QR code is a short link on this site
(:mod:`.request_links`); the whole invitation is there to copy for another DIDComm wallet. The
verdict is the verifier's, explained with the check page's words. Only the requests made in
this browser session can be opened.
"""

from __future__ import annotations

import re
import time
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from aiohttp_session import get_session

from . import didcomm_requests
from .agent_calls import AgentCallError, quoted
from .app_keys import SIGNED_IN, agent_api
from .check_words import explain
from .page_rendering import page
from .qr_codes import qr_code
from .request_links import REQUEST_LINKS, RequestLinkError
from .request_words import employer_ending, until_words
from .sign_in import requires

ROLE = "employer"
EXCHANGES = "/ler/badges/vc-api/exchanges"
LIFETIME = 900  # seconds a request's link works: a wallet must answer within them
UNTIL_ANSWERED = 24 * 3600  # a short link's life when the verifier keeps requests until answered
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
    """The form that starts a request (``?skill=&wallet=`` fill it in, to ask again)."""
    form = {k: request.query.get(k, "") for k in ("skill", "wallet")}
    return await _form_page(request, form={**form, "wallet": form["wallet"] or "vc-api"})


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
    verifier = agent_api(request, "verifier")
    try:
        started = time.time()  # the verifier's clock for the request starts after this
        seconds = await didcomm_requests.lifetime(verifier) or UNTIL_ANSWERED
        created = await didcomm_requests.create(verifier, skill)
        link = request.app[REQUEST_LINKS].make(
            request[SIGNED_IN].username,
            created["pres_ex_id"],
            created["thread_id"],
            created["invitation"],
            started + seconds,
        )
    except AgentCallError as exc:
        if exc.status == 0 or exc.status >= 500:
            raise
        message = f"The request could not be made: {exc.message}"
        return await _form_page(request, {"skill": message}, form, status=400)
    except RequestLinkError as exc:
        return await _form_page(request, {"skill": str(exc)}, form, status=400)
    kept = f"{skill['onet_code']} {link.token}"
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
        ending = employer_ending(exchange.get("error"), _expires(exchange), time.time())
        return {"final": True, "answered": False, "ending": ending}
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


def _expires(exchange: dict[str, Any]) -> float | None:
    """When a VC-API exchange stops working (its ``expires_at``), if it says."""
    try:
        return datetime.fromisoformat(str(exchange["expires_at"])).timestamp()
    except (KeyError, ValueError):
        return None


def _again(skill: dict[str, Any] | None, wallet: str) -> str:
    """The form filled in to ask for the same again."""
    return "/employer?" + urlencode(
        {"skill": skill["onet_code"] if skill else "", "wallet": wallet}
    )


def _vc_api_view(exchange: dict[str, Any], skill: dict[str, Any] | None) -> dict[str, Any]:
    url = f"/employer/requests/{exchange['exchange_id']}"
    expires = _expires(exchange)
    return {
        "wallet": "vc-api",
        "again_url": _again(skill, "vc-api"),
        "until": until_words(expires, time.time()) if expires else "",
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
    code, _, token = kept[pres_ex_id].partition(" ")
    link = request.app[REQUEST_LINKS].get(token)
    listed = await verifier.get("/ler/badges/skills")
    skill = next((s for s in listed["skills"] if s["onet_code"] == code), None)
    url = f"/employer/didcomm-requests/{pres_ex_id}"
    now = time.time()
    expires = link.expires if link else None
    return {
        "wallet": "didcomm",
        "again_url": _again(skill, "didcomm"),
        "until": until_words(expires, now) if expires else "",
        "skill": skill,
        "record": record,
        "request_link": link if link and now < link.expires else None,
        "page_url": url,
        "status_url": f"{url}/status",
        "outcome": didcomm_requests.outcome(
            record, skill, listed.get("levels") or [], expires, now
        ),
    }


@requires(ROLE)
async def show_didcomm_request(request: web.Request) -> web.Response:
    """A DIDComm request's QR code and link, and its answer once there is one."""
    view = await _didcomm_view(request)
    link = view["request_link"]
    if not view["outcome"]["final"] and link is not None:
        view["short_link"] = str(request.url.origin()) + link.path
        view["qr"] = await qr_code(view["short_link"])
        view["link"] = didcomm_requests.invitation_link(link.invitation)
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
