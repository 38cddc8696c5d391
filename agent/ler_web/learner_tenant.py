"""A learner's wallet: a tenant of the state's hosted agent, reached with that tenant's JWT.

The web app holds no wallet keys. It asks the hosted agent's multitenancy admin API (with the
agent's admin API key, from the file the settings name) for a token of the learner's tenant, keeps
it in memory, and calls the same admin API with it: the agent then acts in that wallet only.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import aiohttp
from aiohttp import web

from .agent_calls import TIMEOUT, AgentApi, AgentCallError
from .app_keys import SIGNED_IN, TENANTS, agent_api
from .sign_in import requires
from .user_accounts import Account

ROLE = "learner"


class TenantApi(AgentApi):
    """The hosted agent's admin API as one tenant (``Authorization: Bearer``).

    A refused token (401: rotated, or the agent restarted with a new secret) is replaced once.
    """

    def __init__(self, hosted: AgentApi, wallet_id: str) -> None:
        super().__init__(hosted.link)
        self.hosted = hosted
        self.wallet_id = wallet_id

    async def _login(self) -> None:
        answer = await self.hosted.post(f"/multitenancy/wallet/{quote(self.wallet_id)}/token")
        await self.close()
        headers = {"Authorization": f"Bearer {answer['token']}"}
        self._session = aiohttp.ClientSession(timeout=TIMEOUT, headers=headers)

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        if self._session is None:
            await self._login()
        try:
            return await super()._call(method, path, **kwargs)
        except AgentCallError as exc:
            if exc.status != 401:
                raise
        await self._login()
        return await super()._call(method, path, **kwargs)


class TenantApis:
    """One :class:`TenantApi` per learner wallet, made on first use."""

    def __init__(self) -> None:
        self._apis: dict[str, TenantApi] = {}

    def get(self, hosted: AgentApi, wallet_id: str) -> TenantApi:
        """The API of ``wallet_id``'s tenant."""
        if wallet_id not in self._apis:
            self._apis[wallet_id] = TenantApi(hosted, wallet_id)
        return self._apis[wallet_id]

    async def close(self) -> None:
        """Close every session."""
        for api in self._apis.values():
            await api.close()


def wallet(request: web.Request) -> TenantApi:
    """The signed-in learner's wallet (only a :func:`learner_only` handler has one)."""
    account: Account = request[SIGNED_IN]
    return request.app[TENANTS].get(agent_api(request, "hosted"), account.wallet_id)


def hosted(request: web.Request) -> AgentApi:
    """The hosted agent's admin API, with its admin key (for the operator's routes)."""
    return agent_api(request, "hosted")


#: Only a signed-in learner (whose account always names a wallet) may use a wallet page.
learner_only = requires(ROLE)
