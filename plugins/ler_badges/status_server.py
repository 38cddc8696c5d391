"""The college's public HTTP service: signed status lists and its did:web document.

The agent writes each signed ``BitstringStatusListCredential`` to a directory
(``<name>.json``); this small aiohttp app serves that directory read-only:

``GET /status-lists/{name}``
    the list credential (``application/vc``; ``404`` if there is none);
``GET /.well-known/did.json``
    the college's ``did:web`` document (``application/did+json``), when the agent gives one:
    the keys its did:ler has on the ledger now, ``alsoKnownAs`` the did:ler;
``GET /health``
    ``{"status": "ok"}``.

Errors are JSON: ``{"error": "<what is wrong and what to do>"}``. Given a certificate and key
(``ler_badges.tls``) it speaks https only, which did:web requires.

It holds no keys and no wallet, so it can face the internet; any static file server pointed at
the same directory works as well for the lists. The agent runs it when
``ler_badges.status_lists.port`` is set; ``python -m ler_badges.status_server --directory DIR
--port PORT`` runs it alone. Other public routes (e.g. VC-API exchanges) join it as extra route
tables: ``status_list_app(..., extra_routes=[...])`` or ``StatusListServer.routes.extend(...)``
before it starts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
import ssl
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

__all__ = ["DID_PATH", "LIST_PATH", "StatusListServer", "list_file", "status_list_app"]

LIST_PATH = "/status-lists/"
DID_PATH = "/.well-known/did.json"
NAME_PATTERN = re.compile(r"^[0-9a-f]{32}$")
MEDIA_TYPE = "application/vc"
LOGGER = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
#: Gives the did:web document to serve now, or None if there is none (yet).
DidDocumentSource = Callable[[], Awaitable[dict[str, Any] | None]]


def list_file(directory: Path, name: str) -> Path:
    """Where the list called ``name`` is written (names are uuid4 hex, checked)."""
    if not NAME_PATTERN.match(name):
        raise ValueError(f"{name!r} is not a status list name")
    return directory / f"{name}.json"


@web.middleware
async def _json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer every error (404, 405, unexpected failures) with a JSON body."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        hint = {
            404: f"; status lists are at GET {LIST_PATH}<32 hex digits>",
            405: f"; use {exc.headers.get('Allow', 'GET')}",
        }.get(exc.status, "")
        response = web.json_response(
            {"error": f"{exc.reason}: {request.method} {request.path}{hint}"}, status=exc.status
        )
        if allow := exc.headers.get("Allow"):
            response.headers["Allow"] = allow
        return response
    except Exception:
        LOGGER.exception("unexpected error in %s %s", request.method, request.path)
        return web.json_response({"error": "internal error (see the agent's log)"}, status=500)


def status_list_app(
    directory: Path,
    routes: Sequence[web.AbstractRouteDef] = (),
    *,
    did_document: DidDocumentSource | None = None,
) -> web.Application:
    """The aiohttp application serving ``directory``, the did:web document and ``routes``.

    ``routes`` are extra public route tables (e.g. VC-API exchanges).
    """

    async def get_list(request: web.Request) -> web.Response:
        try:
            path = list_file(directory, request.match_info["name"])
            body = await asyncio.to_thread(path.read_bytes)
        except (ValueError, FileNotFoundError):
            raise web.HTTPNotFound(reason="no such status list") from None
        return web.Response(
            body=body, content_type=MEDIA_TYPE, headers={"Cache-Control": "no-cache"}
        )

    async def get_did(_request: web.Request) -> web.Response:
        document = await did_document() if did_document else None
        if document is None:
            raise web.HTTPNotFound(reason="this college serves no DID document (yet)")
        return web.json_response(
            document, content_type="application/did+json", headers={"Cache-Control": "no-cache"}
        )

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application(middlewares=[_json_errors])
    app.add_routes(
        [
            web.get(LIST_PATH + "{name}", get_list, allow_head=False),
            web.get(DID_PATH, get_did, allow_head=False),
            web.get("/health", health, allow_head=False),
            *routes,
        ]
    )
    return app


class StatusListServer:
    """Runs :func:`status_list_app` on a host and port (``"auto"``: chosen once, then kept).

    ``routes`` are extra public route tables (more can be added to :attr:`routes` before
    :meth:`start`); with ``tls`` (certificate and key PEM files) it serves https only;
    ``did_document`` gives the did:web document to serve.
    """

    STATE_FILE = "server.json"

    def __init__(
        self,
        directory: Path,
        host: str,
        port: int | str,
        routes: Sequence[web.AbstractRouteDef] = (),
        *,
        tls: tuple[Path, Path] | None = None,
        did_document: DidDocumentSource | None = None,
    ) -> None:
        self.directory = directory
        self.routes = list(routes)
        self.host = host
        self.port = port
        self.tls = tls
        self.did_document = did_document
        self._runner: web.AppRunner | None = None
        self.bound_port: int | None = None

    def _wanted_port(self) -> int:
        if self.port != "auto":
            return int(self.port)
        state = self.directory / self.STATE_FILE
        if state.exists():
            return int(json.loads(state.read_text("utf-8"))["port"])
        return 0

    def _ssl_context(self) -> ssl.SSLContext | None:
        if self.tls is None:
            return None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*self.tls)
        return context

    async def start(self) -> int:
        """Start serving; returns the port."""
        self.directory.mkdir(parents=True, exist_ok=True)
        app = status_list_app(self.directory, self.routes, did_document=self.did_document)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(
            self._runner, self.host, self._wanted_port(), ssl_context=self._ssl_context()
        )
        await site.start()
        self.bound_port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        if self.port == "auto":
            state = {"port": self.bound_port}
            (self.directory / self.STATE_FILE).write_text(json.dumps(state) + "\n", "utf-8")
        return self.bound_port

    @property
    def url(self) -> str:
        """Base URL of the running server (with TLS by name: certificates name hosts)."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        if self.tls is not None:
            return f"https://{'localhost' if host == '127.0.0.1' else host}:{self.bound_port}"
        return f"http://{host}:{self.bound_port}"

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def main() -> None:
    """Serve a status list directory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--directory", required=True, type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8032)
    args = parser.parse_args()
    web.run_app(status_list_app(args.directory), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
