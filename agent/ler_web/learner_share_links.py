"""Share links in the learner wallet (make, list, withdraw) and the page a link opens.

The learner picks one Open Badges / CLR credential and how long the link works; the credential,
read from the wallet through the tenant API, goes to the web app's share link store. Anyone with
the link sees the same checks as the employer check page, without signing in (rate-limited).
"""

from __future__ import annotations

from aiohttp import web

from . import learner_credentials
from .app_keys import ACCOUNTS, CHECK_LIMIT, SHARE_LINKS, SIGNED_IN
from .check_page import CheckFailed, verify
from .check_words import explain
from .error_pages import error_page
from .learner_tenant import learner_only
from .page_rendering import page
from .share_links import DAY, LIFETIMES_DAYS, PATH, LinkGone, TooManyLinks, UnknownLink

GONE_WORDS = {"withdrawn": "been withdrawn", "expired": "expired"}


@learner_only
async def make(request: web.Request) -> web.StreamResponse:
    """Make a share link to one badge of the signed-in learner's wallet."""
    form = await request.post()
    record_id = str(form.get("record_id") or "")
    days = str(form.get("days") or "")
    if not record_id or days not in {str(d) for d in LIFETIMES_DAYS}:
        raise web.HTTPBadRequest()
    record = await learner_credentials.held_badge(request, record_id)
    credential = record.get("cred_value") or {}
    account = request[SIGNED_IN]
    title = explain({"checks": [], "skills": []}, credential)["title"] or "A badge"
    try:
        request.app[SHARE_LINKS].make(
            account.username, account.name, record_id, title, credential, int(days) * DAY
        )
    except TooManyLinks as exc:
        return await learner_credentials.credentials_page(request, {"share_error": str(exc)}, 400)
    raise web.HTTPSeeOther("/wallet?shared=made#share-links")


@learner_only
async def withdraw(request: web.Request) -> web.StreamResponse:
    """Withdraw one of the signed-in learner's links: it then answers 410 Gone."""
    try:
        request.app[SHARE_LINKS].withdraw(request[SIGNED_IN].username, request.match_info["token"])
    except UnknownLink as exc:
        raise web.HTTPNotFound() from exc
    raise web.HTTPSeeOther("/wallet?shared=withdrawn#share-links")


async def shared(request: web.Request) -> web.Response:
    """The page a share link opens: who shared the credential, until when, and every check."""
    request.app[CHECK_LIMIT].take(request.remote or "unknown")
    try:
        link = request.app[SHARE_LINKS].open(request.match_info["token"])
    except UnknownLink:
        return await error_page(
            request,
            404,
            "This share link does not exist",
            ["Check you copied the whole link. If you did, ask the learner for a new one."],
            next_step=("/check", "Check a credential file instead"),
        )
    except LinkGone as exc:
        return await error_page(
            request,
            410,
            "This share link no longer works",
            [
                f"The learner's link has {GONE_WORDS[exc.why]}. Ask them for a new link or for "
                "the credential file."
            ],
            next_step=("/check", "Check a credential file instead"),
        )
    try:
        result = await verify(request, link.credential)
    except CheckFailed as exc:
        return await error_page(
            request, exc.status, "We could not check this credential", [exc.message]
        )
    account = request.app[ACCOUNTS].get(link.username)
    name = account.name if account else link.learner_name
    return await page(request, "share_shown.html", {"result": result, "shared": link, "name": name})


def routes() -> list[web.RouteDef]:
    """The share link routes."""
    return [
        web.post("/wallet/share-links", make),
        web.post("/wallet/share-links/{token}/withdraw", withdraw),
        web.get(PATH + "{token}", shared),
    ]
