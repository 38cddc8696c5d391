"""ACA-Py agent processes: command lines per role, secrets, files, start and health."""

from __future__ import annotations

import json
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..processes import ProcessFiles
from .admin import AdminClient
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


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


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
            f"agent {self.spec.id}", self.root / "agent.pid", self.root / "agent.log"
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
        """The agent's keys, generated on first use."""
        if self.secrets_file.exists():
            return json.loads(self.secrets_file.read_text("utf-8"))
        values = {"api_key": secrets.token_urlsafe(32), "wallet_key": secrets.token_urlsafe(32)}
        _write_private(self.secrets_file, json.dumps(values) + "\n")
        return values

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
        config["ler_badges"] = {"fetch": {"allow_hosts": ["127.0.0.1"]}}
        if self.spec.role == "issuer":  # ler_badges serves its signed status lists on a kept port
            config["ler_badges"]["status_lists"] = {"port": "auto"}
        self.root.mkdir(parents=True, exist_ok=True)
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
            "--plugin-config", str(self.plugin_config),
            "--auto-accept-invites",
            "--auto-accept-requests",
            "--auto-ping-connection",
            "--preserve-exchange-records",
            "--log-level", "info",
        ]  # fmt: skip
        if agent.role == "issuer":
            command += [
                "--tails-server-base-url", spec.tails.url,
                "--tails-server-upload-url", spec.tails.url,
            ]  # fmt: skip
        return command + ROLE_FLAGS[agent.role] + agent.extra_args

    def environment(self) -> dict[str, str]:
        """Secrets and HOME for the process (ACA-Py reads ACAPY_* variables)."""
        keys = self.secrets()
        return {
            **self.spec.env,
            "HOME": str(self.root),
            "ACAPY_ADMIN_API_KEY": keys["api_key"],
            "ACAPY_WALLET_KEY": keys["wallet_key"],
        }
