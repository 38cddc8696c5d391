"""``ler-node ledger up|down|status``: the embedded ledger in a data directory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ler_chain import LedgerClient, LedgerError, LocalSigner, NetworkDescriptor, deploy_network

from ..errors import LerNodeError
from ..processes import require_free_port
from .anvil import (
    DEFAULT_PORT,
    AnvilLayout,
    network_isolation,
    rpc_ready,
    save_state,
    start_anvil,
    start_gateway,
)
from .keystore import load_key, load_or_create_key

LOCAL_NETWORK = "local"
Progress = Callable[[str], None]


@dataclass(frozen=True)
class LedgerHome:
    """The embedded ledger's files: ``<data dir>/ledger/``."""

    root: Path

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> LedgerHome:
        """The ledger home inside a ler-node data directory."""
        return cls(Path(data_dir).resolve() / "ledger")

    @property
    def anvil(self) -> AnvilLayout:
        """Anvil's files."""
        return AnvilLayout(self.root)

    @property
    def descriptor_file(self) -> Path:
        """The network descriptor JSON."""
        return self.root / "network.json"

    @property
    def key_file(self) -> Path:
        """Keystore of the first trustee."""
        return self.root / "keys" / "trustee.json"

    @property
    def password_file(self) -> Path:
        """Password of the trustee keystore (local networks only)."""
        return self.root / "keys" / "trustee.password"

    def descriptor(self) -> NetworkDescriptor:
        """The saved descriptor (a clear error if the ledger was never brought up)."""
        return NetworkDescriptor.load(self.descriptor_file)

    def trustee(self) -> LocalSigner:
        """The first trustee's signer."""
        return load_key(self.key_file, self.password_file)


@dataclass(frozen=True)
class LedgerUp:
    """What ``ledger up`` did."""

    descriptor: NetworkDescriptor
    descriptor_file: Path
    trustee: str
    started: bool
    deployed: bool


async def ledger_up(
    data_dir: Path, port: int = DEFAULT_PORT, progress: Progress = print
) -> LedgerUp:
    """Start anvil and its gateway on ``port`` (unless they run), deploy once, write the descriptor.

    ``port`` 0 lets the gateway pick a free port; the descriptor's RPC URL is the gateway's.
    """
    home = LedgerHome.in_data_dir(data_dir)
    home.root.mkdir(parents=True, exist_ok=True)
    trustee, created = load_or_create_key(home.key_file, home.password_file)
    if created:
        progress(f"created the first trustee key {trustee.address} in {home.key_file}")

    started = False
    saved = _saved_descriptor(home)
    layout = home.anvil
    anvil_runs = layout.process.pid() is not None
    if anvil_runs and layout.gateway.pid() and saved and await rpc_ready(saved.rpc_url):
        rpc_url = saved.rpc_url
        progress(f"the ledger is already running at {rpc_url}")
    else:
        layout.gateway.stop()  # a gateway outliving its anvil would vouch for a lost height
        if port:
            hint = "stop what uses it, or pick another port with --port"
            require_free_port(port, "the ledger's RPC gateway", hint)
        if not anvil_runs:
            progress(f"starting anvil (state in {layout.state_file})")
            if not network_isolation():
                progress(
                    "warning: this host forbids network namespaces (unshare), so anvil's own "
                    "HTTP port (every dev method) is reachable from 127.0.0.1; use it for "
                    "development only"
                )
            await start_anvil(layout)
        progress(f"starting the ledger gateway on 127.0.0.1:{port}")
        try:
            rpc_url = await start_gateway(layout, port)
        except LerNodeError:
            if not anvil_runs:
                ledger_down(data_dir)
            raise
        started = True

    if saved is not None and await _deployed(saved.with_rpc_url(rpc_url)):
        descriptor = saved.with_rpc_url(rpc_url)
        deployed = False
        progress("contracts already deployed; keeping them")
    else:
        progress("deploying the ledger contracts")
        descriptor = await deploy_network(rpc_url, LOCAL_NETWORK, trustee, progress=progress)
        deployed = True
    descriptor.save(home.descriptor_file)
    return LedgerUp(descriptor, home.descriptor_file, trustee.address, started, deployed)


def ledger_down(data_dir: Path) -> bool:
    """Stop the gateway, save the state, stop anvil; False if nothing was running."""
    layout = LedgerHome.in_data_dir(data_dir).anvil
    gateway = layout.gateway.stop()
    if layout.process.pid() is not None:
        save_state(layout)
    stopped = layout.process.stop()
    layout.ipc_path.unlink(missing_ok=True)  # a stale socket would trouble backups (tar)
    return stopped or gateway


async def ledger_status(data_dir: Path) -> dict[str, Any]:
    """Health of the embedded ledger: process, RPC, chain, contracts."""
    home = LedgerHome.in_data_dir(data_dir)
    pid = home.anvil.process.pid()
    status: dict[str, Any] = {
        "data_dir": str(home.root),
        "pid": pid,
        "running": pid is not None,
        "gateway_pid": home.anvil.gateway.pid(),
        "closed": bool(network_isolation()),
        "descriptor": str(home.descriptor_file) if home.descriptor_file.exists() else None,
        "log": str(home.anvil.process.log_file),
    }
    saved = _saved_descriptor(home)
    if saved is None:
        return status
    status["rpc_url"] = saved.rpc_url
    status["network"] = saved.network
    status["chain_id"] = saved.chain_id
    try:
        async with LedgerClient(saved, request_timeout=3.0) as client:
            status.update(await client.check())
            status["healthy"] = True
    except LedgerError as exc:
        status["healthy"] = False
        status["error"] = str(exc)
    return status


def _saved_descriptor(home: LedgerHome) -> NetworkDescriptor | None:
    if not home.descriptor_file.exists():
        return None
    try:
        return home.descriptor()
    except LedgerError as exc:
        raise LerNodeError(str(exc), hint=f"remove {home.descriptor_file} to redeploy") from exc


async def _deployed(descriptor: NetworkDescriptor) -> bool:
    try:
        async with LedgerClient(descriptor) as client:
            await client.check()
    except LedgerError:
        return False
    return True
