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
from ler_node.processes import ProcessFiles, free_port, says_port_taken

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def stock_agent(
    network: Network, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[AdminClient]:
    """A multitenant ACA-Py started by hand with the plugin configured through -o options.

    Its secrets come from the environment (ACA-Py's ACAPY_* variables), never the command line,
    where a value starting with "-" would read as an option. Its ports are picked free; if another
    process takes one first, it starts again on others.
    """
    home = tmp_path_factory.mktemp("stock-agent")
    api_key = secrets.token_urlsafe(24)
    env = {
        "HOME": str(home),
        "ACAPY_ADMIN_API_KEY": api_key,
        "ACAPY_WALLET_KEY": secrets.token_urlsafe(16),
        "ACAPY_MULTITENANT_JWT_SECRET": secrets.token_urlsafe(24),
    }
    files = ProcessFiles("stock agent", home / "agent.pid", home / "agent.log")
    admin: AdminClient | None = None
    try:
        for _ in range(PORT_ATTEMPTS):
            admin_port, inbound_port = free_port(), free_port()
            files.start(stock_command(network, admin_port, inbound_port), env=env, cwd=home)
            admin = AdminClient("stock", f"http://127.0.0.1:{admin_port}", api_key)
            exited = await ready_or_exited(admin, files)
            if exited is None:
                break
            await admin.close()
            assert says_port_taken(str(exited)), str(exited)
        else:
            pytest.fail(f"the stock agent found its ports taken {PORT_ATTEMPTS} times")
        yield admin
    finally:
        if admin is not None:
            await admin.close()
        files.kill()  # its wallet goes with the test's directory; SIGTERM would take seconds


PORT_ATTEMPTS = 4


def stock_command(network: Network, admin_port: int, inbound_port: int) -> list[str]:
    """``aca-py start`` with only command-line options, no secrets among them."""
    return [
        str(Path(sys.executable).with_name("aca-py")),
        "start",
        "--inbound-transport", "http", "127.0.0.1", str(inbound_port),
        "--outbound-transport", "http",
        "--endpoint", f"http://127.0.0.1:{inbound_port}",
        "--admin", "127.0.0.1", str(admin_port),
        "--wallet-type", "askar-anoncreds",
        "--wallet-name", "stock",
        "--auto-provision",
        "--no-ledger",
        "--multitenant",
        "--multitenant-admin",
        "--plugin", "ler_ledger",
        "-o", f"ler.descriptor={network.info.descriptor}",
        "-o", "ler.endorsement.role=author",
    ]  # fmt: skip


async def ready_or_exited(admin: AdminClient, files: ProcessFiles) -> Exception | None:
    """None once the agent is ready; the error if it exited first."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while not await admin.ready():
        if (exited := files.exited_early()) is not None:
            return exited
        assert loop.time() < deadline, f"the stock agent never became ready: {files.log_file}"
        await asyncio.sleep(0.25)
    return None


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
