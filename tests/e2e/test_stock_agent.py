"""The plugin in a stock `aca-py start` (only -o options), with admin auth and multitenancy."""

from __future__ import annotations

import asyncio
import secrets
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from netkit import Network

from ler_node.network.admin import AdminClient, AdminError
from ler_node.processes import ProcessFiles, free_port

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def stock_agent(
    network: Network, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[AdminClient]:
    """A multitenant ACA-Py started by hand with the plugin configured through -o options."""
    home = tmp_path_factory.mktemp("stock-agent")
    admin_port, inbound_port = free_port(), free_port()
    api_key = secrets.token_urlsafe(24)
    files = ProcessFiles("stock agent", home / "agent.pid", home / "agent.log")
    files.start(
        [
            str(Path(sys.executable).with_name("aca-py")),
            "start",
            "--inbound-transport",
            "http",
            "127.0.0.1",
            str(inbound_port),
            "--outbound-transport",
            "http",
            "--endpoint",
            f"http://127.0.0.1:{inbound_port}",
            "--admin",
            "127.0.0.1",
            str(admin_port),
            "--admin-api-key",
            api_key,
            "--wallet-type",
            "askar-anoncreds",
            "--wallet-name",
            "stock",
            "--wallet-key",
            secrets.token_urlsafe(16),
            "--auto-provision",
            "--no-ledger",
            "--multitenant",
            "--multitenant-admin",
            "--jwt-secret",
            secrets.token_urlsafe(24),
            "--plugin",
            "ler_ledger",
            "-o",
            f"ler.descriptor={network.info.descriptor}",
            "-o",
            "ler.endorsement.role=author",
        ],
        env={"HOME": str(home)},
        cwd=home,
    )
    admin = AdminClient("stock", f"http://127.0.0.1:{admin_port}", api_key)
    try:
        for _ in range(240):
            if await admin.ready():
                break
            assert files.exited_early() is None, files.log_file.read_text()[-2000:]
            await asyncio.sleep(0.25)
        else:
            pytest.fail("the stock agent never became ready")
        yield admin
    finally:
        await admin.close()
        files.stop()


async def test_admin_routes_need_the_api_key(stock_agent: AdminClient) -> None:
    anonymous = AdminClient("anonymous", stock_agent.base_url, "wrong-key")
    try:
        with pytest.raises(AdminError) as refused:
            await anonymous.get("/ler/account")
        assert refused.value.status == 401
    finally:
        await anonymous.close()


async def test_openapi_documents_the_ler_routes(stock_agent: AdminClient) -> None:
    spec = await stock_agent.get("/api/docs/swagger.json")
    paths = spec["paths"]
    for path in (
        "/ler/did/create",
        "/ler/account",
        "/ler/endorsement/requests",
        "/ler/governance/accreditations",
    ):
        assert path in paths, path
    assert "ler" in paths["/ler/did/create"]["post"]["tags"]
    assert any(tag["name"] == "ler" for tag in spec.get("tags", []))


async def test_each_tenant_gets_its_own_ledger_account(stock_agent: AdminClient) -> None:
    addresses = []
    for name in ("college-a", "college-b"):
        created = await stock_agent.post(
            "/multitenancy/wallet",
            {
                "wallet_name": name,
                "wallet_key": secrets.token_urlsafe(16),
                "wallet_type": "askar-anoncreds",
            },
        )
        tenant = AdminClient(name, stock_agent.base_url, "")
        tenant._headers = {"Authorization": f"Bearer {created['token']}"}
        try:
            first = (await tenant.get("/ler/account"))["address"]
            assert (await tenant.get("/ler/account"))["address"] == first  # kept in the wallet
            addresses.append(first)
            with pytest.raises(AdminError) as refused:  # governance needs the admin API key
                await tenant.post(
                    "/ler/governance/roles",
                    {"role": "ENDORSER", "account": first, "action": "grant"},
                )
            assert refused.value.status in (401, 403)
        finally:
            await tenant.close()
    assert len(set(addresses)) == 2
    with pytest.raises(AdminError) as refused:  # the base wallet's routes are not for tenants
        await stock_agent.get("/ler/account")
    assert refused.value.status == 401
