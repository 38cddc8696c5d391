"""An employer's agent verifies the OB 3.0 / CLR 2.0 credentials in a received presentation.

For each presentation of a present-proof 2.0 exchange (DIF format): the presentation's own proof
(the learner's signature over the verifier's challenge and domain), then every credential with
all checks of :func:`~ler_badges.verification.verify_credential`, plus ``holder``: the learner
who presented is the credential's subject. The verdict goes to ``ler_ledger``'s one verdict store
(format ``dif``, the ``ler_verification`` webhook), which AnonCreds verdicts share, and can be
read back by ``pres_ex_id``.
"""

from __future__ import annotations

import logging
from typing import Any

from acapy_agent.core.event_bus import Event
from acapy_agent.core.profile import Profile
from acapy_agent.protocols.present_proof.v2_0.messages.pres_format import V20PresFormat
from acapy_agent.protocols.present_proof.v2_0.models.pres_exchange import V20PresExRecord
from acapy_agent.vc.ld_proofs import (
    AuthenticationProofPurpose,
    Ed25519Signature2018,
    Ed25519Signature2020,
    WalletKeyPair,
)
from acapy_agent.vc.ld_proofs import verify as ld_verify
from acapy_agent.vc.ld_proofs.document_loader import DocumentLoader
from acapy_agent.wallet.key_type import ED25519

from ler_ledger import Check, Verdict, store_verdict
from ler_ledger import load_verdict as load_verdict

from ..verification import verify_credential
from .environment import AgentEnvironment
from .errors import PresentationError
from .service import BadgesService
from .suite import EddsaRdfc2022Suite, is_badge

LOGGER = logging.getLogger(__name__)
DIF = V20PresFormat.Format.DIF
FORMAT = "dif"
PRESENTATION_RECEIVED = "^acapy::record::present_proof_v2_0::presentation-received$"


async def _presentation_check(
    profile: Profile, presentation: dict[str, Any], challenge: str | None, domain: str | None
) -> tuple[Check, str | None]:
    """The presentation proof's check, and the DID that made it."""
    if not challenge:
        return Check.failed("presentation", "no-challenge", "the request had no challenge"), None
    suites = [
        cls(key_pair=WalletKeyPair(profile=profile, key_type=ED25519))
        for cls in (Ed25519Signature2018, Ed25519Signature2020, EddsaRdfc2022Suite)
    ]
    result = await ld_verify(
        document=presentation,
        suites=suites,
        purpose=AuthenticationProofPurpose(challenge=challenge, domain=domain),
        document_loader=profile.inject(DocumentLoader),
    )
    if not result.verified:
        errors = [str(e) for e in result.errors or []] + [
            str(r.error) for r in result.results or [] if r.error
        ]
        detail = "; ".join(errors) or "the presentation proof does not verify"
        return Check.failed("presentation", "presentation-proof", detail), None
    method = str(result.results[0].proof.get("verificationMethod", ""))
    holder = method.split("#", 1)[0]
    return Check.passed("presentation", f"signed by {holder} over the requested challenge"), holder


def _holder_check(credential: dict[str, Any], holder: str | None) -> Check:
    subject = credential.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    subject_id = subject.get("id") if isinstance(subject, dict) else None
    if holder is not None and subject_id == holder:
        return Check.passed("holder", f"presented by its subject {holder}")
    return Check.failed(
        "holder",
        "not-the-subject",
        f"presented by {holder}, but the credential is about {subject_id}",
    )


async def verify_exchange(profile: Profile, pres_ex_id: str) -> dict[str, Any]:
    """Verify a received presentation's credentials, store the verdict and return it."""
    async with profile.session() as session:
        record = await V20PresExRecord.retrieve_by_id(session, pres_ex_id)
    if record.pres is None or record.pres_request is None:
        raise PresentationError(f"presentation exchange {pres_ex_id} has no presentation yet")
    request = record.pres_request.attachment(DIF) or {}
    received = record.pres.attachment(DIF)
    if not received:
        raise PresentationError(f"presentation exchange {pres_ex_id} has no DIF presentation")
    options = request.get("options") or {}
    env = AgentEnvironment(profile)
    verdict = Verdict()
    for presentation in received if isinstance(received, list) else [received]:
        check, holder = await _presentation_check(
            profile, presentation, options.get("challenge"), options.get("domain")
        )
        verdict.add(check)
        nested = presentation.get("verifiableCredential") or []
        for credential in nested if isinstance(nested, list) else [nested]:
            credential_verdict = await verify_credential(credential, env)
            credential_verdict.add(_holder_check(credential, holder))
            verdict.credentials.append(credential_verdict.finish())
    if not verdict.credentials:
        verdict.add(Check.failed("credentials", "no-credentials", "it presents no credential"))
    verdict.finish()
    return await store_verdict(
        profile,
        pres_ex_id,
        FORMAT,
        verdict,
        presentation=[c.as_dict() for c in verdict.checks if c.name == "presentation"],
        skills=[skill for nested in verdict.credentials for skill in nested.skills],
    )


async def on_presentation_received(profile: Profile, event: Event) -> None:
    """Verify a received DIF presentation of OB / CLR credentials, if auto-verify is on."""
    service = profile.inject_or(BadgesService)
    payload = event.payload if isinstance(event.payload, dict) else {}
    if (
        service is None
        or not service.config.verifier.auto_verify
        or payload.get("role") != "verifier"
    ):
        return
    pres_ex_id = payload.get("pres_ex_id")
    try:
        async with profile.session() as session:
            record = await V20PresExRecord.retrieve_by_id(session, pres_ex_id)
        received = record.pres.attachment(DIF) if record.pres else None
        if not received:
            return
        presented = received if isinstance(received, list) else [received]
        credentials = [c for p in presented for c in p.get("verifiableCredential") or []]
        if not any(isinstance(c, dict) and is_badge(c) for c in credentials):
            return
        await verify_exchange(profile, pres_ex_id)
    except Exception:  # a webhook must not take the agent down; the reason is logged
        LOGGER.exception("could not verify presentation exchange %s", pres_ex_id)
