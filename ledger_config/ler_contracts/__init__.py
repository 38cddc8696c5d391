"""Compiled ler-node contracts (ABI and bytecode), built by ``ledger_config/compile.mjs``.

The Solidity sources live in ``ledger_config/contracts/``; the JSON artifacts beside this module are
committed so that nothing at run time needs Node or a compiler.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["CONTRACT_NAMES", "Artifact", "load_artifact"]

CONTRACT_NAMES = (
    "LerRoles",
    "DidRegistry",
    "AnonCredsRegistry",
    "AccreditationRegistry",
    "StatusListRegistry",
)


@dataclass(frozen=True)
class Artifact:
    """A compiled contract."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: str
    evm_version: str
    solc: str


@cache
def load_artifact(name: str) -> Artifact:
    """Load the committed artifact of contract ``name``."""
    if name not in CONTRACT_NAMES:
        raise KeyError(f"unknown contract {name!r}; known: {', '.join(CONTRACT_NAMES)}")
    text = resources.files(__name__).joinpath("artifacts", f"{name}.json").read_text("utf-8")
    data = json.loads(text)
    return Artifact(
        name=name,
        abi=data["abi"],
        bytecode=data["bytecode"],
        evm_version=data["compiler"]["evmVersion"],
        solc=data["compiler"]["solc"],
    )
