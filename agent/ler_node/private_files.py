"""Files only their owner may read: secrets, keys, tokens and backups the CLI writes."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_private(path: Path, content: str | bytes) -> None:
    """Write ``content`` to ``path`` with mode 0600 from the start (never readable by others).

    Atomically: a new file beside it, flushed to disk, then renamed over it, so a process killed
    while writing leaves the old content or the new, never half a key.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "wb" if isinstance(content, bytes) else "w") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
