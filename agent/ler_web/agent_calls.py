"""Calls to agents' admin APIs: the only way the web app reaches an agent."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import aiohttp

from .web_settings import AgentLink

TIMEOUT = aiohttp.ClientTimeout(total=60)


class AgentCallError(Exception):
    """An admin API call failed: ``status`` 0 if the agent did not answer.

    ``message`` is the agent's own explanation (its JSON ``error``), fit to show a person.
    """

    def __init__(self, agent: str, status: int, message: str, code: str | None = None) -> None:
        super().__init__(f"{agent}: {status} {message}")
        self.agent = agent
        self.status = status
        self.message = message
        self.code = code


class AgentApi:
    """One agent's admin API, called with its API key."""

    def __init__(self, link: AgentLink) -> None:
        self.link = link
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def get(self, path: str, **params: str) -> Any:
        """GET a JSON resource."""
        return await self._call("GET", path, params=params or None)

    async def post(self, path: str, body: dict[str, Any] | None = None, **params: str) -> Any:
        """POST JSON; returns the JSON answer."""
        return await self._call("POST", path, json=body or {}, params=params or None)

    async def ready(self) -> bool:
        """Whether the agent says it is ready."""
        try:
            return bool((await self.get("/status/ready")).get("ready"))
        except AgentCallError:
            return False

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        if self._session is None:
            headers = {"x-api-key": self.link.api_key()}
            self._session = aiohttp.ClientSession(timeout=TIMEOUT, headers=headers)
        try:
            async with self._session.request(
                method, self.link.admin_url + path, **kwargs
            ) as response:
                raw = await response.read()
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    body = {"error": raw.decode("utf-8", "replace")[:300]}
                if response.status >= 400:
                    error = body.get("error") if isinstance(body, dict) else None
                    code = body.get("code") if isinstance(body, dict) else None
                    raise AgentCallError(
                        self.link.id, response.status, str(error or response.reason), code
                    )
                return body
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise AgentCallError(self.link.id, 0, "the agent did not answer") from exc


def quoted(identifier: str) -> str:
    """An identifier as one URL path segment (credential ids and DIDs contain '/' or ':')."""
    return quote(identifier, safe="")
