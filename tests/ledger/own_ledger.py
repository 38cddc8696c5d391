"""A ledger of a test's own (to kill, rewind or restart), in a directory other users can enter."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from ler_node.ledger.local import LedgerHome, LedgerUp, ledger_down, ledger_up


@asynccontextmanager
async def own_ledger(port: int = 0) -> AsyncIterator[tuple[Path, LedgerUp]]:
    """``ledger up`` in a fresh data directory (mode 0755); down and removed afterwards."""
    data_dir = Path(tempfile.mkdtemp(prefix="ler-own-"))
    data_dir.chmod(0o755)
    try:
        yield data_dir, await ledger_up(data_dir, port, progress=lambda _m: None)
    finally:
        ledger_down(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)


def sigkill(data_dir: Path, *, gateway: bool = False) -> None:
    """SIGKILL the ledger's anvil (and gateway) by their PIDs, and wait until they are gone."""
    anvil = LedgerHome.in_data_dir(data_dir).anvil
    processes = [anvil.process, anvil.gateway] if gateway else [anvil.process]
    pids = [pid for files in processes if (pid := files.pid()) is not None]
    assert pids, "the ledger is not running"
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while any(files.pid() is not None for files in processes):
        assert time.monotonic() < deadline, "a killed process is still there"
        time.sleep(0.02)
