"""The web app's own state (share links, batches, request links): one SQLite file in its data dir.

Several web processes may share one data directory: every change is one transaction
(``BEGIN IMMEDIATE``, so writers take turns and a check-then-write such as a cap holds), readers
see a whole change or none, and no file is ever read, changed and written back whole. WAL mode
lets readers go on while one process writes; ``synchronous=FULL`` keeps a committed change
through a power cut. The file (and SQLite's ``-wal`` and ``-shm`` files beside it, which take its
mode) is readable by the web app's user alone (0600). A connection is opened per call, so a store
object may be used from any thread, and two objects on one file see each other's writes at once.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

FILE_NAME = "web-state.sqlite3"
BUSY_SECONDS = 10.0  # how long a write waits for another process's before it fails

SCHEMA = """
CREATE TABLE IF NOT EXISTS share_links (
    token TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    learner_name TEXT NOT NULL,
    record_id TEXT NOT NULL,
    title TEXT NOT NULL,
    credential TEXT NOT NULL,  -- JSON, exactly as the wallet holds it
    created REAL NOT NULL,
    expires REAL NOT NULL,
    withdrawn REAL
);
CREATE INDEX IF NOT EXISTS share_links_of ON share_links (username);
CREATE TABLE IF NOT EXISTS batches (
    batch_id TEXT PRIMARY KEY,
    file_name TEXT NOT NULL,
    state TEXT NOT NULL,  -- checked, running, finished
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS batch_rows (
    batch_id TEXT NOT NULL REFERENCES batches (batch_id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    row TEXT NOT NULL,  -- JSON of the checked CSV row
    state TEXT NOT NULL,  -- not issued, waiting, issuing, done, failed
    reason TEXT NOT NULL DEFAULT '',
    handover TEXT,  -- JSON of what to send the learner, once done
    PRIMARY KEY (batch_id, position)
);
CREATE TABLE IF NOT EXISTS request_links (  -- short links of employers' DIDComm requests
    token TEXT PRIMARY KEY,
    username TEXT NOT NULL,  -- the employer who made the request
    pres_ex_id TEXT NOT NULL,  -- the verifier's record of the request
    thread_id TEXT,  -- the thread of the request the invitation carries
    invitation TEXT NOT NULL,  -- JSON of the out-of-band invitation
    created REAL NOT NULL,
    expires REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS request_links_thread ON request_links (thread_id);
"""


def store_path(accounts_file: Path) -> Path:
    """The web app's state file: beside the accounts file, in the web app's data directory."""
    return accounts_file.parent / FILE_NAME


class WebStore:
    """One SQLite file of the web app's state; made (mode 0600, with its tables) if missing."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        os.chmod(path, 0o600)
        db = self._connect()
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)
        finally:
            db.close()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")
        return db

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[sqlite3.Connection]:
        db = self._connect()
        try:
            db.execute(begin)
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.close()

    def write(self) -> AbstractContextManager[sqlite3.Connection]:
        """A transaction that may change things: all of it is kept, or none (on an exception)."""
        return self._transaction("BEGIN IMMEDIATE")

    def read(self) -> AbstractContextManager[sqlite3.Connection]:
        """A transaction that only reads: one consistent view of the state."""
        return self._transaction("BEGIN")
