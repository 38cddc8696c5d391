"""Which leftover embedded PostgreSQL clusters a root process deletes before making a new one.

The clusters themselves are made and started by the hosted tests (tests/netkit.py); here the
folders are laid out as ``EmbeddedPostgres`` leaves them, with no server.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from ler_node.postgres import ORPHAN_AGE, OWNER_FILE, sweep_orphans

OLD = time.time() - ORPHAN_AGE - 60


def _cluster(root: Path, name: str, owner: Path | None, pid: int | None = None) -> Path:
    """A cluster folder; ``owner``: the data dir's postgres folder (its pgdata link is made if
    that folder exists)."""
    home = root / name
    (home / "pgdata").mkdir(parents=True)
    if pid is not None:
        (home / "pgdata" / "postmaster.pid").write_text(f"{pid}\n/x\n")
    if owner is not None:
        (home / OWNER_FILE).write_text(f"{owner}\n")
        if owner.is_dir():
            (owner / "pgdata").symlink_to(home / "pgdata")
    os.utime(home, (OLD, OLD))
    return home


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_only_clusters_of_deleted_data_dirs_with_no_server_go(tmp_path: Path) -> None:
    root, data = tmp_path / "fallback", tmp_path / "data"
    (data / "live" / "postgres").mkdir(parents=True)
    gone = _cluster(root, "gone", tmp_path / "removed" / "postgres", pid=_dead_pid())
    kept = _cluster(root, "kept", data / "live" / "postgres")
    running = _cluster(root, "running", tmp_path / "removed2" / "postgres", pid=os.getpid())
    unknown = _cluster(root, "unknown", None)
    mine = _cluster(root, "mine", tmp_path / "removed3" / "postgres")
    young = _cluster(root, "young", tmp_path / "removed4" / "postgres")
    os.utime(young, None)

    assert sweep_orphans(root, keep=mine) == [gone]
    assert not gone.exists()
    assert all(p.is_dir() for p in (kept, running, unknown, mine, young))


def test_a_missing_fallback_folder_has_nothing_to_sweep(tmp_path: Path) -> None:
    assert sweep_orphans(tmp_path / "absent") == []
