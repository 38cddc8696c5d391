"""`ler-node network up|status` and the demo, once, on the session's network.

They run on the session's network (its data directory holds its network file, as after
`ler-node network up --config`), so the LER story is told once per session. The commands run in a
worker thread, each with its event loop, while the session's loop goes on. Stopping a network and
starting it again with its credentials kept is the operators' guide's "Back up and restore",
run for real by tests/docs on its own network (so this network is not restarted here); a stopped
network's status is checked on a network file nothing runs.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from netkit import Network

from ler_node.cli import main
from ler_node.network import flows
from ler_node.network.launcher import NetworkInfo, connect
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


async def in_thread(*args: str) -> str:
    """``cli(*args)`` in a worker thread (the command runs its own event loop)."""
    return await asyncio.to_thread(cli, *args)


async def learner_credentials(network: Network) -> list[dict]:
    async with network.admin("learner") as admin:
        return (await admin.get("/credentials"))["results"]


async def test_up_demo_and_status_on_a_running_network(network: Network, tmp_path: Path) -> None:
    data = network.data_dir
    config = tmp_path / "network.yml"  # the network's file, as an operator would pass it
    config.write_text(yaml.safe_dump(network.spec.model_dump(mode="json")))
    up = await in_thread("network", "up", "--config", str(config), "--data-dir", str(data))
    assert "network up" in up
    info = NetworkInfo.load(data)
    assert {a.role for a in info.agents} == {"endorser", "issuer", "holder", "verifier"}
    # the state and the authors (colleges, the employer that issues work history) have a DID
    anchored = {network.spec.endorser.id, *(a.id for a in network.spec.authors)}
    assert "employer" in anchored
    for agent in info.agents:
        assert agent.admin_url in up
        assert (agent.did is not None) == (agent.id in anchored)
    workers = os.environ.get("TOKIO_WORKER_THREADS", "1")  # the launcher's default, or ours
    for agent in info.agents:
        pid = network.home(agent.id).process.pid()
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        assert f"TOKIO_WORKER_THREADS={workers}".encode() in environ, agent.id
    saved = json.loads((data / "network.json").read_text())
    assert saved["agents"][0]["openapi_url"].endswith("/api/doc")
    for key_file in (data / "secrets").rglob("*"):  # agents' keys, PostgreSQL's, tenants' tokens
        assert oct(key_file.stat().st_mode)[-3:] == ("700" if key_file.is_dir() else "600")
        if key_file.suffix == ".json":
            kept = json.loads(key_file.read_text())
            for name in ("api_key", "wallet_key", "jwt_secret", "password", "token"):
                assert kept.get(name, "<none>") not in up  # never printed

    before = {c["referent"] for c in await learner_credentials(network)}
    story = await in_thread("demo", "--data-dir", str(data))
    assert "every step behaved as described" in story
    for step in range(1, 9):
        assert f"\n{step}. " in story
    assert "issuer-not-accredited" in story and "revoked" in story
    # the VC-API steps: a did:key wallet got the Open Badge, the employer verified it with the
    # college found in the state's registry (served by the state's public server)
    assert "holds CNC Machining I" in story and "verified over VC-API" in story
    assert "/registry/issuers.json: did:web:" in story and "Certificate" in story
    held = await learner_credentials(network)
    awarded = [c for c in held if c["referent"] not in before]
    assert sorted(c["attrs"]["skill"] for c in awarded) == ["Blueprint Reading", "Welding"]

    status = json.loads(await in_thread("network", "status", "--data-dir", str(data), "--json"))
    assert status["healthy"] and status["block"] > 10
    assert status["pending_endorsements"] == 0
    [web] = [p for p in status["parts"] if p["part"] == "web app"]
    assert web == {
        "part": "web app",
        "healthy": True,
        "detail": network.info.web_url,
        "log": web["log"],
    }

    # the employer checks the story's Blueprint Reading credential, whose college the story's
    # last step left unaccredited
    [blueprints] = [c for c in awarded if c["attrs"]["skill"] == "Blueprint Reading"]
    async with network.admin("employer") as employer, network.admin("learner") as learner:
        employer_conn, _ = await connect(employer, learner, "learner")
        cred_def_id = blueprints["cred_def_id"]
        request = flows.skill_proof_request(cred_def_id, min_level=3)
        only_it = [{"cred_def_id": cred_def_id, "attr::skill::value": "Blueprint Reading"}]
        request["requested_attributes"]["skill"]["restrictions"] = only_it
        request["requested_predicates"]["level"]["restrictions"] = only_it
        verdict = await flows.request_proof(employer, employer_conn, request)
    assert verdict["verified"] is False
    assert verdict["reasons"] == ["issuer-not-accredited"]


def test_a_stopped_network_is_unhealthy_part_by_part(tmp_path: Path) -> None:
    """`network status` of a network whose parts are all down: exit 1 (scripts can tell)."""
    spec = NetworkSpec.load().only("state", "college").on_free_ports()
    data = tmp_path / "data"
    data.mkdir()
    (data / "network-spec.yml").write_text(yaml.safe_dump(spec.model_dump(mode="json")))
    result = CliRunner().invoke(main, ["network", "status", "--data-dir", str(data), "--json"])
    assert result.exit_code == 1, result.output
    down = json.loads(result.output)
    assert not down["healthy"]
    parts = {p["part"]: p for p in down["parts"]}
    assert {"ledger", "tails", "web app"} <= set(parts)
    assert sum(part.startswith("agent ") for part in parts) == 2
    assert not any(p["healthy"] for p in down["parts"])
    assert parts["ledger"]["detail"].startswith("no network in")


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
