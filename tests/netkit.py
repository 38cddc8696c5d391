"""The test session's network of real processes, and handles on it.

One network serves every end-to-end test (tests/e2e, tests/badges/test_e2e_badges.py and the
CLI test): the local network (``ledger_config/networks/local.yml``) on free ports, with its
second college renamed ``rival`` and a dishonest holder, ``mallory``, that hides revocations.
Tests that change what others read (policies, roles, pins) put it back before they end.

The network starts in a process of its own (:class:`Boot`, ``python netkit.py``) when the session
starts, so the tests that come before the first end-to-end test run while it boots.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import subprocess
import sys
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from aiohttp import web

from ler_node.ledger.local import LedgerHome
from ler_node.network import flows
from ler_node.network.admin import AdminClient
from ler_node.network.agents import AgentHome
from ler_node.network.launcher import NetworkInfo, connect, network_up, tails_process
from ler_node.network.spec import AtsSpec, NetworkSpec
from ler_node.network.web_process import web_process
from ler_node.postgres import EmbeddedPostgres
from ler_node.private_files import write_private
from ler_node.processes import log_tail

E2E = Path(__file__).resolve().parent / "e2e"
SPEC_COPY = "network-spec.yml"  # where `ler-node network up --data-dir` finds the network file


@dataclass(frozen=True)
class AtsPost:
    """One POST to the employer's ATS webhook, as it arrived."""

    method: str
    headers: dict[str, str]
    body: bytes
    status: int  # what the sink answered


@dataclass
class WebhookSink:
    """Records webhooks: (agent id, topic, payload), in arrival order; and the employer's ATS
    hand-offs (POST /ats), answering 503 to those a test asks it to refuse.
    """

    url: str = ""
    received: list[tuple[str, str, dict]] = field(default_factory=list)
    ats_posts: list[AtsPost] = field(default_factory=list)
    _ats_refusals: list[list] = field(default_factory=list)  # [marker, times left]

    def app(self) -> web.Application:
        """The receiving web app: POST /<agent>/topic/<topic>/, and POST /ats."""
        app = web.Application()
        app.router.add_post("/{agent}/topic/{topic}/", self._receive)
        app.router.add_post("/ats", self._ats)
        return app

    def refuse_ats(self, marker: str, times: int) -> None:
        """Answer 503 to the next ``times`` ATS posts whose body contains ``marker``."""
        self._ats_refusals.append([marker.encode(), times])

    def ats_posts_with(self, marker: str) -> list[AtsPost]:
        """The ATS posts whose body contains ``marker``."""
        return [p for p in list(self.ats_posts) if marker.encode() in p.body]

    async def _ats(self, request: web.Request) -> web.Response:
        body = await request.read()
        status = 200
        for refusal in self._ats_refusals:
            if refusal[1] > 0 and refusal[0] in body:
                refusal[1] -= 1
                status = 503
                break
        self.ats_posts.append(AtsPost(request.method, dict(request.headers), body, status))
        return web.Response(status=status)

    async def _receive(self, request: web.Request) -> web.Response:
        payload = await request.json()
        self.received.append((request.match_info["agent"], request.match_info["topic"], payload))
        return web.Response(status=200)

    def of(self, agent: str, topic: str) -> list[dict]:
        """Payloads one agent sent on one topic."""
        return [p for a, t, p in self.received if a == agent and t == topic]

    def serve(self) -> None:
        """Serve on a free port of 127.0.0.1 from a thread of its own, until :meth:`close`.

        So agents are answered at once, also while no test's event loop runs (a sync test, or
        between tests while the network boots).
        """
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="webhook sink", daemon=True
        )
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=30)

    async def _start(self) -> None:
        self._runner = web.AppRunner(self.app())
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)  # the port it binds is the one it reports
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    def close(self) -> None:
        """Stop serving."""
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._loop.close()


# A stalled exchange is abandoned 15 to 20 s after its last step (at this timeout the plugin looks
# every 5 s); a step takes well under a second, even on a loaded machine.
EXCHANGE_TIMEOUT = 15
VC_API_MIN_TTL = 3


#: the HMAC key of the employer's ATS webhook, in the data directory (mode 0600)
ATS_SECRET = "ats-hmac-key"
ATS_RETRY_SECONDS = 0.2


def session_spec(stale_pin: Path, webhooks: str, ats_secret: Path | None = None) -> NetworkSpec:
    """The local network on free ports, its second college as ``rival``, plus ``mallory``.

    The colleges send their webhooks to ``webhooks``/<agent id>; the employer hands match reports
    off to ``webhooks``/ats as a presentation signed by its did:ler (its only DID: it issues its
    employment records under it), with the HMAC header of the key in ``ats_secret`` too; the
    college (as an employer of its staff) signs its presentations as its did:web.
    """
    local = NetworkSpec.load()
    rival = next(a for a in local.agents if a.id == "tech-institute")
    agents = [a for a in local.agents if a is not rival]
    agents.append(rival.model_copy(update={"id": "rival"}))
    learner = next(a for a in local.agents if a.role == "holder")
    agents.append(
        learner.model_copy(
            update={
                "id": "mallory",
                "name": "Mallory",
                "extra_args": ["--plugin", "stale_holder"],
                "env": {"PYTHONPATH": str(E2E), "LER_TEST_STALE_PIN": str(stale_pin)},
            }
        )
    )
    for agent in agents:
        if agent.role == "issuer":
            agent.extra_args = ["--webhook-url", f"{webhooks}/{agent.id}"]
        # exchanges a killed agent interrupted end within a test's patience (e2e/test_faults)
        agent.extra_args = [*agent.extra_args, "-o", f"ler.exchange_timeout={EXCHANGE_TIMEOUT}"]
        # VC-API exchanges that live seconds, so tests see unread ones expire (tests/vc_api)
        agent.extra_args += ["-o", f"ler_badges.vc_api.min_ttl_seconds={VC_API_MIN_TTL}"]
        if agent.id == "employer" and ats_secret is not None:
            agent.ats = AtsSpec(
                url=f"{webhooks}/ats",
                secret_file=str(ats_secret),
                signing="vp",
                retry_seconds=ATS_RETRY_SECONDS,
                max_attempts=3,
                timeout=5,
            )
        if agent.id == "college" and ats_secret is not None:  # as an employer: signed by its DID
            agent.ats = AtsSpec(
                url=f"{webhooks}/ats", signing="vp", retry_seconds=ATS_RETRY_SECONDS, timeout=5
            )
    return local.model_copy(update={"agents": agents}).on_free_ports()


def save_spec(spec: NetworkSpec, data_dir: Path) -> None:
    """Keep the network file in the data directory, as `ler-node network up --config` does."""
    (data_dir / SPEC_COPY).write_text(yaml.safe_dump(spec.model_dump(mode="json")), "utf-8")


async def stop_network(spec: NetworkSpec, data_dir: Path) -> None:
    """End every process of a test's network, whose files go with the test's directory.

    Killed, not stopped: nothing of theirs is kept, and an ACA-Py takes one to four seconds after
    SIGTERM to tear its interpreter down. (`ler-node network down`, which stops them gracefully,
    is tested by e2e/test_network_cli.py and the guides.)
    """
    ledger = LedgerHome.in_data_dir(data_dir).anvil
    for files in (
        *(AgentHome(data_dir, i).process for agent in spec.agents for i in agent.instances()),
        tails_process(data_dir),
        web_process(data_dir),
        ledger.gateway,
        ledger.process,
    ):
        files.kill()
    # the hosted agent's embedded PostgreSQL: its cluster may live outside the data dir
    await asyncio.to_thread(EmbeddedPostgres(data_dir).remove)


STALE_PIN = "stale-pin"  # mallory's file, in the data directory
BOOT_LOG = "boot.log"


@dataclass
class Boot:
    """The session's network, starting in a process of its own (this file run as a script).

    The process runs :func:`network_up` on :func:`session_spec` and keeps the network file in the
    data directory (after ``network_up``, which moves a part whose port was taken), then exits;
    the network's processes go on running.
    """

    data_dir: Path
    webhooks: WebhookSink
    process: subprocess.Popen

    @classmethod
    def start(cls, data_dir: Path, webhooks: WebhookSink) -> Boot:
        """Start booting the network in ``data_dir``; its colleges send webhooks to ``webhooks``."""
        with open(data_dir / BOOT_LOG, "wb") as log:
            process = subprocess.Popen(
                [sys.executable, __file__, str(data_dir), webhooks.url],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        return cls(data_dir, webhooks, process)

    async def network(self) -> Network:
        """The network, once it is up; raises if it could not start."""
        if await asyncio.to_thread(self.process.wait) != 0:
            raise RuntimeError(
                f"the session's network did not start:\n{log_tail(self.data_dir / BOOT_LOG, 40)}"
            )
        spec = NetworkSpec.load(self.data_dir / SPEC_COPY)
        info = NetworkInfo.load(self.data_dir)
        return Network(spec, self.data_dir, info, self.data_dir / STALE_PIN, self.webhooks)

    def stop(self) -> None:
        """End the boot if it still runs, and every process of the network."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        spec_file = self.data_dir / SPEC_COPY  # the agents' ids are what finds their processes
        spec = NetworkSpec.load(spec_file) if spec_file.exists() else session_spec(Path(), "")
        asyncio.run(stop_network(spec, self.data_dir))


def _boot(data_dir: Path, webhooks: str) -> None:
    write_private(data_dir / ATS_SECRET, secrets.token_urlsafe(32))
    spec = session_spec(data_dir / STALE_PIN, webhooks, data_dir / ATS_SECRET)
    asyncio.run(network_up(spec, data_dir, progress=print))
    save_spec(spec, data_dir)


@dataclass
class Network:
    """A running network and handles on it."""

    spec: NetworkSpec
    data_dir: Path
    info: NetworkInfo
    stale_pin: Path
    webhooks: WebhookSink | None = None
    links: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)

    def home(self, agent_id: str) -> AgentHome:
        """One agent's files."""
        return AgentHome(self.data_dir, next(a for a in self.spec.agents if a.id == agent_id))

    def admin(self, agent_id: str) -> AdminClient:
        """One agent's admin API."""
        return self.home(agent_id).admin()

    @contextlib.asynccontextmanager
    async def admins_with_the_college_accredited(
        self, *agent_ids: str
    ) -> AsyncIterator[dict[str, AdminClient]]:
        """Admin clients of ``agent_ids`` (the state among them), the college accredited for
        Certificates (as every test that issues them sets; never withdrawn); closed after.
        """
        clients = {agent_id: self.admin(agent_id) for agent_id in agent_ids}
        try:
            await flows.set_accreditation(
                clients["state"], self.did("college"), "Certificate", "accredit"
            )
            yield clients
        finally:
            for client in clients.values():
                await client.close()

    def did(self, agent_id: str) -> str:
        """An agent's public DID."""
        did = self.info.agent(agent_id).did
        assert did, f"{agent_id} has no public DID"
        return did

    async def connection(
        self, admins: dict[str, AdminClient], inviter: str, invitee: str
    ) -> tuple[str, str]:
        """A connection between two agents, made once per session: (inviter's, invitee's) ids."""
        key = (inviter, invitee)
        if key not in self.links:
            self.links[key] = await connect(admins[inviter], admins[invitee], invitee)
        return self.links[key]


async def held_request(state: AdminClient, thread_id: str) -> dict:
    """The endorser's record of the request on ``thread_id``, once it holds it for a person."""

    def held(records: dict) -> list[dict]:
        return [
            x for x in records["results"] if x["thread_id"] == thread_id and x["state"] == "pending"
        ]

    pending = await state.wait_for(
        "/ler/endorsement/requests?role=endorser", held, what="the held request"
    )
    return held(pending)[0]


if __name__ == "__main__":  # Boot.start: python netkit.py DATA_DIR WEBHOOKS_URL
    _boot(Path(sys.argv[1]), sys.argv[2])
