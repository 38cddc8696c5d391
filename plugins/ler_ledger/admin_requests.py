"""Small helpers for the plugins' admin route handlers (shared by ler_ledger and ler_badges)."""

from __future__ import annotations

from typing import Any

from acapy_agent.admin.request_context import AdminRequestContext
from acapy_agent.core.profile import Profile
from aiohttp import web


def request_profile(request: web.BaseRequest) -> Profile:
    """The profile (wallet or tenant) a request acts for."""
    context: AdminRequestContext = request["context"]
    return context.profile


async def request_json(request: web.BaseRequest) -> dict[str, Any]:
    """The JSON object in the body ({} if none); ValueError if it is not one."""
    if not request.body_exists:
        return {}
    try:
        body = await request.json()
    except ValueError as exc:
        raise ValueError(f"the body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


def one_line(text: str, limit: int = 1000) -> str:
    """A message fit for an HTTP reason phrase: one line, bounded."""
    return " ".join(text.split())[:limit]
