"""The embedded development ledger: anvil from the pinned npm package.

anvil always runs with ``--prune-history`` and its ``--cache-path`` inside the data directory:
by default it writes full state snapshots under ``~/.foundry`` (measured here: 28 GB in 12
minutes). State is saved to ``state.json`` in the data directory, so a restart keeps every record.
Gas is free (base fee and gas price 0), as on the state's Besu network.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from ler_contracts import load_artifact

from ..errors import LerNodeError
from ..paths import anvil_binary
from ..processes import ProcessFiles, require_free_port

LOCAL_CHAIN_ID = 7341
DEFAULT_PORT = 8545
STATE_INTERVAL_SECONDS = 5
# With a bare --prune-history anvil keeps no past state at all, so a call made against "latest"
# fails ("BlockOutOfRangeError") when another transaction mines a block meanwhile (seen with 200
# concurrent writes). Keeping a few recent states in memory (never on disk) avoids that race.
PRUNED_STATES_KEPT = 64


@dataclass(frozen=True)
class AnvilLayout:
    """Files of the embedded ledger inside its data directory."""

    root: Path

    @property
    def state_file(self) -> Path:
        """Chain state, loaded at start and saved periodically and at exit."""
        return self.root / "state.json"

    @property
    def cache_dir(self) -> Path:
        """Anvil's cache (kept inside the data directory)."""
        return self.root / "cache"

    @property
    def process(self) -> ProcessFiles:
        """PID and log of the anvil process."""
        return ProcessFiles("anvil", self.root / "anvil.pid", self.root / "anvil.log")


def anvil_command(layout: AnvilLayout, port: int, chain_id: int = LOCAL_CHAIN_ID) -> list[str]:
    """The anvil command line (hardfork pinned to the contracts' evmVersion)."""
    return [
        str(anvil_binary()),
        "--host", "127.0.0.1",
        "--port", str(port),
        "--chain-id", str(chain_id),
        "--hardfork", load_artifact("LerRoles").evm_version,
        "--prune-history", str(PRUNED_STATES_KEPT),
        "--cache-path", str(layout.cache_dir),
        "--state", str(layout.state_file),
        "--state-interval", str(STATE_INTERVAL_SECONDS),
        "--gas-price", "0",
        "--base-fee", "0",
        "--silent",
    ]  # fmt: skip


async def rpc_ready(rpc_url: str, timeout: float = 2.0) -> bool:
    """Whether a JSON-RPC endpoint answers ``eth_chainId``."""
    body = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session,
            session.post(rpc_url, json=body) as response,
        ):
            return response.status == 200 and "result" in await response.json()
    except (aiohttp.ClientError, TimeoutError, ValueError):
        return False


async def start_anvil(layout: AnvilLayout, port: int, *, timeout: float = 30.0) -> str:
    """Start anvil and wait until it answers; returns its RPC URL."""
    require_free_port(
        port, "the ledger (anvil)", "stop what uses it, or pick another port with --port"
    )
    layout.root.mkdir(parents=True, exist_ok=True)
    layout.process.start(anvil_command(layout, port))
    rpc_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await rpc_ready(rpc_url):
            return rpc_url
        if (error := layout.process.exited_early()) is not None:
            raise error
        await asyncio.sleep(0.1)
    layout.process.stop()
    raise LerNodeError(
        f"anvil did not answer on {rpc_url} within {timeout:.0f} s",
        hint=f"read {layout.process.log_file}",
        log=str(layout.process.log_file),
    )
