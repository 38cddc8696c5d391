"""A real HTTP server on 127.0.0.1 that records every request it gets, for outbound-fetch tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.test_utils import TestServer

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SECRET = "INTERNAL-SECRET-7f3a"  # what an internal service answers; must never reach a verdict


@dataclass
class RecordingServer:
    """The server's base URL, the requests it received (``path?query``) and its answer."""

    url: str
    requests: list[str] = field(default_factory=list)
    handler: Handler | None = None

    def answer(self, handler: Handler) -> None:
        """Answer every request with ``handler``."""
        self.handler = handler


async def internal_service(_request: web.Request) -> web.StreamResponse:
    """An internal service that would tell a port scanner it is there (418 and a body)."""
    return web.Response(status=418, text=f"{SECRET} admin console")


def json_body(body: bytes) -> Handler:
    """Answer 200 with ``body`` as JSON."""

    async def handler(_request: web.Request) -> web.StreamResponse:
        return web.Response(body=body, content_type="application/json")

    return handler


def slow(seconds: float) -> Handler:
    """Send the headers, then trickle a byte a second for ``seconds``."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        for _ in range(int(seconds)):
            await response.write(b" ")
            await asyncio.sleep(1)
        return response

    return handler


def streamed(size: int) -> Handler:
    """200 with ``size`` bytes, chunked (no Content-Length to trust)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(size // 65536 + 1):
            await response.write(b"x" * 65536)
        return response

    return handler


@asynccontextmanager
async def recording_server() -> AsyncIterator[RecordingServer]:
    """Serve on 127.0.0.1 (a free port) until the block ends."""
    server: RecordingServer | None = None

    async def dispatch(request: web.Request) -> web.StreamResponse:
        assert server is not None
        server.requests.append(request.path_qs)
        return await (server.handler or internal_service)(request)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", dispatch)
    test_server = TestServer(app, host="127.0.0.1")
    await test_server.start_server()
    server = RecordingServer(f"http://127.0.0.1:{test_server.port}")
    try:
        yield server
    finally:
        await test_server.close()
