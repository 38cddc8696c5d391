"""How ler_badges plugs into ACA-Py: what setup binds and registers, config, loader, server."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import aiohttp
import pytest
from acapy_agent.config.injection_context import InjectionContext
from acapy_agent.config.settings import Settings
from acapy_agent.core.event_bus import Event
from acapy_agent.vc.ld_proofs.document_loader import DocumentLoader
from acapy_agent.vc.vc_ld import manager as vc_ld_manager
from acapy_agent.vc.vc_ld.external_suite import ExternalSuiteProvider
from acapy_agent.wallet.default_verification_key_strategy import (
    BaseVerificationKeyStrategy,
    DefaultVerificationKeyStrategy,
)
from acapy_agent.wallet.key_type import ED25519

import ler_badges
from ler_badges.acapy.config import BadgesConfig
from ler_badges.acapy.errors import BadgesConfigError, IssuanceRefused
from ler_badges.acapy.loader import OfflineAcaPyDocumentLoader
from ler_badges.acapy.service import BadgesService
from ler_badges.acapy.suite import EddsaRdfc2022Suite, LerSuiteProvider
from ler_badges.acapy.wiring import LerVerificationKeyStrategy, register_proof_type
from ler_badges.status_server import StatusListServer


def config(**badges: object) -> BadgesConfig:
    return BadgesConfig.from_settings(
        Settings({"default_label": "Prairie Ridge", "plugin_config": {"ler_badges": badges}})
    )


def test_acapy_still_has_the_hooks_we_rely_on() -> None:
    """If an ACA-Py upgrade renames these, this fails instead of issuance silently breaking."""
    assert isinstance(vc_ld_manager.SUPPORTED_V2_ISSUANCE_PROOF_TYPES, list)
    assert isinstance(vc_ld_manager.PROOF_KEY_TYPE_MAPPING, dict)
    assert hasattr(vc_ld_manager.VcLdpManager, "_get_all_proof_suites")
    assert "ExternalSuiteProvider" in vc_ld_manager.VcLdpManager._get_suite.__code__.co_names
    assert isinstance(DefaultVerificationKeyStrategy().key_types_mapping, dict)


async def test_setup_binds_provider_strategy_and_registers_the_proof_type() -> None:
    context = InjectionContext(settings={"plugin_config": {"ler_badges": {}}})
    context.injector.bind_instance(BaseVerificationKeyStrategy, DefaultVerificationKeyStrategy())
    await ler_badges.setup(context)
    assert isinstance(context.inject(ExternalSuiteProvider), LerSuiteProvider)
    strategy = context.inject(BaseVerificationKeyStrategy)
    assert isinstance(strategy, LerVerificationKeyStrategy)
    assert strategy.key_types_mapping["DataIntegrityProof"] == [ED25519]
    assert strategy.key_types_mapping["Ed25519Signature2020"] == [ED25519]  # ACA-Py's kept
    assert isinstance(context.inject(BadgesService), BadgesService)
    assert "DataIntegrityProof" in vc_ld_manager.SUPPORTED_V2_ISSUANCE_PROOF_TYPES
    assert vc_ld_manager.PROOF_KEY_TYPE_MAPPING[EddsaRdfc2022Suite] is ED25519
    register_proof_type()  # idempotent
    assert vc_ld_manager.SUPPORTED_V2_ISSUANCE_PROOF_TYPES.count("DataIntegrityProof") == 1


async def test_provider_leaves_other_proof_types_to_acapy() -> None:
    provider = LerSuiteProvider()
    assert await provider.get_suite(None, "Ed25519Signature2020", {}, "did:x#1", None) is None


async def test_a_custom_key_strategy_is_kept(caplog: pytest.LogCaptureFixture) -> None:
    class Custom(DefaultVerificationKeyStrategy):
        pass

    context = InjectionContext(settings={})
    context.injector.bind_instance(BaseVerificationKeyStrategy, Custom())
    with caplog.at_level(logging.WARNING):
        await ler_badges.setup(context)
    assert type(context.inject(BaseVerificationKeyStrategy)) is Custom
    assert "must map DataIntegrityProof to Ed25519" in caplog.text


def test_config_defaults_and_values(tmp_path: Path) -> None:
    defaults = config()
    assert defaults.issuer_name == "Prairie Ridge"
    assert defaults.status_lists.directory == Path.home() / ".ler_badges" / "status-lists"
    assert not defaults.status_lists.serves
    assert defaults.verifier.require_accreditation and defaults.verifier.auto_verify
    custom = config(
        issuer={"name": "PRCC", "url": "https://prcc.example"},
        status_lists={"directory": str(tmp_path), "port": "8032", "public_url": "https://s.x/"},
        verifier={
            "require_accreditation": "false",
            "pinned_keys": {"https://i.x#k": "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"},
        },
    )
    assert (custom.issuer_name, custom.issuer_url) == ("PRCC", "https://prcc.example")
    assert custom.status_lists.port == 8032 and custom.status_lists.public_url == "https://s.x"
    assert custom.verifier.require_accreditation is False
    assert len(custom.verifier.pinned_keys["https://i.x#k"]) == 32


@pytest.mark.parametrize(
    ("badges", "words"),
    [
        ({"status_lists": {"port": "eighty"}}, "ler_badges.status_lists.port"),
        ({"status_lists": {"port": 70000}}, "ler_badges.status_lists.port"),
        ({"verifier": {"auto_verify": "maybe"}}, "ler_badges.verifier.auto_verify"),
        ({"verifier": {"http_timeout": -1}}, "ler_badges.verifier.http_timeout"),
        ({"verifier": {"pinned_keys": {"m": "not-a-key"}}}, "ler_badges.verifier.pinned_keys"),
        ({"issuer": "PRCC"}, "ler_badges.issuer must be a mapping"),
        ({"fetch": {"allow_private": "yes"}}, "ler_badges.fetch.allow_private"),
        ({"fetch": {"allow_hosts": {"a": 1}}}, "ler_badges.fetch.allow_hosts"),
        ({"fetch": {"allow_hosts": [""]}}, "ler_badges.fetch.allow_hosts"),
        ({"fetch": {"max_bytes": 0}}, "ler_badges.fetch.max_bytes"),
        ({"fetch": {"connect_timeout": "soon"}}, "ler_badges.fetch.connect_timeout"),
        ({"fetch": "everything"}, "ler_badges.fetch must be a mapping"),
    ],
)
def test_config_errors_name_the_key(badges: dict, words: str) -> None:
    with pytest.raises(BadgesConfigError, match=words):
        config(**badges)


def test_fetch_policy_defaults_to_public_addresses_only() -> None:
    defaults = config().fetch
    assert (defaults.allow_private, defaults.allow_hosts) == (False, ())
    assert (defaults.connect_timeout, defaults.timeout, defaults.max_bytes) == (2, 5, 1048576)
    assert config(verifier={"http_timeout": 3}).fetch.timeout == 3  # the older key still counts
    custom = config(
        fetch={
            "allow_private": "true",
            "allow_hosts": "127.0.0.1, status.internal",  # as -o gives it
            "timeout": 9,
            "max_bytes": 2048,
        }
    ).fetch
    assert custom.allow_private and custom.allow_hosts == ("127.0.0.1", "status.internal")
    assert (custom.timeout, custom.max_bytes) == (9, 2048)


def test_without_a_public_url_nothing_is_issued(tmp_path: Path) -> None:
    service = BadgesService(config(status_lists={"directory": str(tmp_path)}))
    with pytest.raises(IssuanceRefused, match=r"ler_badges\.status_lists\.public_url"):
        _ = service.status_base_url
    served = BadgesService(config(status_lists={"public_url": "https://status.prcc.example"}))
    assert served.status_base_url == "https://status.prcc.example/status-lists/"


async def test_startup_replaces_acapys_loader_with_the_offline_one(employer, network_calls) -> None:
    loader = employer.profile.inject(DocumentLoader)
    assert isinstance(loader, OfflineAcaPyDocumentLoader)
    ob = loader("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json", {})
    assert "AchievementCredential" in json.dumps(ob["document"])
    security = loader("https://w3id.org/security/v2", {})  # ACA-Py's own static copy
    assert security["document"]
    assert network_calls == []


async def test_a_second_startup_event_starts_no_second_server(employer) -> None:
    from ler_badges.acapy.wiring import on_startup

    before = employer.profile.inject(BadgesService).server
    await on_startup(employer.profile, Event("acapy::core::startup", {}))
    assert employer.profile.inject(BadgesService).server is before


async def test_status_list_server(tmp_path: Path) -> None:
    server = StatusListServer(tmp_path, "127.0.0.1", "auto")
    port = await server.start()
    name = "0123456789abcdef0123456789abcdef"
    (tmp_path / f"{name}.json").write_text('{"id": "list"}', "utf-8")
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{server.url}/status-lists/{name}") as response:
                assert response.status == 200 and response.content_type == "application/vc"
                assert await response.json(content_type=None) == {"id": "list"}
            for missing in ("fedcba9876543210fedcba9876543210", "../secrets", "server"):
                async with session.get(f"{server.url}/status-lists/{missing}") as response:
                    assert response.status == 404
            async with session.get(f"{server.url}/health") as response:
                assert (await response.json())["status"] == "ok"
    finally:
        await server.stop()
    again = StatusListServer(tmp_path, "127.0.0.1", "auto")
    assert await again.start() == port  # "auto" keeps its port across restarts
    await again.stop()
