"""The state's node publishes its issuer registry: ``GET /registry/issuers.json`` (public server).

Rebuilt from the ledger on read, cached by block: a new block (an accreditation granted,
suspended or withdrawn) gives a new document at once. Who is listed and for what comes from the
accreditation registry on the ledger; each college's did:web comes from its ledger entry
(``alsoKnownAs``); how people know it (name, location, url, Credential Engine CTID) from an
operator-edited YAML file named by ``ler_badges.issuer_registry.profiles``, read on each rebuild::

    did:ler:indiana:3x9...:
      name: Prairie Ridge Community College
      location: Prairie Ridge, IN, USA
      url: https://prairieridge.example
      ctid: ce-2f8c...

The document (:func:`ler_badges.issuer_registry.issuer_registry`: ``meta`` and ``registry``) is a
W3C credential issued and signed (eddsa-rdfc-2022) by the state's public DID, so our own
verifiers can check who published it. ``meta`` and ``registry`` stay top-level members of that
credential, so the one URL is also a "dcc-legacy" registry as DCC's issuer-registry-client (in
``@digitalcredentials/verifier-core``, VerifierPlus) reads one: it fetches the URL, looks up
``registry[<issuer DID>]`` and shows its ``name``, ``url`` and ``location``; it ignores the other
members and checks no signature. The response allows any origin (CORS), for verifiers that run
in a browser. ``GET /ler/badges/issuer-registry`` (admin) says where it is served.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from acapy_agent.admin.decorators.auth import tenant_authentication
from acapy_agent.core.profile import Profile
from acapy_agent.wallet.base import BaseWallet
from aiohttp import web
from aiohttp_apispec import docs

from ler_chain import AccreditationStatus, LedgerError, LerDid
from ler_ledger import LedgerService, http_errors, request_profile

from ..cryptosuite import add_proof
from ..issuer_registry import RegisteredIssuer, issuer_registry
from .did_keys import did_signer
from .errors import BadgesConfigError
from .loader import suite_loader

LOGGER = logging.getLogger(__name__)
REGISTRY_PATH = "/registry/issuers.json"
#: A public document: cached a minute, readable by verifiers running in a browser.
PUBLIC_HEADERS = {"Cache-Control": "max-age=60", "Access-Control-Allow-Origin": "*"}
VC_V2 = "https://www.w3.org/ns/credentials/v2"
VOCAB = "urn:ler:issuer-registry#"
#: Defines the registry's own terms; ``meta`` and ``registry`` are signed as JSON literals.
REGISTRY_CONTEXT = {
    "IssuerRegistryCredential": VOCAB + "IssuerRegistryCredential",
    "IssuerRegistry": VOCAB + "IssuerRegistry",
    "ledgerBlock": VOCAB + "ledgerBlock",
    "meta": {"@id": VOCAB + "meta", "@type": "@json"},
    "registry": {"@id": VOCAB + "registry", "@type": "@json"},
}


class RegistryPublisher:
    """Builds, signs and caches the registry of one (the state's) profile."""

    def __init__(self) -> None:
        self.profile: Profile | None = None
        self._cache: tuple[int, dict[str, Any]] | None = None
        self._lock = asyncio.Lock()

    def _settings(self) -> dict[str, Any]:
        assert self.profile is not None
        raw = self.profile.settings.for_plugin("ler_badges") or {}
        return dict(raw.get("issuer_registry") or {})

    def _display(self) -> dict[str, dict[str, str]]:
        path = self._settings().get("profiles")
        if not path:
            return {}
        try:
            loaded = yaml.safe_load(Path(path).expanduser().read_text("utf-8")) or {}
        except (OSError, yaml.YAMLError) as error:
            LOGGER.warning("issuer registry profiles %s unreadable: %s", path, error)
            return {}
        return {str(k): dict(v) for k, v in loaded.items() if isinstance(v, dict)}

    async def document(self) -> dict[str, Any]:
        """The signed registry as of the latest block."""
        if self.profile is None:
            raise web.HTTPServiceUnavailable(reason="the agent is starting")
        ledger = self.profile.inject(LedgerService)
        async with self._lock:
            block = await ledger.chain.block_number()
            if self._cache is not None and self._cache[0] == block:
                return self._cache[1]
            document = await self._signed(await self._issuers(ledger, block), block)
            self._cache = (block, document)
            return document

    async def _issuers(self, ledger: LedgerService, block: int) -> list[RegisteredIssuer]:
        chain, display = ledger.chain, self._display()
        now = await chain.ledger_time()
        issuers = []
        for id_bytes in await chain.accreditation.issuer_ids(block):
            did = LerDid.from_id(ledger.network, id_bytes)
            terms = [
                (t.credential_type, t.valid_from, t.valid_until)
                for t in await chain.accreditation.accreditations_of(did)
                if t.status is AccreditationStatus.ACTIVE
                and (not t.valid_until or t.valid_until > now)
            ]
            record = await chain.dids.resolve(did)
            dids = [str(did)] + ([record.also_known_as] if record.also_known_as else [])
            issuers.append(RegisteredIssuer(dids, terms, display.get(str(did), {})))
        return issuers

    async def _signed(self, issuers: list[RegisteredIssuer], block: int) -> dict[str, Any]:
        assert self.profile is not None
        async with self.profile.session() as session:
            public = await session.inject(BaseWallet).get_public_did()
        name = self._settings().get("name") or self.profile.settings.get("default_label") or ""
        now = datetime.now(UTC)
        registry = issuer_registry(issuers, name=str(name), updated=now, block=block)
        if public is None:
            return registry  # nothing to sign with yet: readable, not signed
        document = {
            "@context": [VC_V2, REGISTRY_CONTEXT],
            "type": ["VerifiableCredential", "IssuerRegistryCredential"],
            "issuer": {"id": public.did, "name": str(name)},
            "validFrom": registry["meta"]["updated"],
            "credentialSubject": {"type": "IssuerRegistry", "ledgerBlock": block},
            **registry,
        }
        sign, method = await did_signer(self.profile, public.did)
        return await add_proof(
            document, sign=sign, verification_method=method, loader=suite_loader()
        )


def registry_routes(publisher: RegistryPublisher) -> list[web.RouteDef]:
    """The public registry route."""

    async def get_registry(_request: web.Request) -> web.Response:
        try:
            document = await publisher.document()
        except LedgerError as error:
            return web.json_response(
                {"error": f"the ledger cannot be read now ({error}); try again shortly"},
                status=503,
            )
        return web.json_response(document, headers=PUBLIC_HEADERS)

    return [web.get(REGISTRY_PATH, get_registry, allow_head=False)]


@docs(tags=["ler-badges"], summary="Where this agent's public server serves the issuer registry")
@tenant_authentication
@http_errors.json_errors
async def registry_location(request: web.BaseRequest) -> web.Response:
    """``{"url"}``: the registry's public URL, to hand to verifiers (VerifierPlus, our own)."""
    from .service import BadgesService  # the service builds this module's routes

    service = request_profile(request).inject(BadgesService)
    base = service.public_url()
    if base is None:
        raise BadgesConfigError(
            "this agent runs no public server: set ler_badges.status_lists.port to serve the "
            "issuer registry (and public_url to the address verifiers use)"
        )
    return web.json_response({"url": base + REGISTRY_PATH})


def registry_admin_routes() -> list[web.RouteDef]:
    """The admin route, for the plugin's ``register(app)``."""
    return [web.get("/ler/badges/issuer-registry", registry_location, allow_head=False)]
