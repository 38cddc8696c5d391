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
from ler_node.processes import ProcessFiles, free_port, says_port_taken

PORT_ATTEMPTS = 3


@dataclass
class Agent:
    """A running agent: admin URL, API key, process files and an admin client."""

    base_url: str
    api_key: str
    files: ProcessFiles
    admin: AdminClient
    did: str


def _command(plugin_config: Path, admin_port: int, inbound_port: int) -> list[str]:
    return [
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
        "--wallet-type",
        "askar-anoncreds",
        "--wallet-name",
        "api-fuzz",
        "--auto-provision",
        "--no-ledger",
        *("--plugin", "ler_ledger", "--plugin", "ler_badges", "--plugin", "ler_hiring"),
        "--plugin-config",
        str(plugin_config),
        "--log-level",
        "info",
    ]


async def _started(
    files: ProcessFiles, plugin_config: Path, env: dict[str, str], home: Path
) -> AdminClient:
    """The agent, ready; started again on other ports if it found one of its ports taken."""
    for _ in range(PORT_ATTEMPTS):
        admin_port, inbound_port = free_port(), free_port()
        files.start(_command(plugin_config, admin_port, inbound_port), env=env, cwd=home)
        admin = AdminClient(
            "api agent", f"http://127.0.0.1:{admin_port}", env["ACAPY_ADMIN_API_KEY"]
        )
        for _ in range(240):
            if await admin.ready():
                return admin
            if (failed := files.exited_early()) is not None:
                break
            await asyncio.sleep(0.25)
        else:
            failed = None
        await admin.close()
        files.kill()
        if failed is None or not says_port_taken(str(failed)):
            pytest.fail("the API agent never became ready:\n" + files.log_file.read_text()[-3000:])
    pytest.fail(f"the API agent found its ports taken {PORT_ATTEMPTS} times")


@pytest.fixture(scope="module")
async def agent(
    ledger: LedgerUp, trustee: LocalSigner, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Agent]:
    """``aca-py start`` with both plugins and an admin API key; killed after the module."""
    home = tmp_path_factory.mktemp("api-agent")
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
    # secrets in the environment, never on the command line (ACA-Py reads ACAPY_* for its flags)
    env = {
        "HOME": str(home),
        "ACAPY_ADMIN_API_KEY": api_key,
        "ACAPY_WALLET_KEY": secrets.token_hex(16),
    }
    admin = await _started(files, plugin_config, env, home)
    try:
        account = await admin.get("/ler/account")
        async with LedgerClient(ledger.descriptor, trustee) as state:
            await state.send(state.roles.grant("ENDORSER", account["address"]))
        created = await admin.post("/ler/did/create", {"public": True, "endpoint": ""})
        yield Agent(admin.base_url, api_key, files, admin, created["did"])
    finally:
        await admin.close()
        files.kill()  # its wallet is thrown away with the tmp dir: no graceful stop to wait for
