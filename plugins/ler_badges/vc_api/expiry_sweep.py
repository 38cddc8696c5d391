"""Every VC-API exchange ends within a bound, whether or not anyone reads it.

Registered with ``ler_ledger.register_sweep``, so the settling loop runs it every few seconds
with the agent's root profile: each open exchange past its ``expires_at`` (the agent's own, found
by state in its wallet; tenants', found through :mod:`.exchange_directory`) is failed as expired,
and so its end is at most one loop interval after ``expires_at``.
"""

from __future__ import annotations

import logging

from acapy_agent.core.profile import Profile
from acapy_agent.storage.error import StorageNotFoundError

from ..acapy.service import BadgesService
from .exchange_manager import VcApiExchanges
from .exchange_record import VcApiExchangeRecord as Record
from .exchange_record import utc_now

LOGGER = logging.getLogger(__name__)
SWEEP_NAME = "ler_badges.vc_api.expiry"


async def fail_expired(root: Profile) -> int:
    """Fail every open exchange past its end; returns how many were ended."""
    service = root.inject_or(BadgesService)
    if service is None:
        return 0
    now, ended = utc_now(), 0
    exchanges = VcApiExchanges(root)
    for state in (Record.STATE_PENDING, Record.STATE_ACTIVE):
        async with root.session() as session:
            records = await Record.query(session, {"state": state})
        for record in records:
            if record.expired(now):
                ended += (await exchanges.sweep(record.exchange_id)).finished
    for owner in await service.exchanges.due(now):
        profile = await service.exchanges.tenant(owner.wallet_id or "")
        if profile is None:
            LOGGER.info("VC-API exchange %s: its tenant is gone", owner.exchange_id)
            await service.exchanges.forget(owner)
            continue
        try:
            record = await VcApiExchanges(profile).sweep(owner.exchange_id)
        except StorageNotFoundError:  # never saved (a crash right after its owner record)
            await service.exchanges.forget(owner)
            continue
        ended += record.finished
    return ended


__all__ = ["SWEEP_NAME", "fail_expired"]
