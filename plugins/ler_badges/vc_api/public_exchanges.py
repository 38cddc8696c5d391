"""The public (unauthenticated) VC-API endpoints wallets call, served by the agent's public server.

``POST /exchanges/{exchange_id}``
    an empty JSON object starts the exchange (answer: ``verifiablePresentationRequest``); a
    ``{"verifiablePresentation": ...}`` answers it (issuance: the credential in a presentation;
    presentation: ``{}``);
``GET /exchanges/{exchange_id}/protocols``
    the exchange's ``protocols`` (where its interaction URL leads).

Errors are ``{"error", "code"}`` with a 4xx status. Which wallet (profile) owns an exchange, the
agent's own or a tenant's, is kept in the agent's wallet (:mod:`.exchange_directory`), so links
keep working across restarts.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from aiohttp import web

from .exchange_directory import ExchangeDirectory
from .refusals import ExchangeRefused, not_found

LOGGER = logging.getLogger(__name__)
ID_PATTERN = re.compile(r"^[0-9a-fA-F-]{32,36}$")
MAX_BODY = 1024 * 1024


def _refusal(refused: ExchangeRefused) -> web.Response:
    return web.json_response(refused.as_json(), status=refused.status)


async def _body(request: web.Request) -> dict[str, Any]:
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise ExchangeRefused(413, "too-large", f"send at most {MAX_BODY} bytes")
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ExchangeRefused(400, "invalid-json", "the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise ExchangeRefused(400, "invalid-json", "the body must be a JSON object")
    return body


def exchange_routes(directory: ExchangeDirectory) -> list[web.RouteDef]:
    """The public exchange routes, for the agent's public aiohttp app."""
    from .exchange_manager import VcApiExchanges

    async def exchanges(exchange_id: str) -> VcApiExchanges:
        profile = await directory.owner(exchange_id) if ID_PATTERN.match(exchange_id) else None
        if profile is None:
            raise not_found()
        return VcApiExchanges(profile)

    async def participate(request: web.Request) -> web.Response:
        exchange_id = request.match_info["exchange_id"]
        try:
            body = await _body(request)
            return web.json_response(
                await (await exchanges(exchange_id)).participate(exchange_id, body)
            )
        except ExchangeRefused as refused:
            return _refusal(refused)

    async def get_protocols(request: web.Request) -> web.Response:
        exchange_id = request.match_info["exchange_id"]
        try:
            return web.json_response(await (await exchanges(exchange_id)).protocols_of(exchange_id))
        except ExchangeRefused as refused:
            return _refusal(refused)

    return [
        web.post("/exchanges/{exchange_id}", participate),
        web.get("/exchanges/{exchange_id}/protocols", get_protocols, allow_head=False),
    ]
