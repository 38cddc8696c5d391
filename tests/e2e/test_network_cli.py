"""`ler-node network up|status|down`, `up` again with credentials kept, and the demo as a test."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from ler_node.cli import main
from ler_node.network.launcher import NetworkInfo
from ler_node.network.spec import NetworkSpec

pytestmark = pytest.mark.e2e


def network_file(path: Path) -> Path:
    """The default local network with one college, on free ports, as a network file."""
    spec = NetworkSpec.load().only("state", "college", "learner", "employer").on_free_ports()
    path.write_text(yaml.safe_dump(spec.model_dump(mode="json")))
    return path


def cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def learner_credentials(data_dir: Path) -> list[dict]:
    from ler_node.network.agents import AgentHome

    spec = NetworkSpec.load(data_dir / "network-spec.yml")
    home = AgentHome(data_dir, next(a for a in spec.agents if a.role == "holder"))

    async def fetch() -> list[dict]:
        async with home.admin() as admin:
            return (await admin.get("/credentials"))["results"]

    return asyncio.run(fetch())


def test_up_demo_status_down_up_keeps_credentials(tmp_path: Path) -> None:
    config = network_file(tmp_path / "network.yml")
    data = tmp_path / "data"
    try:
        up = cli("network", "up", "--config", str(config), "--data-dir", str(data))
        assert "network up" in up
        info = NetworkInfo.load(data)
        assert {a.role for a in info.agents} == {"endorser", "issuer", "holder", "verifier"}
        for agent in info.agents:
            assert agent.admin_url in up
            assert (agent.did is not None) == (agent.role in ("endorser", "issuer"))
        saved = json.loads((data / "network.json").read_text())
        assert saved["agents"][0]["openapi_url"].endswith("/api/doc")
        secrets_dir = data / "secrets"
        for key_file in secrets_dir.iterdir():
            assert oct(key_file.stat().st_mode)[-3:] == "600"
            assert json.loads(key_file.read_text())["api_key"] not in up  # never printed

        story = cli("demo", "--data-dir", str(data))
        assert "every step behaved as described" in story
        for step in range(1, 7):
            assert f"\n{step}. " in story
        assert "issuer-not-accredited" in story and "revoked" in story
        held = learner_credentials(data)
        assert len(held) == 2

        status = json.loads(cli("network", "status", "--data-dir", str(data), "--json"))
        assert status["healthy"] and status["block"] > 10
        assert status["pending_endorsements"] == 0

        assert "network down" in cli("network", "down", "--data-dir", str(data))
        stopped = CliRunner().invoke(main, ["network", "status", "--data-dir", str(data), "--json"])
        assert stopped.exit_code == 1  # unhealthy: scripts can tell
        down = json.loads(stopped.output)
        assert not down["healthy"]
        assert not any(p["healthy"] for p in down["parts"])

        cli("network", "up", "--data-dir", str(data))
        assert [c["referent"] for c in learner_credentials(data)] == [c["referent"] for c in held]
        again = cli("demo", "--data-dir", str(data))  # the story runs again on the same network
        assert "every step behaved as described" in again
    finally:
        CliRunner().invoke(main, ["network", "down", "--data-dir", str(data)])


def test_port_in_use_names_the_part_and_what_to_do(tmp_path: Path) -> None:
    import socket

    config = network_file(tmp_path / "network.yml")
    spec = yaml.safe_load(config.read_text())
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", spec["agents"][0]["admin_port"]))
        blocker.listen()
        result = CliRunner().invoke(
            main, ["network", "up", "--config", str(config), "--data-dir", str(tmp_path / "d")]
        )
    try:
        assert result.exit_code == 1
        assert "agent state (admin API)" in result.output and "in use" in result.output
        assert "next:" in result.output
    finally:
        CliRunner().invoke(
            main, ["network", "down", "--config", str(config), "--data-dir", str(tmp_path / "d")]
        )
