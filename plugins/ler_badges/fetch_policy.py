"""What a verifier may fetch when a credential names a URL (a status list), and the fetch itself.

A credential is written by whoever presents it; fetching the URLs it names without care lets them
make the verifier's agent send requests into the verifier's own network (SSRF), and if the
verdict repeated what came back, read the answers. :func:`safe_fetch` therefore:

* fetches only ``http`` and ``https`` URLs without user info;
* resolves the host once, refuses it unless *every* address is public (not loopback, private,
  link-local, carrier-grade NAT, reserved, multicast or unspecified, IPv4 embedded in IPv6
  included), unless the policy allows it (``allow_private``, or the host or a network in
  ``allow_hosts``), then connects to exactly the addresses it checked, so a second DNS answer
  (rebinding) cannot swap in another address;
* uses no proxy from the environment, follows no redirect, asks for no compression;
* checks https certificates against the system's CAs plus ``ca_file`` if given (a private or
  test CA, e.g. the local network's);
* gives up after ``connect_timeout`` seconds to connect and ``timeout`` seconds in all, and
  stops reading after ``max_bytes``.

It raises :class:`FetchRefused` when the policy says no (nothing was sent) and
:class:`FetchUnavailable` when nothing usable came back. Neither message says what the server
answered (status, headers, body) nor how the attempt failed (refused, timed out, too large): a
verdict that did would tell whoever wrote the credential what answers at an address the verifier
can reach. The cause is logged for the operator.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from .errors import BadgesError

__all__ = [
    "FetchError",
    "FetchPolicy",
    "FetchRefused",
    "FetchUnavailable",
    "is_public_address",
    "safe_fetch",
]

LOGGER = logging.getLogger(__name__)
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
SCHEMES = ("http", "https")
CHUNK = 64 * 1024
HOW_TO_ALLOW = (
    "to fetch from such hosts (a network on one machine or a private network), set "
    "ler_badges.fetch.allow_private: true or list the host in ler_badges.fetch.allow_hosts"
)


class FetchError(BadgesError):
    """A URL was not fetched, or nothing usable came back; ``code`` names which."""

    code = "fetch-failed"


class FetchRefused(FetchError):
    """The policy does not allow this URL; no request was sent."""

    code = "fetch-refused"


class FetchUnavailable(FetchError):
    """The URL was allowed but gave no usable answer (the cause is only logged)."""

    code = "unavailable"


@dataclass(frozen=True)
class FetchPolicy:
    """Limits of outbound fetches; the defaults allow public addresses only."""

    allow_private: bool = False
    allow_hosts: tuple[str, ...] = ()
    connect_timeout: float = 2.0
    timeout: float = 5.0
    max_bytes: int = 1024 * 1024
    ca_file: str | None = None
    _names: frozenset[str] = field(init=False, repr=False, compare=False)
    _networks: tuple[IPNetwork, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names, networks = set(), []
        for entry in self.allow_hosts:
            try:
                networks.append(ipaddress.ip_network(entry.strip().strip("[]"), strict=False))
            except ValueError:
                names.add(_normal_host(entry))
        object.__setattr__(self, "_names", frozenset(names))
        object.__setattr__(self, "_networks", tuple(networks))

    def allows(self, host: str, address: IPAddress) -> bool:
        """Whether ``host``, resolved to ``address``, may be fetched from."""
        if is_public_address(address) or self.allow_private:
            return True
        if _normal_host(host) in self._names:
            return True
        return any(address in network for network in self._networks)


def _normal_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    embedded = [address.ipv4_mapped, address.sixtofour]
    if address.teredo is not None:
        embedded += list(address.teredo)
    if address in ipaddress.ip_network("64:ff9b::/96"):  # NAT64
        embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return [ip for ip in embedded if ip is not None]


def is_public_address(address: IPAddress) -> bool:
    """Whether ``address`` is globally reachable unicast (and so is any IPv4 it embeds)."""
    if not address.is_global or address.is_multicast:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        return all(is_public_address(ip) for ip in _embedded_ipv4(address))
    return True


@dataclass(frozen=True)
class _Target:
    url: str
    host: str
    port: int


def _target(url: str) -> _Target:
    try:
        parsed = URL(url)
        host, port = parsed.raw_host, parsed.port
    except (TypeError, ValueError):
        raise FetchRefused(f"{url!r} is not a valid URL, so it was not fetched") from None
    if parsed.scheme.lower() not in SCHEMES:
        raise FetchRefused(
            f"{url!r} was not fetched: only http and https URLs are fetched, not "
            f"{parsed.scheme or 'relative'} ones"
        )
    if not host or port is None:
        raise FetchRefused(f"{url!r} was not fetched: it names no host")
    if parsed.user is not None or parsed.password is not None:
        raise FetchRefused(f"{url!r} was not fetched: URLs with user info are not fetched")
    return _Target(url, host, port)


async def _resolve(target: _Target, policy: FetchPolicy) -> list[IPAddress]:
    """The host's addresses, each checked; refuses the host if any is not allowed."""
    try:
        literal: IPAddress | None = ipaddress.ip_address(target.host)
    except ValueError:
        literal = None
    if literal is not None:
        found = [literal]
    else:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
        except OSError as error:
            LOGGER.info("not fetching %s: %s does not resolve (%s)", target.url, target.host, error)
            raise FetchUnavailable(_unavailable(target.url, policy)) from None
        found = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
    refused = [address for address in found if not policy.allows(target.host, address)]
    if refused or not found:
        LOGGER.warning("not fetching %s: %s resolves to %s", target.url, target.host, refused)
        raise FetchRefused(
            f"{target.url!r} was not fetched: its host is not a public address "
            f"(loopback, private, link-local or reserved); {HOW_TO_ALLOW}"
        )
    return found


class _PinnedResolver(AbstractResolver):
    """Answers for one host with the addresses already checked; never looks anything up."""

    def __init__(self, host: str, addresses: Iterable[IPAddress]) -> None:
        self._host = host
        self._addresses = list(addresses)

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if _normal_host(host) != _normal_host(self._host):
            raise OSError(f"only {self._host} may be connected to, not {host}")
        return [
            ResolveResult(
                hostname=host,
                host=str(address),
                port=port,
                family=socket.AF_INET6 if address.version == 6 else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in self._addresses
        ]

    async def close(self) -> None:
        """Nothing to release."""


def _unavailable(url: str, policy: FetchPolicy) -> str:
    return (
        f"nothing usable came back from {url!r} (it must answer 200 "
        f"with at most {policy.max_bytes} bytes within {policy.timeout:g} s; the agent's log "
        "says why it did not)"
    )


class _Cause(Exception):
    """Why a fetch gave nothing usable; logged, never shown."""


@cache
def _ssl_context(ca_file: str | None) -> ssl.SSLContext:
    """The system's trusted CAs, plus ``ca_file``."""
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


async def _get(
    target: _Target, addresses: list[IPAddress], policy: FetchPolicy, accept: str
) -> bytes:
    connector = aiohttp.TCPConnector(
        resolver=_PinnedResolver(target.host, addresses),
        use_dns_cache=False,
        limit=1,
        ssl=_ssl_context(policy.ca_file),
    )
    timeout = aiohttp.ClientTimeout(
        total=policy.timeout, connect=policy.connect_timeout, sock_connect=policy.connect_timeout
    )
    headers = {"Accept": accept, "Accept-Encoding": "identity"}
    async with (
        aiohttp.ClientSession(
            connector=connector, timeout=timeout, trust_env=False, auto_decompress=False
        ) as session,
        session.get(target.url, headers=headers, allow_redirects=False) as response,
    ):
        if response.status != 200:
            raise _Cause(f"HTTP {response.status}")
        encoding = response.headers.get("Content-Encoding", "identity").lower()
        if encoding != "identity":
            raise _Cause(f"content encoding {encoding}")
        if (response.content_length or 0) > policy.max_bytes:
            raise _Cause(f"Content-Length {response.content_length}")
        body = bytearray()
        async for chunk in response.content.iter_chunked(CHUNK):
            body += chunk
            if len(body) > policy.max_bytes:
                raise _Cause(f"more than {policy.max_bytes} bytes")
        return bytes(body)


async def safe_fetch(
    url: str, policy: FetchPolicy, *, accept: str = "application/vc, application/json"
) -> bytes:
    """The body of ``url`` if ``policy`` allows fetching it and it answers 200 within the limits.

    Raises :class:`FetchRefused` (nothing sent) or :class:`FetchUnavailable`.
    """
    target = _target(url)
    try:
        async with asyncio.timeout(policy.timeout):
            addresses = await _resolve(target, policy)
            return await _get(target, addresses, policy, accept)
    except FetchError:
        raise
    except (_Cause, aiohttp.ClientError, OSError, TimeoutError, ValueError) as error:
        cause: Any = error if str(error) else type(error).__name__
        LOGGER.warning("fetching %s gave nothing usable: %s", url, cause)
        raise FetchUnavailable(_unavailable(url, policy)) from None
