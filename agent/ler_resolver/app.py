"""The driver's HTTP API (aiohttp), as the DIF Universal Resolver calls drivers.

``GET /1.0/identifiers/{did}``
    the DID Resolution result (``application/ld+json;profile="https://w3id.org/did-resolution"``)
    with ``didDocument``, ``didDocumentMetadata`` (``created``, ``updated``, ``deactivated``,
    ``versionId``; ``nextUpdate`` and ``nextVersionId`` for an older version) and
    ``didResolutionMetadata``. Query ``versionId=N`` or ``versionTime=2026-05-01T00:00:00Z``
    resolves an older version. With ``Accept: application/did+ld+json`` only the document is
    returned. Status 200; 410 if deactivated; 400 ``invalidDid`` / ``invalidOptions``;
    404 ``notFound``; 501 ``methodNotSupported``; 500 ``internalError``.
``GET /1.0/methods``
    ``["ler"]``
``GET /health``
    ``{"status": "ok", "network": ..., "block": ...}`` (503 if the ledger cannot be reached)
``GET /openapi.json``
    the OpenAPI document of this API

Every error is JSON: a DID Resolution result with ``didResolutionMetadata.error`` for
``/1.0/identifiers/``, ``{"error": ..., "errorMessage": ...}`` elsewhere.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from urllib.parse import unquote

from aiohttp import web

from ler_chain import LedgerClient, LedgerError, NetworkDescriptor

from .openapi import openapi_document
from .resolution import DID_LD_JSON, RESOLUTION_CONTEXT, ResolutionError, resolve

LOGGER = logging.getLogger(__name__)
RESOLUTION_MEDIA_TYPE = 'application/ld+json;profile="https://w3id.org/did-resolution"'
LEDGER = web.AppKey("ledger", LedgerClient)
IDENTIFIERS = "/1.0/identifiers/"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _json(body: object, status: int, content_type: str) -> web.Response:
    return web.Response(
        body=json.dumps(body, indent=2).encode(),
        status=status,
        headers={"Content-Type": content_type},
    )


async def identifiers(request: web.Request) -> web.Response:
    """Resolve a DID."""
    did = unquote(request.match_info["did"])
    query = request.query
    started = datetime.now(UTC)
    try:
        result = await resolve(
            request.app[LEDGER],
            did,
            version_id=query.get("versionId"),
            version_time=query.get("versionTime"),
        )
    except ResolutionError as error:
        if error.status == 500:
            LOGGER.warning("resolving %s failed: %s", did, error)
        return _resolution_error(error.error, str(error), error.status)
    result.resolution_metadata["retrieved"] = started.strftime("%Y-%m-%dT%H:%M:%SZ")
    if DID_LD_JSON in request.headers.get("Accept", ""):
        return _json(result.did_document, result.status, DID_LD_JSON)
    return _json(result.as_dict(), result.status, RESOLUTION_MEDIA_TYPE)


def _resolution_error(error: str, message: str, status: int) -> web.Response:
    body = {
        "@context": RESOLUTION_CONTEXT,
        "didDocument": None,
        "didResolutionMetadata": {"error": error, "errorMessage": message},
        "didDocumentMetadata": {},
    }
    return _json(body, status, RESOLUTION_MEDIA_TYPE)


@web.middleware
async def _json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer aiohttp's own errors (404, 405, ...) and unexpected failures as JSON."""
    resolving = request.path.startswith(IDENTIFIERS)
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        message = f"{exc.reason}: {request.method} {request.path}"
        if exc.status == 405:
            message += f"; use {exc.headers.get('Allow', 'GET')}"
        elif exc.status == 404:
            message += f"; resolve a DID with GET {IDENTIFIERS}<did>"
        if resolving:
            code = "notFound" if exc.status == 404 else "invalidOptions"
            response = _resolution_error(code, message, exc.status)
        else:
            response = web.json_response(
                {"error": exc.reason, "errorMessage": message}, status=exc.status
            )
        if allow := exc.headers.get("Allow"):
            response.headers["Allow"] = allow
        return response
    except Exception:
        LOGGER.exception("unexpected error in %s %s", request.method, request.path)
        return _resolution_error("internalError", "internal error (see the driver's log)", 500)


async def openapi(request: web.Request) -> web.Response:
    """The OpenAPI document."""
    return web.json_response(openapi_document(request.app[LEDGER].descriptor.network))


async def methods(_request: web.Request) -> web.Response:
    """The DID methods this driver resolves."""
    return web.json_response(["ler"])


async def health(request: web.Request) -> web.Response:
    """Whether the ledger answers."""
    ledger = request.app[LEDGER]
    try:
        block = await ledger.block_number()
    except LedgerError as error:
        return web.json_response({"status": "unavailable", "error": str(error)}, status=503)
    return web.json_response({"status": "ok", "network": ledger.descriptor.network, "block": block})


def create_app(descriptor: NetworkDescriptor) -> web.Application:
    """The driver for the network ``descriptor`` describes (reads only; no keys)."""
    app = web.Application(middlewares=[_json_errors])

    async def ledger_client(app: web.Application) -> AsyncIterator[None]:
        async with LedgerClient(descriptor) as ledger:
            app[LEDGER] = ledger
            yield

    app.cleanup_ctx.append(ledger_client)
    app.add_routes(
        [
            web.get("/1.0/identifiers/{did}", identifiers, allow_head=False),
            web.get("/1.0/methods", methods, allow_head=False),
            web.get("/health", health, allow_head=False),
            web.get("/openapi.json", openapi, allow_head=False),
        ]
    )
    return app
