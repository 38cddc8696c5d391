"""An agent's ``ledger_role`` in the network file: its default by role, the local employer as an
author (it issues its own employment records), written into the plugin config, and misfits refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from ler_node.network.agents import AgentHome
from ler_node.network.spec import AgentSpec, NetworkSpec

AGENT = {"name": "An agent", "admin_port": 9001, "inbound_port": 9000}


def agent(**fields: Any) -> AgentSpec:
    return AgentSpec.model_validate({"id": "a", **AGENT, **fields})


@pytest.mark.parametrize(
    ("fields", "role"),
    [
        ({"role": "endorser"}, "endorser"),
        ({"role": "issuer"}, "author"),
        ({"role": "verifier"}, "none"),
        ({"role": "holder"}, "none"),
        ({"role": "holder", "multitenant": True}, "author"),
        ({"role": "verifier", "ledger_role": "author"}, "author"),
        ({"role": "issuer", "ledger_role": "none"}, "none"),
    ],
)
def test_the_ledger_role_defaults_by_role_unless_given(fields: dict, role: str) -> None:
    assert agent(**fields).ledger_role == role


@pytest.mark.parametrize(
    "fields",
    [
        {"role": "verifier", "ledger_role": "endorser"},
        {"role": "endorser", "ledger_role": "author"},
        {"role": "holder", "multitenant": True, "ledger_role": "none"},
        {"role": "verifier", "ledger_role": "trustee"},
    ],
)
def test_a_ledger_role_that_does_not_fit_is_refused(fields: dict) -> None:
    with pytest.raises(ValidationError, match="ledger_role"):
        agent(**fields)


def test_the_local_employer_is_an_author_and_its_plugin_config_says_so(tmp_path: Path) -> None:
    spec = NetworkSpec.load()
    assert [a.id for a in spec.authors] == ["college", "tech-institute", "employer"]
    employer = next(a for a in spec.agents if a.id == "employer")
    assert employer.role == "verifier" and employer.ledger_role == "author"
    written = AgentHome(tmp_path, employer).write_plugin_config(tmp_path / "network.json")
    assert yaml.safe_load(written.read_text())["ler"]["endorsement"]["role"] == "author"
    # a copy of the spec (as tests and `network up --config` keep it) keeps the role
    dumped = NetworkSpec.model_validate(
        yaml.safe_load(yaml.safe_dump(spec.model_dump(mode="json")))
    )
    assert [a.id for a in dumped.authors] == [a.id for a in spec.authors]
