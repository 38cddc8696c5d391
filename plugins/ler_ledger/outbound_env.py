"""Outbound DIDComm over HTTP without looking for proxies and netrc before every message.

ACA-Py's HTTP outbound transport makes its aiohttp session with ``trust_env=True``, so before
each message aiohttp looks for a netrc entry for the host and for proxy variables, each in a
worker thread: two thread hops per message, 2 to 4 % of a benchmark flow's CPU. When the agent
starts with no proxy variables (``HTTP_PROXY``, ``HTTPS_PROXY``, ``WS_PROXY``, ``WSS_PROXY``)
and no netrc file (``$NETRC`` or ``~/.netrc``), every look finds nothing, so the session is made
without them. With either, ACA-Py's session is kept as it is.

The environment is read once, when the transport starts: a netrc file created later is not
seen until the agent restarts (proxy variables cannot change from outside a running process).
Plugin config ``ler.outbound_env_once: false`` keeps ACA-Py's looks before every message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from acapy_agent.transport.outbound import http
from aiohttp import ClientSession
from aiohttp.helpers import netrc_from_env, proxies_from_env

from .acapy_patches import Patch, install_all, restore_all


def environment_in_use() -> bool:
    """Whether aiohttp's ``trust_env`` would find a proxy or a netrc file here."""
    return bool(proxies_from_env()) or netrc_from_env() is not None


def _session(original: Callable[..., ClientSession]) -> Callable[..., ClientSession]:
    def session(*args: Any, **kwargs: Any) -> ClientSession:
        if kwargs.get("trust_env") and not environment_in_use():
            kwargs["trust_env"] = False  # nothing to find: no thread hops per message
        return original(*args, **kwargs)

    return session


PATCHES: tuple[Patch, ...] = ((http, "ClientSession", _session),)


def install(on: bool = True) -> bool:
    """Read the environment once per outbound session (ACA-Py patched once) if ``on``."""
    return install_all(
        PATCHES, on, "outbound DIDComm looks for proxies and netrc before every message"
    )


def uninstall() -> None:
    """Put ACA-Py's session back (tests compare both)."""
    restore_all(PATCHES)
