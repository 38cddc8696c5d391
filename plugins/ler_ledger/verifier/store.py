"""The one store of verdicts, by presentation exchange id, and their one webhook.

Both kinds of presentation the employer's agent verifies (AnonCreds under the LER policy, Open
Badges / CLR in ``ler_badges``) keep their verdict here, as one JSON shape: ``pres_ex_id``,
``format`` (``anoncreds`` or ``dif``), then the :class:`~ler_ledger.verdicts.Verdict` fields
(``verified``, ``reasons``, ``checks``, ``credentials``) and what that kind adds. Storing a
verdict emits it as the ``ler_verification`` webhook.
"""

from __future__ import annotations

import json
from typing import Any

from acapy_agent.core.profile import Profile
from acapy_agent.storage.base import BaseStorage
from acapy_agent.storage.error import StorageNotFoundError
from acapy_agent.storage.record import StorageRecord

from ..verdicts import VERDICT_TOPIC, Verdict

VERDICT_RECORD_TYPE = "ler_verification"
WEBHOOK_TOPIC = f"acapy::webhook::{VERDICT_TOPIC}"


def verdict_json(pres_ex_id: str, format_: str, verdict: Verdict, **extra: Any) -> dict[str, Any]:
    """The stored and emitted form of a presentation's verdict."""
    return {"pres_ex_id": pres_ex_id, "format": format_, **verdict.as_dict(), **extra}


async def store_verdict(
    profile: Profile,
    pres_ex_id: str,
    format_: str,
    verdict: Verdict,
    *,
    emit: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    """Keep (or replace) the verdict of an exchange, emit the webhook, and return its JSON.

    With ``emit=False`` the caller emits it later (:func:`emit_verdict`), e.g. once the exchange
    is marked done.
    """
    result = verdict_json(pres_ex_id, format_, verdict, **extra)
    async with profile.session() as session:
        storage = session.inject(BaseStorage)
        record = StorageRecord(VERDICT_RECORD_TYPE, json.dumps(result), id=pres_ex_id)
        try:
            await storage.get_record(VERDICT_RECORD_TYPE, pres_ex_id)
            await storage.update_record(record, record.value, {})
        except StorageNotFoundError:
            await storage.add_record(record)
    if emit:
        await emit_verdict(profile, result)
    return result


async def emit_verdict(profile: Profile, result: dict[str, Any]) -> None:
    """Send a stored verdict as the ``ler_verification`` webhook."""
    await profile.notify(WEBHOOK_TOPIC, result)


async def load_verdict(profile: Profile, pres_ex_id: str) -> dict[str, Any] | None:
    """The stored verdict of an exchange, if it was verified."""
    async with profile.session() as session:
        try:
            record = await session.inject(BaseStorage).get_record(VERDICT_RECORD_TYPE, pres_ex_id)
        except StorageNotFoundError:
            return None
    return json.loads(record.value)
