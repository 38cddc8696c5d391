"""The plugin's shared state, bound once in the injector: config, locks, HTTP, status server."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote

import aiohttp
from acapy_agent.core.profile import Profile

from ..status_server import LIST_PATH, StatusListServer
from ..vc_api.public_exchanges import ExchangeDirectory, exchange_routes
from .config import BadgesConfig
from .errors import IssuanceRefused
from .registry_publisher import RegistryPublisher, registry_routes

LOGGER = logging.getLogger(__name__)


def did_web_base_url(did_web: str) -> str:
    """``https://<domain>``: where a ``did:web:<domain>`` is served."""
    return "https://" + unquote(did_web.removeprefix("did:web:").split(":")[0])


class BadgesService:
    """What every profile of the agent shares (tenants keep their own keys and records)."""

    def __init__(self, config: BadgesConfig) -> None:
        self.config = config
        self._locks: dict[str, asyncio.Lock] = {}
        self._http: aiohttp.ClientSession | None = None
        #: builds the did:web document of a profile (set by the wiring: :mod:`.did_web`)
        self.did_web_source: Callable[[Profile], Awaitable[dict[str, Any] | None]] | None = None
        self.exchanges = ExchangeDirectory()  # VC-API exchanges served by the public server
        lists = config.status_lists
        public = config.public
        tls = (public.tls_cert_file, public.tls_key_file) if public.tls else None
        self.server = (
            StatusListServer(lists.directory, lists.host, lists.port, tls=tls)
            if lists.serves
            else None
        )
        self.registry = RegistryPublisher()  # the state's issuer registry (root profile)
        if self.server is not None:
            self.server.routes.extend(exchange_routes(self.exchanges))
            self.server.routes.extend(registry_routes(self.registry))

    def lock(self, key: str) -> asyncio.Lock:
        """A lock per key (e.g. per issuer DID), so status list changes never interleave."""
        return self._locks.setdefault(key, asyncio.Lock())

    def public_url(self) -> str | None:
        """Where the public server is reached: ``status_lists.public_url``, else where it runs."""
        base = self.config.status_lists.public_url
        if base is None and self.server is not None and self.server.bound_port:
            base = self.server.url
        return base

    @property
    def status_base_url(self) -> str:
        """Where this agent's status lists are published (``.../status-lists/``)."""
        base = self.config.status_lists.public_url
        if base is None and self.did_web is not None:
            base = did_web_base_url(self.did_web)
        base = base or self.public_url()
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

    @property
    def did_web(self) -> str | None:
        """The agent's did:web (``ler_badges.did_web.domain``), once its port is known."""
        domain = self.config.public.did_web_domain
        if domain is None:
            return None
        port = self.server.bound_port if self.server is not None else None
        if "{port}" in domain and port is None:
            return None
        return "did:web:" + domain.replace("{port}", str(port)).replace(":", "%3A")

    async def start(self, profile: Profile | None = None) -> None:
        """Start the public server if configured (serving the did:web of ``profile``'s DID)."""
        if self.server is not None and profile is not None and self.did_web_source:
            self.server.did_document = lambda: self.did_web_source(profile)  # type: ignore[misc]
        if self.server is not None and self.server.bound_port is None:
            await self.server.start()
            LOGGER.info("serving status lists at %s%s", self.server.url, LIST_PATH)

    async def close(self) -> None:
        """Stop the server and close HTTP sessions."""
        if self.server is not None:
            await self.server.stop()
        if self._http is not None:
            await self._http.close()
