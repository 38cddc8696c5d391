"""ledger_config/networks/*.yml and governance.yml: they parse and say what they must."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from eth_utils import is_address
from packaging_testkit import REPO

from ler_chain.identifiers import NETWORK_PATTERN
from ler_node.ledger.anvil import LOCAL_CHAIN_ID
from ler_node.ledger.genesis import DEFAULT_CHAIN_ID
from ler_node.network.spec import NetworkSpec

NETWORKS = REPO / "ledger_config" / "networks"
ROLES = {"endorser", "issuer", "holder", "verifier"}


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text("utf-8"))
    assert isinstance(data, dict), f"{path} is not a mapping"
    return data


def check_agents(agents: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    by_id = {agent["id"]: agent for agent in agents}
    assert len(by_id) == len(agents), "agent ids are unique"
    ports = [agent[key] for agent in agents for key in ("admin_port", "inbound_port")]
    assert len(set(ports)) == len(ports), "no two agents share a port"
    for agent in agents:
        assert agent["name"] and agent["role"] in ROLES, agent
        assert all(isinstance(agent[k], int) for k in ("admin_port", "inbound_port"))
    return by_id


@pytest.mark.parametrize("name", ["local.yml", "besu-compose.yml"])
def test_network_file_names_a_valid_did_network(name: str) -> None:
    network = load(NETWORKS / name)
    assert re.fullmatch(NETWORK_PATTERN, network["network"])
    assert network["ledger"]["rpc_url"].startswith("http://")
    assert network["tails"]["url"].startswith("http://")


def test_local_network_has_every_role_on_embedded_anvil() -> None:
    local = load(NETWORKS / "local.yml")
    assert local["network"] == "local"
    assert local["ledger"]["kind"] == "anvil"
    assert local["ledger"]["chain_id"] == LOCAL_CHAIN_ID
    agents = check_agents(local["agents"])
    assert agents["state"]["role"] == "endorser"
    assert agents["learner"]["role"] == "holder"
    assert agents["employer"]["role"] == "verifier"
    colleges = [a for a in agents.values() if a["role"] == "issuer"]
    assert "college" in agents and len(colleges) >= 1
    assert all(c.get("ledger_role") == "author" for c in colleges)


def test_besu_compose_network_describes_validator1() -> None:
    besu = load(NETWORKS / "besu-compose.yml")
    ledger = besu["ledger"]
    assert ledger["kind"] == "besu" and ledger["consensus"] == "qbft"
    assert ledger["internal_rpc_url"] == "http://validator1:8545"
    assert ledger["chain_id"] == DEFAULT_CHAIN_ID
    agents = check_agents(besu["agents"])
    assert {a["service"] for a in agents.values()} == {
        "state-agent",
        "college-agent",
        "employer-agent",
    }


def test_besu_compose_agents_write_to_the_ledger_as_compose_says() -> None:
    """Each agent's ledger role in the network file is its LER_ENDORSEMENT_ROLE in compose."""
    services = load(REPO / "docker" / "compose.yml")["services"]
    service_of = {a["id"]: a["service"] for a in load(NETWORKS / "besu-compose.yml")["agents"]}
    spec = NetworkSpec.load(NETWORKS / "besu-compose.yml")
    roles = {service_of[a.id]: a.ledger_role for a in spec.agents}
    assert roles == {name: services[name]["environment"]["LER_ENDORSEMENT_ROLE"] for name in roles}
    assert roles["employer-agent"] == "author"  # it issues its own employment records


def test_governance_names_trustees_and_credential_types() -> None:
    governance = load(REPO / "ledger_config" / "governance.yml")
    assert re.fullmatch(NETWORK_PATTERN, governance["network"])
    assert governance["network"] == load(NETWORKS / "besu-compose.yml")["network"]
    assert governance["chain_id"] == DEFAULT_CHAIN_ID
    trustees = governance["trustees"]
    assert trustees and all(t["name"] and is_address(t["address"]) for t in trustees)
    types = governance["accreditation"]["credential_types"]
    assert types and len(set(types)) == len(types)
    # AccreditationRegistry.MAX_TYPE_LENGTH
    assert all(0 < len(t.encode()) <= 256 for t in types)


@pytest.mark.parametrize("name", ["local.yml", "besu-compose.yml"])
def test_network_files_load_as_network_specs(name: str) -> None:
    spec = NetworkSpec.load(REPO / "ledger_config" / "networks" / name)
    assert spec.endorser.role == "endorser"
    assert spec.by_role("issuer") and spec.by_role("verifier")
