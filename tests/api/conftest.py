"""A real ACA-Py agent with both plugins (ler_ledger, ler_badges) on the session's anvil.

The agent is the state's endorser: its ledger account holds ENDORSER and it has an anchored public
did:ler DID, so governance and badge routes get past their role checks when the input is valid.
"""

from __future__ import annotations

import asyncio
import secrets
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from ler_chain import LedgerClient, LocalSigner
from ler_node.ledger.local import LedgerUp
from ler_node.network.admin import AdminClient
from ler_node.processes import ProcessFiles, free_port


@dataclass
class Agent:
    """A running agent: admin URL, API key, process files and an admin client."""

    base_url: str
    api_key: str
    files: ProcessFiles
    admin: AdminClient
    did: str


@pytest.fixture(scope="module")
async def agent(
    ledger: LedgerUp, trustee: LocalSigner, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Agent]:
    """``aca-py start`` with both plugins and an admin API key; killed after the module."""
    home = tmp_path_factory.mktemp("api-agent")
    admin_port, inbound_port = free_port(), free_port()
    api_key = secrets.token_hex(24)
    plugin_config = home / "plugins.yml"
    plugin_config.write_text(
        yaml.safe_dump(
            {
                "ler": {
                    "descriptor": str(ledger.descriptor_file),
                    "endorsement": {"role": "endorser", "auto_approve": True},
                },
                "ler_badges": {
                    "status_lists": {"directory": str(home / "status-lists"), "port": "auto"},
                    "fetch": {"allow_hosts": ["127.0.0.1"]},
                },
            }
        ),
        "utf-8",
    )
    files = ProcessFiles("api agent", home / "agent.pid", home / "agent.log")
    files.start(
        [
            str(Path(sys.executable).with_name("aca-py")),
            "start",
            "--label",
            "API fuzz target",
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
            "api-fuzz",
            "--wallet-key",
            secrets.token_hex(16),
            "--auto-provision",
            "--no-ledger",
            "--plugin",
            "ler_ledger",
            "--plugin",
            "ler_badges",
            "--plugin-config",
            str(plugin_config),
            "--log-level",
            "info",
        ],
        env={"HOME": str(home)},
        cwd=home,
    )
    base_url = f"http://127.0.0.1:{admin_port}"
    admin = AdminClient("api agent", base_url, api_key)
    try:
        for _ in range(240):
            if await admin.ready():
                break
            assert files.exited_early() is None, files.log_file.read_text()[-3000:]
            await asyncio.sleep(0.25)
        else:
            pytest.fail("the API agent never became ready:\n" + files.log_file.read_text()[-3000:])
        account = await admin.get("/ler/account")
        async with LedgerClient(ledger.descriptor, trustee) as state:
            await state.send(state.roles.grant("ENDORSER", account["address"]))
        created = await admin.post("/ler/did/create", {"public": True, "endpoint": ""})
        yield Agent(base_url, api_key, files, admin, created["did"])
    finally:
        await admin.close()
        files.kill()  # its wallet is thrown away with the tmp dir: no graceful stop to wait for
