"""``ler-node network up|status|down``: start, bootstrap, inspect and stop a whole network.

The launcher only starts processes and talks to their admin APIs (and, as the first trustee, to
the ledger for the state agent's roles); it never imports the ACA-Py plugin.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from ler_chain import LedgerClient, LedgerError, NetworkDescriptor

from ..errors import LerNodeError, PortInUseError, ProcessStartError
from ..ledger.local import LedgerHome, LedgerUp, ledger_down, ledger_up
from ..postgres import Connection, EmbeddedPostgres
from ..processes import (
    ProcessFiles,
    require_free_port,
    says_port_taken,
    stop_all,
    wait_healthy,
)
from .admin import AdminClient, AdminError
from .agents import AgentHome
from .registry_profiles import write_registry_profiles
from .spec import NetworkSpec
from .web_process import start_web, web_process, web_status

Progress = Callable[[str], None]
STATE_FILE = "network.json"
AGENT_START_TIMEOUT = 120.0
PORT_ATTEMPTS = 4  # starts of one part, on movable ports (NetworkSpec.ports_movable)
AGENT_STOPPED = "Conductor agent stopped successfully"  # ACA-Py's, once its wallet is closed


@dataclass
class AgentInfo:
    """What a person needs to reach one agent."""

    id: str
    name: str
    role: str
    did: str | None
    admin_url: str
    openapi_url: str
    endpoint: str
    log: str
    api_key_file: str


@dataclass
class NetworkInfo:
    """The running network, as written to ``<data dir>/network.json``."""

    network: str
    rpc_url: str
    descriptor: str
    tails_url: str
    agents: list[AgentInfo] = field(default_factory=list)
    connections: dict[str, dict[str, str]] = field(default_factory=dict)
    web_url: str = ""  # the web pages (python -m ler_web)

    def agent(self, agent_id: str) -> AgentInfo:
        """One agent by id."""
        for agent in self.agents:
            if agent.id == agent_id:
                return agent
        raise KeyError(agent_id)

    def save(self, data_dir: Path) -> Path:
        """Write it as JSON in the data directory."""
        path = data_dir / STATE_FILE
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", "utf-8")
        return path

    @classmethod
    def load(cls, data_dir: Path) -> NetworkInfo:
        """Read ``network.json``."""
        path = data_dir / STATE_FILE
        try:
            raw = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            raise LerNodeError(
                f"no network in {data_dir}", hint="start one with `ler-node network up`"
            ) from None
        raw["agents"] = [AgentInfo(**a) for a in raw.get("agents", [])]
        return cls(**raw)


def tails_process(data_dir: Path) -> ProcessFiles:
    """PID and log of the tails server."""
    root = data_dir / "tails"
    return ProcessFiles("tails server", root / "tails.pid", root / "tails.log")


async def _http_ok(url: str) -> bool:
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session,
            session.get(url) as response,
        ):
            return response.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False


async def all_or_none(starts: Iterable[Awaitable[Any]]) -> None:
    """Run ``starts`` at once; the first failure stops the others (awaited) and is raised as is.

    Not left to ``asyncio.run``, which (nest_asyncio's, in a process that loaded ACA-Py) may
    leave them half-way.
    """
    tasks = [asyncio.ensure_future(start) for start in starts]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def _on_a_free_port[T](
    spec: NetworkSpec,
    start: Callable[[], Awaitable[T]],
    stop: Callable[[], Awaitable[Any]],
    move: Callable[[], None],
    progress: Progress,
) -> T:
    """``start()`` a part; on movable ports, if it found its port taken, ``move()`` it and retry.

    A port picked free can be taken by any process on the machine before the part binds it, and
    an ACA-Py agent cannot bind port 0 and report the port it got. So the part starts on the port
    picked and, only if it then finds that port taken, is stopped, moved and started again.
    """
    for _ in range(PORT_ATTEMPTS - 1):
        try:
            return await start()
        except (PortInUseError, ProcessStartError) as exc:
            taken = isinstance(exc, PortInUseError) or says_port_taken(str(exc))
            if not (taken and spec.ports_movable):
                raise
            await stop()
            move()
            progress(f"{str(exc).splitlines()[0].rstrip(':')}; moving it to a free port")
    return await start()


async def start_ledger(spec: NetworkSpec, data_dir: Path, progress: Progress) -> LedgerUp:
    """Start the embedded ledger unless it runs, and deploy the contracts once."""
    return await _on_a_free_port(
        spec,
        lambda: ledger_up(data_dir, spec.ledger.port, progress=progress),
        lambda: asyncio.to_thread(ledger_down, data_dir),
        spec.ledger.move_to_free_port,
        progress,
    )


async def start_tails(
    spec: NetworkSpec, data_dir: Path, descriptor: Path, progress: Progress
) -> None:
    """Start the tails server for the ledger ``descriptor`` names unless it runs; wait for it."""
    files = tails_process(data_dir)
    await _on_a_free_port(
        spec,
        lambda: _start_tails(spec, files, data_dir, descriptor, progress),
        files.stop_async,
        spec.tails.move_to_free_port,
        progress,
    )


async def _start_tails(
    spec: NetworkSpec, files: ProcessFiles, data_dir: Path, descriptor: Path, progress: Progress
) -> None:
    if files.pid() is not None and await _http_ok(spec.tails.url + "/health"):
        progress(f"tails server already running at {spec.tails.url}")
        return
    require_free_port(spec.tails.port, "the tails server", "stop what uses it or change tails.url")
    progress(f"starting the tails server at {spec.tails.url}")
    files.start(
        [
            sys.executable,
            "-m",
            "ler_tails",
            "--host",
            "127.0.0.1",
            "--port",
            str(spec.tails.port),
            "--storage",
            str(data_dir / "tails" / "files"),
            "--descriptor",
            str(descriptor),
        ]
    )
    await wait_healthy(
        lambda: _http_ok(spec.tails.url + "/health"), files, 30.0, "the tails server"
    )


async def start_postgres(spec: NetworkSpec, data_dir: Path, progress: Progress) -> Connection:
    """The PostgreSQL of agents with ``storage: postgres``: the operator's, else an embedded one."""
    if spec.postgres.connection_file:
        return Connection.load(Path(spec.postgres.connection_file))
    return await EmbeddedPostgres(data_dir).start(progress)


async def start_agent(
    spec: NetworkSpec,
    home: AgentHome,
    descriptor: Path,
    progress: Progress,
    postgres: Connection | None = None,
) -> None:
    """Start one agent unless it runs; wait until it is ready."""
    await _on_a_free_port(
        spec,
        lambda: _start_agent(spec, home, descriptor, progress, postgres),
        home.process.stop_async,
        home.spec.move_to_free_ports,
        progress,
    )


async def _start_agent(
    spec: NetworkSpec,
    home: AgentHome,
    descriptor: Path,
    progress: Progress,
    postgres: Connection | None = None,
) -> None:
    home.write_plugin_config(descriptor)
    files = home.process
    async with home.admin(timeout=5) as admin:
        if files.pid() is not None and await admin.ready():
            progress(f"agent {home.label} already running")
            return
        for port, what in (
            (home.spec.inbound_port, "DIDComm"),
            (home.spec.admin_port, "admin API"),
        ):
            require_free_port(
                port,
                f"agent {home.label} ({what})",
                "stop what uses it or change the network file",
            )
        progress(f"starting agent {home.label} ({home.spec.role})")
        env = home.environment(postgres, spec.postgres.max_connections)
        started = time.time()
        files.start(home.command(spec), env=env, cwd=home.home_dir)
        await wait_healthy(admin.ready, files, AGENT_START_TIMEOUT, f"agent {home.label}")
        if home.serves_public:  # ACA-Py answers ready before the plugins' startup hooks ran
            await wait_healthy(
                lambda: _public_server_up(home, started),
                files,
                AGENT_START_TIMEOUT,
                f"the public server of agent {home.label}",
            )


async def _public_server_up(home: AgentHome, started: float) -> bool:
    """Whether the agent's public server, started after ``started``, accepts connections."""
    try:
        if home.public_server_file.stat().st_mtime < started:
            return False
        port = int(json.loads(home.public_server_file.read_text("utf-8"))["port"])
        _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except (OSError, ValueError, KeyError):
        return False
    writer.close()
    await writer.wait_closed()
    return True


async def _grant_state_roles(
    descriptor: NetworkDescriptor, trustee: Any, account: str, progress: Progress
) -> None:
    """Make the state agent's ledger account an ENDORSER and a TRUSTEE."""
    async with LedgerClient(descriptor, trustee) as ledger:
        missing = [
            r for r in ("ENDORSER", "TRUSTEE") if not await ledger.roles.has_role(r, account)
        ]
        if missing and not await ledger.roles.has_role("TRUSTEE", trustee.address):
            raise LerNodeError(
                f"the state agent's account {account} lacks {', '.join(missing)}, and the local "
                f"trustee key {trustee.address} is no longer a trustee to grant it",
                hint="have a trustee grant it (ler-node ledger role grant / trustee propose)",
            )
        if "ENDORSER" in missing:
            await ledger.send(ledger.roles.grant("ENDORSER", account))
            progress(f"granted ENDORSER to the state agent's account {account}")
        if "TRUSTEE" in missing:
            await ledger.send(ledger.roles.propose_trustee_change(account, True))
            if await ledger.roles.has_role("TRUSTEE", account):
                progress("made the state agent a TRUSTEE")
            else:
                progress("proposed the state agent as TRUSTEE; other trustees must approve it")


async def public_did(admin: AdminClient) -> str | None:
    """The agent's public DID, if any."""
    result = (await admin.get("/wallet/did/public")).get("result")
    return result["did"] if result else None


async def ensure_public_did(admin: AdminClient, progress: Progress) -> str:
    """Anchor a did:ler DID and make it public, unless the agent has one."""
    did = await public_did(admin)
    if did:
        return did
    result = await admin.post("/ler/did/create", {"public": True})
    progress(f"{admin.name} anchored {result['did']}")
    return result["did"]


async def connect(inviter: AdminClient, invitee: AdminClient, alias: str) -> tuple[str, str]:
    """Connect two agents with an out-of-band invitation; returns (inviter's, invitee's) ids.

    Only single-record routes are polled: ACA-Py 1.7's list routes (``GET /connections``) hold a
    wallet session while their scan takes a second pool connection, so a few concurrent list
    calls exhaust askar's sqlite pool and stall the agent (measured by bench/flows.py).
    """
    invitation = await inviter.post(
        "/out-of-band/create-invitation",
        {"handshake_protocols": ["https://didcomm.org/didexchange/1.1"], "alias": alias},
        auto_accept="true",
    )
    oob = await inviter.get("/out-of-band/invitations", oob_id=invitation["oob_id"])
    received = await invitee.post(
        "/out-of-band/receive-invitation",
        invitation["invitation"],
        alias=inviter.name,
        auto_accept="true",
    )
    ids = (oob["connection_id"], received["connection_id"])
    for admin, connection_id in zip((inviter, invitee), ids, strict=True):
        await admin.wait_for(
            f"/connections/{connection_id}",
            lambda c: c["state"] in ("active", "completed"),
            what="connection",
        )
    return ids


async def bootstrap(
    spec: NetworkSpec,
    data_dir: Path,
    descriptor: NetworkDescriptor,
    info: NetworkInfo,
    progress: Progress,
) -> None:
    """Roles for the state agent, public DIDs, and each author's endorsement connection.

    Authors (:attr:`NetworkSpec.authors`) are the colleges, and employers that issue their own
    employment records: each is connected to the state's endorser and anchors a public did:ler.
    """
    state = AgentHome(data_dir, spec.endorser)
    async with state.admin() as state_admin:
        account = (await state_admin.get("/ler/account"))["address"]
        if spec.ledger.kind == "anvil":
            trustee = LedgerHome.in_data_dir(data_dir).trustee()
            await _grant_state_roles(descriptor, trustee, account, progress)
        info.agent(spec.endorser.id).did = await ensure_public_did(state_admin, progress)
        for author in spec.authors:
            home = AgentHome(data_dir, author)
            async with home.admin() as author_admin:
                link = info.connections.get(author.id)
                if link is None:
                    state_conn, author_conn = await connect(state_admin, author_admin, author.id)
                    await state_admin.post(
                        f"/ler/endorsement/connections/{state_conn}", {"their_role": "author"}
                    )
                    await author_admin.post(
                        f"/ler/endorsement/connections/{author_conn}", {"their_role": "endorser"}
                    )
                    info.connections[author.id] = {"state": state_conn, author.id: author_conn}
                    progress(f"connected {author.id} to the state's endorser")
                info.agent(author.id).did = await ensure_public_did(author_admin, progress)


async def network_up(spec: NetworkSpec, data_dir: Path, progress: Progress = print) -> NetworkInfo:
    """Bring up the ledger, tails server and agents, bootstrap them, write network.json."""
    data_dir = Path(data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    # PostgreSQL starts while the ledger and the tails server do (only the agents need it)
    postgres_up = None
    if spec.uses_postgres:
        postgres_up = asyncio.create_task(start_postgres(spec, data_dir, progress))
        # if the ledger fails first, its error is the one reported
        postgres_up.add_done_callback(lambda task: task.cancelled() or task.exception())
    if spec.ledger.kind == "anvil":
        up = await start_ledger(spec, data_dir, progress)
        descriptor, descriptor_file = up.descriptor, up.descriptor_file
    else:
        if not spec.ledger.descriptor:
            raise LerNodeError(
                "ledger.kind is rpc but ledger.descriptor is not set",
                hint="point it at network.json",
            )
        descriptor_file = Path(spec.ledger.descriptor)
        try:
            descriptor = NetworkDescriptor.load(descriptor_file)
        except LedgerError as exc:
            raise LerNodeError(str(exc)) from exc
    await start_tails(spec, data_dir, descriptor_file, progress)

    postgres = await postgres_up if postgres_up is not None else None
    homes = [AgentHome(data_dir, agent) for agent in spec.agents]
    await all_or_none(
        start_agent(spec, home, descriptor_file, progress, postgres) for home in homes
    )
    # replicas once the first instance made the database's schema (they would race to make it)
    replicas = [AgentHome(data_dir, i) for agent in spec.agents for i in agent.instances()[1:]]
    await all_or_none(
        start_agent(spec, home, descriptor_file, progress, postgres) for home in replicas
    )

    try:
        info = NetworkInfo.load(data_dir)
        info.rpc_url = descriptor.rpc_url
        info.descriptor = str(descriptor_file)  # the data dir may have moved (restore)
    except LerNodeError:
        info = NetworkInfo(
            network=descriptor.network,
            rpc_url=descriptor.rpc_url,
            descriptor=str(descriptor_file),
            tails_url=spec.tails.url,
        )
    known = {a.id: a for a in info.agents}
    info.agents = [_agent_info(home, known.get(home.spec.id)) for home in homes]
    try:
        await bootstrap(spec, data_dir, descriptor, info, progress)
    except AdminError as exc:
        raise LerNodeError(
            f"bootstrapping the network failed: {exc}",
            hint="read the agents' logs in " + str(data_dir / "agents"),
        ) from exc
    for home in homes:
        if home.spec.multitenant:  # its DIDs are its tenants'; the base wallet has none
            continue
        async with home.admin() as admin:
            info.agent(home.spec.id).did = await public_did(admin)
    write_registry_profiles(data_dir, spec, {a.id: a.did for a in info.agents if a.did})
    info.web_url = await start_web(spec, data_dir, progress)
    info.save(data_dir)
    return info


def _agent_info(home: AgentHome, known: AgentInfo | None) -> AgentInfo:
    return AgentInfo(
        id=home.spec.id,
        name=home.spec.name,
        role=home.spec.role,
        did=known.did if known else None,
        admin_url=home.admin_url,
        openapi_url=home.admin_url + "/api/doc",
        endpoint=home.endpoint,
        log=str(home.process.log_file),
        api_key_file=str(home.secrets_file),
    )


def network_down(spec: NetworkSpec, data_dir: Path, progress: Progress = print) -> None:
    """Stop every process the launcher started; wallets and ledger state stay."""
    data_dir = Path(data_dir).resolve()
    homes = [AgentHome(data_dir, i) for agent in spec.agents for i in agent.instances()]
    # together, and each only until its wallet is closed: an ACA-Py takes seconds more to exit
    stopped_agents = stop_all([home.process for home in homes], done_when=AGENT_STOPPED)
    for home, stopped in zip(homes, stopped_agents, strict=True):
        if stopped:
            progress(f"stopped agent {home.label}")
    if tails_process(data_dir).stop():
        progress("stopped the tails server")
    if EmbeddedPostgres(data_dir).stop():
        progress("stopped PostgreSQL (databases kept)")
    if web_process(data_dir).stop():
        progress("stopped the web app")
    if spec.ledger.kind == "anvil" and ledger_down(data_dir):
        progress("stopped the ledger (state kept)")


async def network_status(spec: NetworkSpec, data_dir: Path) -> dict[str, Any]:
    """Health of every part, the ledger height and pending endorsements."""
    data_dir = Path(data_dir).resolve()
    status: dict[str, Any] = {"data_dir": str(data_dir), "parts": []}
    parts = status["parts"]
    try:
        info = NetworkInfo.load(data_dir)
        descriptor = NetworkDescriptor.load(info.descriptor)
        async with LedgerClient(descriptor, request_timeout=3) as ledger:
            height = await ledger.block_number()
        parts.append(
            {"part": "ledger", "healthy": True, "detail": f"block {height} at {descriptor.rpc_url}"}
        )
        status["block"] = height
    except (LedgerError, LerNodeError) as exc:
        parts.append({"part": "ledger", "healthy": False, "detail": str(exc).splitlines()[0]})
    tails_ok = await _http_ok(spec.tails.url + "/health")
    parts.append({"part": "tails", "healthy": tails_ok, "detail": spec.tails.url})
    if spec.uses_postgres and not spec.postgres.connection_file:
        embedded = EmbeddedPostgres(data_dir)
        running = embedded.process.pid() is not None
        where = f"127.0.0.1:{embedded.connection().port}" if running else "not running"
        parts.append({"part": "postgres (embedded)", "healthy": running, "detail": where})
    for agent in (i for a in spec.agents for i in a.instances()):
        home = AgentHome(data_dir, agent)
        detail = home.admin_url
        async with home.admin(timeout=5) as admin:
            ready = await admin.ready()
            if ready and agent.role == "endorser":
                pending = await admin.get("/ler/endorsement/requests", state="pending")
                status["pending_endorsements"] = len(pending["results"])
                detail += f", {status['pending_endorsements']} pending endorsements"
        parts.append(
            {
                "part": f"agent {home.label} ({agent.role})",
                "healthy": ready,
                "detail": detail,
                "log": str(home.process.log_file),
            }
        )
    parts.append(await web_status(data_dir))
    status["healthy"] = all(p["healthy"] for p in parts)
    return status
