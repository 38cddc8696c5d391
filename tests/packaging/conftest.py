"""Fixtures of the packaging tests: a generated Besu network and throwaway compose secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging_testkit import AGENT_ENV_FILES, API_KEY_FILES, run_cli

from ler_node.ledger.keystore import PASSWORD_ENV


@pytest.fixture
def no_password_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keystore passwords come from password files, not from the developer's environment."""
    monkeypatch.delenv(PASSWORD_ENV, raising=False)


@pytest.fixture(scope="module")
def secrets_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What docker/secrets/README.md tells an operator to create, in a temporary directory."""
    root = tmp_path_factory.mktemp("secrets")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(PASSWORD_ENV, raising=False)
        result = run_cli(
            "ledger", "genesis", "--validators", "4", "--out", str(root / "besu"),
            "--trustee-key-file", str(root / "trustee.json"),
            "--password-file", str(root / "trustee.password"),
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    for name in AGENT_ENV_FILES:
        (root / name).write_text("ACAPY_ADMIN_API_KEY=test-admin\nACAPY_WALLET_KEY=test-wallet\n")
    for name in API_KEY_FILES:
        (root / name).write_text("test-admin\n")
    (root / "postgres.password").write_text("test-postgres\n")
    return root
