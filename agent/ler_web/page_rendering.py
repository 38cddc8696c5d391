"""Rendering a page: every template gets the signed-in person, the CSRF token and the path."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from .cookie_sessions import csrf_token, signed_in


def _datetime(unix: int | float) -> str:
    return datetime.fromtimestamp(int(unix), UTC).strftime("%-d %b %Y, %H:%M UTC")


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def setup_templates(app: web.Application) -> None:
    """Jinja2 with autoescaping, templates from the package."""
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader("ler_web", "templates"),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.ChainableUndefined,
    )
    env.filters["datetime"] = _datetime
    env.filters["first_upper"] = _first_upper


async def page(
    request: web.Request, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> web.Response:
    """Render ``template`` with the common context."""
    common = {
        "user": await signed_in(request),
        "csrf_token": await csrf_token(request),
        "path": request.path,
    }
    response = aiohttp_jinja2.render_template(
        template, request, {**common, **(context or {})}, status=status
    )
    response.headers["Cache-Control"] = "no-store"
    return response
