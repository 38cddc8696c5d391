"""Plugin configuration and setup wiring."""

from __future__ import annotations

import logging

import pytest
from acapy_agent.anoncreds.registry import AnonCredsRegistry
from acapy_agent.config.injection_context import InjectionContext
from acapy_agent.config.settings import Settings
from acapy_agent.core.protocol_registry import ProtocolRegistry
from acapy_agent.resolver.did_resolver import DIDResolver
from acapy_agent.wallet.did_method import DIDMethods

import ler_ledger
from ler_ledger.config import LerConfig
from ler_ledger.endorsement.message_types import REQUEST, RESPONSE
from ler_ledger.errors import LerConfigError
from ler_node.ledger.local import LedgerUp


def settings(**ler: object) -> Settings:
    return Settings({"plugin_config": {"ler": ler}})


def test_config_from_namespaced_plugin_config(ledger: LedgerUp) -> None:
    config = LerConfig.from_settings(
        settings(
            descriptor=str(ledger.descriptor_file),
            endorsement={"role": "endorser", "auto_approve": "false"},
            verifier={"accreditation_types": ["SkillsCredential"]},
        )
    )
    assert config.descriptor == ledger.descriptor
    assert config.endorsement.role == "endorser"
    assert config.endorsement.auto_approve is False
    assert config.verifier.accreditation_types == ("SkillsCredential",)
    assert (config.schema_reuse, config.recheck_stored_attachments, config.bounded_cache) == (
        True,
        False,
        True,
    )
    assert config.session_reuse is True
    assert config.outbound_env_once is True
    assert config.inline_pack is True
    assert config.didcomm_key_cache is True
    assert config.lean_record_saves is True
    assert config.settings_copy is True
    switched = LerConfig.from_settings(
        settings(
            descriptor=str(ledger.descriptor_file),
            schema_reuse="false",  # as -o ler.schema_reuse=false may give it
            recheck_stored_attachments=True,
            bounded_cache=False,
            session_reuse="false",
            outbound_env_once=False,
            inline_pack="false",
            didcomm_key_cache=False,
            lean_record_saves="false",
            settings_copy=False,
        )
    )
    assert (switched.schema_reuse, switched.recheck_stored_attachments) == (False, True)
    assert switched.bounded_cache is False
    assert switched.session_reuse is False
    assert switched.outbound_env_once is False
    assert switched.inline_pack is False
    assert switched.didcomm_key_cache is False
    assert switched.lean_record_saves is False
    assert switched.settings_copy is False


def test_config_falls_back_to_environment(
    ledger: LedgerUp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LER_DESCRIPTOR", str(ledger.descriptor_file))
    monkeypatch.setenv("LER_ENDORSEMENT_ROLE", "none")
    config = LerConfig.from_settings(Settings({}))
    assert config.endorsement.role == "none"


@pytest.mark.parametrize(
    ("ler", "message"),
    [
        ({}, "ler.descriptor"),
        ({"descriptor": "/nonexistent/network.json"}, "no network descriptor at"),
        ({"descriptor": "{d}", "endorsement": {"role": "boss"}}, "endorser, author or none"),
        ({"descriptor": "{d}", "verifier": {"auto_verify": "maybe"}}, "true or false"),
        ({"descriptor": "{d}", "bounded_cache": "yes"}, "ler.bounded_cache must be true or false"),
    ],
)
def test_config_errors_name_the_key(
    ledger: LedgerUp, monkeypatch: pytest.MonkeyPatch, ler: dict, message: str
) -> None:
    monkeypatch.delenv("LER_DESCRIPTOR", raising=False)
    ler = {k: (str(ledger.descriptor_file) if v == "{d}" else v) for k, v in ler.items()}
    with pytest.raises(LerConfigError, match=message):
        LerConfig.from_settings(settings(**ler))


async def test_setup_registers_method_resolver_registry_and_protocol(ledger: LedgerUp) -> None:
    context = InjectionContext(
        settings={"plugin_config": {"ler": {"descriptor": str(ledger.descriptor_file)}}}
    )
    for cls in (DIDMethods, DIDResolver, AnonCredsRegistry, ProtocolRegistry):
        context.injector.bind_instance(cls, cls())
    await ler_ledger.setup(context)
    assert context.inject(DIDMethods).from_method("ler") is ler_ledger.LER
    assert any(
        isinstance(r, ler_ledger.LerDIDResolver) for r in context.inject(DIDResolver).resolvers
    )
    registry = context.inject(AnonCredsRegistry)
    assert any(isinstance(r, ler_ledger.LerAnonCredsRegistry) for r in registry.resolvers)
    assert any(isinstance(r, ler_ledger.LerAnonCredsRegistry) for r in registry.registrars)
    protocols = context.inject(ProtocolRegistry)
    assert {REQUEST, RESPONSE} <= set(protocols.message_types)


async def test_setup_warns_when_registries_are_missing(
    ledger: LedgerUp, caplog: pytest.LogCaptureFixture
) -> None:
    context = InjectionContext(
        settings={"plugin_config": {"ler": {"descriptor": str(ledger.descriptor_file)}}}
    )
    context.injector.bind_instance(ProtocolRegistry, ProtocolRegistry())
    with caplog.at_level(logging.WARNING, logger="ler_ledger"):
        await ler_ledger.setup(context)
    text = caplog.text
    assert "no DIDMethods" in text and "no DIDResolver" in text and "askar-anoncreds" in text
