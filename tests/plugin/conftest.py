"""In-process ACA-Py profiles with the ler plugin set up, against the session's real anvil."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from acapy_agent.anoncreds.registry import AnonCredsRegistry
from acapy_agent.config.injection_context import InjectionContext
from acapy_agent.core.event_bus import EventBus
from acapy_agent.core.goal_code_registry import GoalCodeRegistry
from acapy_agent.core.plugin_registry import PluginRegistry
from acapy_agent.core.profile import Profile
from acapy_agent.core.protocol_registry import ProtocolRegistry
from acapy_agent.resolver.did_resolver import DIDResolver
from acapy_agent.utils.testing import create_test_profile
from acapy_agent.wallet.did_method import DIDMethods
from acapy_agent.wallet.key_type import KeyTypes

from ler_chain import LedgerClient, LocalSigner
from ler_ledger import LedgerService
from ler_node.ledger.local import LedgerUp


def plugin_settings(descriptor_file: str, role: str) -> dict:
    return {
        "wallet.type": "askar-anoncreds",
        "plugin_config": {"ler": {"descriptor": descriptor_file, "endorsement": {"role": role}}},
    }


async def make_profile(settings: dict) -> Profile:
    """A fresh in-memory askar-anoncreds profile with the ler plugin set up as at startup."""
    context = InjectionContext(settings=settings)
    for cls in (EventBus, AnonCredsRegistry, DIDMethods, KeyTypes, DIDResolver):
        context.injector.bind_instance(cls, cls())
    context.injector.bind_instance(ProtocolRegistry, ProtocolRegistry())
    context.injector.bind_instance(GoalCodeRegistry, GoalCodeRegistry())
    registry = PluginRegistry()
    registry.register_plugin("ler_ledger")
    await registry.init_context(context)
    return await create_test_profile(settings, context)


@pytest.fixture
async def endorser_profile(ledger: LedgerUp, trustee: LocalSigner) -> AsyncIterator[Profile]:
    """A profile configured as the state's endorser, its account granted ENDORSER."""
    profile = await make_profile(plugin_settings(str(ledger.descriptor_file), "endorser"))
    service = profile.inject(LedgerService)
    account = await service.account(profile)
    async with LedgerClient(ledger.descriptor, trustee) as state:
        await state.send(state.roles.grant("ENDORSER", account.address))
    yield profile
    await service.close()
    await profile.close()


@pytest.fixture
async def author_profile(ledger: LedgerUp) -> AsyncIterator[Profile]:
    """A college's profile (author role: it writes through the state's endorser)."""
    profile = await make_profile(plugin_settings(str(ledger.descriptor_file), "author"))
    yield profile
    await profile.inject(LedgerService).close()
    await profile.close()


@pytest.fixture
async def quick_endorser(ledger: LedgerUp, trustee: LocalSigner) -> AsyncIterator[Profile]:
    """An ENDORSER profile that waits only 2 s for a receipt."""
    config = {"descriptor": str(ledger.descriptor_file), "endorsement": {"role": "endorser"}}
    config["endorsement"]["timeout"] = 2
    profile = await make_profile(
        {"wallet.type": "askar-anoncreds", "plugin_config": {"ler": config}}
    )
    service = profile.inject(LedgerService)
    async with LedgerClient(ledger.descriptor, trustee) as state:
        await state.send(state.roles.grant("ENDORSER", (await service.account(profile)).address))
    yield profile
    await service.close()
    await profile.close()
