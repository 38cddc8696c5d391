"""The layering the README promises, read from the import statements of every module.

contracts <- ``ler_chain`` <- plugins; the CLI and launcher (``ler_node``) start processes and
talk to admin APIs, so no plugin imports them; ``ler_chain`` knows nothing of ACA-Py; and
``ler_badges`` uses ``ler_ledger`` only through what that package exports.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from pathlib import Path

import pytest

import ler_ledger

ROOT = Path(__file__).resolve().parents[2]
#: ``ler_ledger`` submodules exported as modules (listed in ``ler_ledger.__all__``).
PUBLIC_MODULES = {n for n in ler_ledger.__all__ if inspect.ismodule(getattr(ler_ledger, n))}


def imports_of(package: Path) -> Iterator[tuple[str, ast.ImportFrom | ast.Import]]:
    """Every import statement in a package, with the file it is in."""
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                yield str(path.relative_to(ROOT)), node


def imported_modules(node: ast.ImportFrom | ast.Import) -> list[str]:
    """Absolute module names an import statement names (relative imports stay inside)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    return [] if node.level else [node.module or ""]


def test_public_modules_are_the_documented_ones() -> None:
    assert {"http_errors", "validators"} == PUBLIC_MODULES


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("agent/ler_chain", ("acapy_agent", "ler_ledger", "ler_badges", "ler_node")),
        ("plugins/ler_ledger", ("ler_node", "ler_badges")),
        ("plugins/ler_badges", ("ler_node",)),
        ("plugins/ler_hiring", ("ler_node", "ler_web", "ler_tenants")),
    ],
)
def test_layers_import_only_downwards(package: str, forbidden: tuple[str, ...]) -> None:
    offenders = [
        f"{path}: {module}"
        for path, node in imports_of(ROOT / package)
        for module in imported_modules(node)
        if module.split(".")[0] in forbidden
    ]
    assert offenders == []


@pytest.mark.parametrize("package", ["plugins/ler_badges", "plugins/ler_hiring"])
def test_badges_use_only_what_ler_ledger_exports(package: str) -> None:
    offenders: list[str] = []
    for path, node in imports_of(ROOT / package):
        for module in imported_modules(node):
            if module == "ler_ledger" and isinstance(node, ast.ImportFrom):
                offenders += [
                    f"{path}: {alias.name}"
                    for alias in node.names
                    if alias.name not in ler_ledger.__all__
                ]
            elif module.startswith("ler_ledger.") and module.split(".", 1)[1] not in PUBLIC_MODULES:
                offenders.append(f"{path}: {module}")
    assert offenders == []


def test_every_export_resolves() -> None:
    for name in ler_ledger.__all__:
        assert getattr(ler_ledger, name) is not None, name
