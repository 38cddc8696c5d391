"""What the web app keeps on its ``web.Application`` (typed keys, no string keys)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .agent_calls import AgentApi
from .rate_limit import RateLimit
from .share_links import ShareLinkStore
from .user_accounts import Account, AccountStore
from .web_settings import WebSettings

SETTINGS = web.AppKey("settings", WebSettings)
AGENTS = web.AppKey("agents", dict[str, AgentApi])
ACCOUNTS = web.AppKey("accounts", AccountStore)
CHECK_LIMIT = web.AppKey("check_limit", RateLimit)
SHARE_LINKS = web.AppKey("share_links", ShareLinkStore)
#: the signed-in account of a request (set by ``sign_in.requires``)
SIGNED_IN = web.RequestKey("account", Account)
#: learners' wallets on the hosted agent (a ``learner_tenant.TenantApis``)
TENANTS: web.AppKey[Any] = web.AppKey("tenants")


def agent_api(request: web.Request, role: str) -> AgentApi:
    """The admin API of the agent serving ``role``; 503 if none is configured."""
    settings = request.app[SETTINGS]
    link = settings.agent(role)
    if link is None:
        raise web.HTTPServiceUnavailable(reason=f"no {role} agent is configured")
    return request.app[AGENTS][link.id]
