"""Outbound DIDComm reads the proxy and netrc environment once; with a proxy it still uses it.

Every agent of the suite's network runs with this on, so each end-to-end exchange sends its
DIDComm messages through it. Here: ACA-Py's own HTTP transport posting to a local server.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from acapy_agent.transport.outbound.http import HttpTransport
from aiohttp import web
from aiohttp.test_utils import TestServer

from ler_ledger import outbound_env

from .speedups import speedup_fixtures

acapys_own_first, installed = speedup_fixtures(outbound_env)
PROFILE = SimpleNamespace(settings={})  # what the transport reads of the sending agent


@pytest.fixture(autouse=True)
def no_proxy_or_netrc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.lower().endswith("_proxy")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[str, list[str]]]:
    """A local HTTP server; it records the request target of every message it receives."""
    targets: list[str] = []

    async def receive(request: web.Request) -> web.Response:
        targets.append(request.raw_path)
        return web.Response(status=202)

    app = web.Application()
    app.router.add_route("POST", "/{tail:.*}", receive)
    async with TestServer(app, host="127.0.0.1") as server:
        yield str(server.make_url("/")), targets


async def _sent(endpoint: str) -> bool:
    """Send one message with ACA-Py's transport; whether its session looked at the env."""
    transport = HttpTransport()
    await transport.start()
    try:
        await transport.handle_message(PROFILE, b"{}", endpoint)
        return transport.client_session.trust_env
    finally:
        await transport.stop()


@pytest.mark.usefixtures("installed")
async def test_with_nothing_in_the_environment_messages_go_without_looking(
    receiver: tuple[str, list[str]],
) -> None:
    url, targets = receiver
    assert outbound_env.environment_in_use() is False
    assert await _sent(url + "didcomm") is False
    assert targets == ["/didcomm"]


async def test_acapys_own_session_looks_before_every_message(
    receiver: tuple[str, list[str]],
) -> None:
    url, targets = receiver
    assert await _sent(url + "didcomm") is True
    assert targets == ["/didcomm"]


@pytest.mark.usefixtures("installed")
async def test_a_proxy_in_the_environment_is_still_used(
    receiver: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy, targets = receiver
    monkeypatch.setenv("HTTP_PROXY", proxy)
    assert await _sent("http://college.invalid/didcomm") is True
    assert targets == ["http://college.invalid/didcomm"]  # the proxy was asked for it


@pytest.mark.usefixtures("installed")
async def test_a_netrc_file_keeps_acapys_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, receiver: tuple[str, list[str]]
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine college.example login ler\n")
    monkeypatch.setenv("NETRC", str(netrc))
    assert outbound_env.environment_in_use() is True
    assert await _sent(receiver[0] + "didcomm") is True
