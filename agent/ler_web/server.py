"""The web application: middlewares, routes and the agents it talks to."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from . import (
    check_page,
    employer_requests,
    learner_wallet,
    oidc_sign_in,
    registrar_console,
    request_links,
    sign_in,
    state_console,
    state_history,
    state_votes,
)
from .agent_calls import AgentApi
from .app_keys import ACCOUNTS, AGENTS, CHECK_LIMIT, SETTINGS, SHARE_LINKS, TENANTS
from .cookie_sessions import csrf_guard, session_key, sessions
from .error_pages import error_pages
from .learner_tenant import TenantApis
from .page_rendering import page, setup_templates
from .rate_limit import RateLimit
from .share_links import ShareLinkStore, store_path
from .user_accounts import AccountStore
from .web_settings import WebSettings

STATIC = Path(__file__).resolve().parent / "static"
MAX_REQUEST = 1024 * 1024
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


@web.middleware
async def security_headers(request: web.Request, handler: web.Handler) -> web.StreamResponse:
    """Headers every answer carries."""
    response = await handler(request)
    response.headers.update(SECURITY_HEADERS)
    return response


async def home(request: web.Request) -> web.Response:
    """The start page."""
    return await page(request, "home.html")


async def health(_request: web.Request) -> web.Response:
    """Liveness, for the launcher."""
    return web.json_response({"ok": True})


def _htmx(settings: WebSettings) -> web.Handler:
    async def serve(_request: web.Request) -> web.StreamResponse:
        if not settings.htmx_file.is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(settings.htmx_file, headers={"Cache-Control": "max-age=3600"})

    return serve


async def _close_agents(app: web.Application) -> None:
    for api in app[AGENTS].values():
        await api.close()
    await app[TENANTS].close()


def create_app(settings: WebSettings) -> web.Application:
    """The web app for ``settings``."""
    key = session_key(settings.session_key_file)
    app = web.Application(
        middlewares=[
            security_headers,
            sessions(key, secure=settings.secure_cookies, minutes=settings.session_minutes),
            error_pages,
            csrf_guard,
        ],
        client_max_size=MAX_REQUEST,
    )
    app[SETTINGS] = settings
    app[AGENTS] = {agent_id: AgentApi(link) for agent_id, link in settings.agents.items()}
    app[ACCOUNTS] = AccountStore(settings.accounts_file)
    app[CHECK_LIMIT] = RateLimit(settings.checks_per_minute)
    app[SHARE_LINKS] = ShareLinkStore(store_path(settings.accounts_file))
    request_links.setup(app, store_path(settings.accounts_file))  # /r/<token>: short links
    app[TENANTS] = TenantApis()
    app.on_cleanup.append(_close_agents)
    setup_templates(app)
    oidc_sign_in.setup(app)
    app.add_routes(
        [
            web.get("/", home),
            web.get("/healthz", health),
            web.get("/static/htmx.min.js", _htmx(settings)),
            web.get("/check", check_page.check_form),
            web.post("/check", check_page.check),
            web.get("/sign-in", sign_in.sign_in_form),
            web.post("/sign-in", sign_in.sign_in),
            web.post("/sign-out", sign_in.sign_out),
            *state_console.routes(),
            *state_votes.routes(),
            *state_history.routes(),
            *employer_requests.routes(),
            *registrar_console.routes(),
            *learner_wallet.routes(),
            web.static("/static", STATIC),
        ]
    )
    return app
