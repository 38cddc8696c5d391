"""In-process ACA-Py profiles with ler_ledger and ler_badges set up, and their admin routes.

Everything is real except the DIDComm transport: an askar wallet in memory, the session's anvil
ledger, the status list server on a free port, the routes served by aiohttp on 127.0.0.1.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from acapy_agent.admin.request_context import AdminRequestContext
from acapy_agent.anoncreds.registry import AnonCredsRegistry
from acapy_agent.config.injection_context import InjectionContext
from acapy_agent.core.event_bus import Event, EventBus
from acapy_agent.core.goal_code_registry import GoalCodeRegistry
from acapy_agent.core.plugin_registry import PluginRegistry
from acapy_agent.core.profile import Profile
from acapy_agent.core.protocol_registry import ProtocolRegistry
from acapy_agent.resolver.default.key import KeyDIDResolver
from acapy_agent.resolver.did_resolver import DIDResolver
from acapy_agent.utils.testing import create_test_profile
from acapy_agent.wallet.default_verification_key_strategy import (
    BaseVerificationKeyStrategy,
    DefaultVerificationKeyStrategy,
)
from acapy_agent.wallet.did_method import DIDMethods
from acapy_agent.wallet.key_type import KeyTypes
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.web_exceptions import NotAppKeyWarning

from ler_badges import routes
from ler_badges.acapy import wiring
from ler_badges.acapy.service import BadgesService
from ler_chain import LedgerClient, LocalSigner
from ler_ledger import LedgerService
from ler_ledger.did.manager import LerDidManager

COLLEGE = "Prairie Ridge Community College"


def settings(descriptor_file: Path, role: str, status_dir: Path, **badges: Any) -> dict:
    """Settings of an agent with both plugins (``role``: the ledger endorsement role)."""
    return {
        "wallet.type": "askar-anoncreds",
        "default_label": COLLEGE,
        "admin.admin_insecure_mode": True,
        "plugin_config": {
            "ler": {"descriptor": str(descriptor_file), "endorsement": {"role": role}},
            "ler_badges": {
                "status_lists": {"directory": str(status_dir), "port": "auto"},
                **badges,
            },
        },
    }


async def make_profile(agent_settings: dict) -> Profile:
    """A fresh in-memory profile with the plugins set up and the startup event handled."""
    context = InjectionContext(settings=agent_settings)
    for cls in (EventBus, AnonCredsRegistry, DIDMethods, KeyTypes, DIDResolver):
        context.injector.bind_instance(cls, cls())
    context.injector.bind_instance(ProtocolRegistry, ProtocolRegistry())
    context.injector.bind_instance(GoalCodeRegistry, GoalCodeRegistry())
    context.injector.bind_instance(BaseVerificationKeyStrategy, DefaultVerificationKeyStrategy())
    context.inject(DIDResolver).register_resolver(KeyDIDResolver())
    registry = PluginRegistry()
    registry.register_plugin("ler_ledger")
    registry.register_plugin("ler_badges")
    await registry.init_context(context)
    profile = await create_test_profile(agent_settings, context)
    await wiring.on_startup(profile, Event("acapy::core::startup", {}))
    return profile


async def close_profile(profile: Profile) -> None:
    """Stop what the profile started."""
    await profile.inject(BadgesService).close()
    await profile.inject(LedgerService).close()
    await profile.close()


async def make_endorser(profile: Profile, trustee: LocalSigner) -> str:
    """Grant the profile's ledger account ENDORSER and anchor its public did:ler DID."""
    service = profile.inject(LedgerService)
    account = await service.account(profile)
    async with LedgerClient(service.config.descriptor, trustee) as state:
        await state.send(state.roles.grant("ENDORSER", account.address))
    created = await LerDidManager(profile).create(public=True, endpoint="")
    return created["did"]


@asynccontextmanager
async def admin_client(profile: Profile) -> AsyncIterator[TestClient]:
    """The plugin's admin routes, served on 127.0.0.1 for ``profile``."""

    @web.middleware
    async def context(request: web.Request, handler: Any) -> web.StreamResponse:
        with warnings.catch_warnings():  # ACA-Py keys the request context by string too
            warnings.simplefilter("ignore", NotAppKeyWarning)
            request["context"] = AdminRequestContext(profile=profile)
        return await handler(request)

    app = web.Application(middlewares=[context])
    await routes.register(app)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


async def post(client: TestClient, path: str, body: dict) -> tuple[int, Any]:
    """POST JSON; returns (status, decoded body)."""
    response = await client.post(path, data=json.dumps(body))
    return response.status, await response.json()


async def issue_directly(profile: Profile, template: dict, skills: list | None = None) -> dict:
    """Issue a credential through ACA-Py's VC manager and our suite, without DIDComm.

    The same steps as an offer: complete and check, take a status entry, sign (ACA-Py's
    ``VcLdpManager`` asks our suite provider); only the learner's wallet is left out.
    """
    from acapy_agent.vc.vc_ld.manager import VcLdpManager
    from acapy_agent.vc.vc_ld.models.credential import VerifiableCredential
    from acapy_agent.vc.vc_ld.models.options import LDProofVCOptions

    from ler_badges.acapy.did_web import issuing_identity
    from ler_badges.acapy.issuer import BadgeIssuer
    from ler_badges.acapy.status_lists import StatusListManager

    issuer = BadgeIssuer(profile)
    credential = await issuer.prepare(template, skills=skills or [])
    did = await issuer.anchor_did(None)
    [slots] = await StatusListManager(profile).reserve(did, 1)
    credential["credentialStatus"] = slots.credential_status()
    await issuer.record_issued(credential, did, [slots], "direct", "direct")
    _, _, method = await issuing_identity(profile, did)
    options = LDProofVCOptions.deserialize(
        {"proofType": "DataIntegrityProof", "verificationMethod": method}
    )
    signed = await VcLdpManager(profile).issue(
        VerifiableCredential.deserialize(credential), options
    )
    return signed.serialize()
