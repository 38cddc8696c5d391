"""Fixtures of the VC-API tests: the network's admin clients, and the wallet's HTTP client."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator

import aiohttp
import pytest
from netkit import Network

from ler_node.network.admin import AdminClient
from ler_node.network.local_tls import tls_files


@pytest.fixture(scope="module")
async def admins(network: Network) -> AsyncIterator[dict[str, AdminClient]]:
    """Admin clients of the state, the college and the employer; the college accredited."""
    async with network.admins_with_the_college_accredited("state", "college", "employer") as a:
        yield a


@pytest.fixture
async def http(network: Network) -> AsyncIterator[aiohttp.ClientSession]:
    """The wallet's HTTP client; it trusts the local network's test CA (colleges serve https)."""
    trust = ssl.create_default_context(cafile=str(tls_files(network.data_dir).ca_file))
    connector = aiohttp.TCPConnector(ssl=trust)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        yield session
