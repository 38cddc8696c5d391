"""ACA-Py agent processes: command lines per role, secrets, files, start and health."""

from __future__ import annotations

import json
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

import base58
import yaml

from ..postgres import Connection
from ..private_files import write_private
from ..processes import ProcessFiles
from .admin import AdminClient
from .local_tls import ensure_local_tls
from .registry_profiles import profiles_file
from .spec import AgentSpec, NetworkSpec

# ACA-Py flags per role, beyond the common ones.
ROLE_FLAGS: dict[str, list[str]] = {
    "endorser": [],
    "issuer": ["--notify-revocation"],
    "holder": [
        "--auto-respond-credential-offer",
        "--auto-store-credential",
        "--auto-respond-presentation-request",
        "--monitor-revocation-notification",
    ],
    "verifier": [],
}
#: role flags a hosted (multitenant) agent leaves out: a hosted learner answers a proof request
#: only after seeing what it shares (ler_tenants' /ler/wallet/proof-requests routes)
NOT_HOSTED = frozenset({"--auto-respond-presentation-request"})
#: process settings every agent starts with unless the launcher's environment or the network
#: file's ``env`` says otherwise. One tokio worker for askar: an agent has one Python thread
#: feeding askar, and with a worker per core the idle workers wake and park each other on every
#: wallet call. bench/flows.py measured 4-6 % less CPU per flow at 1 and 5 concurrent flows and
#: no change in CPU or flows per minute at 20 (docs/operators.md, "What a flow costs").
RUNTIME_DEFAULTS: dict[str, str] = {"TOKIO_WORKER_THREADS": "1"}


def raw_wallet_key() -> dict[str, str]:
    """A random wallet key, used as it is (ACA-Py's key derivation method RAW).

    Derivation (argon2i, ACA-Py's default) makes a guessable password costly to try; a random
    256-bit key is not guessable, and deriving it costs half a second of CPU at every start.
    """
    return {
        "wallet_key": base58.b58encode(secrets.token_bytes(32)).decode(),
        "wallet_key_method": "RAW",
    }


@dataclass(frozen=True)
class AgentHome:
    """One agent's files inside the data directory."""

    data_dir: Path
    spec: AgentSpec

    @property
    def root(self) -> Path:
        """``<data>/agents/<id>``: its HOME (wallet in .acapy_agent, tails in .indy_client)."""
        return self.data_dir / "agents" / self.spec.id

    @property
    def home_dir(self) -> Path:
        """The process's HOME and working directory: the root, or a folder per extra instance."""
        if self.spec.instance == 1:
            return self.root
        return self.root / f"instance-{self.spec.instance}"

    @property
    def label(self) -> str:
        """``<id>``, or ``<id>#<n>`` for instance n > 1 of a replicated agent."""
        return self.spec.id if self.spec.instance == 1 else f"{self.spec.id}#{self.spec.instance}"

    @property
    def secrets_file(self) -> Path:
        """Admin API key and wallet key (mode 0600)."""
        return self.data_dir / "secrets" / f"{self.spec.id}.json"

    @property
    def plugin_config(self) -> Path:
        """The ler plugin's config file."""
        return self.root / "plugins.yml"

    @property
    def process(self) -> ProcessFiles:
        """PID and log."""
        return ProcessFiles(
            f"agent {self.label}", self.home_dir / "agent.pid", self.home_dir / "agent.log"
        )

    @property
    def admin_url(self) -> str:
        """Admin API base URL."""
        return f"http://127.0.0.1:{self.spec.admin_port}"

    @property
    def endpoint(self) -> str:
        """DIDComm endpoint."""
        return f"http://127.0.0.1:{self.spec.inbound_port}"

    def secrets(self) -> dict[str, str]:
        """The agent's keys, generated on first use (a hosted agent's JWT secret too)."""
        values: dict[str, str] = {}
        if self.secrets_file.exists():
            values = json.loads(self.secrets_file.read_text("utf-8"))
        missing = {"api_key", "wallet_key"} - values.keys()
        if self.spec.multitenant and "jwt_secret" not in values:
            missing.add("jwt_secret")  # >= 32 bytes, or ACA-Py warns on every token
        if missing:
            values.update({key: secrets.token_urlsafe(48) for key in missing})
            # not for a hosted agent: ACA-Py gives its tenants' wallets the base wallet's method
            if "wallet_key" in missing and not self.spec.multitenant:
                values.update(raw_wallet_key())
            write_private(self.secrets_file, json.dumps(values) + "\n")
        return values

    @property
    def serves_public(self) -> bool:
        """Whether it runs ler_badges' public server (status lists, did:web, VC-API, registry)."""
        return self.spec.role in ("issuer", "verifier", "endorser") or self.spec.multitenant

    @property
    def public_server_file(self) -> Path:
        """Where its public server records the port it bound (rewritten at each start)."""
        return self.home_dir / ".ler_badges" / "status-lists" / "server.json"

    def admin(self, timeout: float = 60.0) -> AdminClient:
        """A client for its admin API."""
        return AdminClient(self.spec.id, self.admin_url, self.secrets()["api_key"], timeout)

    def write_plugin_config(self, descriptor: Path, extra: dict | None = None) -> Path:
        """The plugin config (no secrets in it)."""
        config = {
            "ler": {
                "descriptor": str(descriptor),
                "endorsement": {"role": self.spec.ledger_role, "auto_approve": True},
                "verifier": {"auto_verify": True},
                **(extra or {}),
            }
        }
        # every agent of a launched network listens on 127.0.0.1, so verifiers fetch status lists
        # from loopback, which ler_badges refuses unless allowed
        config["ler_badges"] = {"fetch": {"allow_hosts": ["127.0.0.1", "localhost"]}}
        # ler_badges' public server, on a kept port: a college's signed status lists and VC-API
        # exchanges, an employer's VC-API exchanges, the state's issuer registry, tenants' exchanges
        if self.serves_public:
            config["ler_badges"]["status_lists"] = {"port": "auto"}
        if self.spec.role == "endorser":  # the state names its colleges in its issuer registry
            config["ler_badges"]["issuer_registry"] = {
                "profiles": str(profiles_file(self.data_dir))
            }
        # did:web needs https: the local test CA, trusted by every verifier; a college serves its
        # did:web (did:web:localhost%3A<port>) and status lists with its certificate
        tls = ensure_local_tls(self.data_dir)
        config["ler_badges"]["fetch"]["ca_file"] = str(tls.ca_file)
        if self.spec.role == "issuer":
            config["ler_badges"]["did_web"] = {"domain": "localhost:{port}"}
            config["ler_badges"]["tls"] = {
                "cert_file": str(tls.cert_file),
                "key_file": str(tls.key_file),
            }
        if self.spec.ats is not None:  # an employer's ATS webhook (the key stays in its file)
            config["ler_hiring"] = {"ats": self.spec.ats.plugin_config()}
        self.home_dir.mkdir(parents=True, exist_ok=True)
        self.plugin_config.write_text(yaml.safe_dump(config, sort_keys=False), "utf-8")
        return self.plugin_config

    def command(self, spec: NetworkSpec) -> list[str]:
        """The ``aca-py start`` command line (keys come from the environment, not argv)."""
        agent = self.spec
        command = [
            str(Path(sys.executable).with_name("aca-py")), "start",
            "--label", agent.name,
            "--inbound-transport", "http", "127.0.0.1", str(agent.inbound_port),
            "--outbound-transport", "http",
            "--endpoint", self.endpoint,
            "--admin", "127.0.0.1", str(agent.admin_port),
            "--wallet-type", "askar-anoncreds",
            "--wallet-name", agent.id,
            "--auto-provision",
            "--no-ledger",
            "--plugin", "ler_ledger",
            "--plugin", "ler_badges",
            "--plugin", "ler_hiring",  # jobs, skills matches, LER résumés (employers, learners)
            "--plugin-config", str(self.plugin_config),
            "--auto-accept-invites",
            "--auto-accept-requests",
            "--auto-ping-connection",
            "--preserve-exchange-records",
            "--log-level", "info",
        ]  # fmt: skip
        if agent.role == "issuer" or agent.multitenant:
            command += [
                "--tails-server-base-url", spec.tails.url,
                "--tails-server-upload-url", spec.tails.url,
            ]  # fmt: skip
        if agent.storage == "postgres":  # the connection comes from the environment
            command += ["--wallet-storage-type", "postgres_storage"]
        role_flags = ROLE_FLAGS[agent.role]
        if agent.multitenant:
            command += self._multitenant_flags()
            role_flags = [flag for flag in role_flags if flag not in NOT_HOSTED]
        return command + role_flags + agent.extra_args

    def _multitenant_flags(self) -> list[str]:
        """A hosted agent: tenants with JWTs, the multitenancy admin API, the tenant plugin."""
        flags = ["--multitenant", "--multitenant-admin", "--plugin", "ler_tenants"]
        if self.spec.tenant_store == "shared":
            flags += [
                "--multitenancy-config",
                "wallet_type=single-wallet-askar",
                f"wallet_name={self.spec.id}-tenants",
            ]
        return flags

    def environment(
        self, postgres: Connection | None = None, max_connections: int = 10
    ) -> dict[str, str]:
        """Secrets, HOME and runtime defaults for the process (ACA-Py reads ACAPY_* variables).

        ``postgres``: the server of an agent with ``storage: postgres``.
        """
        keys = self.secrets()
        env = {
            **{k: v for k, v in RUNTIME_DEFAULTS.items() if k not in os.environ},
            **self.spec.env,
            "HOME": str(self.home_dir),
            "ACAPY_ADMIN_API_KEY": keys["api_key"],
            "ACAPY_WALLET_KEY": keys["wallet_key"],
        }
        if "wallet_key_method" in keys:  # else (older wallets) ACA-Py's default derivation
            env["ACAPY_WALLET_KEY_DERIVATION_METHOD"] = keys["wallet_key_method"]
        if self.spec.multitenant:
            env["ACAPY_MULTITENANT_JWT_SECRET"] = keys["jwt_secret"]
        if self.spec.storage == "postgres":
            if postgres is None:
                raise ValueError(f"agent {self.spec.id} keeps its wallet in PostgreSQL: pass one")
            config = {"url": postgres.url, "max_connections": max_connections}
            env["ACAPY_WALLET_STORAGE_CONFIG"] = json.dumps(config)
            env["ACAPY_WALLET_STORAGE_CREDS"] = json.dumps(postgres.storage_creds())
        return env
