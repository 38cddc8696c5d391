"""A small client for ACA-Py admin APIs (the launcher and demo talk to agents only this way)."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

import aiohttp

from ..errors import LerNodeError


class AdminError(LerNodeError):
    """An admin API call failed; ``status`` is the HTTP status (0 if unreachable)."""

    def __init__(self, message: str, status: int = 0, hint: str = "") -> None:
        super().__init__(message, hint)
        self.status = status


class AdminClient:
    """Calls one agent's admin API with its API key."""

    def __init__(self, name: str, base_url: str, api_key: str, timeout: float = 60.0) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self._headers = {"x-api-key": api_key}
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> AdminClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def get(self, path: str, **params: Any) -> Any:
        """GET a JSON resource."""
        return await self._call("GET", path, params=params or None)

    async def post(self, path: str, body: dict[str, Any] | None = None, **params: Any) -> Any:
        """POST JSON and return the JSON answer."""
        return await self._call(
            "POST", path, json=body if body is not None else {}, params=params or None
        )

    async def put(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """PUT JSON and return the JSON answer."""
        return await self._call("PUT", path, json=body if body is not None else {})

    async def ready(self) -> bool:
        """Whether the agent answers /status/ready with ready=true."""
        try:
            return bool((await self._call("GET", "/status/ready", quiet=True)).get("ready"))
        except AdminError:
            return False

    async def wait_for(
        self,
        path: str,
        predicate: Any,
        *,
        timeout: float = 60.0,
        interval: float = 0.25,
        what: str = "",
    ) -> Any:
        """Poll ``path`` until ``predicate(result)`` holds; returns the result."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        last: Any = None
        while loop.time() < deadline:
            try:
                last = await self.get(path)
                if predicate(last):
                    return last
            except AdminError as exc:
                if exc.status not in (0, 404):
                    raise
            await asyncio.sleep(interval)
        raise AdminError(
            f"{self.name}: {what or path} did not happen within {timeout:.0f} s "
            f"(last answer: {last})"
        )

    async def _call(self, method: str, path: str, quiet: bool = False, **kwargs: Any) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout, headers=self._headers)
        url = self.base_url + path
        try:
            async with self._session.request(method, url, **kwargs) as response:
                if response.status >= 400:
                    text = (await response.text()).strip()
                    raise AdminError(
                        f"{self.name}: {method} {path} -> {response.status} {response.reason}"
                        + (f": {text[:500]}" if text and text not in response.reason else ""),
                        response.status,
                    )
                if response.content_type == "application/json":
                    return await response.json()
                return await response.text()
        except aiohttp.ClientConnectionError as exc:
            raise AdminError(f"{self.name}: cannot reach {url} ({exc})", 0) from exc
        except TimeoutError as exc:
            raise AdminError(f"{self.name}: {method} {path} timed out", 0) from exc


def quoted(identifier: str) -> str:
    """An identifier as a URL path segment (AnonCreds ids contain '/')."""
    return quote(identifier, safe="")
