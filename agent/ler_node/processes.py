"""Starting and stopping the background processes ler-node runs (by PID file)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import PortInUseError, ProcessStartError


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could listen on ``host:port`` now (connections in TIME_WAIT allowed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def require_free_port(port: int, what: str, hint: str) -> None:
    """Raise :class:`PortInUseError` if ``port`` is taken."""
    if not port_is_free(port):
        raise PortInUseError(f"port {port} on 127.0.0.1, needed by {what}, is in use", hint=hint)


EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
LOWEST_SERVER_PORT = 10000
#: "LOW-HIGH": the ports to pick from instead (e.g. one range for each of several test workers)
PORT_RANGE_ENV = "LER_PORT_RANGE"
_picked: set[int] = set()  # ports this process picked: a part that is down still owns its port


def server_ports() -> range:
    """Ports to pick servers' ports from: ``$LER_PORT_RANGE``, else below the ephemeral range.

    The OS gives every outgoing connection a local port from its ephemeral range (Linux:
    32768-60999). A server's port picked there can be taken by some connection while the server
    restarts, so it could not come back on it; below that range only another server takes one.
    """
    if configured := os.environ.get(PORT_RANGE_ENV):
        low, _, high = configured.partition("-")
        return range(int(low), int(high) + 1)
    try:
        low = int(EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 0
    return range(LOWEST_SERVER_PORT, low) if low > LOWEST_SERVER_PORT + 1000 else range(0)


def free_port() -> int:
    """A port free right now and not picked before by this process, from :func:`server_ports`."""
    candidates = server_ports()
    for _ in range(50 if candidates else 0):
        port = secrets.choice(candidates)
        if port not in _picked and port_is_free(port):
            _picked.add(port)
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# What servers print when their port is taken (Python: [Errno 98]; anvil: "os error 98").
ADDRESS_IN_USE = ("address already in use", "address in use", "errno 98", "os error 98")


def says_port_taken(text: str) -> bool:
    """Whether an error message or log says a server found its port taken."""
    lowered = text.lower()
    return any(sign in lowered for sign in ADDRESS_IN_USE)


def log_tail(path: Path, lines: int = 15) -> str:
    """The last lines of a log file, for error messages, led by its first error if any."""
    try:
        text = path.read_text("utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    tail = text[-lines:]
    errors = [line for line in text if "Error" in line and not line.startswith(" ")]
    if errors and errors[0] not in tail:
        tail = [f"first error: {errors[0]}", "...", *tail]
    return "\n".join(tail)


@dataclass(frozen=True)
class ProcessFiles:
    """Where one background process keeps its PID and log."""

    name: str
    pid_file: Path
    log_file: Path

    def pid(self) -> int | None:
        """PID of the running process, or None (a stale PID file is removed)."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        if not pid_alive(pid):
            self.pid_file.unlink(missing_ok=True)
            return None
        return pid

    def start(
        self, command: Sequence[str], *, env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> int:
        """Start ``command`` in its own session, output appended to the log; returns its PID."""
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_file, "ab") as log:
            log.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting {self.name}\n".encode())
            log.flush()
            try:
                process = subprocess.Popen(
                    list(command),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                    env={**os.environ, **(env or {})},
                    cwd=cwd,
                )
            except OSError as exc:
                raise ProcessStartError(
                    f"could not start {self.name}: {exc}", hint="check the installation (make deps)"
                ) from exc
        self.pid_file.write_text(f"{process.pid}\n")
        return process.pid

    def exited_early(self) -> ProcessStartError | None:
        """An error if the process is gone, with the end of its log."""
        if self.pid() is not None:
            return None
        tail = log_tail(self.log_file)
        return ProcessStartError(
            f"{self.name} exited while starting:\n{tail}",
            hint=f"read {self.log_file} for the cause",
            log=str(self.log_file),
        )

    def stop(self, timeout: float = 15.0) -> bool:
        """Stop the process gracefully (SIGTERM, then SIGKILL); False if it was not running."""
        return stop_all([self], timeout)[0]

    async def stop_async(self, timeout: float = 15.0) -> bool:
        """:meth:`stop` for coroutines: waits for the exit without blocking the event loop."""
        return await asyncio.to_thread(self.stop, timeout)

    def terminate(self) -> int | None:
        """Send SIGTERM to the process group, without waiting; its PID, or None if not running."""
        pid = self.pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGTERM)
        return pid

    def kill(self, timeout: float = 10.0) -> bool:
        """SIGKILL the process group, as a crash would; False if it was not running.

        Returns once the process is gone (``timeout`` at most), so that a restart finds its ports
        and admin API free rather than those of the dying process.
        """
        pid = self.pid()
        if pid is None:
            return False
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        deadline = time.monotonic() + timeout
        while self.pid() is not None and time.monotonic() < deadline:
            time.sleep(0.01)
        return True


def pid_alive(pid: int) -> bool:
    """Whether ``pid`` runs and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return True


def stop_all(
    processes: Sequence[ProcessFiles], timeout: float = 15.0, done_when: str | None = None
) -> list[bool]:
    """:meth:`ProcessFiles.stop` for several processes at once: all are asked to stop first.

    An agent takes seconds to exit after SIGTERM, so stopping a network's agents one after
    another would add those seconds up. ``done_when``: what a process logs once nothing but its
    exit is left (its files closed); one that logs it after being asked to stop is killed then,
    not waited for. Returns, for each, whether it was running.
    """
    offsets = [_size(files.log_file) for files in processes]
    pids = [files.terminate() for files in processes]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        running = [(i, pid) for i, pid in enumerate(pids) if pid is not None and pid_alive(pid)]
        if not running:
            break
        for i, pid in running:
            if done_when and _logged(processes[i].log_file, offsets[i], done_when):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
        time.sleep(0.05)
    stragglers = [pid for pid in pids if pid is not None and pid_alive(pid)]
    for pid in stragglers:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    if stragglers:
        time.sleep(0.1)
    for files in processes:
        files.pid_file.unlink(missing_ok=True)
    return [pid is not None for pid in pids]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _logged(path: Path, offset: int, text: str) -> bool:
    """Whether ``text`` was written to the file at ``path`` after ``offset``."""
    try:
        with open(path, "rb") as log:
            log.seek(offset)
            return text.encode() in log.read()
    except OSError:
        return False


async def wait_healthy(
    check: Callable[[], Awaitable[bool]],
    files: ProcessFiles,
    timeout: float,
    what: str,
    interval: float = 0.25,
) -> None:
    """Wait until ``check()`` is true; fail early if the process exits, or after ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if await check():
            return
        if (error := files.exited_early()) is not None:
            raise error
        await asyncio.sleep(interval)
    raise ProcessStartError(
        f"{what} did not become healthy within {timeout:.0f} s:\n{log_tail(files.log_file)}",
        hint=f"read {files.log_file}; then `ler-node network down` and try again",
        log=str(files.log_file),
    )
