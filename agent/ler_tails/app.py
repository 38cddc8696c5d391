"""The tails server's HTTP API (aiohttp).

``PUT /hash/{tails_hash}``       store a tails file, sent as ACA-Py's ``put_file`` does it:
                                 multipart/form-data with one file field named ``tails``
``GET|HEAD /hash/{tails_hash}``  the file, ``application/octet-stream``
``GET /hash/{tails_hash}/info``  its size, point count and when it was stored
``GET /health``                  ``{"status": "ok"}``
``GET /openapi.json``            the OpenAPI document of this API

Only files of revocation registries on the ledger are served; an upload that no registry names
yet waits, unserved and bounded in number, for its registry (see :mod:`ler_tails.admission`).
Every error is JSON: ``{"error": "<what is wrong>"}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from ler_chain import LedgerClient, NetworkDescriptor

from .admission import (
    DEFAULT_MAX_PENDING,
    DEFAULT_PENDING_TTL,
    Admission,
    LedgerUnavailable,
    TooManyPending,
)
from .openapi import openapi_document
from .registry import LedgerTailsIndex
from .storage import StoredTails, TailsStore
from .validation import (
    InvalidTailsHash,
    UploadRefused,
    UploadTooLarge,
    parse_tails_hash,
)

LOGGER = logging.getLogger(__name__)

#: The tails file of the largest registry ACA-Py creates (32768 credentials: 65537 points).
DEFAULT_MAX_SIZE = 2 + 128 * (2 * 32768 + 1)
DEFAULT_SWEEP_INTERVAL = 60.0
DEFAULT_UPLOAD_TIMEOUT = 300.0
#: Room for the multipart boundaries and part headers around the file itself.
MULTIPART_ALLOWANCE = 16 * 1024
CHUNK_SIZE = 64 * 1024
FILE_FIELD = "tails"
#: Content under a hash never changes, so downloads may be cached for good.
IMMUTABLE = "public, max-age=31536000, immutable"

STORE = web.AppKey("store", TailsStore)
PUBLIC_URL = web.AppKey("public_url", str)
UPLOAD_TIMEOUT = web.AppKey("upload_timeout", float)
ADMISSION = web.AppKey("admission", Admission)


class MalformedUpload(UploadRefused):
    """The request body is not the multipart form ACA-Py sends."""

    reason = "Malformed Upload"


class UnsupportedUpload(UploadRefused):
    """The request body is not multipart/form-data at all."""

    status = 415
    reason = "Unsupported Media Type"


class UploadTimedOut(UploadRefused):
    """The upload took longer than the server allows."""

    status = 408
    reason = "Request Timeout"


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def create_app(
    storage: Path,
    descriptor: NetworkDescriptor,
    *,
    max_size: int = DEFAULT_MAX_SIZE,
    max_pending: int = DEFAULT_MAX_PENDING,
    pending_ttl: float = DEFAULT_PENDING_TTL,
    public_url: str = "",
    upload_timeout: float = DEFAULT_UPLOAD_TIMEOUT,
    sweep_interval: float = DEFAULT_SWEEP_INTERVAL,
) -> web.Application:
    """Build the tails server app, storing files under ``storage``.

    ``descriptor`` names the ledger whose revocation registries say which files to keep.
    ``public_url`` is the base of the download URLs given back after uploads (default:
    the scheme and host the upload was sent to).
    """
    if max_pending < 0 or pending_ttl <= 0:
        raise ValueError(f"max_pending {max_pending} must be >= 0 and pending_ttl > 0")
    app = web.Application(middlewares=[_json_errors])
    store = TailsStore(storage, max_size)
    app[STORE] = store
    app[PUBLIC_URL] = public_url.rstrip("/")
    app[UPLOAD_TIMEOUT] = upload_timeout

    async def ledger(app: web.Application) -> AsyncIterator[None]:
        async with LedgerClient(descriptor) as client:
            admission = Admission(store, LedgerTailsIndex(client), max_pending, pending_ttl)
            app[ADMISSION] = admission
            sweeper = asyncio.create_task(admission.sweep_forever(sweep_interval))
            yield
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper

    app.cleanup_ctx.append(ledger)
    document = openapi_document(max_size)

    async def openapi(_request: web.Request) -> web.Response:
        return web.json_response(document)

    app.router.add_get("/health", health)
    app.router.add_get("/openapi.json", openapi)
    app.router.add_put("/hash/{tails_hash}", put_tails)
    app.router.add_get("/hash/{tails_hash}", get_tails)
    app.router.add_get("/hash/{tails_hash}/info", tails_info)
    return app


def error(status: int, message: str, reason: str | None = None) -> web.Response:
    """Build a JSON error response."""
    return web.json_response({"error": message}, status=status, reason=reason)


@web.middleware
async def _json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn aiohttp's own errors (404, 405, ...) and unexpected failures into JSON errors."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = error(exc.status, f"{exc.reason}: {request.method} {request.path}")
        if allow := exc.headers.get("Allow"):
            response.headers["Allow"] = allow
        return response
    except Exception:
        LOGGER.exception("unexpected error in %s %s", request.method, request.path)
        return error(500, "internal server error (see the tails server's log)")


async def health(_request: web.Request) -> web.Response:
    """For the launcher's health checks."""
    return web.json_response({"status": "ok"})


async def put_tails(request: web.Request) -> web.Response:
    """Receive a tails file, streamed to disk and checked against its hash and layout."""
    store = request.app[STORE]
    timeout = request.app[UPLOAD_TIMEOUT]
    peer = request.remote
    try:
        tails_hash = parse_tails_hash(request.match_info["tails_hash"])
        _check_request(request, store.max_size)
        async with request.app[ADMISSION].admit(tails_hash) as pending:
            async with asyncio.timeout(timeout):
                part = await _file_part(request)
                stored = await _receive(store, tails_hash, part, pending)
    except TooManyPending as exc:
        response = _refuse(exc, peer)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except UploadRefused as exc:
        return _refuse(exc, peer)
    except TimeoutError:
        return _refuse(UploadTimedOut(f"upload not received within {timeout:g} seconds"), peer)
    except (ConnectionError, asyncio.CancelledError) as exc:
        LOGGER.warning("upload from %s broke off: %s", peer, type(exc).__name__)
        raise
    except OSError as exc:
        LOGGER.error("cannot store tails from %s: %s", peer, exc)
        return error(507, f"the tails server could not store the file: {exc.strerror or exc}")

    LOGGER.info(
        "%s tails %s (%d bytes, %d points) from %s%s",
        "stored" if stored.created else "already had",
        tails_hash,
        stored.size,
        stored.points,
        peer,
        ", pending: no registry on the ledger uses it yet" if stored.pending else "",
    )
    return web.json_response({**_describe(request, stored), "created": stored.created})


def _check_request(request: web.Request, max_size: int) -> None:
    """Refuse, from the headers alone, bodies that are too large or not multipart."""
    length = request.content_length
    if length is not None and length > max_size + MULTIPART_ALLOWANCE:
        raise UploadTooLarge(f"upload of {length} bytes exceeds the limit of {max_size} bytes")
    if request.content_type != "multipart/form-data":
        raise UnsupportedUpload(
            f"send multipart/form-data with a file field {FILE_FIELD!r}, "
            f"not {request.content_type!r}"
        )


async def _file_part(request: web.Request) -> BodyPartReader:
    """Return the body part holding the tails file (the first part, named ``tails``)."""
    try:
        part = await (await request.multipart()).next()
    except (ValueError, AssertionError, KeyError, HttpProcessingError) as exc:
        raise MalformedUpload(f"malformed multipart body: {exc}") from None
    if not isinstance(part, BodyPartReader) or part.name != FILE_FIELD:
        name = getattr(part, "name", None)
        raise MalformedUpload(f"expected the file in form field {FILE_FIELD!r}, got {name!r}")
    encoding = part.headers.get("Content-Transfer-Encoding", "binary").lower()
    if encoding not in ("binary", "8bit"):
        raise MalformedUpload(f"Content-Transfer-Encoding {encoding!r} is not supported")
    return part


async def _receive(
    store: TailsStore, tails_hash: str, part: BodyPartReader, pending: bool
) -> StoredTails:
    """Stream ``part`` into the store (or its pending area), chunk by chunk, and commit it."""
    upload = await asyncio.to_thread(store.begin, tails_hash, pending=pending)
    try:
        while chunk := await part.read_chunk(CHUNK_SIZE):
            await asyncio.to_thread(upload.write, chunk)
        return await asyncio.to_thread(upload.commit)
    except (ValueError, HttpProcessingError) as exc:
        raise MalformedUpload(f"malformed multipart body: {exc}") from None
    finally:
        upload.abort()


async def get_tails(request: web.Request) -> web.StreamResponse:
    """Stream a stored tails file (HEAD gives just its headers)."""
    stored = await _lookup(request)
    if isinstance(stored, web.Response):
        return stored
    LOGGER.info("serving tails %s (%d bytes) to %s", stored.tails_hash, stored.size, request.remote)
    return web.FileResponse(
        stored.path,
        chunk_size=CHUNK_SIZE,
        headers={"Content-Type": "application/octet-stream", "Cache-Control": IMMUTABLE},
    )


async def tails_info(request: web.Request) -> web.Response:
    """Size, point count and storage time of a stored tails file."""
    stored = await _lookup(request)
    if isinstance(stored, web.Response):
        return stored
    return web.json_response(_describe(request, stored))


async def _lookup(request: web.Request) -> StoredTails | web.Response:
    """Find the stored file the URL names, or return the error response to send."""
    try:
        tails_hash = parse_tails_hash(request.match_info["tails_hash"])
    except InvalidTailsHash as exc:
        return error(exc.status, str(exc), exc.reason)
    stored = await asyncio.to_thread(request.app[STORE].lookup, tails_hash)
    if stored is not None:
        return stored
    try:
        stored = await request.app[ADMISSION].promote_if_registered(tails_hash)
    except LedgerUnavailable as exc:
        return error(exc.status, str(exc), exc.reason)
    if stored is not None:
        return stored
    if await asyncio.to_thread(request.app[STORE].lookup, tails_hash, pending=True):
        return error(
            404,
            f"tails file {tails_hash} was uploaded, but no revocation registry definition on "
            "the ledger uses it yet; it is served once one does",
        )
    return error(404, f"no tails file with hash {tails_hash} is stored here")


def _describe(request: web.Request, stored: StoredTails) -> dict[str, object]:
    base = request.app[PUBLIC_URL] or str(request.url.origin())
    return {
        "tails_hash": stored.tails_hash,
        "url": f"{base}/hash/{stored.tails_hash}",
        "size": stored.size,
        "points": stored.points,
        "stored_at": stored.stored_at.isoformat(timespec="seconds"),
        "pending": stored.pending,
    }


def _refuse(refusal: UploadRefused, peer: str | None) -> web.Response:
    LOGGER.warning("refused upload from %s (%d): %s", peer, refusal.status, refusal)
    return error(refusal.status, str(refusal), refusal.reason)
