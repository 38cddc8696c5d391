"""Receiving credentials: open a college's invitation link, then accept or decline its offers.

An invitation link carries the invitation itself (``?oob=`` base64url JSON, or the older
``?c_i=``); it is decoded here and given to the wallet (``/out-of-band/receive-invitation``). No
URL is ever fetched, so a link cannot make the server call anything. Offers wait in the wallet
(``offer-received``) until the learner accepts (``send-request``) or declines (a problem report).

An employer's link may carry a proof request and no handshake (a connectionless request): the
wallet receives it the same way, then the learner sees it on the requests page with what
answering would share (:mod:`.learner_sharing`), and nothing is sent until they choose.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp import web

from .agent_calls import AgentCallError, quoted
from .learner_sharing import requests_page
from .learner_tenant import TenantApi, learner_only, wallet
from .page_rendering import page
from .qr_codes import qr_code

MAX_LINK = 8000
DECLINED = "The learner declined this offer."
REQUEST_ARRIVES = 10.0  # seconds the wallet may take to file a request a link carries


class BadLink(ValueError):
    """An invitation link that cannot be used; the message says why, in plain words."""


def read_invitation(link: str) -> dict[str, Any]:
    """The out-of-band invitation in ``link``."""
    link = link.strip()
    if not link:
        raise BadLink("Paste the invitation link the college gave you")
    if len(link) > MAX_LINK:
        raise BadLink("This link is too long to be an invitation")
    parts = urlsplit(link)
    query = parse_qs(parts.query)
    encoded = (query.get("oob") or query.get("c_i") or [""])[0]
    if parts.scheme not in ("http", "https", "didcomm") or not encoded:
        raise BadLink("This is not an invitation link: it should contain oob=")
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        invitation = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise BadLink("This invitation link is damaged: copy the whole link again") from exc
    kind = invitation.get("@type", "") if isinstance(invitation, dict) else ""
    if "out-of-band" not in kind or not invitation.get("services"):
        raise BadLink("This link is not a wallet invitation this site can use")
    return invitation


def attached_request(invitation: dict[str, Any]) -> str | None:
    """The thread id of a present-proof request the invitation carries, if it carries one."""
    for attached in invitation.get("requests~attach") or []:
        data = attached.get("data") if isinstance(attached, dict) else None
        data = data if isinstance(data, dict) else {}
        message = data.get("json")
        if message is None and isinstance(data.get("base64"), str):
            try:
                message = json.loads(base64.urlsafe_b64decode(data["base64"] + "=="))
            except (binascii.Error, ValueError):
                continue
        if isinstance(message, dict) and "present-proof" in str(message.get("@type", "")):
            thread = message.get("~thread") if isinstance(message.get("~thread"), dict) else {}
            found = thread.get("thid") or message.get("@id")
            return str(found) if found else None
    return None


async def _request_filed(api: TenantApi, thread_id: str, *, wait: float = 0) -> bool:
    """Whether the wallet holds the request of ``thread_id``, waiting up to ``wait`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        found = await api.get("/present-proof-2.0/records", thread_id=thread_id, role="prover")
        if found["results"] or loop.time() >= deadline:
            return bool(found["results"])
        await asyncio.sleep(0.2)


async def _offers(api: TenantApi) -> list[dict[str, Any]]:
    labels = {
        c["connection_id"]: c.get("their_label") or "an organisation"
        for c in (await api.get("/connections"))["results"]
    }
    records = (await api.get("/issue-credential-2.0/records", state="offer-received"))["results"]
    shown = []
    for record in records:
        ex = record["cred_ex_record"]
        offered = ex.get("cred_offer") or {}
        preview = (ex.get("cred_preview") or offered.get("credential_preview") or {}).get(
            "attributes"
        ) or []
        values = {a["name"]: a["value"] for a in preview}
        offer = (ex.get("by_format") or {}).get("cred_offer") or {}
        badge = (offer.get("ld_proof") or {}).get("credential") or {}
        achievement = (badge.get("credentialSubject") or {}).get("achievement") or {}
        shown.append(
            {
                "id": ex["cred_ex_id"],
                "from": labels.get(ex.get("connection_id"), "an organisation"),
                "title": achievement.get("name") or values.get("program") or "A credential",
                "attributes": [(a["name"], a["value"]) for a in preview],
                "created_at": ex.get("created_at", ""),
            }
        )
    return shown


async def _receive_page(request: web.Request, *, status: int = 200, **context: Any) -> web.Response:
    context.setdefault("errors", {})
    offers = await _offers(wallet(request))
    return await page(request, "learner_receive.html", {"offers": offers, **context}, status=status)


@learner_only
async def receive_form(request: web.Request) -> web.Response:
    """Pending offers, the form for an invitation link, and (opened by a link) its confirmation."""
    context: dict[str, Any] = {}
    if "oob" in request.query or "c_i" in request.query:
        link = str(request.url)
        try:
            invitation = read_invitation(link)
            context["invitation"] = {
                "link": link,
                "label": invitation.get("label"),
                "asks": attached_request(invitation) is not None,
            }
        except BadLink as exc:
            return await _receive_page(request, status=400, errors={"link": str(exc)}, link=link)
    return await _receive_page(request, **context)


@learner_only
async def receive(request: web.Request) -> web.Response:
    """Connect the wallet to whoever made the invitation link."""
    link = str((await request.post()).get("link", ""))
    try:
        invitation = read_invitation(link)
    except BadLink as exc:
        return await _receive_page(request, status=400, errors={"link": str(exc)}, link=link)
    api = wallet(request)
    name = invitation.get("label") or "the organisation"
    thread_id = attached_request(invitation)
    if thread_id is not None and await _request_filed(api, thread_id):
        return await requests_page(request, f"You have already opened this request from {name}.")
    try:
        await api.post("/out-of-band/receive-invitation", invitation, auto_accept="true")
    except AgentCallError as exc:
        if not 400 <= exc.status < 500:
            raise
        message = f"This invitation cannot be used: {exc.message}"
        return await _receive_page(request, status=400, errors={"link": message}, link=link)
    if thread_id is not None:
        if await _request_filed(api, thread_id, wait=REQUEST_ARRIVES):
            notice = f"{name} asks you for a proof. Check below what it would share, then choose."
        else:
            notice = (
                f"Your wallet has the request from {name}, but has not filed it yet. "
                "Open this page again in a moment: it appears below when it is ready."
            )
        return await requests_page(request, notice)
    notice = f"Your wallet is connecting to {name}. Its offers will appear below."
    return await _receive_page(request, notice=notice)


@learner_only
async def my_link(request: web.Request) -> web.Response:
    """A new invitation to this wallet, as a link and a QR code a college can open."""
    invitation = await wallet(request).post(
        "/out-of-band/create-invitation",
        {"handshake_protocols": ["https://didcomm.org/didexchange/1.1"]},
        auto_accept="true",
    )
    url = invitation["invitation_url"]
    return await _receive_page(request, my_link=url, my_qr=await qr_code(url))


@learner_only
async def answer_offer(request: web.Request) -> web.Response:
    """Accept or decline one offer."""
    cred_ex_id = request.match_info["cred_ex_id"]
    choice = str((await request.post()).get("choice", ""))
    api = wallet(request)
    pending = {o["id"]: o for o in await _offers(api)}
    if cred_ex_id not in pending:
        raise web.HTTPNotFound()
    offer = pending[cred_ex_id]
    if choice == "accept":
        await api.post(f"/issue-credential-2.0/records/{quoted(cred_ex_id)}/send-request", {})
        notice = f"You accepted {offer['title']} from {offer['from']}. It is on its way."
    elif choice == "decline":
        await api.post(
            f"/issue-credential-2.0/records/{quoted(cred_ex_id)}/problem-report",
            {"description": DECLINED},
        )
        notice = f"You declined {offer['title']} from {offer['from']}."
    else:
        raise web.HTTPBadRequest()
    return await _receive_page(request, notice=notice)
