"""How ler_badges plugs eddsa-rdfc-2022 into a stock ACA-Py 1.7, without forking it.

ACA-Py's W3C credential paths (issue-credential 2.0 ``ld_proof``, ``/vc/credentials/*``,
present-proof 2.0 DIF verification) all run through ``VcLdpManager``; the handlers create it
themselves, so it cannot be replaced. What it consults, and how we use each:

* **ExternalSuiteProvider** (injector; ACA-Py's hook for external signing suites): asked first
  for the suite of a proof type when signing. Bound to :class:`~.suite.LerSuiteProvider`, which
  returns our suite for ``DataIntegrityProof`` and ``None`` (ACA-Py's own) otherwise.
* **BaseVerificationKeyStrategy** (injector): must know which key types a proof type uses.
  Bound to :class:`LerVerificationKeyStrategy`, ACA-Py's default plus ``DataIntegrityProof``
  -> Ed25519.
* **SUPPORTED_V2_ISSUANCE_PROOF_TYPES** and **PROOF_KEY_TYPE_MAPPING** (module-level tables
  of ``acapy_agent.vc.vc_ld.manager``, read at call time): ``prepare_credential`` refuses a VC
  2.0 proof type missing from the first, and verification only tries the suites of the second.
  Neither has an injection point, so :func:`register_proof_type` *adds* our proof type and suite
  to them, once, without replacing or wrapping any ACA-Py code. This is the smallest change that
  makes both paths accept the suite; the alternatives were a forked ``VcLdpManager`` (the
  format handler instantiates it by name), monkeypatching ``prepare_credential`` (replaces
  behaviour, breaks silently on upgrade) or a credential protocol of our own (Aries wallets
  would not understand it). A test asserts the tables hold what this relies on, so an ACA-Py
  upgrade that renames them fails loudly.
* **LDProofCredFormatHandler.receive_credential** (holder side of ``ld_proof``): compares
  ``credentialStatus`` as one object, so a credential with a revocation and a suspension entry
  could not be received. :func:`~.status_list_holder.accept_status_lists` wraps it once,
  keeping its checks (see that module); a test asserts the method it wraps.
* **DocumentLoader** (injector, bound by the conductor *after* plugins load): replaced at the
  startup event by :class:`~.loader.OfflineAcaPyDocumentLoader`, so ACA-Py's own JSON-LD
  processing never fetches a context from the network.
"""

from __future__ import annotations

import logging

from acapy_agent.config.injection_context import InjectionContext
from acapy_agent.core.event_bus import Event
from acapy_agent.core.profile import Profile
from acapy_agent.vc.ld_proofs.document_loader import DocumentLoader
from acapy_agent.vc.vc_ld import manager as vc_ld_manager
from acapy_agent.vc.vc_ld.external_suite import ExternalSuiteProvider
from acapy_agent.wallet.default_verification_key_strategy import (
    BaseVerificationKeyStrategy,
    DefaultVerificationKeyStrategy,
)
from acapy_agent.wallet.key_type import ED25519

from ler_ledger import register_sweep

from ..cryptosuite import PROOF_TYPE
from ..vc_api.expiry_sweep import SWEEP_NAME, fail_expired
from .config import BadgesConfig
from .did_web import register as register_did_web_completion
from .did_web import served_document
from .loader import OfflineAcaPyDocumentLoader
from .service import BadgesService
from .status_list_holder import accept_status_lists
from .status_lists import StatusListManager
from .status_lists import register as register_status_list_completion
from .suite import EddsaRdfc2022Suite, LerSuiteProvider

LOGGER = logging.getLogger(__name__)


class LerVerificationKeyStrategy(DefaultVerificationKeyStrategy):
    """ACA-Py's default strategy, also knowing that ``DataIntegrityProof`` signs with Ed25519."""

    def __init__(self) -> None:
        super().__init__()
        self.key_types_mapping[PROOF_TYPE] = [ED25519]


def register_proof_type() -> None:
    """Add ``DataIntegrityProof`` and our suite to ACA-Py's VC 2.0 issuance and proof tables."""
    if PROOF_TYPE not in vc_ld_manager.SUPPORTED_V2_ISSUANCE_PROOF_TYPES:
        vc_ld_manager.SUPPORTED_V2_ISSUANCE_PROOF_TYPES.append(PROOF_TYPE)
    vc_ld_manager.PROOF_KEY_TYPE_MAPPING.setdefault(EddsaRdfc2022Suite, ED25519)


async def setup(context: InjectionContext) -> None:
    """Bind the service, suite provider and key strategy; register the proof type."""
    config = BadgesConfig.from_settings(context.settings)
    context.injector.bind_instance(BadgesService, BadgesService(config))
    context.injector.bind_instance(ExternalSuiteProvider, LerSuiteProvider())
    strategy = context.inject_or(BaseVerificationKeyStrategy)
    if strategy is None or type(strategy) is DefaultVerificationKeyStrategy:
        context.injector.bind_instance(BaseVerificationKeyStrategy, LerVerificationKeyStrategy())
    else:
        LOGGER.warning(
            "a custom verification key strategy (%s) is bound; it must map %s to Ed25519",
            type(strategy).__name__,
            PROOF_TYPE,
        )
    register_proof_type()
    accept_status_lists()
    register_status_list_completion()
    register_did_web_completion()
    register_sweep(SWEEP_NAME, fail_expired)  # unread VC-API exchanges end as expired
    context.inject(BadgesService).did_web_source = served_document
    LOGGER.info("ler_badges ready: eddsa-rdfc-2022 for OB 3.0 / CLR 2.0 credentials")


async def on_startup(profile: Profile, _event: Event) -> None:
    """Replace ACA-Py's document loader with the offline one; start the status list server."""
    profile.context.injector.bind_instance(DocumentLoader, OfflineAcaPyDocumentLoader(profile))
    service = profile.inject_or(BadgesService)
    if service is not None:
        service.exchanges.root = profile  # VC-API exchanges of the agent's own wallet
        service.registry.profile = profile  # the issuer registry is the root wallet's
        await service.start(profile)
        try:  # a change may have landed while the agent was down
            await StatusListManager(profile).sync_all()
        except Exception:
            LOGGER.exception("could not bring the status lists in step with the ledger")


async def on_shutdown(profile: Profile, _event: Event) -> None:
    """Stop the status list server and close HTTP sessions."""
    service = profile.inject_or(BadgesService)
    if service is not None:
        await service.close()
