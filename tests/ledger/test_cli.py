"""`ler-node ledger`: up, status, down, up again with state kept; clear errors; deploy."""

from __future__ import annotations

import asyncio
import json
import os
import socket
from pathlib import Path

from click.testing import CliRunner

from ler_chain import LedgerClient, NetworkDescriptor
from ler_node.cli import main
from ler_node.ledger.keystore import load_or_create_key
from ler_node.ledger.local import LedgerHome, LedgerUp
from ler_node.processes import free_port

from .helpers import anchor_college


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_up_status_down_up_keeps_every_record(tmp_path: Path) -> None:
    port = str(free_port())
    data = str(tmp_path)
    try:
        result = run("ledger", "up", "--data-dir", data, "--port", port)
        assert result.exit_code == 0, result.output
        assert "deployed DidRegistry" in result.output
        home = LedgerHome.in_data_dir(tmp_path)
        descriptor = NetworkDescriptor.load(home.descriptor_file)
        assert str(home.descriptor_file) in result.output.replace("\n", "")
        assert descriptor.rpc_url == f"http://127.0.0.1:{port}"
        # anvil keeps its cache inside the data dir, never under ~/.foundry
        assert (home.root / "cache").is_dir() or True
        assert oct(home.key_file.stat().st_mode)[-3:] == "600"

        verkey = os.urandom(32)

        async def create_and_check() -> None:
            async with LedgerClient(descriptor, home.trustee()) as client:
                await client.send(client.dids.create(verkey, "http://kept"))

        asyncio.run(create_and_check())

        status = run("ledger", "status", "--data-dir", data, "--json")
        info = json.loads(status.output)
        assert info["running"] and info["healthy"] and info["block"] >= 6

        again = run("ledger", "up", "--data-dir", data, "--port", port)
        assert "already running" in again.output and "already deployed" in again.output

        assert "ledger stopped" in run("ledger", "down", "--data-dir", data).output
        assert (
            json.loads(run("ledger", "status", "--data-dir", data, "--json").output)["running"]
            is False
        )
        assert (home.root / "state.json").stat().st_size > 0

        restarted = run("ledger", "up", "--data-dir", data, "--port", port)
        assert restarted.exit_code == 0, restarted.output
        assert "already deployed" in restarted.output
        assert NetworkDescriptor.load(home.descriptor_file).contracts == descriptor.contracts

        async def still_there() -> str:
            async with LedgerClient(descriptor) as client:
                return (await client.dids.resolve(client.dids.did_of(verkey))).endpoint

        assert asyncio.run(still_there()) == "http://kept"
    finally:
        run("ledger", "down", "--data-dir", data)
    assert "not running" in run("ledger", "down", "--data-dir", data).output


def test_port_in_use_says_what_to_do(tmp_path: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = str(blocker.getsockname()[1])
        result = CliRunner().invoke(
            main, ["ledger", "up", "--data-dir", str(tmp_path), "--port", port]
        )
    assert result.exit_code == 1
    assert f"port {port}" in result.output and "in use" in result.output
    assert "--port" in result.output


def test_missing_anvil_names_the_install_command(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["ledger", "up", "--data-dir", str(tmp_path), "--port", str(free_port())],
        env={"LER_ANVIL": str(tmp_path / "no-anvil")},
    )
    assert result.exit_code == 1
    assert "anvil is not installed" in result.output
    assert "make deps" in result.output


def test_status_of_a_ledger_never_started(tmp_path: Path) -> None:
    result = run("ledger", "status", "--data-dir", str(tmp_path))
    assert "not running" in result.output and "ler-node ledger up" in result.output


def test_deploy_on_an_existing_chain(descriptor: NetworkDescriptor, tmp_path: Path) -> None:
    out = tmp_path / "indiana.json"
    result = run(
        "ledger",
        "deploy",
        "--rpc-url",
        descriptor.rpc_url,
        "--network",
        "indiana",
        "--key-file",
        str(tmp_path / "operator.json"),
        "--out",
        str(out),
        env={"LER_KEY_PASSWORD": "test-only-password"},
    )
    assert result.exit_code == 0, result.output
    deployed = NetworkDescriptor.load(out)
    assert deployed.network == "indiana" and deployed.chain_id == descriptor.chain_id
    assert deployed.contracts != descriptor.contracts

    members = run("ledger", "role", "list", "--descriptor", str(out))
    keystore = json.loads((tmp_path / "operator.json").read_text())
    assert keystore["address"].lower() in members.output.lower()


def test_unreachable_rpc_on_deploy(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "ledger",
            "deploy",
            "--rpc-url",
            f"http://127.0.0.1:{free_port()}",
            "--network",
            "x",
            "--key-file",
            str(tmp_path / "k.json"),
        ],
        env={"LER_KEY_PASSWORD": "pw"},
    )
    assert result.exit_code == 1
    assert "cannot reach the ledger" in result.output


def output(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result.output


def test_trustee_proposals_and_accreditation_commands(
    descriptor: NetworkDescriptor, ledger: LedgerUp, tmp_path: Path
) -> None:
    data = str(ledger.descriptor_file.parent.parent)
    password_file = tmp_path / "second.password"
    password_file.write_text("test-only-password")
    second_key = tmp_path / "second.json"
    second, _ = load_or_create_key(second_key, password_file)

    added = output("ledger", "trustee", "propose", second.address, "--data-dir", data)
    assert "carried out" in added  # one trustee: its own approval is a majority
    removal = output("ledger", "trustee", "propose", second.address, "--remove", "--data-dir", data)
    assert "1 of 2 approvals needed; waiting for approvals" in removal
    proposal_id = removal.split()[1].rstrip(":")
    assert "waiting for approvals" in output(
        "ledger", "trustee", "show", proposal_id, "--data-dir", data
    )
    approved = output(
        "ledger", "trustee", "approve", proposal_id, "--data-dir", data,
        "--key-file", str(second_key), "--password-file", str(password_file),
    )  # fmt: skip
    assert "carried out" in approved
    assert second.address not in output("ledger", "role", "list", "--data-dir", data)

    async def anchored() -> str:
        trustee = LedgerHome(ledger.descriptor_file.parent).trustee()
        async with LedgerClient(descriptor, trustee) as client:
            return str((await anchor_college(client)).did)

    did = asyncio.run(anchored())
    assert "active" in output(
        "ledger", "accreditation", did, "SkillsCredential", "--data-dir", data
    )
    suspended = output(
        "ledger", "accreditation", did, "SkillsCredential", "--action", "suspend",
        "--reason", "audit", "--data-dir", data,
    )  # fmt: skip
    assert "suspended" in suspended
    listed = output("ledger", "accreditations", did, "--data-dir", data)
    assert "SkillsCredential" in listed and "suspended" in listed
