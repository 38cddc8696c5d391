"""Typed plugin configuration, read once from ``plugin_config.ler_badges``.

Every key is optional. Example (``--plugin-config plugins.yml``)::

    ler_badges:
      issuer:
        name: Prairie Ridge Community College   # the issuer Profile (default: the agent label)
        url: https://prairieridge.example
      status_lists:
        public_url: https://status.prairieridge.example   # where verifiers fetch the lists
        directory: /var/lib/ler/status-lists              # where signed lists are written
        host: 0.0.0.0          # serve the directory over HTTP here (port: a number, or auto to
        port: 8032             # pick a free port once and keep it; leave out to serve it elsewhere)
      did_web:                 # issue OB 3.0 / CLR 2.0 under did:web:<domain>, bound to the did:ler
        domain: prairieridge.example   # "{port}" is replaced by the served port (localhost:{port})
      tls:                     # serve the public server (status lists, did.json) over https
        cert_file: /etc/ler/tls/fullchain.pem
        key_file: /etc/ler/tls/privkey.pem
      verifier:
        auto_verify: true                 # verify received presentations on arrival
        require_accreditation: true       # an unaccredited issuer fails verification
        http_timeout: 5                   # seconds to fetch a status list (default fetch.timeout)
        pinned_keys:                      # keys of issuers outside the network, by method id
          https://issuer.example/keys#key-1: z6Mk...
      fetch:                   # what the verifier may fetch (status lists; see fetch_policy.py)
        allow_private: false   # loopback, private, link-local addresses: only on a dev network
        allow_hosts: [127.0.0.1, status.college.internal, 10.20.0.0/16]  # allowed even if private
        connect_timeout: 2     # seconds
        timeout: 5             # seconds in all
        max_bytes: 1048576     # a larger answer is cut off
        ca_file: /etc/ler/tls/test-ca.pem  # trust this CA too for https (a private or test CA)
      vc_api:
        min_ttl_seconds: 60    # the shortest life an exchange may be given (tests: a few seconds)

Single values can be set with ``-o ler_badges.status_lists.port=8032`` (``allow_hosts`` also as
a comma-separated string).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from acapy_agent.config.base import BaseSettings

from ..errors import MultikeyError
from ..fetch_policy import FetchPolicy
from ..multikey import decode_multikey
from .errors import BadgesConfigError

PLUGIN_NAME = "ler_badges"
DOMAIN = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:([0-9]{1,5}|\{port\}))?$")
DEFAULT_DIRECTORY = "~/.ler_badges/status-lists"


@dataclass(frozen=True)
class StatusListConfig:
    """Where status lists are written, served and found."""

    directory: Path
    public_url: str | None = None
    host: str = "127.0.0.1"
    port: int | str | None = None

    @property
    def serves(self) -> bool:
        """Whether this agent runs the public status list server."""
        return self.port is not None


@dataclass(frozen=True)
class PublicServerConfig:
    """The college's public identity and how its public server speaks TLS."""

    did_web_domain: str | None = None
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None

    @property
    def tls(self) -> bool:
        """Whether the public server serves https."""
        return self.tls_cert_file is not None


@dataclass(frozen=True)
class VerifierConfig:
    """How credentials are verified."""

    auto_verify: bool = True
    require_accreditation: bool = True
    http_timeout: float = 5.0
    pinned_keys: dict[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class BadgesConfig:
    """The plugin's settings."""

    issuer_name: str | None
    issuer_url: str | None
    status_lists: StatusListConfig
    verifier: VerifierConfig
    fetch: FetchPolicy = field(default_factory=FetchPolicy)
    public: PublicServerConfig = field(default_factory=PublicServerConfig)
    vc_api_min_ttl: int = 60

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> BadgesConfig:
        """Read ``plugin_config.ler_badges``; errors name the key to fix."""
        raw: dict[str, Any] = dict(settings.for_plugin(PLUGIN_NAME) or {})
        issuer = _section(raw, "issuer")
        lists = _section(raw, "status_lists")
        verifier = _section(raw, "verifier")
        min_ttl = _section(raw, "vc_api").get("min_ttl_seconds", 60)
        min_ttl = int(_number(min_ttl, "vc_api.min_ttl_seconds"))
        http_timeout = _number(verifier.get("http_timeout", 5.0), "verifier.http_timeout")
        return cls(
            issuer_name=issuer.get("name") or settings.get("default_label"),
            issuer_url=issuer.get("url"),
            status_lists=StatusListConfig(
                directory=Path(os.path.expanduser(lists.get("directory") or DEFAULT_DIRECTORY)),
                public_url=(lists.get("public_url") or "").rstrip("/") or None,
                host=str(lists.get("host") or "127.0.0.1"),
                port=_port(lists.get("port")),
            ),
            verifier=VerifierConfig(
                auto_verify=_bool(verifier.get("auto_verify", True), "verifier.auto_verify"),
                require_accreditation=_bool(
                    verifier.get("require_accreditation", True), "verifier.require_accreditation"
                ),
                http_timeout=http_timeout,
                pinned_keys=_pinned(verifier.get("pinned_keys") or {}),
            ),
            fetch=_fetch(_section(raw, "fetch"), http_timeout),
            public=_public(_section(raw, "did_web"), _section(raw, "tls")),
            vc_api_min_ttl=min_ttl,
        )


def _section(raw: dict[str, Any], name: str) -> dict[str, Any]:
    value = raw.get(name) or {}
    if not isinstance(value, dict):
        raise BadgesConfigError(f"{PLUGIN_NAME}.{name} must be a mapping, not {value!r}")
    return value


def _port(value: Any) -> int | str | None:
    if value is None or value == "":
        return None
    if value == "auto":
        return "auto"
    try:
        port = int(value)
    except (TypeError, ValueError):
        port = -1
    if not 0 < port < 65_536:
        raise BadgesConfigError(
            f"{PLUGIN_NAME}.status_lists.port must be a port number or auto, not {value!r}"
        )
    return port


def _bool(value: Any, key: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise BadgesConfigError(f"{PLUGIN_NAME}.{key} must be true or false, not {value!r}")


def _number(value: Any, key: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = 0.0
    if number <= 0:
        raise BadgesConfigError(f"{PLUGIN_NAME}.{key} must be a positive number, not {value!r}")
    return number


def _pinned(value: Any) -> dict[str, bytes]:
    if not isinstance(value, dict):
        raise BadgesConfigError(f"{PLUGIN_NAME}.verifier.pinned_keys must map method ids to keys")
    try:
        return {str(method): decode_multikey(str(key)) for method, key in value.items()}
    except MultikeyError as error:
        raise BadgesConfigError(f"{PLUGIN_NAME}.verifier.pinned_keys: {error}") from error


def _file(value: Any, key: str) -> Path | None:
    if value in (None, ""):
        return None
    path = Path(os.path.expanduser(str(value)))
    if not path.is_file():
        raise BadgesConfigError(f"{PLUGIN_NAME}.{key}: {path} is not a readable file")
    return path


def _public(did_web: dict[str, Any], tls: dict[str, Any]) -> PublicServerConfig:
    domain = str(did_web.get("domain") or "").strip().lower() or None
    if domain is not None and not DOMAIN.match(domain):
        raise BadgesConfigError(
            f"{PLUGIN_NAME}.did_web.domain must be a host name with an optional port (e.g. "
            f"prairieridge.example or localhost:{{port}}), not {domain!r}"
        )
    cert = _file(tls.get("cert_file"), "tls.cert_file")
    key = _file(tls.get("key_file"), "tls.key_file")
    if (cert is None) != (key is None):
        raise BadgesConfigError(
            f"{PLUGIN_NAME}.tls needs both cert_file and key_file (PEM files), or neither"
        )
    return PublicServerConfig(domain, cert, key)


def _fetch(raw: dict[str, Any], http_timeout: float) -> FetchPolicy:
    hosts = raw.get("allow_hosts") or []
    if isinstance(hosts, str):
        hosts = [host for host in hosts.split(",") if host.strip()]
    if not isinstance(hosts, list) or not all(isinstance(h, str) and h.strip() for h in hosts):
        raise BadgesConfigError(
            f"{PLUGIN_NAME}.fetch.allow_hosts must be a list of host names, addresses or "
            f"networks (e.g. [127.0.0.1, 10.0.0.0/8]), not {hosts!r}"
        )
    max_bytes = _number(raw.get("max_bytes", 1024 * 1024), "fetch.max_bytes")
    return FetchPolicy(
        allow_private=_bool(raw.get("allow_private", False), "fetch.allow_private"),
        allow_hosts=tuple(host.strip() for host in hosts),
        connect_timeout=_number(raw.get("connect_timeout", 2.0), "fetch.connect_timeout"),
        timeout=_number(raw.get("timeout", http_timeout), "fetch.timeout"),
        max_bytes=int(max_bytes),
        ca_file=str(_file(raw.get("ca_file"), "fetch.ca_file") or "") or None,
    )
