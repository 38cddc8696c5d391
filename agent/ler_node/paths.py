"""Where ler-node finds its tools and keeps its data."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import MissingDependencyError

REPO_ROOT = Path(__file__).resolve().parents[2]
LEDGER_CONFIG = REPO_ROOT / "ledger_config"
ANVIL_PACKAGE = "@foundry-rs/anvil-linux-amd64"
INSTALL_HINT = "run `make deps` (it runs `npm ci --prefix ledger_config`), or set LER_ANVIL"


def default_data_dir() -> Path:
    """``$LER_DATA_DIR``, else ``.ler`` in the current directory."""
    return Path(os.environ.get("LER_DATA_DIR", ".ler")).resolve()


def anvil_binary() -> Path:
    """The pinned anvil from npm (or ``$LER_ANVIL``); a clear error if it is missing."""
    override = os.environ.get("LER_ANVIL")
    candidates = (
        [Path(override)]
        if override
        else [LEDGER_CONFIG / "node_modules" / ANVIL_PACKAGE / "bin" / "anvil"]
    )
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise MissingDependencyError(
        f"anvil is not installed (looked for {', '.join(str(c) for c in candidates)})",
        hint=INSTALL_HINT,
    )
