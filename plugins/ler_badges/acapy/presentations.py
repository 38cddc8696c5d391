"""An employer's agent verifies the OB 3.0 / CLR 2.0 credentials in a received presentation.

For each presentation of a present-proof 2.0 exchange (DIF format): the presentation's own proof
(the learner's signature over the verifier's challenge and domain), then every credential with
all checks of :func:`~ler_badges.verification.verify_credential`, plus ``holder``: the learner
who presented is the credential's subject. The verdict is stored (a ``ler_badges_verification``
webhook is emitted) and can be read back by ``pres_ex_id``.
"""

from __future__ import annotations

import logging
from typing import Any

from acapy_agent.core.event_bus import Event
from acapy_agent.core.profile import Profile
from acapy_agent.protocols.present_proof.v2_0.messages.pres_format import V20PresFormat
from acapy_agent.protocols.present_proof.v2_0.models.pres_exchange import V20PresExRecord
from acapy_agent.storage.error import StorageNotFoundError
from acapy_agent.vc.ld_proofs import (
    AuthenticationProofPurpose,
    Ed25519Signature2018,
    Ed25519Signature2020,
    WalletKeyPair,
)
from acapy_agent.vc.ld_proofs import verify as ld_verify
from acapy_agent.vc.ld_proofs.document_loader import DocumentLoader
from acapy_agent.wallet.key_type import ED25519

from ..verification import Check, verify_credential
from .environment import AgentEnvironment
from .errors import PresentationError
from .records import VerdictRecord
from .service import BadgesService
from .suite import EddsaRdfc2022Suite, is_badge

LOGGER = logging.getLogger(__name__)
DIF = V20PresFormat.Format.DIF
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
    presentations, credentials = [], []
    for presentation in received if isinstance(received, list) else [received]:
        check, holder = await _presentation_check(
            profile, presentation, options.get("challenge"), options.get("domain")
        )
        presentations.append(check)
        nested = presentation.get("verifiableCredential") or []
        for credential in nested if isinstance(nested, list) else [nested]:
            verdict = await verify_credential(credential, env)
            verdict.add(_holder_check(credential, holder))
            credentials.append(verdict.finish())
    verified = bool(credentials) and all(c.outcome != "failed" for c in presentations)
    verified = verified and all(v.verified for v in credentials)
    result = {
        "pres_ex_id": pres_ex_id,
        "verified": verified,
        "presentation": [vars(check) for check in presentations],
        "credentials": [verdict.as_dict() for verdict in credentials],
        "skills": [skill for verdict in credentials for skill in verdict.skills],
    }
    await _store(profile, pres_ex_id, result)
    return result


async def _store(profile: Profile, pres_ex_id: str, verdict: dict[str, Any]) -> None:
    state = "verified" if verdict["verified"] else "refused"
    async with profile.session() as session:
        try:
            record = await VerdictRecord.retrieve_by_tag_filter(session, {"pres_ex_id": pres_ex_id})
            record.verdict, record.state = verdict, state
        except StorageNotFoundError:
            record = VerdictRecord(pres_ex_id=pres_ex_id, verdict=verdict, state=state)
        await record.save(session, reason="presentation verified", event=True)


async def load_verdict(profile: Profile, pres_ex_id: str) -> dict[str, Any] | None:
    """The stored verdict of an exchange, if it was verified."""
    async with profile.session() as session:
        try:
            record = await VerdictRecord.retrieve_by_tag_filter(session, {"pres_ex_id": pres_ex_id})
        except StorageNotFoundError:
            return None
    return record.verdict


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
