"""The outbound-fetch policy (``ler_badges.fetch_policy``), against real HTTP servers."""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import re
import socket
import time

import pytest
from aiohttp import web

from ler_badges.fetch_policy import (
    FetchPolicy,
    FetchRefused,
    FetchUnavailable,
    is_public_address,
    safe_fetch,
)

from .recording_server import SECRET, json_body, recording_server, slow, streamed

LOOPBACK = FetchPolicy(allow_hosts=("127.0.0.1",))


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "ff02::1",
    ],
)
def test_non_public_addresses(address: str) -> None:
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("file:///etc/passwd", "only http and https"),
        ("gopher://127.0.0.1:70/x", "only http and https"),
        ("ftp://files.example/list", "only http and https"),
        ("/status-lists/1", "not relative ones"),
        ("http:///status-lists/1", "names no host"),
        ("http://user:pw@status.example/1", "user info"),
        ("http://status.example:99999/1", "not a valid URL"),
    ],
)
async def test_only_plain_http_urls_are_fetched(url: str, words: str) -> None:
    with pytest.raises(FetchRefused, match=words):
        await safe_fetch(url, FetchPolicy(allow_private=True))


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "127.1", "2130706433", "[::ffff:127.0.0.1]"]
)
async def test_loopback_is_refused_by_default_and_nothing_is_sent(host: str) -> None:
    async with recording_server() as server:
        port = server.url.rsplit(":", 1)[1]
        with pytest.raises(FetchRefused, match="not a public address") as refused:
            await safe_fetch(f"http://{host}:{port}/internal?x=1", FetchPolicy())
        assert server.requests == []
    assert "ler_badges.fetch.allow_private" in str(refused.value)  # says what to do


@pytest.mark.parametrize(
    "policy",
    [
        FetchPolicy(allow_private=True),
        FetchPolicy(allow_hosts=("127.0.0.1",)),
        FetchPolicy(allow_hosts=("127.0.0.0/8",)),
        FetchPolicy(allow_hosts=("localhost",)),
    ],
    ids=["allow_private", "address", "network", "name"],
)
async def test_private_hosts_are_fetched_when_the_policy_allows_them(policy: FetchPolicy) -> None:
    async with recording_server() as server:
        server.answer(json_body(b'{"ok": true}'))
        url = server.url.replace("127.0.0.1", "localhost") + "/list?v=2"
        if "localhost" not in policy.allow_hosts:
            url = server.url + "/list?v=2"
        assert await safe_fetch(url, policy) == b'{"ok": true}'
        assert server.requests == ["/list?v=2"]


async def test_an_allowed_name_does_not_allow_other_private_hosts() -> None:
    policy = FetchPolicy(allow_hosts=("status.college.internal", "10.20.0.0/16"))
    async with recording_server() as server:
        with pytest.raises(FetchRefused):
            await safe_fetch(server.url + "/x", policy)
        assert server.requests == []


async def test_the_connection_goes_to_the_address_that_was_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """DNS rebinding: a second lookup would answer the metadata address; there is none."""
    loop = asyncio.get_running_loop()
    answers = iter(["127.0.0.1", "169.254.169.254", "169.254.169.254"])
    lookups: list[str] = []

    async def rebinding_dns(host, port, *args, **kwargs):
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    monkeypatch.setattr(loop, "getaddrinfo", rebinding_dns)
    async with recording_server() as server:
        server.answer(json_body(b"{}"))
        port = server.url.rsplit(":", 1)[1]
        policy = FetchPolicy(allow_hosts=("127.0.0.1",), connect_timeout=1, timeout=2)
        assert await safe_fetch(f"http://status.rebind.test:{port}/l", policy) == b"{}"
        assert server.requests == ["/l"] and lookups == ["status.rebind.test"]


async def test_a_name_with_any_private_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    loop = asyncio.get_running_loop()

    async def split_dns(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
        ]

    monkeypatch.setattr(loop, "getaddrinfo", split_dns)
    with pytest.raises(FetchRefused):
        await safe_fetch("http://status.split.test/l", FetchPolicy())


async def test_oversize_answers_are_cut_off() -> None:
    policy = FetchPolicy(allow_hosts=("127.0.0.1",), max_bytes=100_000)
    async with recording_server() as server:
        server.answer(json_body(b"[" + b"0," * 100_000 + b"0]"))  # with Content-Length
        with pytest.raises(FetchUnavailable):
            await safe_fetch(server.url + "/big", policy)
        server.answer(streamed(50 * 1024 * 1024))  # chunked: counted while read
        started = time.monotonic()
        with pytest.raises(FetchUnavailable):
            await safe_fetch(server.url + "/endless", policy)
        assert time.monotonic() - started < 3
        assert server.requests == ["/big", "/endless"]


async def test_slow_answers_are_cut_off() -> None:
    policy = FetchPolicy(allow_hosts=("127.0.0.1",), connect_timeout=0.5, timeout=1)
    async with recording_server() as server:
        server.answer(slow(30))
        started = time.monotonic()
        with pytest.raises(FetchUnavailable, match="within 1 s"):
            await safe_fetch(server.url + "/trickle", policy)
        assert time.monotonic() - started < 2.5


async def test_a_port_with_nothing_listening_is_just_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchUnavailable) as unavailable:
        await safe_fetch(f"http://127.0.0.1:{port}/x", LOOPBACK)
    assert "refused" not in str(unavailable.value).lower()


async def test_errors_never_echo_the_upstream_status_or_body() -> None:
    async with recording_server() as server:  # answers 418 with a secret
        with pytest.raises(FetchUnavailable) as unavailable:
            await safe_fetch(server.url + "/admin", LOOPBACK)
    message = str(unavailable.value)
    assert not re.search(r"(?<![\w.:])418(?![\w.])", message)  # ports may contain 418
    assert SECRET not in message and "teapot" not in message.lower()


async def test_redirects_are_not_followed() -> None:
    async def redirect(_request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("/internal")

    async with recording_server() as server:
        server.answer(redirect)
        with pytest.raises(FetchUnavailable):
            await safe_fetch(server.url + "/list", LOOPBACK)
        assert server.requests == ["/list"]


async def test_compressed_answers_are_refused() -> None:
    async def gzipped(_request: web.Request) -> web.StreamResponse:
        body = gzip.compress(b"{}" + b" " * 10_000_000)
        return web.Response(body=body, headers={"Content-Encoding": "gzip"})

    async with recording_server() as server:
        server.answer(gzipped)
        with pytest.raises(FetchUnavailable):
            await safe_fetch(server.url + "/bomb", LOOPBACK)


async def test_no_proxy_from_the_environment_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    async with recording_server() as proxy, recording_server() as server:
        server.answer(json_body(b"{}"))
        for variable in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
            monkeypatch.setenv(variable, proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        assert await safe_fetch(server.url + "/l", LOOPBACK) == b"{}"
        assert proxy.requests == [] and server.requests == ["/l"]
