"""Registrar batches kept in the web app's state file (:mod:`.web_store`), row by row.

Each row's state is written as it changes, so a restarted web app still shows every batch and
its results. A running batch is held by its web process through a lock file
(``batch-runs/<batch id>.lock``, ``flock``): the system lets go of it when that process ends,
however it ends. A batch marked running whose lock is free was left by a process that died: it
is never resumed (a row left issuing may or may not have been issued); its open rows fail with a
reason instead.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from .registrar_csv import Row
from .registrar_issuing import Handover
from .web_store import WebStore

MAX_BATCHES = 50  # kept per data directory; the oldest finished ones go first
WAITING, ISSUING, DONE, FAILED, NOT_ISSUED = "waiting", "issuing", "done", "failed", "not issued"
CHECKED, RUNNING, FINISHED = "checked", "running", "finished"
STOPPED_ISSUING = (
    "The web app stopped while issuing this row: check the learner's credentials before "
    "issuing again."
)
STOPPED_BEFORE = "The web app stopped before this row."


class BatchesFull(Exception):
    """Every kept batch is running: none can be forgotten to make room."""


@dataclass
class BatchRow:
    """A row and where its issuance stands."""

    row: Row
    state: str
    reason: str = ""
    handover: Handover | None = None


@dataclass
class Batch:
    """One uploaded file: ``checked`` until started, then ``running``, then ``finished``."""

    batch_id: str
    file_name: str
    rows: list[BatchRow]
    state: str = CHECKED

    def count(self, *states: str) -> int:
        """Rows in any of ``states``."""
        return sum(1 for r in self.rows if r.state in states)

    @property
    def ready(self) -> int:
        """Rows that can be (or are being, or were) issued."""
        return sum(1 for r in self.rows if r.state != NOT_ISSUED)


def _row_of(text: str) -> Row:
    return Row(**json.loads(text))


def _handover_of(text: str | None) -> Handover | None:
    return Handover(**json.loads(text)) if text else None


class BatchStore:
    """The batches of the state file at ``path``, and the run locks beside it."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.store = WebStore(path)
        self.locks = path.parent / "batch-runs"
        self.clock = clock

    def add(self, batch: Batch) -> None:
        """Keep a new batch, forgetting the oldest finished (or else checked) one if full."""
        forgotten = []
        with self.store.write() as db:
            (kept,) = db.execute("SELECT count(*) FROM batches").fetchone()
            for _ in range(kept - MAX_BATCHES + 1):
                old = db.execute(
                    "SELECT batch_id FROM batches WHERE state != ?"
                    " ORDER BY state != ?, created LIMIT 1",
                    (RUNNING, FINISHED),
                ).fetchone()
                if old is None:
                    raise BatchesFull()
                db.execute("DELETE FROM batches WHERE batch_id = ?", (old["batch_id"],))
                forgotten.append(old["batch_id"])
            db.execute(
                "INSERT INTO batches (batch_id, file_name, state, created) VALUES (?,?,?,?)",
                (batch.batch_id, batch.file_name, batch.state, self.clock()),
            )
            db.executemany(
                "INSERT INTO batch_rows (batch_id, position, row, state, reason, handover)"
                " VALUES (?,?,?,?,?,?)",
                [
                    (batch.batch_id, n, json.dumps(asdict(item.row)), item.state, item.reason, None)
                    for n, item in enumerate(batch.rows)
                ],
            )
        for batch_id in forgotten:
            (self.locks / f"{batch_id}.lock").unlink(missing_ok=True)

    def get(self, batch_id: str) -> Batch | None:
        """The batch ``batch_id`` as it stands, or None."""
        self.recover()
        return self._load(batch_id)

    def _load(self, batch_id: str) -> Batch | None:
        with self.store.read() as db:
            found = db.execute(
                "SELECT batch_id, file_name, state FROM batches WHERE batch_id = ?", (batch_id,)
            ).fetchone()
            if found is None:
                return None
            rows = db.execute(
                "SELECT row, state, reason, handover FROM batch_rows WHERE batch_id = ?"
                " ORDER BY position",
                (batch_id,),
            ).fetchall()
        items = [
            BatchRow(_row_of(r["row"]), r["state"], r["reason"], _handover_of(r["handover"]))
            for r in rows
        ]
        return Batch(found["batch_id"], found["file_name"], items, found["state"])

    def all(self) -> list[Batch]:
        """Every kept batch, the oldest first."""
        self.recover()
        with self.store.read() as db:
            ids = [r[0] for r in db.execute("SELECT batch_id FROM batches ORDER BY created")]
        return [b for b in map(self._load, ids) if b is not None]

    def _lock(self, batch_id: str) -> int | None:
        """The run lock of ``batch_id`` (a file descriptor), or None if a process holds it."""
        self.locks.mkdir(mode=0o700, exist_ok=True)
        fd = os.open(self.locks / f"{batch_id}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        return fd

    def claim(self, batch_id: str) -> int | None:
        """Start the checked batch ``batch_id`` here: its run lock, held until :meth:`release`.

        None if it was started already (by this process or another).
        """
        fd = self._lock(batch_id)
        if fd is None:
            return None
        with self.store.write() as db:
            started = db.execute(
                "UPDATE batches SET state = ? WHERE batch_id = ? AND state = ?",
                (RUNNING, batch_id, CHECKED),
            ).rowcount
        if not started:
            os.close(fd)
            return None
        return fd

    def save_row(self, batch_id: str, position: int, item: BatchRow) -> None:
        """Write where row ``position`` stands now."""
        handover = json.dumps(asdict(item.handover)) if item.handover else None
        with self.store.write() as db:
            db.execute(
                "UPDATE batch_rows SET state = ?, reason = ?, handover = ?"
                " WHERE batch_id = ? AND position = ?",
                (item.state, item.reason, handover, batch_id, position),
            )

    def _stop(self, batch_id: str) -> None:
        """Fail the rows left open with a reason and mark the batch finished."""
        with self.store.write() as db:
            for state, reason in ((ISSUING, STOPPED_ISSUING), (WAITING, STOPPED_BEFORE)):
                db.execute(
                    "UPDATE batch_rows SET state = ?, reason = ? WHERE batch_id = ? AND state = ?",
                    (FAILED, reason, batch_id, state),
                )
            db.execute(
                "UPDATE batches SET state = ? WHERE batch_id = ? AND state = ?",
                (FINISHED, batch_id, RUNNING),
            )

    def release(self, batch_id: str, lock: int) -> None:
        """End this process's run of ``batch_id``: rows still open fail, then the lock goes."""
        try:
            self._stop(batch_id)
        finally:
            os.close(lock)

    def recover(self) -> None:
        """Finish each batch left running by a process that ended (its run lock is free)."""
        with self.store.read() as db:
            running = [
                r[0] for r in db.execute("SELECT batch_id FROM batches WHERE state = ?", (RUNNING,))
            ]
        for batch_id in running:
            fd = self._lock(batch_id)
            if fd is not None:
                try:
                    self._stop(batch_id)
                finally:
                    os.close(fd)
