"""The network's web app (``python -m ler_web``): its settings, first accounts, start and stop.

The web app gets an admin API key file per agent (the key alone, never the wallet key), and on a
first start three accounts, a state officer, a registrar and an employer, with random passwords in
``<data dir>/secrets/web-accounts.txt`` (mode 0600); with a hosted agent, also a demo learner
bound to a new learner tenant of it (which waits for the learner to accept each offer).
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Callable
from pathlib import Path

import aiohttp
import yaml

from ler_web import AccountStore

from ..errors import ProcessStartError
from ..private_files import write_private
from ..processes import ProcessFiles, wait_healthy
from .admin import AdminError
from .agents import AgentHome
from .spec import NetworkSpec

START_TIMEOUT = 30.0
RUNNING_GRACE = 10.0  # how long a running web app may take to answer before it is restarted
FIRST_ACCOUNTS = (
    ("state-officer", "State program officer", "state_officer"),
    ("registrar", "College registrar", "registrar"),
    ("employer", "Employer recruiter", "employer"),
)
DEMO_LEARNER = ("learner", "Avery Learner", "learner")
#: the demo learner's tenant keeps credential offers until the learner accepts or declines them
LEARNER_SETTINGS = {"ACAPY_AUTO_RESPOND_CREDENTIAL_OFFER": False}


def web_root(data_dir: Path) -> Path:
    """``<data>/web``: the web app's settings, accounts, session key and log."""
    return data_dir / "web"


def web_process(data_dir: Path) -> ProcessFiles:
    """PID and log of the web app."""
    root = web_root(data_dir)
    return ProcessFiles("web app", root / "web.pid", root / "web.log")


def accounts_note(data_dir: Path) -> Path:
    """Where the first accounts' passwords are written."""
    return data_dir / "secrets" / "web-accounts.txt"


def write_settings(spec: NetworkSpec, data_dir: Path, port: int = 0) -> Path:
    """The web app's settings file, and an API key file per agent (``port`` 0: any free one)."""
    root = web_root(data_dir)
    agents = {}
    for agent in spec.agents:
        home = AgentHome(data_dir, agent)
        key_file = root / "keys" / f"{agent.id}.key"
        write_private(key_file, home.secrets()["api_key"] + "\n")
        agents[agent.id] = {
            "admin_url": home.admin_url,
            "api_key_file": str(key_file),
            "name": agent.name,
        }
    verifiers, issuers = spec.by_role("verifier"), spec.by_role("issuer")
    settings = {
        "host": "127.0.0.1",
        "port": port,
        "url_file": str(root / "web.url"),
        "accounts_file": str(root / "accounts.json"),
        "session_key_file": str(data_dir / "secrets" / "web-session.key"),
        "tails_url": spec.tails.url,
        "agents": agents,
        "state": spec.endorser.id,
        "verifier": verifiers[0].id if verifiers else None,
        "registrar": issuers[0].id if issuers else None,
        "hosted": next((a.id for a in spec.agents if a.multitenant), None),
    }
    path = root / "web.yml"
    settings.update(kept_settings(path))
    settings.update(spec.web.settings())  # the network file's options win over kept ones
    path.write_text(yaml.safe_dump(settings, sort_keys=False), "utf-8")
    return path


#: Settings an operator adds to ``web.yml`` by hand, kept when the network rewrites the file
#: unless the network file's ``web:`` sets them.
KEPT_SETTINGS = ("oidc", "secure_cookies", "session_minutes", "checks_per_minute")


def kept_settings(path: Path) -> dict:
    """The operator's own settings in an existing ``web.yml`` (sign-in provider and such)."""
    try:
        old = yaml.safe_load(path.read_text("utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    return {k: old[k] for k in KEPT_SETTINGS if isinstance(old, dict) and k in old}


def ensure_accounts(data_dir: Path, learner_wallet: str | None = None) -> Path | None:
    """Make the first accounts if there are none; returns the passwords file if it made them.

    ``learner_wallet``: the hosted tenant the demo learner's account is bound to (else none).
    """
    store = AccountStore(web_root(data_dir) / "accounts.json")
    if store.path.exists():
        return None
    lines = []
    for username, name, role in (*FIRST_ACCOUNTS, *([DEMO_LEARNER] if learner_wallet else [])):
        password = secrets.token_urlsafe(12)
        store.add(username, name, role, password, learner_wallet if role == "learner" else "")
        lines.append(f"{username} ({role}): {password}")
    write_private(accounts_note(data_dir), "\n".join(lines) + "\n")
    return accounts_note(data_dir)


async def _learner_tenant(
    spec: NetworkSpec, data_dir: Path, progress: Callable[[str], None]
) -> str | None:
    """A new learner tenant of the hosted agent for the demo learner; None without one."""
    from .hosting import Hosting  # the hosting module imports the launcher, which imports this

    hosted = [a for a in spec.agents if a.multitenant]
    if not hosted:
        return None
    try:
        async with Hosting.of(AgentHome(data_dir, hosted[0])) as hosting:
            tenant = await hosting.create(DEMO_LEARNER[1])
            await hosting.admin.put(
                f"/multitenancy/wallet/{tenant.wallet_id}", {"extra_settings": LEARNER_SETTINGS}
            )
            return tenant.wallet_id
    except AdminError as exc:
        progress(f"no demo learner account: its wallet could not be made ({exc})")
        return None


async def _healthy(url: str) -> bool:
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session,
            session.get(url + "/healthz") as response,
        ):
            return response.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False


def web_url(data_dir: Path) -> str:
    """The address the web app last listened on ("" if it never started)."""
    url_file = web_root(data_dir) / "web.url"
    return url_file.read_text("utf-8").strip() if url_file.exists() else ""


async def web_status(data_dir: Path) -> dict[str, object]:
    """The web app's part of ``network status``: running and answering, where, its log."""
    files, url = web_process(data_dir), web_url(data_dir)
    healthy = files.pid() is not None and bool(url) and await _healthy(url)
    detail = url if healthy else (f"not answering at {url}" if url else "never started")
    return {"part": "web app", "healthy": healthy, "detail": detail, "log": str(files.log_file)}


async def start_web(
    spec: NetworkSpec, data_dir: Path, progress: Callable[[str], None] = print
) -> str:
    """Start the web app unless it runs; returns its URL (kept across restarts when it can be)."""
    files = web_process(data_dir)
    previous = web_url(data_dir)
    if files.pid() is not None and previous:
        try:  # a busy machine answers late: give it a while before restarting it
            await wait_healthy(lambda: _healthy(previous), files, RUNNING_GRACE, "the web app")
            return previous
        except ProcessStartError:
            await files.stop_async()
    learner_wallet = None
    if not (web_root(data_dir) / "accounts.json").exists():
        learner_wallet = await _learner_tenant(spec, data_dir, progress)
    made = ensure_accounts(data_dir, learner_wallet)
    if made is not None:
        progress(f"web app accounts made; their passwords are in {made}")
    port = int(previous.rsplit(":", 1)[1]) if previous else 0
    try:
        return await _start(spec, data_dir, port, progress)
    except ProcessStartError:
        if port == 0:
            raise
        await web_process(data_dir).stop_async()
        progress(f"the web app could not start on its port {port}; it moves to a free one")
        return await _start(spec, data_dir, 0, progress)


async def _start(
    spec: NetworkSpec, data_dir: Path, port: int, progress: Callable[[str], None]
) -> str:
    files = web_process(data_dir)
    url_file = web_root(data_dir) / "web.url"
    settings = write_settings(spec, data_dir, port)
    url_file.unlink(missing_ok=True)
    files.start([sys.executable, "-m", "ler_web", "serve", "--config", str(settings)])

    async def answers() -> bool:
        url = url_file.read_text("utf-8").strip() if url_file.exists() else ""
        return bool(url) and await _healthy(url)

    await wait_healthy(answers, files, START_TIMEOUT, "the web app", interval=0.1)
    url = url_file.read_text("utf-8").strip()
    progress(f"web app at {url}")
    return url
