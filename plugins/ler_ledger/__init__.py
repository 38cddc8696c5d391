"""ACA-Py plugin: did:ler DIDs and AnonCreds objects on a state's EVM ledger, with endorsement.

Load it into a stock ``aca-py start`` with ``--plugin ler_ledger`` and plugin config
``ler.descriptor`` (the network descriptor written by ``ler-node ledger up|deploy``), a wallet of
type ``askar-anoncreds`` and ``--no-ledger``. ``setup`` only wires things together.

Other plugins' admin routes reuse the error contract (:mod:`.http_errors`: ``json_errors``,
``register_errors``, ``ErrorKind``), the schema validators (:mod:`.validators`) and the request
helpers (``request_json``, ``request_profile``, ``local_did``) exported here.
"""

from __future__ import annotations

import logging

from acapy_agent.anoncreds.registry import AnonCredsRegistry
from acapy_agent.config.injection_context import InjectionContext
from acapy_agent.core.protocol_registry import ProtocolRegistry
from acapy_agent.resolver.did_resolver import DIDResolver
from acapy_agent.wallet.did_method import DIDMethods

from . import http_errors, validators
from .admin_requests import local_did, request_json, request_profile
from .anoncreds import completions as anoncreds_completions
from .anoncreds.registry import LerAnonCredsRegistry
from .config import LerConfig
from .did import completions as did_completions
from .did.resolver import LerDIDResolver
from .did_method import LER
from .endorsement.message_types import MESSAGE_TYPES
from .http_errors import ERROR_TABLE, ErrorKind, error_response, json_errors, register_errors
from .ledger import LedgerService

LOGGER = logging.getLogger(__name__)

__all__ = [
    "ERROR_TABLE",
    "LER",
    "ErrorKind",
    "LedgerService",
    "LerAnonCredsRegistry",
    "LerConfig",
    "LerDIDResolver",
    "error_response",
    "http_errors",
    "json_errors",
    "local_did",
    "register_errors",
    "request_json",
    "request_profile",
    "setup",
    "validators",
]


async def setup(context: InjectionContext) -> None:
    """Bind the ledger service and register the DID method, resolver, registry and protocol."""
    config = LerConfig.from_settings(context.settings)
    context.injector.bind_instance(LedgerService, LedgerService(config))

    methods = context.inject_or(DIDMethods)
    if methods is None:
        LOGGER.warning("no DIDMethods registry; did:ler cannot be registered")
    else:
        methods.register(LER)

    resolver = context.inject_or(DIDResolver)
    if resolver is None:
        LOGGER.warning("no DIDResolver; did:ler DIDs will not resolve")
    else:
        resolver.register_resolver(LerDIDResolver(ttl=config.cache_ttl))

    registry = context.inject_or(AnonCredsRegistry)
    if registry is None:
        LOGGER.warning(
            "no AnonCreds registry (wallet type must be askar-anoncreds); "
            "did:ler AnonCreds objects are unavailable"
        )
    else:
        ler_registry = LerAnonCredsRegistry()
        await ler_registry.setup(context)
        registry.register(ler_registry)

    context.inject(ProtocolRegistry).register_message_types(MESSAGE_TYPES)
    did_completions.register()
    anoncreds_completions.register()
    LOGGER.info(
        "ler plugin ready: network %s, endorsement role %s",
        config.descriptor.network,
        config.endorsement.role,
    )
