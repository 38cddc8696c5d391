"""The hiring logic is pure: its modules import no ACA-Py (only the plugin's wiring does)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import ler_hiring

PURE = [
    "jobs",
    "proof_requests",
    "matching",
    "employment",
    "resume",
    "ats_config",
    "ats_presentation",
    "errors",
]


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_need_no_acapy(module: str) -> None:
    path = Path(ler_hiring.__file__).parent / f"{module}.py"
    imported = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and not node.level:
            imported.append(node.module or "")
        elif isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
    assert not [name for name in imported if name.split(".")[0] in ("acapy_agent", "aiohttp")]
    assert not [name for name in imported if name.startswith("ler_ledger.")]
