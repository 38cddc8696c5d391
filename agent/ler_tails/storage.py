"""The tails file store: one file per tails hash, written atomically (temp file + rename).

All methods block (file I/O); the web app calls them in a worker thread.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import base58

from .validation import (
    POINT_SIZE,
    TAILS_VERSION,
    HashMismatch,
    InvalidTailsHash,
    UploadTooLarge,
    check_length,
    check_version,
    parse_tails_hash,
)

LOGGER = logging.getLogger(__name__)

#: Uploads in progress live here, inside the store so the final rename stays atomic.
INCOMING_DIR = ".incoming"
#: Uploads that no revocation registry on the ledger refers to yet wait here, unserved.
PENDING_DIR = ".pending"


@dataclass(frozen=True)
class StoredTails:
    """A tails file held by the store."""

    tails_hash: str
    path: Path
    size: int
    stored_at: datetime
    created: bool = False
    """True when this upload stored the file, False if it was already there."""
    pending: bool = False
    """True while no revocation registry on the ledger refers to the file."""

    @property
    def points(self) -> int:
        """How many points the tails file holds."""
        return (self.size - len(TAILS_VERSION)) // POINT_SIZE


class TailsStore:
    """Tails files under ``root``, each named by its (validated) tails hash.

    Files of registries on the ledger are in ``root``; uploads still waiting for their registry
    are in ``root/.pending`` until :meth:`promote` moves them or :meth:`remove_pending` drops them.
    """

    def __init__(self, root: Path, max_size: int) -> None:
        if max_size < len(TAILS_VERSION) + POINT_SIZE:
            raise ValueError(f"max_size {max_size} is too small to hold any tails file")
        self.root = Path(root)
        self.max_size = max_size
        self.incoming = self.root / INCOMING_DIR
        self.pending_dir = self.root / PENDING_DIR
        self.incoming.mkdir(parents=True, exist_ok=True)
        self.pending_dir.mkdir(exist_ok=True)

    def path_for(self, tails_hash: str, *, pending: bool = False) -> Path:
        """Return where the file for ``tails_hash`` is (or would be) stored."""
        return (self.pending_dir if pending else self.root) / parse_tails_hash(tails_hash)

    def lookup(self, tails_hash: str, *, pending: bool = False) -> StoredTails | None:
        """Return the stored (or pending) file for ``tails_hash``, or None if there is none."""
        path = self.path_for(tails_hash, pending=pending)
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        return StoredTails(tails_hash, path, stat.st_size, _mtime(stat.st_mtime), pending=pending)

    def pending_files(self) -> list[StoredTails]:
        """The uploads waiting for a registry on the ledger, oldest first."""
        self.pending_dir.mkdir(exist_ok=True)
        found = []
        for path in self.pending_dir.iterdir():
            with contextlib.suppress(FileNotFoundError, InvalidTailsHash):
                parse_tails_hash(path.name)
                stat = path.stat()
                found.append(
                    StoredTails(path.name, path, stat.st_size, _mtime(stat.st_mtime), pending=True)
                )
        return sorted(found, key=lambda stored: stored.stored_at)

    def promote(self, tails_hash: str) -> StoredTails | None:
        """Serve a pending file from now on (its registry is on the ledger); None if not pending."""
        source = self.path_for(tails_hash, pending=True)
        target = self.path_for(tails_hash)
        try:
            if target.exists():
                source.unlink()
            else:
                os.replace(source, target)
                _fsync_dir(self.root)
        except FileNotFoundError:
            return None
        return self.lookup(tails_hash)

    def remove_pending(self, tails_hash: str) -> bool:
        """Delete a pending upload; False if it was not there."""
        try:
            self.path_for(tails_hash, pending=True).unlink()
        except FileNotFoundError:
            return False
        return True

    def begin(self, tails_hash: str, *, pending: bool = False) -> TailsUpload:
        """Start receiving the file for ``tails_hash`` into a temp file."""
        tails_hash = parse_tails_hash(tails_hash)
        self.incoming.mkdir(exist_ok=True)  # in case it was removed while running
        self.pending_dir.mkdir(exist_ok=True)
        return TailsUpload(self, tails_hash, pending=pending)

    def remove_stale_uploads(self, older_than: float = 3600.0) -> int:
        """Delete temp files of uploads abandoned more than ``older_than`` seconds ago."""
        cutoff = time.time() - older_than
        removed = 0
        for path in self.incoming.glob("*.part"):
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
        return removed


class TailsUpload:
    """One upload in progress: ``write`` chunks, then ``commit`` (or ``abort``)."""

    def __init__(self, store: TailsStore, tails_hash: str, *, pending: bool = False) -> None:
        self.store = store
        self.tails_hash = tails_hash
        self.pending = pending
        self.size = 0
        self._sha256 = hashlib.sha256()
        self._head = b""
        self._lock = threading.Lock()
        self._done = False
        fd, name = tempfile.mkstemp(prefix=f"{tails_hash}.", suffix=".part", dir=store.incoming)
        self._temp = Path(name)
        self._file = os.fdopen(fd, "wb")

    def write(self, chunk: bytes) -> None:
        """Append ``chunk``; raise as soon as the upload is too large or not a tails file."""
        with self._lock:
            if self._done:
                raise RuntimeError("upload already finished")
            self.size += len(chunk)
            if self.size > self.store.max_size:
                raise UploadTooLarge(
                    f"upload is larger than this server's limit of {self.store.max_size} bytes"
                )
            if len(self._head) < len(TAILS_VERSION):
                self._head += chunk[: len(TAILS_VERSION) - len(self._head)]
                if len(self._head) == len(TAILS_VERSION):
                    check_version(self._head)
            self._sha256.update(chunk)
            self._file.write(chunk)

    def commit(self) -> StoredTails:
        """Check the content against the tails hash and layout, then store it atomically."""
        with self._lock:
            if self._done:
                raise RuntimeError("upload already finished")
            actual = base58.b58encode(self._sha256.digest()).decode("ascii")
            if actual != self.tails_hash:
                raise HashMismatch(
                    f"content hash {actual} does not match tails hash {self.tails_hash} in the URL"
                )
            if len(self._head) < len(TAILS_VERSION):
                check_version(self._head)
            check_length(self.size)
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            final = self.store.path_for(self.tails_hash, pending=self.pending)
            existing = _size_of(final)
            created = existing is None
            if existing != self.size:  # new, or a damaged copy to repair
                if existing is not None:
                    LOGGER.warning("replacing damaged copy of tails %s", self.tails_hash)
                self._temp.chmod(0o644)
                os.replace(self._temp, final)
                _fsync_dir(final.parent)
            else:
                self._temp.unlink()
            self._done = True
            stat = final.stat()
            return StoredTails(
                self.tails_hash,
                final,
                stat.st_size,
                _mtime(stat.st_mtime),
                created,
                self.pending,
            )

    def abort(self) -> None:
        """Discard the upload (no-op once committed or aborted)."""
        with self._lock:
            if self._done:
                return
            self._done = True
            self._file.close()
            self._temp.unlink(missing_ok=True)


def _size_of(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return None


def _mtime(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def _fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (best effort: not every platform allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
