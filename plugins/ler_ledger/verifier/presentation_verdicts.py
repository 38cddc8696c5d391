"""Applying the LER verification policy when a presentation arrives, and recording verdicts.

Verdicts go to the one verdict store (:mod:`.store`), which the ``ler_badges`` verifier shares.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from acapy_agent.core.event_bus import Event, EventBus
from acapy_agent.core.profile import Profile
from acapy_agent.protocols.present_proof.v2_0.formats.anoncreds.handler import (
    AnonCredsPresExchangeHandler,
)
from acapy_agent.protocols.present_proof.v2_0.manager import V20PresManager
from acapy_agent.protocols.present_proof.v2_0.models.pres_exchange import V20PresExRecord

from ..ledger import LedgerService
from ..verdicts import Check, Verdict
from .store import emit_verdict, load_verdict, store_verdict
from .verification_policy import UNVERIFIABLE, AnonCredsVerdict, LerPresentationVerifier

LOGGER = logging.getLogger(__name__)

FORMAT = "anoncreds"
PRESENTATION_RECEIVED = re.compile(r"^acapy::record::present_proof_v2_0::presentation-received$")


def register(event_bus: EventBus) -> None:
    """Verify presentations as they arrive (when the policy's auto_verify is on)."""
    event_bus.subscribe(PRESENTATION_RECEIVED, on_presentation_received)


async def on_presentation_received(profile: Profile, event: Event) -> None:
    """Event handler: verify under the LER policy unless ACA-Py's own auto-verify is on."""
    service = profile.inject_or(LedgerService)
    if service is None or not service.config.verifier.auto_verify:
        return
    if profile.settings.get("debug.auto_verify_presentation"):
        return  # ACA-Py verifies itself; our policy stays available through the admin API
    pres_ex_id = event.payload.get("pres_ex_id")
    try:
        async with profile.session() as session:
            record = await V20PresExRecord.retrieve_by_id(session, pres_ex_id)
        if record.pres_request.attachment(AnonCredsPresExchangeHandler.format) is None:
            return  # not an AnonCreds presentation (e.g. DIF, which ler_badges verifies)
        await verify_exchange(profile, pres_ex_id, record=record)
    except Exception as exc:  # never leave the exchange waiting: fail it with the reason
        LOGGER.exception("LER verification of presentation %s failed", pres_ex_id)
        await _fail_exchange(profile, pres_ex_id, exc)


async def verify_exchange(
    profile: Profile, pres_ex_id: str, *, record: V20PresExRecord | None = None
) -> dict[str, Any]:
    """Verify one exchange, mark it done with the verdict, and tell the controller.

    ``record``: the exchange just read by the caller, to spare a second read of the wallet.
    """
    if record is None or record.pres_ex_id != pres_ex_id:
        async with profile.session() as session:
            record = await V20PresExRecord.retrieve_by_id(session, pres_ex_id)
    if record.state != V20PresExRecord.STATE_PRESENTATION_RECEIVED:
        stored = await load_verdict(profile, pres_ex_id)
        if stored is not None:
            return stored
        raise ValueError(
            f"presentation exchange {pres_ex_id} is {record.state}, not presentation-received"
        )

    verdict = await LerPresentationVerifier(profile).verify(record)
    result = await store_verdict(profile, pres_ex_id, FORMAT, verdict, emit=False)
    await _finish_exchange(profile, record, verdict)
    await emit_verdict(profile, result)
    return result


async def _fail_exchange(profile: Profile, pres_ex_id: str, error: Exception) -> None:
    """Mark an exchange whose verification crashed as not verified, saying why."""
    verdict = AnonCredsVerdict()
    detail = f"the presentation could not be checked ({error}); ask the holder to present again"
    verdict.add(Check.failed("verification", UNVERIFIABLE, detail))
    verdict.finish()
    try:
        async with profile.session() as session:
            record = await V20PresExRecord.retrieve_by_id(session, pres_ex_id)
        result = await store_verdict(profile, pres_ex_id, FORMAT, verdict, emit=False)
        await _finish_exchange(profile, record, verdict)
        await emit_verdict(profile, result)
    except Exception:
        LOGGER.exception("could not record the failed verification of %s", pres_ex_id)


async def _finish_exchange(profile: Profile, record: V20PresExRecord, verdict: Verdict) -> None:
    """Mark the exchange done with the verdict (one save, so one webhook) and ack if asked."""
    record.verified = json.dumps(verdict.verified)
    record.verified_msgs = [f"LER::{reason}" for reason in verdict.reasons]
    record.state = V20PresExRecord.STATE_DONE
    async with profile.session() as session:
        await record.save(session, reason="verified under the LER policy")
    if record.pres_request.will_confirm:
        await V20PresManager(profile).send_pres_ack(record)
