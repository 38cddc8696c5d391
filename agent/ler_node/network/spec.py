"""Network files (``ledger_config/networks/*.yml``): what a network is made of."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from ler_hiring.ats_config import AtsConfig
from ler_hiring.errors import AtsConfigError
from ler_web.web_settings import OidcSettings, WebSettingsError

from ..errors import LerNodeError
from ..paths import LEDGER_CONFIG
from ..processes import free_port

DEFAULT_NETWORK_FILE = LEDGER_CONFIG / "networks" / "local.yml"
AgentRole = Literal["endorser", "issuer", "holder", "verifier"]
LedgerRole = Literal["endorser", "author", "none"]
DEFAULT_LEDGER_ROLES: dict[str, LedgerRole] = {"endorser": "endorser", "issuer": "author"}
Storage = Literal["sqlite", "postgres"]
TenantStore = Literal["shared", "per-tenant"]


class LedgerSpec(BaseModel):
    """The ledger: the embedded anvil, or an existing chain (rpc, besu) and its descriptor."""

    model_config = ConfigDict(extra="ignore")

    kind: Literal["anvil", "rpc", "besu"] = "anvil"
    rpc_url: str = "http://127.0.0.1:8545"
    chain_id: int | None = None
    descriptor: str | None = None

    @property
    def port(self) -> int:
        """Port of the embedded ledger."""
        return int(self.rpc_url.rsplit(":", 1)[1].split("/")[0])

    def move_to_free_port(self) -> None:
        """Listen on another port, free now."""
        self.rpc_url = f"http://127.0.0.1:{free_port()}"


class TailsSpec(BaseModel):
    """The state's tails server."""

    url: str = "http://127.0.0.1:6543"

    @property
    def port(self) -> int:
        """Its port on 127.0.0.1."""
        return int(self.url.rsplit(":", 1)[1].split("/")[0])

    def move_to_free_port(self) -> None:
        """Listen on another port, free now."""
        self.url = f"http://127.0.0.1:{free_port()}"


class PostgresSpec(BaseModel):
    """The PostgreSQL server of agents with ``storage: postgres``."""

    model_config = ConfigDict(extra="forbid")

    connection_file: str | None = Field(
        default=None,
        description="JSON {host, port, user, password} (mode 0600); none: an embedded server "
        "in the data dir (development and tests)",
    )
    max_connections: int = Field(default=10, ge=2, le=500, description="askar pool per store")


class OidcSpec(BaseModel):
    """Sign-in with the state's OpenID Connect provider: the web app's ``oidc`` setting."""

    model_config = ConfigDict(extra="forbid")

    issuer: str = Field(description="https:// URL, the only address the web app fetches from it")
    client_id: str
    client_secret_file: str = Field(
        description="the client secret alone, in a file (mode 0600); relative: to the directory "
        "ler-node runs in"
    )
    email_domain: str | None = Field(default=None, description="name@email_domain is account name")
    redirect_url: str | None = Field(default=None, description="default: the site's callback")

    @model_validator(mode="before")
    @classmethod
    def _no_inline_secret(cls, raw: Any) -> Any:
        if isinstance(raw, dict) and "client_secret" in raw:
            raise ValueError(
                "web.oidc.client_secret: the network file never holds a secret; put the client "
                "secret alone in a file (mode 0600) and name it with client_secret_file"
            )
        return raw

    @field_validator("client_secret_file")
    @classmethod
    def _absolute(cls, value: str) -> str:
        return str(Path(value).resolve())

    @model_validator(mode="after")
    def _check(self) -> OidcSpec:
        try:  # the web app's own rules (an https issuer...), so both refuse the same settings
            OidcSettings.from_mapping(self.model_dump(exclude_none=True), Path.cwd())
        except WebSettingsError as exc:
            raise ValueError(f"web.{exc}") from None
        return self


class WebSpec(BaseModel):
    """The web app's operator options; ``network up`` writes those set into its ``web.yml``."""

    model_config = ConfigDict(extra="forbid")

    oidc: OidcSpec | None = None
    secure_cookies: bool | None = Field(default=None, description="true when HTTPS fronts it")
    session_minutes: int | None = Field(default=None, ge=5, le=7 * 24 * 60)
    checks_per_minute: int | None = Field(
        default=None, ge=1, le=1000, description="anonymous credential checks per client address"
    )

    def settings(self) -> dict[str, Any]:
        """The ``web.yml`` settings the network file sets (none: ``web.yml`` keeps its own)."""
        return self.model_dump(exclude_none=True)


class AtsSpec(BaseModel):
    """An employer's applicant tracking system webhook (``ler_hiring.ats`` of its plugin config).

    Match reports are posted there, signed, retried and logged (docs/employers.md).
    """

    model_config = ConfigDict(extra="forbid")

    url: str = Field(description="http(s) URL the match reports are posted to")
    allow_hosts: list[str] = Field(
        default_factory=list, description="hosts it may be on (default: the URL's host)"
    )
    secret_file: str | None = Field(
        default=None,
        description="the HMAC key alone, in a file (mode 0600); relative: to the directory "
        "ler-node runs in; required with signing: hmac",
    )
    signing: Literal["hmac", "vp"] = Field(
        default="hmac", description="hmac: an X-LER-Signature header; vp: a VP signed by its DID"
    )
    max_attempts: int = Field(default=8, ge=1, le=100)
    retry_seconds: float = Field(default=2.0, gt=0, le=300, description="first retry delay")
    timeout: float = Field(default=10.0, gt=0, le=120, description="seconds per attempt")

    @model_validator(mode="before")
    @classmethod
    def _no_inline_secret(cls, raw: Any) -> Any:
        if isinstance(raw, dict) and "secret" in raw:
            raise ValueError(
                "ats.secret: the network file never holds a secret; put the HMAC key alone in a "
                "file (mode 0600) and name it with secret_file"
            )
        return raw

    @field_validator("secret_file")
    @classmethod
    def _absolute(cls, value: str | None) -> str | None:
        return str(Path(value).expanduser().resolve()) if value else None

    @model_validator(mode="after")
    def _check(self) -> AtsSpec:
        try:  # the plugin's own rules (allowlisted host...), so both refuse the same settings
            AtsConfig.from_plugin_config({"ats": self.plugin_config()})
        except AtsConfigError as exc:
            raise ValueError(str(exc)) from None
        return self

    def plugin_config(self) -> dict[str, Any]:
        """The ``ler_hiring.ats`` section the launcher writes (allow_hosts: the URL's, if unset)."""
        section = self.model_dump(exclude_none=True)
        if not self.allow_hosts:
            section["allow_hosts"] = [urlsplit(self.url).hostname or ""]
        return section


class AgentSpec(BaseModel):
    """One ACA-Py agent."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(pattern=r"^[a-z][a-z0-9-]{0,30}$")
    name: str
    role: AgentRole
    admin_port: int
    inbound_port: int
    extra_args: list[str] = Field(default_factory=list, description="more aca-py start arguments")
    env: dict[str, str] = Field(default_factory=dict, description="more environment variables")
    storage: Storage = Field(default="sqlite", description="where the wallets live")
    multitenant: bool = Field(
        default=False, description="a state-hosted agent: one wallet per tenant (learner, college)"
    )
    tenant_store: TenantStore = Field(
        default="shared",
        description="shared: every tenant a profile of one store (single-wallet-askar); "
        "per-tenant: a store (database) per tenant",
    )

    replicas: int = Field(
        default=1,
        ge=1,
        le=8,
        description="instances of a hosted agent on one database (storage: postgres)",
    )
    replica_ports: list[tuple[int, int]] = Field(
        default_factory=list,
        description="(admin, inbound) ports of instances 2, 3, ...; default: the agent's + 2, + 4",
    )
    instance: int = Field(default=1, ge=1, description="which instance this is (the launcher's)")
    ats: AtsSpec | None = Field(
        default=None, description="an employer's applicant tracking system webhook"
    )
    ledger_role: LedgerRole | None = Field(
        default=None,
        description="how it writes to the ledger (plugin config ler.endorsement.role); default "
        "by role: the endorser endorser, an issuer author, others none. An author joins the "
        "state's endorser and anchors a public did:ler when the network comes up (a college; an "
        "employer that issues its own employment records). A hosted agent is always author: its "
        "college tenants write through the state's endorser",
    )

    @model_validator(mode="after")
    def _default_ledger_role(self) -> AgentSpec:
        default = "author" if self.multitenant else DEFAULT_LEDGER_ROLES.get(self.role, "none")
        if self.ledger_role is None:
            self.ledger_role = default  # type: ignore[assignment]
        elif (self.ledger_role == "endorser") != (self.role == "endorser") or (
            self.multitenant and self.ledger_role != "author"
        ):
            raise ValueError(
                f"agent {self.id}: ledger_role {self.ledger_role} does not fit role {self.role}"
                f"{' (a hosted agent)' if self.multitenant else ''}; leave it out or use {default}"
            )
        return self

    @model_validator(mode="after")
    def _check_replicas(self) -> AgentSpec:
        if self.replicas > 1 and not (self.multitenant and self.storage == "postgres"):
            raise ValueError(f"agent {self.id}: replicas need multitenant: true, storage: postgres")
        if self.replica_ports and len(self.replica_ports) != self.replicas - 1:
            raise ValueError(f"agent {self.id}: replica_ports needs {self.replicas - 1} pairs")
        return self

    def instances(self) -> list[AgentSpec]:
        """Every instance of the agent: itself, then its replicas on their own ports."""
        ports = self.replica_ports or [
            (self.admin_port + 2 * k, self.inbound_port + 2 * k) for k in range(1, self.replicas)
        ]
        return [self] + [
            self.model_copy(update={"admin_port": a, "inbound_port": i, "instance": k})
            for k, (a, i) in enumerate(ports, start=2)
        ]

    def move_to_free_ports(self) -> None:
        """Listen on other ports, free now."""
        self.admin_port, self.inbound_port = free_port(), free_port()


class NetworkSpec(BaseModel):
    """A whole network."""

    model_config = ConfigDict(extra="ignore")

    network: str = "local"
    ledger: LedgerSpec = LedgerSpec()
    tails: TailsSpec = TailsSpec()
    postgres: PostgresSpec = PostgresSpec()
    web: WebSpec = Field(default_factory=WebSpec, description="the web app's operator options")
    agents: list[AgentSpec]
    _ports_movable: bool = PrivateAttr(default=False)

    @model_validator(mode="after")
    def _check(self) -> NetworkSpec:
        ids = [a.id for a in self.agents]
        if len(set(ids)) != len(ids):
            raise ValueError("agent ids must be unique")
        if sum(a.role == "endorser" for a in self.agents) != 1:
            raise ValueError("a network needs exactly one endorser agent (the state)")
        every = [i for a in self.agents for i in a.instances()]
        ports = [p for a in every for p in (a.admin_port, a.inbound_port)]
        if len(set(ports)) != len(ports):
            raise ValueError("agent ports must all differ")
        return self

    @classmethod
    def load(cls, path: Path | None = None) -> NetworkSpec:
        """Read a network file (default: the local network)."""
        file = Path(path or DEFAULT_NETWORK_FILE)
        try:
            return cls.model_validate(yaml.safe_load(file.read_text("utf-8")))
        except FileNotFoundError:
            raise LerNodeError(f"no network file at {file}", hint="pass --config FILE") from None
        except (ValidationError, yaml.YAMLError) as exc:
            raise LerNodeError(f"{file} is not a valid network file: {exc}") from exc

    def on_free_ports(self) -> NetworkSpec:
        """The same network with every port replaced by one that is free now.

        For running a network beside another one on the same machine (tests, benchmarks). A
        port is free only when it is picked, so the launcher may move a part whose port another
        process took in the meantime (:attr:`ports_movable`).
        """
        moved = self.model_copy(
            update={
                "ledger": self.ledger.model_copy(
                    update={"rpc_url": f"http://127.0.0.1:{free_port()}"}
                ),
                "tails": self.tails.model_copy(update={"url": f"http://127.0.0.1:{free_port()}"}),
                "agents": [
                    a.model_copy(
                        update={
                            "admin_port": free_port(),
                            "inbound_port": free_port(),
                            "replica_ports": [
                                (free_port(), free_port()) for _ in range(a.replicas - 1)
                            ],
                        }
                    )
                    for a in self.agents
                ],
            }
        )
        moved._ports_movable = True
        return moved

    @property
    def ports_movable(self) -> bool:
        """Whether its ports were picked by :meth:`on_free_ports`, so none was promised to anyone.

        Then a part that finds its port taken when it starts is moved to a free one and started
        again (the launcher tries a few times), and this spec is updated in place.
        """
        return self._ports_movable

    def only(self, *agent_ids: str) -> NetworkSpec:
        """The same network with just these agents."""
        return self.model_copy(update={"agents": [a for a in self.agents if a.id in agent_ids]})

    def by_role(self, role: AgentRole) -> list[AgentSpec]:
        """Agents with ``role``."""
        return [a for a in self.agents if a.role == role]

    @property
    def uses_postgres(self) -> bool:
        """Whether any agent keeps its wallets in PostgreSQL."""
        return any(a.storage == "postgres" for a in self.agents)

    @property
    def authors(self) -> list[AgentSpec]:
        """Agents of their own that write through the state's endorser (``ledger_role: author``).

        Colleges, and employers that issue employment records; not a hosted agent, whose
        tenants join one by one.
        """
        return [a for a in self.agents if a.ledger_role == "author" and not a.multitenant]

    @property
    def endorser(self) -> AgentSpec:
        """The state's agent."""
        return self.by_role("endorser")[0]
