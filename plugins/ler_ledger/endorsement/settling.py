"""Reconciling a wallet's endorsed writes with the chain, at start-up and while any are open.

At start-up the root wallet is checked against the ledger (:mod:`ler_ledger.reconcile`), its open
author requests are settled from the chain, and the endorser answers the requests it received but
never answered (it may have crashed mid-way). Then, every :data:`INTERVAL` seconds, each wallet
with open writes settles them (endorsed ones as author or endorser, and its own direct writes,
:mod:`ler_ledger.direct_writes`), so a write whose answer was lost or negative ends (done, or
failed with a reason) within its signature's validity plus one interval, without anyone asking.
Every 30 s (or half the timeout), DIDComm exchanges stalled longer than ``ler.exchange_timeout``
are abandoned (:mod:`ler_ledger.exchanges`: the open ones, known from record events, with a full
scan of the wallet at start-up and every hour; a hosted agent's tenants' from the root wallet's
index of them, :mod:`ler_ledger.tenant_exchanges`); every interval, the sweeps other plugins
register (:mod:`ler_ledger.sweeps`) run.
"""

from __future__ import annotations

import asyncio
import logging

from acapy_agent.core.profile import Profile

from ..direct_writes import settle_direct_writes
from ..exchanges import FULL_SCAN_EVERY, OPEN, abandon_stalled
from ..ledger import LedgerService
from ..reconcile import report_missing
from ..sweeps import run_sweeps
from ..tenant_exchanges import INDEX, abandon_stalled_tenants
from .manager import EndorsementManager

LOGGER = logging.getLogger(__name__)

INTERVAL = 5.0
EXCHANGE_ROUNDS = 6  # stalled DIDComm exchanges are looked for every 30 s (or half the timeout)

_open: dict[str, Profile] = {}
_task: asyncio.Task | None = None


def watch(profile: Profile) -> None:
    """Settle ``profile``'s open requests until none is left (it just sent one)."""
    _open[profile.name] = profile


def start(root: Profile) -> None:
    """Reconcile the root wallet now, then keep settling watched wallets in the background."""
    global _task
    OPEN.root = root  # from now on, exchanges to check are noted
    if root.inject(LedgerService).config.exchange_timeout > 0:  # else nothing is checked
        INDEX.root = root
    watch(root)
    if _task is None or _task.done():
        _task = asyncio.get_running_loop().create_task(_run(root), name="ler-settling")


async def _run(root: Profile) -> None:
    try:
        await report_missing(root)
    except Exception:
        LOGGER.exception("could not check the wallet's anchored objects against the ledger")
    try:
        resumed = await EndorsementManager(root).resume_received()
        if resumed:
            LOGGER.info("answered %d endorsement requests left open by a restart", resumed)
    except Exception:
        LOGGER.exception("could not resume received endorsement requests")
    config = root.inject(LedgerService).config
    every = max(1, min(EXCHANGE_ROUNDS, int(config.exchange_timeout / (2 * INTERVAL))))
    # a multiple of ``every``, so that a full scan falls on a round that checks at all
    full_scan = every * max(1, int(FULL_SCAN_EVERY / (INTERVAL * every)))
    hosted = bool(root.settings.get("multitenant.enabled"))
    rounds = 0
    while True:
        if rounds % every == 0:
            only = None if rounds % full_scan == 0 else OPEN.ids  # else the open ones only
            try:
                await abandon_stalled(root, config.exchange_timeout, only=only)
            except Exception:
                LOGGER.exception("could not check for stalled exchanges; retrying later")
            if hosted:
                try:
                    await abandon_stalled_tenants(root, config.exchange_timeout)
                except Exception:
                    LOGGER.exception("could not check tenants' stalled exchanges; retrying later")
        rounds += 1
        await run_sweeps(root)  # other plugins' hooks (ler_ledger.register_sweep)
        for name, profile in list(_open.items()):
            try:
                manager = EndorsementManager(profile)
                still_open = await manager.settle_open()
                still_open += await manager.settle_submitted()
                still_open += await settle_direct_writes(profile)
            except Exception:
                LOGGER.exception("settling the open writes of %s failed; retrying later", name)
                continue
            if not still_open and profile is not root:
                _open.pop(name, None)
        await asyncio.sleep(INTERVAL)
