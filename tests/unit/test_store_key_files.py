"""Where a hosted agent's store key is kept for a rekey: the compose env file, the secrets file."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from ler_node.errors import LerNodeError
from ler_node.network.store_rekey import (
    CREDS_VAR,
    KEY_METHODS,
    EnvFileKeys,
    SecretsFileKeys,
    StoreKey,
)
from ler_node.postgres import Connection
from ler_node.private_files import write_private

LINES = [
    "# the hosted agent",
    "ACAPY_ADMIN_API_KEY=admin=key",
    "ACAPY_WALLET_KEY=old key",
    'ACAPY_WALLET_STORAGE_CREDS={"account":"ler","password":"p=w"}',
]


def env_file(tmp_path: Path, *extra: str) -> EnvFileKeys:
    path = tmp_path / "hosted-agent.env"
    path.write_text("\n".join([*LINES, *extra]) + "\n")
    return EnvFileKeys(path)


def test_the_env_file_keeps_every_other_line_and_its_order(tmp_path: Path) -> None:
    keys = env_file(tmp_path)
    assert keys.read() == StoreKey("old key", None, KEY_METHODS["ARGON2I_MOD"])
    keys.write(StoreKey("old key", "new key"))
    assert keys.read().pending == "new key"
    keys.write(StoreKey("new key", None))
    assert keys.path.read_text().splitlines() == [
        LINES[0], LINES[1], "ACAPY_WALLET_KEY=new key", LINES[3],
    ]  # fmt: skip
    assert stat.S_IMODE(keys.path.stat().st_mode) == 0o600
    assert json.loads(keys.value(CREDS_VAR))["password"] == "p=w"


def test_the_env_file_names_what_is_wrong(tmp_path: Path) -> None:
    keys = env_file(tmp_path, "ACAPY_WALLET_KEY_DERIVATION_METHOD=raw")
    assert keys.read().method == "raw"
    with pytest.raises(LerNodeError, match="ACAPY_WALLET_KEY_DERIVATION_METHOD=SCRYPT"):
        env_file(tmp_path, "ACAPY_WALLET_KEY_DERIVATION_METHOD=scrypt").read()
    (tmp_path / "bare.env").write_text("ACAPY_ADMIN_API_KEY=x\n")
    with pytest.raises(LerNodeError, match="has no ACAPY_WALLET_KEY"):
        EnvFileKeys(tmp_path / "bare.env").read()
    with pytest.raises(LerNodeError, match="no env file"):
        EnvFileKeys(tmp_path / "missing.env").read()


def test_the_secrets_file_refuses_a_raw_key(tmp_path: Path) -> None:
    path = tmp_path / "hosted.json"
    path.write_text(json.dumps({"api_key": "a", "wallet_key": "k"}))
    keys = SecretsFileKeys(path)
    keys.write(StoreKey("k", "n"))
    assert json.loads(path.read_text()) == {
        "api_key": "a",
        "wallet_key": "k",
        "pending_wallet_key": "n",
    }
    path.write_text(json.dumps({"wallet_key": "k", "wallet_key_method": "RAW"}))
    with pytest.raises(LerNodeError, match="RAW store key"):
        keys.read()


def test_a_server_and_aca_pys_storage_creds_make_a_connection() -> None:
    made = Connection.from_storage_creds("postgres:5432", '{"account": "ler", "password": "p"}')
    assert made == Connection("postgres", 5432, "ler", "p")
    assert made.askar_uri("hosted") == "postgres://ler:p@postgres:5432/hosted"
    for server, creds in (("postgres", '{"account": "a", "password": "p"}'), ("h:1", "{}")):
        with pytest.raises(LerNodeError, match="host:port"):
            Connection.from_storage_creds(server, creds)


def test_a_key_file_is_replaced_whole_and_private(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "agent.json"
    path.parent.mkdir()
    path.write_text("old")
    path.chmod(0o644)
    write_private(path, "new")
    assert path.read_text() == "new" and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["agent.json"]  # no temporary file left
