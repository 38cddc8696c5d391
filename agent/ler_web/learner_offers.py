"""Receiving credentials: open a college's invitation link, then accept or decline its offers.

An invitation link carries the invitation itself (``?oob=`` base64url JSON, or the older
``?c_i=``); it is decoded here and given to the wallet (``/out-of-band/receive-invitation``). No
URL is ever fetched, so a link cannot make the server call anything. Offers wait in the wallet
(``offer-received``) until the learner accepts (``send-request``) or declines (a problem report).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp import web

from .agent_calls import AgentCallError, quoted
from .learner_tenant import TenantApi, learner_only, wallet
from .page_rendering import page
from .qr_codes import qr_code

MAX_LINK = 8000
DECLINED = "The learner declined this offer."


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
            context["invitation"] = {"link": link, "label": read_invitation(link).get("label")}
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
    try:
        await wallet(request).post(
            "/out-of-band/receive-invitation", invitation, auto_accept="true"
        )
    except AgentCallError as exc:
        if not 400 <= exc.status < 500:
            raise
        message = f"This invitation cannot be used: {exc.message}"
        return await _receive_page(request, status=400, errors={"link": message}, link=link)
    name = invitation.get("label") or "the organisation"
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
