"""ACA-Py plugin: did:ler DIDs and AnonCreds objects on a state's EVM ledger, with endorsement.

Load it into a stock ``aca-py start`` with ``--plugin ler_ledger`` and plugin config
``ler.descriptor`` (the network descriptor written by ``ler-node ledger up|deploy``), a wallet of
type ``askar-anoncreds`` and ``--no-ledger``. ``setup`` only wires things together.

Other plugins' admin routes reuse the error contract (:mod:`.http_errors`: ``json_errors``,
``register_errors``, ``ErrorKind``), the schema validators (:mod:`.validators`) and the request
helpers (``request_json``, ``request_profile``, ``local_did``) exported here. Plugins that anchor
their own objects send them with ``write_to_ledger`` (direct or endorsed, by the wallet's role),
wait on ``EndorsementManager`` and finish them in ``register_completion`` hooks; records that
must end without anyone reading them are swept by a ``register_sweep`` hook. Every verifier
shares one verdict model (:mod:`.verdicts`: ``Check``, ``Verdict``) and one verdict store
(``store_verdict``, ``load_verdict``; webhook ``VERDICT_TOPIC``). Importing the package loads no
ACA-Py: the exports that need it are imported on first use.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from .verdicts import VERDICT_TOPIC, Check, Outcome, Verdict

if TYPE_CHECKING:
    from acapy_agent.config.injection_context import InjectionContext

    from . import http_errors, validators
    from .admin_requests import local_did, request_json, request_profile
    from .anoncreds.registry import LerAnonCredsRegistry
    from .config import LerConfig
    from .did.resolver import LerDIDResolver
    from .did_method import LER
    from .endorsement.completions import register_completion
    from .endorsement.manager import EndorsementManager
    from .http_errors import ERROR_TABLE, ErrorKind, error_response, json_errors, register_errors
    from .ledger import LedgerService
    from .sweeps import register_sweep
    from .tenants import open_tenant, tenant_wallet_id
    from .verifier.store import load_verdict, store_verdict
    from .write_routing import WriteOutcome, write_to_ledger

LOGGER = logging.getLogger(__name__)

__all__ = [
    "ERROR_TABLE",
    "LER",
    "VERDICT_TOPIC",
    "Check",
    "EndorsementManager",
    "ErrorKind",
    "LedgerService",
    "LerAnonCredsRegistry",
    "LerConfig",
    "LerDIDResolver",
    "Outcome",
    "Verdict",
    "WriteOutcome",
    "error_response",
    "http_errors",
    "json_errors",
    "load_verdict",
    "local_did",
    "open_tenant",
    "register_completion",
    "register_errors",
    "register_sweep",
    "request_json",
    "request_profile",
    "setup",
    "store_verdict",
    "tenant_wallet_id",
    "validators",
    "write_to_ledger",
]

#: Exports that need ACA-Py, imported on first use, so that the ACA-Py-free verdict model
#: (:mod:`.verdicts`) can be imported from here by libraries that must not load ACA-Py.
_LAZY: dict[str, tuple[str, str | None]] = {
    "ERROR_TABLE": (".http_errors", "ERROR_TABLE"),
    "ErrorKind": (".http_errors", "ErrorKind"),
    "error_response": (".http_errors", "error_response"),
    "json_errors": (".http_errors", "json_errors"),
    "register_errors": (".http_errors", "register_errors"),
    "http_errors": (".http_errors", None),
    "validators": (".validators", None),
    "local_did": (".admin_requests", "local_did"),
    "request_json": (".admin_requests", "request_json"),
    "request_profile": (".admin_requests", "request_profile"),
    "LerAnonCredsRegistry": (".anoncreds.registry", "LerAnonCredsRegistry"),
    "LerConfig": (".config", "LerConfig"),
    "LerDIDResolver": (".did.resolver", "LerDIDResolver"),
    "LER": (".did_method", "LER"),
    "LedgerService": (".ledger", "LedgerService"),
    "load_verdict": (".verifier.store", "load_verdict"),
    "store_verdict": (".verifier.store", "store_verdict"),
    "EndorsementManager": (".endorsement.manager", "EndorsementManager"),
    "register_completion": (".endorsement.completions", "register_completion"),
    "register_sweep": (".sweeps", "register_sweep"),
    "open_tenant": (".tenants", "open_tenant"),
    "tenant_wallet_id": (".tenants", "tenant_wallet_id"),
    "WriteOutcome": (".write_routing", "WriteOutcome"),
    "write_to_ledger": (".write_routing", "write_to_ledger"),
}


def __getattr__(name: str) -> Any:
    """Import an ACA-Py-dependent export on first use."""
    try:
        module_name, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    module = importlib.import_module(module_name, __name__)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


async def setup(context: InjectionContext) -> None:
    """Bind the ledger service and register the DID method, resolver, registry and protocol."""
    from acapy_agent.anoncreds.registry import AnonCredsRegistry
    from acapy_agent.core.protocol_registry import ProtocolRegistry
    from acapy_agent.resolver.did_resolver import DIDResolver
    from acapy_agent.wallet.did_method import DIDMethods

    from .anoncreds import completions as anoncreds_completions
    from .anoncreds.registry import LerAnonCredsRegistry
    from .bounded_cache import install as bound_the_cache
    from .config import LerConfig
    from .did import completions as did_completions
    from .did.resolver import LerDIDResolver
    from .did_method import LER
    from .didcomm_keys import install as hold_didcomm_keys
    from .endorsement.message_types import MESSAGE_TYPES
    from .holder import auto_present
    from .inline_pack import install as pack_inline
    from .ledger import LedgerService
    from .outbound_env import install as read_outbound_env_once
    from .record_saves import install as lean_record_saves
    from .schema_reuse import install as reuse_schemas
    from .session_reuse import install as reuse_sessions
    from .settings_copy import install as copy_settings_at_once
    from .stored_records import install as trust_stored_records

    config = LerConfig.from_settings(context.settings)
    reuse_schemas(config.schema_reuse)  # a fraction of each agent's CPU per exchange
    trust_stored_records(not config.recheck_stored_attachments)  # no proof re-checked per read
    bound_the_cache(context, config.bounded_cache)  # accesses that do not slow as connections grow
    reuse_sessions(config.session_reuse)  # no askar session started and closed per record access
    read_outbound_env_once(config.outbound_env_once)  # no thread hops per DIDComm message sent
    pack_inline(config.inline_pack)  # nor one to encrypt it
    hold_didcomm_keys(config.didcomm_key_cache)  # nor a wallet read for its key
    lean_record_saves(config.lean_record_saves)  # records serialized only for what reads them
    copy_settings_at_once(config.settings_copy)  # each session's settings, a dictionary copy
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
    auto_present.register(context.inject(ProtocolRegistry), context.settings)  # newest credentials
    did_completions.register()
    anoncreds_completions.register()
    LOGGER.info(
        "ler plugin ready: network %s, endorsement role %s",
        config.descriptor.network,
        config.endorsement.role,
    )
