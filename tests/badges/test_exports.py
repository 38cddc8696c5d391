"""The package's public surface: everything in ``__all__`` exists and nothing is missing."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import ler_badges

MODULES = [
    "canonicalization",
    "cryptosuite",
    "document_loader",
    "errors",
    "keys",
    "multikey",
    "validation",
]


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


def test_library_does_not_import_acapy() -> None:
    """The core stays free of ACA-Py so it can be tested on its own and wrapped later."""
    for path in Path(ler_badges.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(name.startswith("acapy_agent") for name in names), path.name
