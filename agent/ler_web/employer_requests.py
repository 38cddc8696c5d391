"""The employer's request by QR code: ask a learner's wallet for a badge showing a skill.

A signed-in employer chooses a skill from the catalogue (and, optionally, the kind of credential);
the verifier agent opens a VC-API presentation exchange (``POST
/ler/badges/vc-api/exchanges/presentation``); the page shows its link as a QR code and polls
(htmx) until the wallet has answered, or the exchange has ended without an answer. The verdict is
the verifier's, explained with the check page's words. Only the requests made in this browser
session can be opened.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from aiohttp_session import get_session

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
ACHIEVEMENT_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9 ._-]{0,99}$")
EXCHANGE_ID = re.compile(r"^[0-9a-f-]{36}$")


async def _catalogue(request: web.Request) -> list[dict[str, Any]]:
    skills = (await agent_api(request, "verifier").get("/ler/badges/skills"))["skills"]
    return sorted(skills, key=lambda s: s["name"])


async def _mine(request: web.Request) -> dict[str, str]:
    """This session's requests: exchange id -> the skill asked for (its O*NET code)."""
    session = await get_session(request)
    kept = session.get(SESSION_KEY)
    return dict(kept) if isinstance(kept, dict) else {}


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
        {"skills": await _catalogue(request), "errors": errors or {}, "form": form or {}},
        status=status,
    )


@requires(ROLE)
async def start_request(request: web.Request) -> web.Response:
    """Open a presentation exchange on the verifier agent and show its QR code."""
    posted = await request.post()
    form = {k: str(posted.get(k, "")).strip() for k in ("skill", "achievement_type")}
    codes = {s["onet_code"] for s in await _catalogue(request)}
    errors = {}
    if form["skill"] not in codes:
        errors["skill"] = "Choose the skill the candidate should show"
    if form["achievement_type"] and not ACHIEVEMENT_TYPE.match(form["achievement_type"]):
        errors["achievement_type"] = (
            "Enter a kind of credential such as Certificate, or leave it empty"
        )
    if errors:
        return await _form_page(request, errors, form, status=400)
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
    session = await get_session(request)
    kept = await _mine(request)
    kept[created["exchange_id"]] = form["skill"]
    session[SESSION_KEY] = dict(list(kept.items())[-KEPT:])
    raise web.HTTPSeeOther(f"/employer/requests/{created['exchange_id']}")


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
            "exchange": exchange,
            "skill": skill,
            "qr": await qr_code(exchange["qr_text"]),
            "outcome": _outcome(exchange, skill),
        },
    )


@requires(ROLE)
async def request_status(request: web.Request) -> web.Response:
    """The status part alone, for htmx to poll."""
    exchange, skill = await _exchange(request)
    return await page(
        request,
        "employer_request_status.html",
        {"exchange": exchange, "skill": skill, "outcome": _outcome(exchange, skill)},
    )


def routes() -> list[web.RouteDef]:
    """The employer's request pages."""
    return [
        web.get("/employer", request_form),
        web.post("/employer/requests", start_request),
        web.get("/employer/requests/{exchange_id}", show_request),
        web.get("/employer/requests/{exchange_id}/status", request_status),
    ]
