"""One error contract for the admin APIs of ``ler_ledger`` and ``ler_badges``.

Every error is a JSON body ``{"error": "<message>", "code": "<machine code>", "problems": [...]}``
(``problems`` only when there are several things to fix, each ``{"path", "message"}`` and, for
request validation, ``"in"``: ``body``, ``query`` or ``path``). The HTTP status comes from one
table, :data:`ERROR_TABLE`, keyed by exception class: the most specific class in an exception's
MRO wins. Nothing the caller sent is ever put in a header or the status line (the reason phrase is
always the standard one), so odd input cannot break the response.

* :func:`json_errors` wraps a route handler: domain errors become their table entry, anything
  unexpected a 500 with a generic message and a log line.
* :func:`install` adds a middleware for ``/ler/`` paths that gives request validation failures
  (ACA-Py validates against the route's OpenAPI schemas before the handler runs; it answers 422
  with marshmallow's messages, and 400 for a body that is not JSON) and aiohttp's own errors (401,
  404, 405) the same JSON shape.
* ``ler_badges`` adds its own exception classes with :func:`register_errors`.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from acapy_agent.messaging.models.base import BaseModelError
from acapy_agent.protocols.issue_credential.v2_0.formats.handler import V20CredFormatError
from acapy_agent.protocols.issue_credential.v2_0.manager import V20CredManagerError
from acapy_agent.storage.error import StorageDuplicateError, StorageError, StorageNotFoundError
from acapy_agent.wallet.error import WalletError, WalletNotFoundError
from aiohttp import web
from marshmallow import ValidationError

from ler_chain import (
    LedgerConfigError,
    LedgerConflictError,
    LedgerError,
    LedgerInputError,
    LedgerIntegrityError,
    LedgerInvalidError,
    LedgerNotFoundError,
    LedgerPermissionError,
    LedgerRevertError,
    LedgerTimeoutError,
    LedgerUnavailableError,
)

from .errors import (
    EndorsementError,
    EndorsementRefused,
    EndorsementTimeout,
    LerConfigError,
    LerInputError,
    LerPluginError,
    WriteUndetermined,
    WrongNetworkError,
)

LOGGER = logging.getLogger(__name__)

#: Paths whose errors follow this contract.
PREFIX = "/ler/"

Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class ErrorKind:
    """The HTTP status and machine-readable code of a kind of error."""

    status: int
    code: str


#: Exception class -> status and code. The most specific class in the exception's MRO wins.
ERROR_TABLE: dict[type[BaseException], ErrorKind] = {
    # the request itself
    ValidationError: ErrorKind(422, "invalid-request"),
    ValueError: ErrorKind(400, "invalid-input"),
    LerInputError: ErrorKind(400, "invalid-input"),
    WrongNetworkError: ErrorKind(400, "wrong-network"),
    LedgerInputError: ErrorKind(400, "invalid-input"),
    BaseModelError: ErrorKind(400, "invalid-input"),
    V20CredFormatError: ErrorKind(400, "invalid-input"),
    V20CredManagerError: ErrorKind(400, "invalid-input"),
    LerPluginError: ErrorKind(400, "invalid-request"),
    # this wallet
    WalletError: ErrorKind(400, "wallet-error"),
    WalletNotFoundError: ErrorKind(404, "not-found"),
    StorageError: ErrorKind(400, "storage-error"),
    StorageNotFoundError: ErrorKind(404, "not-found"),
    StorageDuplicateError: ErrorKind(409, "conflict"),
    # the ledger
    LedgerNotFoundError: ErrorKind(404, "not-found"),
    LedgerPermissionError: ErrorKind(403, "forbidden"),
    LedgerConflictError: ErrorKind(409, "conflict"),
    LedgerInvalidError: ErrorKind(400, "invalid-input"),
    LedgerRevertError: ErrorKind(409, "ledger-refused"),
    LedgerUnavailableError: ErrorKind(503, "ledger-unavailable"),
    LedgerTimeoutError: ErrorKind(504, "ledger-timeout"),
    LedgerIntegrityError: ErrorKind(502, "ledger-integrity"),
    LedgerConfigError: ErrorKind(503, "not-configured"),
    LedgerError: ErrorKind(502, "ledger-error"),
    # endorsement
    EndorsementError: ErrorKind(409, "endorsement-failed"),
    EndorsementRefused: ErrorKind(409, "endorsement-refused"),
    EndorsementTimeout: ErrorKind(504, "endorsement-timeout"),
    WriteUndetermined: ErrorKind(504, "write-undetermined"),
    # the operator's configuration
    LerConfigError: ErrorKind(503, "not-configured"),
}

#: What an unexpected exception becomes.
INTERNAL = ErrorKind(500, "internal-error")

#: Messages for aiohttp's own errors on ``/ler/`` paths (routing and authentication).
_HTTP_MESSAGES = {
    401: "not authorized: send the admin API key in the x-api-key header "
    "(or a tenant's token as Authorization: Bearer)",
    403: "forbidden: this key or token may not use this route",
    404: "no such route: check the path against the OpenAPI document (/api/doc)",
    405: "this method is not allowed on this path: see the OpenAPI document (/api/doc)",
    413: "the request body is too large",
}

_LOCATIONS = {"json": "body", "querystring": "query", "query": "query", "match_info": "path"}


def register_errors(kinds: Mapping[type[BaseException], ErrorKind]) -> None:
    """Add exception classes to :data:`ERROR_TABLE` (for plugins built on ``ler_ledger``)."""
    ERROR_TABLE.update(kinds)


def error_kind(exc: BaseException) -> ErrorKind:
    """The table entry of ``exc``'s most specific class, or :data:`INTERNAL`."""
    for cls in type(exc).__mro__:
        kind = ERROR_TABLE.get(cls)
        if kind is not None:
            return kind
    return INTERNAL


def one_line(text: str, limit: int = 1000) -> str:
    """``text`` on one line, at most ``limit`` characters."""
    return " ".join(text.split())[:limit]


def error_json(
    status: int,
    message: str,
    code: str | None = None,
    problems: Iterable[Mapping[str, Any]] | None = None,
) -> web.Response:
    """A JSON error response; the status line keeps aiohttp's standard reason phrase."""
    body: dict[str, Any] = {"error": one_line(message)}
    if code:
        body["code"] = code
    listed = [dict(p) for p in problems or ()]
    if listed:
        body["problems"] = listed
    return web.json_response(body, status=status)


def error_response(exc: BaseException, request: web.BaseRequest | None = None) -> web.Response:
    """The JSON error response for ``exc``, with its status and code from the table."""
    kind = error_kind(exc)
    if kind is INTERNAL:
        where = f"{request.method} {request.path}" if request is not None else "a ler admin route"
        LOGGER.exception("unexpected error in %s", where, exc_info=exc)
        return error_json(
            500,
            f"internal error ({type(exc).__name__}); the agent's log has the details. "
            "Retry, and report it if it happens again",
            INTERNAL.code,
        )
    if isinstance(exc, ValidationError):
        return validation_response(exc.messages, status=kind.status)
    return error_json(kind.status, str(exc) or type(exc).__name__, kind.code, _problems_of(exc))


def validation_response(messages: Any, status: int = 422) -> web.Response:
    """A response for marshmallow/webargs messages (``{location: {field: [message]}}``)."""
    problems = list(_flatten(messages))
    if status == 400 and all(p["message"] == "Invalid JSON body." for p in problems):
        return error_json(
            400,
            "the body is not JSON: send a JSON object with Content-Type: application/json",
            "invalid-json",
        )
    listed = "; ".join(
        f"{p['path']}: {p['message']}" if p["path"] else p["message"] for p in problems[:5]
    )
    return error_json(
        status,
        f"the request does not match the route's schema ({listed}); "
        "fix the listed fields (see the OpenAPI document at /api/doc) and send it again",
        "invalid-request",
        problems,
    )


def http_exception_response(exc: web.HTTPException) -> web.Response:
    """The JSON form of an aiohttp HTTP error (validation, routing, authentication)."""
    if exc.status in (400, 422) and exc.content_type == "application/json" and exc.text:
        try:
            messages = json.loads(exc.text)
        except ValueError:
            messages = None
        if messages is not None:
            return validation_response(messages, status=exc.status)
    message = _HTTP_MESSAGES.get(exc.status) or exc.reason or "request failed"
    return error_json(exc.status, message, _http_code(exc.status))


async def _answered(
    call: Awaitable[web.StreamResponse], request: web.BaseRequest
) -> web.StreamResponse:
    """The response of ``call``, or its error as the JSON contract (never a traceback)."""
    try:
        return await call
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return http_exception_response(exc)
    except Exception as exc:
        return error_response(exc, request)


def json_errors(handler: Handler) -> Handler:
    """Answer every error of ``handler`` with the JSON contract (never a traceback)."""

    @functools.wraps(handler)
    async def wrapper(request: web.BaseRequest) -> web.StreamResponse:
        return await _answered(handler(request), request)

    return wrapper


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give request validation and aiohttp errors on ``/ler/`` paths the JSON contract."""
    if not request.path.startswith(PREFIX):
        return await handler(request)
    return await _answered(handler(request), request)


def install(app: web.Application) -> None:
    """Add :func:`error_middleware` once, just outside ACA-Py's request validation."""
    middlewares = app.middlewares
    if error_middleware in middlewares:
        return
    names = [getattr(m, "__name__", "") for m in middlewares]
    if "validation_middleware" in names:
        middlewares.insert(names.index("validation_middleware"), error_middleware)
    else:
        middlewares.append(error_middleware)


def _http_code(status: int) -> str:
    return {
        400: "invalid-request",
        401: "unauthorized",
        403: "forbidden",
        404: "not-found",
        405: "method-not-allowed",
        413: "too-large",
        422: "invalid-request",
    }.get(status, "http-error")


def _problems_of(exc: BaseException) -> list[dict[str, str]]:
    problems = getattr(exc, "problems", None) or ()
    return [
        {"path": str(getattr(p, "path", "")), "message": str(getattr(p, "message", p))}
        for p in problems
    ]


def _flatten(messages: Any, location: str = "", path: str = "") -> Iterable[dict[str, str]]:
    """Each leaf message of a nested marshmallow error dict, with its location and path."""
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            if not location and key in _LOCATIONS:
                yield from _flatten(value, _LOCATIONS[key], "")
            else:
                name = "" if key == "_schema" else str(key)
                yield from _flatten(value, location, f"{path}.{name}" if path and name else name)
    elif isinstance(messages, list | tuple):
        if all(isinstance(m, str) for m in messages):
            for message in messages:
                yield {"in": location or "body", "path": path, "message": message}
        else:
            for index, value in enumerate(messages):
                yield from _flatten(value, location, f"{path}.{index}" if path else str(index))
    else:
        yield {"in": location or "body", "path": path, "message": str(messages)}
