"""The network file's ``ats:`` of an agent: checked with ler_hiring's own rules, written to its
plugin config (``ler_hiring.ats``), the HMAC key only named, never copied.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from ler_hiring.ats_config import AtsConfig
from ler_node.network.agents import AgentHome
from ler_node.network.spec import NetworkSpec

REPO = Path(__file__).resolve().parents[2]
LOCAL = REPO / "ledger_config" / "networks" / "local.yml"


def with_ats(ats: dict[str, Any]) -> NetworkSpec:
    """The local network, its employer handing match reports off to ``ats``."""
    raw = yaml.safe_load(LOCAL.read_text("utf-8"))
    next(a for a in raw["agents"] if a["id"] == "employer")["ats"] = ats
    return NetworkSpec.model_validate(raw)


def employer(spec: NetworkSpec):
    return next(a for a in spec.agents if a.id == "employer")


def test_the_ats_is_written_into_the_employers_plugin_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    spec = with_ats(
        {"url": "https://ats.example.com/hooks/ler", "secret_file": "ats.key", "max_attempts": 4}
    )
    home = AgentHome(tmp_path, employer(spec))
    written = yaml.safe_load(home.write_plugin_config(tmp_path / "network.json").read_text())
    section = written["ler_hiring"]["ats"]
    assert section["allow_hosts"] == ["ats.example.com"]  # the URL's host unless listed
    assert section["secret_file"] == str(tmp_path / "ats.key")  # absolute, the key not copied
    config = AtsConfig.from_plugin_config(written["ler_hiring"])
    assert config is not None and config.max_attempts == 4 and config.signing == "hmac"
    # other agents have none
    college = AgentHome(tmp_path, next(a for a in spec.agents if a.id == "college"))
    assert "ler_hiring" not in yaml.safe_load(
        college.write_plugin_config(tmp_path / "network.json").read_text()
    )


def test_vp_signing_needs_no_key_file() -> None:
    ats = employer(with_ats({"url": "http://127.0.0.1:9000/ats", "signing": "vp"})).ats
    assert ats is not None and ats.plugin_config()["signing"] == "vp"


@pytest.mark.parametrize(
    ("ats", "why"),
    [
        ({"url": "http://169.254.169.254/x", "secret_file": "k", "allow_hosts": ["a.example"]},
         "not in ler_hiring.ats.allow_hosts"),
        ({"url": "https://ats.example/", "secret": "inline"}, "never holds a secret"),
        ({"url": "https://ats.example/"}, "secret_file"),
        ({"url": "ftp://ats.example/", "secret_file": "k"}, "http"),
        ({"url": "https://ats.example/", "secret_file": "k", "signing": "jws"}, "signing"),
        ({"url": "https://ats.example/", "secret_file": "k", "max_attempts": 0}, "max_attempts"),
    ],
)  # fmt: skip
def test_a_wrong_ats_is_refused_saying_what_to_fix(ats: dict[str, Any], why: str) -> None:
    with pytest.raises(ValidationError, match=why):
        with_ats(ats)
