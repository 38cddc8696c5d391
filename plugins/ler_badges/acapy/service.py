"""The plugin's shared state, bound once in the injector: config, locks, HTTP, status server."""

from __future__ import annotations

import asyncio
import logging

import aiohttp

from ..status_server import LIST_PATH, StatusListServer
from .config import BadgesConfig
from .errors import IssuanceRefused

LOGGER = logging.getLogger(__name__)


class BadgesService:
    """What every profile of the agent shares (tenants keep their own keys and records)."""

    def __init__(self, config: BadgesConfig) -> None:
        self.config = config
        self._locks: dict[str, asyncio.Lock] = {}
        self._http: aiohttp.ClientSession | None = None
        lists = config.status_lists
        self.server = (
            StatusListServer(lists.directory, lists.host, lists.port) if lists.serves else None
        )

    def lock(self, key: str) -> asyncio.Lock:
        """A lock per key (e.g. per issuer DID), so status list changes never interleave."""
        return self._locks.setdefault(key, asyncio.Lock())

    @property
    def status_base_url(self) -> str:
        """Where this agent's status lists are published (``.../status-lists/``)."""
        base = self.config.status_lists.public_url
        if base is None and self.server is not None and self.server.bound_port:
            base = self.server.url
        if base is None:
            raise IssuanceRefused(
                "verifiers could not fetch this agent's status lists: set "
                "ler_badges.status_lists.public_url, or ler_badges.status_lists.port to serve them"
            )
        return base + LIST_PATH

    def http(self) -> aiohttp.ClientSession:
        """A shared HTTP session (for fetching status lists)."""
        if self._http is None or self._http.closed:
            timeout = aiohttp.ClientTimeout(total=self.config.verifier.http_timeout)
            self._http = aiohttp.ClientSession(timeout=timeout)
        return self._http

    async def start(self) -> None:
        """Start the status list server if configured."""
        if self.server is not None and self.server.bound_port is None:
            await self.server.start()
            LOGGER.info("serving status lists at %s%s", self.server.url, LIST_PATH)

    async def close(self) -> None:
        """Stop the server and close HTTP sessions."""
        if self.server is not None:
            await self.server.stop()
        if self._http is not None:
            await self._http.close()
