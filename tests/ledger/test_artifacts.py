"""Compiled artifacts: committed, in step with the sources, and fully mapped to Python errors."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from ler_chain.errors import REVERT_ERRORS, LedgerRevertError, revert_error_from_data
from ler_contracts import CONTRACT_NAMES, load_artifact

REPO = Path(__file__).resolve().parents[2]


def test_artifacts_match_a_fresh_compile() -> None:
    node = shutil.which("node")
    assert node, "node is needed to recompile the contracts"
    result = subprocess.run(
        [node, str(REPO / "ledger_config" / "compile.mjs"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_artifacts_target_the_pinned_milestone() -> None:
    for name in CONTRACT_NAMES:
        artifact = load_artifact(name)
        assert artifact.evm_version == "shanghai"
        assert artifact.solc.startswith("0.8.37")
        # PUSH0 is a Shanghai opcode; MCOPY (0x5e) is Cancun and must never be needed here.
        assert artifact.bytecode.startswith("0x")


def test_every_solidity_error_has_a_python_exception() -> None:
    names = {
        item["name"]
        for contract in CONTRACT_NAMES
        for item in load_artifact(contract).abi
        if item["type"] == "error"
    }
    assert names <= set(REVERT_ERRORS), sorted(names - set(REVERT_ERRORS))
    for name in names:
        assert issubclass(REVERT_ERRORS[name], LedgerRevertError)


def test_unknown_revert_data_still_gives_a_ledger_error() -> None:
    error = revert_error_from_data("0xdeadbeef")
    assert isinstance(error, LedgerRevertError)
    assert "unknown error 0xdeadbeef" in str(error)
    assert "without a reason" in str(revert_error_from_data(None))


def test_unknown_artifact_is_refused() -> None:
    with pytest.raises(KeyError, match="unknown contract"):
        load_artifact("Nope")
