"""The college's did:web: its id, the document its public server serves, its ledger binding.

Wallets and verifiers outside the network (DCC's VerifierPlus, Learner Credential Wallet)
resolve ``did:key`` and ``did:web``, not ``did:ler``. A college configured with
``ler_badges.did_web.domain`` therefore issues its OB 3.0 / CLR 2.0 credentials (and signs its
status lists) as ``did:web:<domain>``, served by its public server at
``https://<domain>/.well-known/did.json``, with the keys its public did:ler has on the ledger
*now* (so rotating the did:ler key changes what the did:web serves) and ``alsoKnownAs`` the
did:ler. The did:ler stays the anchor of trust: before the first credential is issued under the
did:web, the did:ler's ledger entry is made to name the did:web back (``setAlsoKnownAs``, an
endorsed write like any other), so verifiers can check the binding both ways.
"""

from __future__ import annotations

import logging
from typing import Any

from acapy_agent.core.profile import Profile
from acapy_agent.wallet.base import BaseWallet
from acapy_agent.wallet.did_info import DIDInfo
from acapy_agent.wallet.did_method import WEB
from acapy_agent.wallet.error import WalletNotFoundError
from acapy_agent.wallet.key_type import ED25519

from ler_chain import LedgerError, LerDid
from ler_chain.did_document import build_did_document
from ler_ledger import EndorsementManager, LedgerService, register_completion, write_to_ledger

from .did_keys import Signer, did_signer
from .errors import IssuanceRefused
from .service import BadgesService

LOGGER = logging.getLogger(__name__)
KIND = "did_web_binding"


async def public_ler_did(profile: Profile) -> str | None:
    """The wallet's public DID if it is a did:ler DID."""
    async with profile.session() as session:
        public = await session.inject(BaseWallet).get_public_did()
    if public is None or not public.did.startswith("did:ler:"):
        return None
    return public.did


async def did_web_for(profile: Profile, did: str) -> str | None:
    """The did:web that ``did`` issues as: the agent's did:web if ``did`` is its public DID."""
    web = profile.inject(BadgesService).did_web
    if web is None or did != await public_ler_did(profile):
        return None
    return web


async def issuing_identity(profile: Profile, did: str) -> tuple[str, Signer, str]:
    """(issuer id, signer, verification method) for credentials and lists of the did:ler ``did``.

    Under the agent's did:web when ``did`` is its public DID and a did:web is configured (the
    same key, named ``did:web:...#key-1``), else under ``did`` itself.
    """
    sign, method = await did_signer(profile, did)
    web = await did_web_for(profile, did)
    if web is None:
        return did, sign, method
    web_method = web + method.removeprefix(did)
    await _in_wallet(profile, did, web, web_method)
    return web, sign, web_method


async def _in_wallet(profile: Profile, did: str, web: str, method: str) -> None:
    """Let ACA-Py's W3C signing find the did:web: a wallet DID, its method bound to the key.

    ACA-Py looks up the issuer DID in the wallet and the verification method's key by its kid
    (else it would resolve the did:web over the network); both follow the did:ler's current key.
    """
    async with profile.session() as session:
        wallet = session.inject(BaseWallet)
        verkey = (await wallet.get_local_did(did)).verkey
        try:
            await wallet.get_local_did(web)
        except WalletNotFoundError:
            await wallet.store_did(DIDInfo(web, verkey, {"also_known_as": did}, WEB, ED25519))
        try:
            bound = (await wallet.get_key_by_kid(method)).verkey
        except WalletNotFoundError:
            bound = None
        if bound != verkey:
            if bound is not None:
                await wallet.unassign_kid_from_key(bound, method)
            await wallet.assign_kid_to_key(verkey, method)


async def served_document(profile: Profile) -> dict[str, Any] | None:
    """The did:web document: the public did:ler's current ledger entry, named as the did:web."""
    web = profile.inject(BadgesService).did_web
    did = await public_ler_did(profile)
    if web is None or did is None:
        return None
    try:
        record = await profile.inject(LedgerService).chain.dids.resolve(did)
    except LedgerError as error:
        LOGGER.warning("cannot serve %s: %s is not readable on the ledger: %s", web, did, error)
        return None
    return build_did_document(record, as_did=web)


async def binding(profile: Profile, did: str) -> dict[str, Any]:
    """What the ledger says of the binding of ``did`` to the agent's did:web.

    It also readies the wallet to sign as the did:web (see :func:`issuing_identity`).
    """
    web = profile.inject(BadgesService).did_web
    if web is not None:
        await issuing_identity(profile, did)
    record = await profile.inject(LedgerService).chain.dids.resolve(did)
    return {
        "did": did,
        "did_web": web,
        "also_known_as": record.also_known_as or None,
        "bound": web is not None and record.also_known_as == web,
    }


async def bind(profile: Profile, did: str) -> dict[str, Any]:
    """Make the ledger entry of ``did`` name the agent's did:web (once); wait until it landed."""
    service = profile.inject(BadgesService)
    web = await did_web_for(profile, did)
    if web is None:
        raise IssuanceRefused(
            f"{did} is not this agent's public DID, or no did:web is configured "
            "(ler_badges.did_web.domain): nothing to bind"
        )
    async with service.lock(f"did-web:{did}"):
        state = await binding(profile, did)
        if state["bound"]:
            return state
        ledger = profile.inject(LedgerService)
        write = ledger.chain.dids.set_also_known_as(LerDid.parse(did), web)
        outcome = await write_to_ledger(profile, write, kind=KIND, object_id=web, job={})
        if not outcome.finished:
            await EndorsementManager(profile).wait(
                outcome.record, ledger.config.endorsement.timeout
            )
        state = await binding(profile, did)
        if not state["bound"]:
            raise IssuanceRefused(
                f"the ledger entry of {did} names {state['also_known_as'] or 'nothing'}, not "
                f"{web}; the binding did not land, try again"
            )
        LOGGER.info("%s is bound to %s on the ledger", web, did)
        return state


class BindingCompletion:
    """The binding lives on the ledger only: nothing to keep in the wallet either way."""

    async def landed(self, profile: Profile, job: dict) -> None:
        """Nothing to store."""

    async def failed(self, profile: Profile, job: dict) -> None:
        """Nothing to undo."""


def register() -> None:
    """Handle settled binding writes."""
    register_completion(KIND, BindingCompletion())
