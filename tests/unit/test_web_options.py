"""The network file's ``web:`` options: checked with the web app's own rules, written to web.yml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from ler_node.errors import LerNodeError
from ler_node.network.spec import NetworkSpec
from ler_node.network.web_process import write_settings
from ler_web.web_settings import WebSettings

REPO = Path(__file__).resolve().parents[2]
LOCAL = REPO / "ledger_config" / "networks" / "local.yml"
OIDC = {
    "issuer": "https://login.workforce.example/",
    "client_id": "ler-web",
    "client_secret_file": "secrets/oidc-client.secret",
    "email_domain": "Workforce.Example",
    "redirect_url": "https://ler.workforce.example/sign-in/oidc/callback",
}


def network(web: dict[str, Any] | None) -> dict[str, Any]:
    """The local network file, with ``web`` as its web options (none: no ``web:`` at all)."""
    raw = yaml.safe_load(LOCAL.read_text("utf-8"))
    raw.pop("web", None)
    if web is not None:
        raw["web"] = web
    return raw


def spec_with(web: dict[str, Any] | None) -> NetworkSpec:
    return NetworkSpec.model_validate(network(web))


# -- validation ----------------------------------------------------------------------------------


def test_web_options_parse_and_a_relative_secret_file_is_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    spec = spec_with(
        {"oidc": OIDC, "secure_cookies": True, "session_minutes": 60, "checks_per_minute": 5}
    )
    assert spec.web.secure_cookies is True and spec.web.session_minutes == 60
    assert spec.web.checks_per_minute == 5
    assert spec.web.oidc is not None
    assert spec.web.oidc.client_secret_file == str(tmp_path / "secrets" / "oidc-client.secret")


def test_no_web_options_set_nothing() -> None:
    assert spec_with(None).web.settings() == {}
    assert spec_with({}).web.settings() == {}


def test_an_inline_client_secret_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValidationError, match=r"never holds a secret.*client_secret_file"):
        spec_with({"oidc": {**OIDC, "client_secret": "hunter2"}})
    # also when it stands in place of the file
    oidc = {k: v for k, v in OIDC.items() if k != "client_secret_file"}
    with pytest.raises(ValidationError, match="never holds a secret"):
        spec_with({"oidc": {**oidc, "client_secret": "hunter2"}})


@pytest.mark.parametrize(
    ("web", "message"),
    [
        ({"oidc": {**OIDC, "issuer": "http://login.workforce.example"}}, "https"),
        ({"oidc": {"issuer": "https://login.workforce.example"}}, "client_id"),
        ({"oidc": {**OIDC, "scope": "openid"}}, "scope"),
        ({"secure_cookie": True}, "secure_cookie"),  # a typo is not silently ignored
        ({"session_minutes": 0}, "session_minutes"),
        ({"checks_per_minute": -1}, "checks_per_minute"),
        ({"secure_cookies": "maybe"}, "secure_cookies"),
    ],
)
def test_bad_web_options_are_refused(web: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        spec_with(web)


def test_a_network_file_with_an_inline_secret_does_not_load(tmp_path: Path) -> None:
    file = tmp_path / "net.yml"
    file.write_text(yaml.safe_dump(network({"oidc": {**OIDC, "client_secret": "hunter2"}})))
    with pytest.raises(LerNodeError, match="client_secret_file") as raised:
        NetworkSpec.load(file)
    assert "hunter2" not in str(raised.value)


# -- what network up writes ------------------------------------------------------------------------


def written(spec: NetworkSpec, data: Path) -> dict[str, Any]:
    return yaml.safe_load(write_settings(spec, data).read_text("utf-8"))


def test_the_network_files_options_are_written_and_win_over_kept_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    data = tmp_path / ".ler"
    web_yml = data / "web" / "web.yml"
    web_yml.parent.mkdir(parents=True)
    kept_oidc = {"issuer": "https://old.example", "client_id": "old", "client_secret_file": "s"}
    web_yml.write_text(
        yaml.safe_dump({"oidc": kept_oidc, "session_minutes": 30, "checks_per_minute": 7})
    )
    spec = spec_with({"oidc": OIDC, "secure_cookies": True, "session_minutes": 90})

    settings = written(spec, data)
    assert settings["oidc"] == {
        **OIDC,
        "client_secret_file": str(tmp_path / OIDC["client_secret_file"]),
    }
    assert settings["secure_cookies"] is True and settings["session_minutes"] == 90
    assert settings["checks_per_minute"] == 7  # not in the network file: web.yml's own is kept
    # the web app reads what was written
    (tmp_path / "secrets").mkdir()
    (tmp_path / OIDC["client_secret_file"]).write_text("the-secret\n")
    loaded = WebSettings.load(web_yml)
    assert loaded.oidc is not None and loaded.oidc.issuer == "https://login.workforce.example"
    assert loaded.oidc.email_domain == "workforce.example"
    assert loaded.oidc.client_secret() == "the-secret"
    assert (loaded.secure_cookies, loaded.session_minutes, loaded.checks_per_minute) == (
        True,
        90,
        7,
    )
    assert "the-secret" not in web_yml.read_text("utf-8")


def test_without_web_options_web_yml_keeps_what_the_operator_wrote(tmp_path: Path) -> None:
    data = tmp_path / ".ler"
    web_yml = data / "web" / "web.yml"
    web_yml.parent.mkdir(parents=True)
    oidc = {"issuer": "https://login.example", "client_id": "x", "client_secret_file": "/s"}
    web_yml.write_text(yaml.safe_dump({"oidc": oidc, "secure_cookies": True, "port": 1}))
    spec = spec_with(None)

    settings = written(spec, data)
    assert settings["oidc"] == oidc and settings["secure_cookies"] is True
    assert "session_minutes" not in settings and "checks_per_minute" not in settings
    assert settings["port"] == 0  # the network's own settings are rewritten
    assert WebSettings.load(web_yml).session_minutes == 480  # the web app's default
