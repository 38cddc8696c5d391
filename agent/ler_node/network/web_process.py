"""The network's web app (``python -m ler_web``): its settings, first accounts, start and stop.

The web app gets an admin API key file per agent (the key alone, never the wallet key), and on a
first start two accounts, a state officer and a registrar, with random passwords written to
``<data dir>/secrets/web-accounts.txt`` (mode 0600).
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
from .agents import AgentHome
from .spec import NetworkSpec

START_TIMEOUT = 30.0
RUNNING_GRACE = 10.0  # how long a running web app may take to answer before it is restarted
FIRST_ACCOUNTS = (
    ("state-officer", "State program officer", "state_officer"),
    ("registrar", "College registrar", "registrar"),
)


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
    }
    path = root / "web.yml"
    path.write_text(yaml.safe_dump(settings, sort_keys=False), "utf-8")
    return path


def ensure_accounts(data_dir: Path) -> Path | None:
    """Make the first accounts if there are none; returns the passwords file if it made them."""
    store = AccountStore(web_root(data_dir) / "accounts.json")
    if store.path.exists():
        return None
    lines = []
    for username, name, role in FIRST_ACCOUNTS:
        password = secrets.token_urlsafe(12)
        store.add(username, name, role, password)
        lines.append(f"{username} ({role}): {password}")
    write_private(accounts_note(data_dir), "\n".join(lines) + "\n")
    return accounts_note(data_dir)


async def _healthy(url: str) -> bool:
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session,
            session.get(url + "/healthz") as response,
        ):
            return response.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False


async def start_web(
    spec: NetworkSpec, data_dir: Path, progress: Callable[[str], None] = print
) -> str:
    """Start the web app unless it runs; returns its URL (kept across restarts when it can be)."""
    files = web_process(data_dir)
    url_file = web_root(data_dir) / "web.url"
    previous = url_file.read_text("utf-8").strip() if url_file.exists() else ""
    if files.pid() is not None and previous:
        try:  # a busy machine answers late: give it a while before restarting it
            await wait_healthy(lambda: _healthy(previous), files, RUNNING_GRACE, "the web app")
            return previous
        except ProcessStartError:
            await files.stop_async()
    made = ensure_accounts(data_dir)
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
