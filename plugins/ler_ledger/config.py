"""Typed plugin configuration, read once from ``plugin_config.ler`` with environment fallbacks.

Example (``--plugin-config plugins.yml``)::

    ler:
      descriptor: /network/network.json   # or $LER_DESCRIPTOR
      endorsement:
        role: author          # endorser | author | none
        auto_approve: true    # endorser: approve requests that pass policy without a person
        require_accreditation: false
      verifier:
        auto_verify: true     # apply the LER policy to received presentations
        accreditation_types: []
      exchange_timeout: 300   # seconds without progress before an exchange is abandoned (0: never)
      holder:
        bounded_answers: true # answer proof requests with the newest matching credentials
      schema_reuse: true      # reuse ACA-Py's marshmallow schemas (false: ACA-Py's own methods)
      recheck_stored_attachments: false  # true: ACA-Py re-checks stored attachments at every read
      bounded_cache: true     # false: ACA-Py's in-memory cache (slows down as connections grow)
      session_reuse: true     # false: a new askar session for every wallet access
      outbound_env_once: true # false: aiohttp looks for proxies and netrc before every message
      inline_pack: true       # false: ACA-Py packs outbound DIDComm messages in a worker thread
      didcomm_key_cache: true # false: the wallet's key is read for every DIDComm message
      lean_record_saves: true # false: ACA-Py serializes a saved record for a log line and event
      settings_copy: true     # false: ACA-Py copies the settings one by one for every session

Single values can also be given on the command line, e.g. ``-o ler.endorsement.role=endorser``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Literal

from acapy_agent.config.base import BaseSettings

from ler_chain import LedgerConfigError, NetworkDescriptor

from .errors import LerConfigError

PLUGIN_NAME = "ler"
EndorsementRole = Literal["endorser", "author", "none"]


@dataclass(frozen=True)
class EndorsementConfig:
    """How this agent's ledger writes happen, and how it endorses others' writes."""

    role: EndorsementRole = "author"
    auto_approve: bool = True
    require_accreditation: bool = False
    timeout: float = 60.0


@dataclass(frozen=True)
class VerifierConfig:
    """The LER verification policy applied to received presentations."""

    auto_verify: bool = True
    accreditation_types: tuple[str, ...] = ()


#: the on/off settings of the speed-ups (``LerConfig`` fields, read with their defaults)
SWITCHES = (
    "schema_reuse",
    "recheck_stored_attachments",
    "bounded_cache",
    "session_reuse",
    "outbound_env_once",
    "inline_pack",
    "didcomm_key_cache",
    "lean_record_saves",
    "settings_copy",
)


@dataclass(frozen=True)
class LerConfig:
    """The plugin's settings."""

    descriptor: NetworkDescriptor
    descriptor_path: str
    endorsement: EndorsementConfig = field(default_factory=EndorsementConfig)
    verifier: VerifierConfig = field(default_factory=VerifierConfig)
    cache_ttl: int = 30  # seconds a resolved did:ler document is cached
    exchange_timeout: float = 300.0  # seconds without progress before an exchange is abandoned
    schema_reuse: bool = True  # reuse ACA-Py's marshmallow schemas (.schema_reuse)
    recheck_stored_attachments: bool = False  # ACA-Py's re-check at every read (.stored_records)
    bounded_cache: bool = True  # a cache that does not slow down as connections grow
    session_reuse: bool = True  # keep the askar session just closed for the next (.session_reuse)
    outbound_env_once: bool = True  # proxies and netrc read at start (.outbound_env)
    inline_pack: bool = True  # pack DIDComm messages on the event loop (.inline_pack)
    didcomm_key_cache: bool = True  # hold the wallet's DIDComm keys once read (.didcomm_keys)
    lean_record_saves: bool = True  # serialize a saved record only if read (.record_saves)
    settings_copy: bool = True  # copy settings as a dictionary (.settings_copy)

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> LerConfig:
        """Read ``plugin_config.ler`` ($LER_DESCRIPTOR, $LER_ENDORSEMENT_ROLE as fallbacks)."""
        raw: dict[str, Any] = dict(settings.for_plugin(PLUGIN_NAME) or {})
        path = raw.get("descriptor") or os.environ.get("LER_DESCRIPTOR")
        if not path:
            raise LerConfigError(
                "no network descriptor: set plugin config ler.descriptor "
                "(e.g. -o ler.descriptor=/network/network.json) or $LER_DESCRIPTOR"
            )
        try:
            descriptor = NetworkDescriptor.load(path)
        except LedgerConfigError as exc:
            raise LerConfigError(str(exc)) from exc

        endorsement = dict(raw.get("endorsement") or {})
        role = endorsement.get("role") or os.environ.get("LER_ENDORSEMENT_ROLE") or "author"
        if role not in ("endorser", "author", "none"):
            raise LerConfigError(
                f"ler.endorsement.role is {role!r}; use endorser, author or none "
                "(or set $LER_ENDORSEMENT_ROLE)"
            )
        verifier = dict(raw.get("verifier") or {})
        return cls(
            descriptor=descriptor,
            descriptor_path=str(path),
            endorsement=EndorsementConfig(
                role=role,
                auto_approve=_bool(
                    endorsement.get("auto_approve", True), "endorsement.auto_approve"
                ),
                require_accreditation=_bool(
                    endorsement.get("require_accreditation", False),
                    "endorsement.require_accreditation",
                ),
                timeout=float(endorsement.get("timeout", 60.0)),
            ),
            verifier=VerifierConfig(
                auto_verify=_bool(verifier.get("auto_verify", True), "verifier.auto_verify"),
                accreditation_types=tuple(verifier.get("accreditation_types") or ()),
            ),
            cache_ttl=int(raw.get("cache_ttl", 30)),
            exchange_timeout=float(raw.get("exchange_timeout", 300.0)),
            **{name: _bool(raw.get(name, getattr(cls, name)), name) for name in SWITCHES},
        )


def _bool(value: Any, key: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise LerConfigError(f"ler.{key} must be true or false, not {value!r}")
