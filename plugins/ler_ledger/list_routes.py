"""ACA-Py's list routes, kept from stalling the wallet when many run at once.

ACA-Py 1.7's paginated list routes (``GET /connections``, ``/present-proof-2.0/records`` and the
like) hold a wallet session while askar's scan takes a second connection from the same pool. When
as many list calls run at once as the pool has connections, each holds one and waits for another,
and the whole wallet stalls until askar's 10 s session timeout: every other admin call and DIDComm
message of the agent fails with it. A hosted agent's tenants share one pool, so its learners
checking for proof requests at the same time stall every tenant (``bench/hosted.py`` at
concurrency 50: 27 of 40 flows failed, all on session timeouts).

:func:`install` adds a middleware that lets at most half the pool's connections be held by list
calls at a time; the others wait their turn, which takes milliseconds.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

__all__ = ["LIST_ROUTES", "install", "list_calls_at_once", "pool_size"]

#: ACA-Py 1.7's GET routes that scan the wallet page by page inside a session
LIST_ROUTES = frozenset(
    {
        "/connections",
        "/issue-credential-2.0/records",
        "/present-proof-2.0/records",
        "/out-of-band/records",
        "/revocation/registries/created",
        "/multitenancy/wallets",
        "/mediation/keylists",
    }
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def pool_size(settings: Any) -> int:
    """The wallet's connection pool: ``max_connections`` of its storage config, else askar's."""
    config = settings.get("wallet.storage_config") or {}
    if isinstance(config, str):
        try:
            config = json.loads(config)
        except ValueError:
            config = {}
    try:
        return max(1, int(config.get("max_connections")))
    except (TypeError, ValueError, AttributeError):
        return 2 * (os.cpu_count() or 1)  # askar's default pool


def list_calls_at_once(pool: int) -> int:
    """How many list calls may run together: half the pool, at least one."""
    return max(1, pool // 2)


def install(app: web.Application) -> None:
    """Add the list-call gate once (sized from the agent's settings on the first list call)."""
    if any(getattr(m, "__name__", "") == _gate_middleware.__name__ for m in app.middlewares):
        return
    app.middlewares.append(_gate_middleware)


_gates: dict[int, asyncio.Semaphore] = {}


@web.middleware
async def _gate_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method != "GET" or request.path not in LIST_ROUTES:
        return await handler(request)
    gate = _gates.get(id(request.app))
    if gate is None:
        context = request.app.get("context")
        settings = context.settings if context is not None else {}
        gate = _gates.setdefault(
            id(request.app), asyncio.Semaphore(list_calls_at_once(pool_size(settings)))
        )
    async with gate:
        return await handler(request)
