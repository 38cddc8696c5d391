"""The applicant-tracking-system webhook: its configuration, and how deliveries are signed.

Configured by the operator, never by a caller (``plugin_config.ler_hiring.ats``)::

    ler_hiring:
      ats:
        url: https://ats.example.com/hooks/ler      # where match reports are posted
        allow_hosts: [ats.example.com]              # the URL's host must be listed (no SSRF)
        secret_file: /run/secrets/ats-hmac          # the HMAC key (never in the config itself)
        signing: hmac                               # or vp: a Verifiable Presentation (below)
        max_attempts: 8                             # then the delivery is kept as failed
        retry_seconds: 2                            # first retry delay, doubling, at most 300
        timeout: 10                                 # seconds per attempt

Each delivery is a JSON POST signed with HMAC-SHA256 over ``<timestamp>.<body>``, sent as
``X-LER-Signature: t=<timestamp>,v1=<hex>``; ``X-LER-Delivery`` carries the delivery id, the same
on every retry, so the ATS can drop duplicates.

With ``signing: vp`` the body is instead a Verifiable Presentation signed by the employer's DID
(:mod:`.ats_presentation`), made once when the delivery is queued; ``secret_file`` is then
optional, and if given the HMAC header is added too.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from .errors import AtsConfigError

__all__ = ["AtsConfig", "backoff", "sign", "signature_valid"]

PLUGIN_NAME = "ler_hiring"
MAX_DELAY = 300.0
Signing = Literal["hmac", "vp"]
SIGNINGS: tuple[Signing, ...] = ("hmac", "vp")


@dataclass(frozen=True)
class AtsConfig:
    """Where and how match reports are delivered."""

    url: str
    secret_file: Path | None
    allow_hosts: tuple[str, ...] = field(default_factory=tuple)
    max_attempts: int = 8
    retry_seconds: float = 2.0
    timeout: float = 10.0
    signing: Signing = "hmac"

    @classmethod
    def from_plugin_config(cls, raw: Mapping[str, Any] | None) -> AtsConfig | None:
        """Read ``ler_hiring.ats`` (``None`` if absent); AtsConfigError names the key to fix."""
        section = (raw or {}).get("ats")
        if not section:
            return None
        if not isinstance(section, Mapping):
            raise AtsConfigError("ler_hiring.ats must be a mapping")
        url = str(section.get("url") or "")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.username:
            raise AtsConfigError("ler_hiring.ats.url must be an http(s) URL without user info")
        hosts = section.get("allow_hosts") or []
        if isinstance(hosts, str):
            hosts = [h.strip() for h in hosts.split(",") if h.strip()]
        allow = tuple(str(h).lower() for h in hosts)
        if parts.hostname.lower() not in allow:
            raise AtsConfigError(
                f"ler_hiring.ats.url's host {parts.hostname} is not in ler_hiring.ats.allow_hosts"
            )
        signing = section.get("signing") or "hmac"
        if signing not in SIGNINGS:
            raise AtsConfigError("ler_hiring.ats.signing must be hmac or vp")
        secret_file = section.get("secret_file")
        if not secret_file and signing == "hmac":
            raise AtsConfigError("ler_hiring.ats.secret_file (the HMAC key's file) is required")
        try:
            config = cls(
                url=url,
                secret_file=Path(str(secret_file)).expanduser() if secret_file else None,
                allow_hosts=allow,
                max_attempts=int(section.get("max_attempts", 8)),
                retry_seconds=float(section.get("retry_seconds", 2.0)),
                timeout=float(section.get("timeout", 10.0)),
                signing=signing,
            )
        except (TypeError, ValueError) as error:
            raise AtsConfigError(f"ler_hiring.ats: {error}") from None
        if config.max_attempts < 1 or config.retry_seconds <= 0 or config.timeout <= 0:
            raise AtsConfigError(
                "ler_hiring.ats: max_attempts, retry_seconds and timeout must be above 0"
            )
        return config

    def allows(self, url: str) -> bool:
        """Whether ``url``'s host is allowlisted (checked again before every attempt)."""
        host = urlsplit(url).hostname
        return bool(host) and host.lower() in self.allow_hosts

    def secret(self) -> bytes:
        """The HMAC key, read at each use (so it can be rotated); AtsConfigError if unreadable."""
        if self.secret_file is None:
            raise AtsConfigError("ler_hiring.ats.secret_file is not set")
        try:
            key = self.secret_file.read_bytes().strip()
        except OSError as error:
            raise AtsConfigError(
                f"cannot read ler_hiring.ats.secret_file: {error.strerror}"
            ) from None
        if len(key) < 16:
            raise AtsConfigError("ler_hiring.ats.secret_file holds under 16 bytes")
        return key


def sign(secret: bytes, body: bytes, timestamp: int) -> str:
    """The ``X-LER-Signature`` header of ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def signature_valid(secret: bytes, body: bytes, header: str) -> bool:
    """Whether ``header`` signs ``body`` (what an ATS checks)."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        expected = sign(secret, body, int(fields["t"]))
    except (KeyError, ValueError):
        return False
    return hmac.compare_digest(expected, header)


def backoff(config: AtsConfig, attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt."""
    return min(MAX_DELAY, config.retry_seconds * 2 ** max(0, attempts - 1))
