"""The package's public surface: everything in ``__all__`` exists and nothing is missing."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import ler_badges

MODULES = [
    "canonicalization",
    "cryptosuite",
    "data_integrity",
    "document_loader",
    "ed25519",
    "errors",
    "issuance",
    "multikey",
    "skills",
    "validation",
    "verification",
    "bitstring",
]
#: The ACA-Py plugin's entry point: its admin routes (the wiring lives in ``ler_badges.acapy``).
ACAPY_ENTRY_POINTS = {"routes.py"}


def test_all_names_exist() -> None:
    for name in ler_badges.__all__:
        assert hasattr(ler_badges, name), name
    assert len(set(ler_badges.__all__)) == len(ler_badges.__all__)


def test_module_public_names_are_reexported() -> None:
    for module_name in MODULES:
        module = importlib.import_module(f"ler_badges.{module_name}")
        for name in getattr(module, "__all__", []):
            if name.isupper():
                continue
            assert name in ler_badges.__all__, f"{module_name}.{name}"


def _runtime_imports(tree: ast.AST) -> list[str]:
    """Modules a file imports when it runs (``if TYPE_CHECKING:`` blocks left out)."""
    names: list[str] = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            continue
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append(node.module or "")
        else:
            names += _runtime_imports(node)
    return names


def test_library_does_not_import_acapy() -> None:
    """The library stays free of ACA-Py; the plugin's wiring is in ``ler_badges.acapy``."""
    for path in Path(ler_badges.__file__).parent.glob("*.py"):
        if path.name in ACAPY_ENTRY_POINTS:
            continue
        names = _runtime_imports(ast.parse(path.read_text("utf-8")))
        assert not any(name.startswith("acapy_agent") for name in names), path.name


def test_importing_the_library_does_not_load_acapy() -> None:
    import subprocess
    import sys

    code = "import sys, ler_badges; print(any(m.startswith('acapy_agent') for m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
