"""An agent's process environment: its keys, and the runtime defaults unless the launcher's
environment or the network file's ``env`` set them."""

from __future__ import annotations

from pathlib import Path

import pytest

from ler_node.network.agents import RUNTIME_DEFAULTS, AgentHome
from ler_node.network.spec import AgentSpec

AGENT = {"id": "a", "name": "An agent", "role": "verifier", "admin_port": 9001}


def home(tmp_path: Path, **fields: object) -> AgentHome:
    spec = AgentSpec.model_validate({**AGENT, "inbound_port": 9000, **fields})
    return AgentHome(tmp_path, spec)


def test_an_agent_starts_with_one_askar_worker_and_its_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TOKIO_WORKER_THREADS", raising=False)
    env = home(tmp_path).environment()
    assert RUNTIME_DEFAULTS == {"TOKIO_WORKER_THREADS": "1"}
    assert env["TOKIO_WORKER_THREADS"] == "1"
    assert env["ACAPY_ADMIN_API_KEY"] and env["ACAPY_WALLET_KEY"]


def test_the_launchers_environment_keeps_its_own_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOKIO_WORKER_THREADS", "4")
    assert "TOKIO_WORKER_THREADS" not in home(tmp_path).environment()  # inherited as it is


def test_the_network_file_overrides_a_runtime_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TOKIO_WORKER_THREADS", raising=False)
    env = home(tmp_path, env={"TOKIO_WORKER_THREADS": "2"}).environment()
    assert env["TOKIO_WORKER_THREADS"] == "2"
