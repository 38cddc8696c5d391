"""Compiled artifacts: committed, in step with the sources, and fully mapped to Python errors.

Recompiling takes solc 5-20 s, so the suite does not. ``compile.mjs`` writes
``artifacts/build-stamp.json`` with the SHA-256 of everything solc read (our sources, the
OpenZeppelin files, the compile script that holds the settings), the solc version, and the hash of
every artifact it wrote. Here the stamp is checked against the files on disk: if the inputs are
the ones that were compiled, by the pinned solc, and the artifacts are the ones that compile
wrote, the artifacts are what a fresh compile gives (solc is deterministic). Any edit to a
source, the settings, the OpenZeppelin files or the solc pin without ``make contracts`` fails
here in milliseconds. ``node ledger_config/compile.mjs --check`` still recompiles for real (for a
CI job on changes under ledger_config/), which also catches a stamp edited by hand.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from ler_chain.errors import REVERT_ERRORS, LedgerRevertError, revert_error_from_data
from ler_contracts import CONTRACT_NAMES, load_artifact

REPO = Path(__file__).resolve().parents[2]
LEDGER_CONFIG = REPO / "ledger_config"


def _sha256(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def stamp_problems(config: Path, node_modules: Path) -> list[str]:
    """Why the artifacts under ``config`` may not be a fresh compile of its sources (none: ok)."""
    artifacts = config / "ler_contracts" / "artifacts"
    stamp_file = artifacts / "build-stamp.json"
    if not stamp_file.is_file():
        return [f"{stamp_file} is missing"]
    stamp = json.loads(stamp_file.read_text())
    problems = []
    contracts = config / "contracts"
    on_disk = {p.relative_to(contracts).as_posix() for p in contracts.rglob("*.sol")}
    for name in sorted(on_disk | set(stamp["sources"])):
        if _sha256(contracts / name) != stamp["sources"].get(name):
            problems.append(f"source {name} changed since the last compile")
    for name, digest in stamp["imports"].items():
        if _sha256(node_modules / name) != digest:
            problems.append(f"imported {name} changed since the last compile")
    if _sha256(config / "compile.mjs") != stamp["compileScript"]:
        problems.append("compile.mjs (compiler settings) changed since the last compile")
    pinned = json.loads((config / "package.json").read_text())["dependencies"]["solc"]
    installed = json.loads((node_modules / "solc" / "package.json").read_text())["version"]
    if not stamp["solc"].startswith(f"{pinned}+") or installed != pinned:
        problems.append(f"solc pin {pinned}, installed {installed}, compiled with {stamp['solc']}")
    for name, digest in stamp["artifacts"].items():
        path = artifacts / name
        if _sha256(path) != digest:
            problems.append(f"artifact {name} differs from what compile.mjs wrote")
        elif json.loads(path.read_text())["compiler"]["solc"] != stamp["solc"]:
            problems.append(f"artifact {name} records another solc than the stamp")
    if stamp["settings"]["evmVersion"] != "shanghai":
        problems.append(f"evmVersion is {stamp['settings']['evmVersion']}, not shanghai")
    return problems


def test_artifacts_match_their_sources_and_compiler() -> None:
    problems = stamp_problems(LEDGER_CONFIG, LEDGER_CONFIG / "node_modules")
    assert not problems, "; ".join(problems) + ": run `make contracts` and commit the artifacts"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        ("contracts/LerRoles.sol", "source LerRoles.sol changed"),
        ("contracts/interfaces/INew.sol", "source interfaces/INew.sol changed"),
        ("compile.mjs", "compile.mjs (compiler settings) changed"),
        ("ler_contracts/artifacts/DidRegistry.json", "artifact DidRegistry.json differs"),
    ],
)
def test_stamp_catches_drift(tmp_path: Path, edit: str, expected: str) -> None:
    config = tmp_path / "ledger_config"
    for part in ("contracts", "ler_contracts/artifacts"):
        shutil.copytree(LEDGER_CONFIG / part, config / part)
    for name in ("compile.mjs", "package.json"):
        shutil.copy(LEDGER_CONFIG / name, config / name)
    assert stamp_problems(config, LEDGER_CONFIG / "node_modules") == []
    target = config / edit
    target.write_text((target.read_text() if target.exists() else "") + "\n// edited\n")
    problems = stamp_problems(config, LEDGER_CONFIG / "node_modules")
    assert any(expected in problem for problem in problems), problems


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
