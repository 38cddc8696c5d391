"""The embedded development ledger: anvil from the pinned npm package, closed to the host.

**Closed.** anvil answers every caller with its dev methods (``anvil_impersonateAccount``,
``eth_sendTransaction`` from unlocked accounts, ``evm_*``...), so no port of anvil's is reachable
from the host: anvil serves JSON-RPC on a Unix socket in ``<ledger>/private/`` (mode 0700, so only
the data directory's owner can open it) and runs in its own network namespace (``unshare``), where
its HTTP port, which anvil cannot turn off, is out of reach. Clients use the ledger gateway
(:mod:`.gateway`), which forwards an allowlist of standard methods. Where the host forbids
namespaces, anvil's HTTP port stays on 127.0.0.1 on a random port and ``ledger up`` says so.
Trusted local tooling (tests that set block time) calls dev methods with :func:`dev_rpc`.

**Durable.** The gateway writes ``state.json`` (an ``anvil_dumpState``, written atomically, which
anvil loads at start) and ``journal.jsonl`` (the blocks mined since, fsynced before the gateway
reports them, mined again at start). anvil runs with ``--prune-history``, so a dump holds the
latest state, every block and transaction, and no historical states; its ``--cache-path`` stays
inside the data directory (by default it writes state snapshots under ``~/.foundry``: measured
here, 28 GB in 12 minutes).

Gas is free (base fee and gas price 0), as on the state's Besu network. anvil creates no dev
accounts.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from ler_contracts import load_artifact

from ..errors import LerNodeError
from ..paths import anvil_binary
from ..private_files import write_private
from ..processes import ProcessFiles, require_free_port

LOCAL_CHAIN_ID = 7341
DEFAULT_PORT = 8545
# With a bare --prune-history anvil keeps no past state at all, so a call made against "latest"
# fails ("BlockOutOfRangeError") when another transaction mines a block meanwhile (seen with 200
# concurrent writes). Keeping a few recent states in memory (never on disk) avoids that race.
PRUNED_STATES_KEPT = 64
# Unix socket paths are limited to 108 bytes; longer ones are reached through /proc/self/fd.
_SUN_PATH_MAX = 100


@dataclass(frozen=True)
class AnvilLayout:
    """Files of the embedded ledger inside its data directory."""

    root: Path

    @property
    def state_file(self) -> Path:
        """Chain state: loaded at start, saved by the gateway before it reports a block."""
        return self.root / "state.json"

    @property
    def journal_file(self) -> Path:
        """Blocks mined since ``state.json`` was written, replayed by the gateway at start."""
        return self.root / "journal.jsonl"

    @property
    def cache_dir(self) -> Path:
        """Anvil's cache (kept inside the data directory)."""
        return self.root / "cache"

    @property
    def private_dir(self) -> Path:
        """Mode 0700: anvil's JSON-RPC socket."""
        return self.root / "private"

    @property
    def ipc_path(self) -> Path:
        """The JSON-RPC socket of anvil (every method, dev ones included)."""
        return self.private_dir / "anvil.ipc"

    @property
    def process(self) -> ProcessFiles:
        """PID and log of the anvil process."""
        return ProcessFiles("anvil", self.root / "anvil.pid", self.root / "anvil.log")

    @property
    def gateway(self) -> ProcessFiles:
        """PID and log of the ledger gateway."""
        return ProcessFiles("ledger gateway", self.root / "gateway.pid", self.root / "gateway.log")

    @property
    def gateway_address_file(self) -> Path:
        """Where the gateway writes the URL it bound (``{"url": ..., "pid": ...}``)."""
        return self.root / "gateway.json"


@functools.cache
def network_isolation() -> list[str]:
    """The command prefix that runs anvil in a network namespace of its own, or [] if denied."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return []
    for prefix in ([unshare, "--net"], [unshare, "--user", "--map-root-user", "--net"]):
        probe = subprocess.run([*prefix, "true"], capture_output=True, check=False)
        if probe.returncode == 0:
            return prefix
    return []


def anvil_command(layout: AnvilLayout, chain_id: int = LOCAL_CHAIN_ID) -> list[str]:
    """The anvil command line (run in ``layout.private_dir``; hardfork pinned to the contracts)."""
    command = [
        *network_isolation(),
        str(anvil_binary()),
        "--ipc", layout.ipc_path.name,
        "--host", "127.0.0.1",
        "--port", "0",
        "--accounts", "0",
        "--chain-id", str(chain_id),
        "--hardfork", load_artifact("LerRoles").evm_version,
        "--prune-history", str(PRUNED_STATES_KEPT),
        "--cache-path", str(layout.cache_dir),
        "--gas-price", "0",
        "--base-fee", "0",
        "--silent",
    ]  # fmt: skip
    if layout.state_file.exists():
        command += ["--load-state", str(layout.state_file)]
    return command


# --- JSON-RPC over anvil's socket ---------------------------------------------------------------


class AnvilRpcError(LerNodeError):
    """anvil answered a dev call with a JSON-RPC error."""


@contextlib.contextmanager
def _reachable(path: Path) -> Iterator[str]:
    """A connectable name for the socket ``path``, however long the data directory's path is."""
    if len(os.fsencode(path)) <= _SUN_PATH_MAX:
        yield str(path)
        return
    fd = os.open(path.parent, os.O_PATH | os.O_DIRECTORY)
    try:
        yield f"/proc/self/fd/{fd}/{path.name}"
    finally:
        os.close(fd)


async def open_ipc(path: Path) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Connect to anvil's socket (responses are one JSON document per line)."""
    with _reachable(path) as name:
        return await asyncio.open_unix_connection(name, limit=1 << 30)


def _unwrap(response: dict[str, Any], method: str) -> Any:
    if "error" in response:
        error = response["error"]
        raise AnvilRpcError(
            f"anvil refused {method}: {error.get('message')} (code {error.get('code')})",
            hint="check the method's name and parameters against anvil's documentation",
        )
    return response.get("result")


async def ipc_call(path: Path, method: str, params: list[Any] | tuple[Any, ...] = ()) -> Any:
    """One JSON-RPC call over anvil's socket; the result, or :class:`AnvilRpcError`."""
    reader, writer = await open_ipc(path)
    try:
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
        writer.write(json.dumps(body).encode() + b"\n")
        await writer.drain()
        line = await reader.readline()
    finally:
        writer.close()
    if not line:
        raise LerNodeError(f"anvil closed its socket during {method}", hint="is the ledger up?")
    return _unwrap(json.loads(line), method)


def ipc_call_sync(path: Path, method: str, params: list[Any] | tuple[Any, ...] = ()) -> Any:
    """:func:`ipc_call` without an event loop (for ``ledger down``)."""
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
    with _reachable(path) as name, socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(60)
        sock.connect(name)
        sock.sendall(json.dumps(body).encode() + b"\n")
        chunks = []
        while not chunks or not chunks[-1].endswith(b"\n"):
            chunk = sock.recv(1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    return _unwrap(json.loads(b"".join(chunks)), method)


async def dev_rpc(data_dir: Path, method: str, params: list[Any] | tuple[Any, ...] = ()) -> Any:
    """Call any anvil method on the embedded ledger of ``data_dir``, bypassing the gateway.

    For trusted local tooling (``evm_mine``, ``evm_setNextBlockTimestamp``, ``evm_revert``...):
    only the data directory's owner can open the socket. After a method other than a standard
    ``eth_``/``net_``/``web3_`` one, the state is saved to disk at once, so what a dev method did
    (a rewind included) is what a restart finds. Returns the result; :class:`AnvilRpcError` if
    anvil refuses the call.
    """
    from .local import LedgerHome

    layout = LedgerHome.in_data_dir(data_dir).anvil
    try:
        result = await ipc_call(layout.ipc_path, method, params)
        if not method.startswith(("eth_", "net_", "web3_")):
            dump = await ipc_call(layout.ipc_path, "anvil_dumpState")
            await asyncio.to_thread(write_state, layout.state_file, dump, layout.journal_file)
    except OSError as exc:
        raise LerNodeError(
            f"cannot open the ledger's socket {layout.ipc_path}: {exc}",
            hint="run `ler-node ledger up`",
        ) from exc
    return result


# --- state -------------------------------------------------------------------------------------


@contextlib.contextmanager
def journal_lock(journal_file: Path) -> Iterator[None]:
    """Exclusive access to the state file and journal (the gateway and :func:`dev_rpc` share)."""
    with open(journal_file.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def write_state(state_file: Path, dump: str, journal_file: Path | None = None) -> None:
    """Save an ``anvil_dumpState`` result (hex of gzip) as the JSON anvil loads, atomically.

    With ``journal_file``, the journal is emptied after: the state covers every block in it.
    """
    data = gzip.decompress(bytes.fromhex(dump.removeprefix("0x")))
    if journal_file is None:
        write_private(state_file, data)
        return
    with journal_lock(journal_file):
        write_private(state_file, data)
        write_private(journal_file, b"")


def append_journal(journal_file: Path, entries: list[dict[str, Any]]) -> None:
    """Append mined blocks to the journal and fsync it."""
    lines = b"".join(json.dumps(entry).encode() + b"\n" for entry in entries)
    with journal_lock(journal_file), open(journal_file, "ab") as journal:
        journal.write(lines)
        journal.flush()
        os.fsync(journal.fileno())


def read_journal(journal_file: Path) -> list[dict[str, Any]]:
    """The journal's blocks (a torn last line, never reported to anyone, is left out)."""
    try:
        lines = journal_file.read_bytes().splitlines()
    except FileNotFoundError:
        return []
    entries = []
    for line in lines:
        try:
            entries.append(json.loads(line))
        except ValueError:
            break
    return entries


def save_state(layout: AnvilLayout) -> bool:
    """Dump the running anvil's state to ``state.json`` now; False if anvil does not answer."""
    try:
        dump = ipc_call_sync(layout.ipc_path, "anvil_dumpState")
    except (OSError, ValueError, LerNodeError):
        return False
    write_state(layout.state_file, dump, layout.journal_file)
    return True


# --- starting ----------------------------------------------------------------------------------


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


async def _until(ready: Any, process: ProcessFiles, timeout: float, what: str) -> Any:
    """Poll ``ready()`` until it returns something truthy; a clear error if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := await ready():
            return result
        if (error := process.exited_early()) is not None:
            raise error
        await asyncio.sleep(0.05)
    process.stop()
    raise LerNodeError(
        f"{what} did not start within {timeout:.0f} s",
        hint=f"read {process.log_file}",
        log=str(process.log_file),
    )


async def start_anvil(layout: AnvilLayout, *, timeout: float = 30.0) -> None:
    """Start anvil on its private socket and wait until it answers."""
    layout.root.mkdir(parents=True, exist_ok=True)
    layout.private_dir.mkdir(mode=0o700, exist_ok=True)
    layout.private_dir.chmod(0o700)
    layout.ipc_path.unlink(missing_ok=True)
    layout.process.start(anvil_command(layout), cwd=layout.private_dir)

    async def answers() -> bool:
        try:
            return await ipc_call(layout.ipc_path, "eth_chainId") is not None
        except (OSError, ValueError, LerNodeError):
            return False

    await _until(answers, layout.process, timeout, "anvil")


async def start_gateway(layout: AnvilLayout, port: int, *, timeout: float = 30.0) -> str:
    """Start the gateway on 127.0.0.1:``port`` (0: any); returns the URL it bound."""
    if port:
        require_free_port(
            port, "the ledger's RPC gateway", "stop what uses it, or pick another port with --port"
        )
    layout.gateway_address_file.unlink(missing_ok=True)
    command = [
        sys.executable, "-m", "ler_node.ledger.gateway",
        "--ipc", str(layout.ipc_path),
        "--state", str(layout.state_file),
        "--journal", str(layout.journal_file),
        "--port", str(port),
        "--address-file", str(layout.gateway_address_file),
    ]  # fmt: skip
    pid = layout.gateway.start(command)

    async def bound() -> str | None:
        try:
            address = json.loads(layout.gateway_address_file.read_text())
        except (OSError, ValueError):
            return None
        return str(address["url"]) if address.get("pid") == pid else None

    return await _until(bound, layout.gateway, timeout, "the ledger gateway")
