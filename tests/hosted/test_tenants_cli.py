"""`ler-node tenants ...` on the session network's hosted agent, through its admin API.

The commands run in a worker thread: each runs its own event loop.
"""

from __future__ import annotations

import asyncio
import json
import stat

import pytest
from click.testing import CliRunner
from netkit import Network

from ler_node.cli import main
from ler_node.network.hosting import token_file

pytestmark = pytest.mark.e2e


def cli(*args: str, env: dict[str, str] | None = None, code: int = 0) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False, env=env)
    assert result.exit_code == code, result.output
    return result.output


async def tenants(network: Network, *args: str, **kwargs) -> str:
    where = ("--data-dir", str(network.data_dir))
    return await asyncio.to_thread(cli, "tenants", *args, *where, **kwargs)


async def test_tenant_lifecycle_from_the_command_line(network: Network, tmp_path) -> None:
    wallet_id = (await tenants(network, "create", "Frankie CLI")).strip().splitlines()[-1]
    kept = token_file(network.data_dir, wallet_id)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    token = json.loads(kept.read_text())["token"]
    listed = await tenants(network, "list")
    assert wallet_id in listed and "Frankie CLI" in listed

    await tenants(network, "suspend", wallet_id)
    rows = (await tenants(network, "list")).splitlines()
    assert "yes" in next(row for row in rows if wallet_id in row)
    await tenants(network, "resume", wallet_id)
    assert json.loads(kept.read_text())["token"] != token  # resumed with a new token

    backup = tmp_path / "frankie.wallet"
    secret = {"LER_BACKUP_PASSPHRASE": "a passphrase for Frankie"}
    await tenants(network, "backup", wallet_id, "--out", str(backup), env=secret)
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert backup.read_bytes().startswith(b"SQLite format 3")
    await tenants(network, "delete", wallet_id, "--yes")
    assert wallet_id not in await tenants(network, "list")

    wrong = {"LER_BACKUP_PASSPHRASE": "not the passphrase at all"}
    refused = await tenants(network, "restore", str(backup), "--label", "x", env=wrong, code=1)
    assert "passphrase" in refused
    restored = await tenants(network, "restore", str(backup), "--label", "Frankie", env=secret)
    new_id = restored.strip().splitlines()[-1]
    assert new_id != wallet_id and "records" in restored
    await tenants(network, "delete", new_id, "--yes")
