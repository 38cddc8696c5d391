"""The web app's settings: one YAML file (``--config`` or ``LER_WEB_CONFIG``), no secrets inline.

Secrets live in files the settings name: each agent's admin API key, the accounts file (argon2
hashes) and the session key (created, mode 0600, on first start).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CONFIG_ENV = "LER_WEB_CONFIG"
REPO = Path(__file__).resolve().parents[2]
#: htmx is served from the pinned npm package (``ledger_config/package.json``), not copied here.
DEFAULT_HTMX = REPO / "ledger_config" / "node_modules" / "htmx.org" / "dist" / "htmx.min.js"


class WebSettingsError(ValueError):
    """The settings file is missing, unreadable or incomplete."""


def secret_in_file(path: Path, what: str) -> str:
    """The secret ``path`` holds alone (one line, surrounding blanks dropped)."""
    try:
        secret = path.read_text("utf-8").strip()
    except OSError as exc:
        raise WebSettingsError(f"cannot read the {what}: {exc}") from exc
    if not secret or "\n" in secret:
        raise WebSettingsError(f"{path} must hold the {what} alone")
    return secret


@dataclass(frozen=True)
class AgentLink:
    """How the web app reaches one agent: its admin URL and the file holding its API key."""

    id: str
    admin_url: str
    api_key_file: Path
    name: str = ""

    def api_key(self) -> str:
        """The admin API key: the whole content of its file (which holds nothing else)."""
        return secret_in_file(self.api_key_file, f"API key of {self.id}")


@dataclass(frozen=True)
class OidcSettings:
    """Sign-in with the state's OpenID Connect provider: only ``issuer`` is ever fetched."""

    issuer: str  # https://login.state.example (its discovery document must name it)
    client_id: str
    client_secret_file: Path  # the client secret alone, in a file of its own
    email_domain: str | None = None  # also map name@email_domain to the account ``name``
    redirect_url: str | None = None  # default: this site's /sign-in/oidc/callback

    def client_secret(self) -> str:
        """The client secret: the whole content of its file."""
        return secret_in_file(self.client_secret_file, "OpenID Connect client secret")

    @classmethod
    def from_mapping(cls, raw: Any, base: Path) -> OidcSettings:
        """The ``oidc`` setting: issuer, client_id, client_secret_file (never the secret)."""
        if not isinstance(raw, dict) or not {"issuer", "client_id", "client_secret_file"} <= set(
            raw
        ):
            raise WebSettingsError("oidc needs issuer, client_id and client_secret_file")
        if "client_secret" in raw:
            raise WebSettingsError("oidc: put the client secret in client_secret_file, not inline")
        issuer = str(raw["issuer"]).rstrip("/")
        if not issuer.startswith(("https://", "http://127.0.0.1:", "http://localhost:")):
            raise WebSettingsError("oidc.issuer must be an https:// URL")
        return cls(
            issuer=issuer,
            client_id=str(raw["client_id"]),
            client_secret_file=(base / str(raw["client_secret_file"])).resolve(),
            email_domain=str(raw["email_domain"]).lower() if raw.get("email_domain") else None,
            redirect_url=str(raw["redirect_url"]) if raw.get("redirect_url") else None,
        )


@dataclass
class WebSettings:
    """Everything the web app needs to start."""

    accounts_file: Path
    session_key_file: Path
    agents: dict[str, AgentLink] = field(default_factory=dict)
    verifier: str | None = None  # agent id of the employer check's verifier
    state: str | None = None  # the state's endorser agent
    registrar: str | None = None  # the college whose registrar console this is
    hosted: str | None = None  # the state's hosted agent, where learners' wallets are tenants
    host: str = "127.0.0.1"
    port: int = 0  # 0: any free port; the bound URL goes to url_file
    url_file: Path | None = None
    tails_url: str | None = None
    htmx_file: Path = DEFAULT_HTMX
    secure_cookies: bool = False  # true behind HTTPS
    session_minutes: int = 480
    checks_per_minute: int = 20  # per client address, on the anonymous check page
    oidc: OidcSettings | None = None  # sign-in with the state's OpenID Connect provider

    def agent(self, role: str) -> AgentLink | None:
        """The agent serving ``role`` (verifier, state, registrar or hosted), if configured."""
        agent_id = getattr(self, role)
        return self.agents.get(agent_id) if agent_id else None

    @classmethod
    def load(cls, path: Path | None = None) -> WebSettings:
        """Read the settings file named by ``path`` or by ``LER_WEB_CONFIG``."""
        path = path or (Path(os.environ[CONFIG_ENV]) if os.environ.get(CONFIG_ENV) else None)
        if path is None:
            raise WebSettingsError(f"no settings file: pass --config or set {CONFIG_ENV}")
        try:
            raw = yaml.safe_load(Path(path).read_text("utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise WebSettingsError(f"cannot read the settings file {path}: {exc}") from exc
        if not isinstance(raw, dict):
            raise WebSettingsError(f"{path} must hold a mapping of settings")
        return cls.from_mapping(raw, Path(path).parent)

    @classmethod
    def from_mapping(cls, raw: dict[str, Any], base: Path) -> WebSettings:
        """Settings from a parsed file; relative paths are relative to ``base``."""

        def path(key: str, default: Path | None = None) -> Path:
            value = raw.get(key)
            if value is None:
                if default is None:
                    raise WebSettingsError(f"the setting {key} is required")
                return default
            return (base / str(value)).resolve()

        agents = {}
        for agent_id, link in (raw.get("agents") or {}).items():
            if not isinstance(link, dict) or "admin_url" not in link or "api_key_file" not in link:
                raise WebSettingsError(f"agents.{agent_id} needs admin_url and api_key_file")
            agents[agent_id] = AgentLink(
                id=agent_id,
                admin_url=str(link["admin_url"]).rstrip("/"),
                api_key_file=(base / str(link["api_key_file"])).resolve(),
                name=str(link.get("name", agent_id)),
            )
        settings = cls(
            accounts_file=path("accounts_file"),
            session_key_file=path("session_key_file"),
            agents=agents,
            host=str(raw.get("host", "127.0.0.1")),
            port=int(raw.get("port", 0)),
            url_file=path("url_file") if raw.get("url_file") else None,
            tails_url=raw.get("tails_url"),
            htmx_file=path("htmx_file", DEFAULT_HTMX),
            secure_cookies=bool(raw.get("secure_cookies", False)),
            session_minutes=int(raw.get("session_minutes", 480)),
            checks_per_minute=int(raw.get("checks_per_minute", 20)),
            oidc=OidcSettings.from_mapping(raw["oidc"], base) if raw.get("oidc") else None,
        )
        for role in ("verifier", "state", "registrar", "hosted"):
            agent_id = raw.get(role)
            if agent_id is not None and agent_id not in agents:
                raise WebSettingsError(f"{role}: {agent_id!r} is not one of the agents listed")
            setattr(settings, role, agent_id)
        return settings
