"""At start-up, check that what the wallet holds as anchored is on the ledger.

A ledger that lost confirmed blocks (a node restored from an old backup, an embedded ledger
whose state file was replaced) leaves wallet records claiming writes the chain no longer has.
Each such object is reported: a warning in the log and a ``ler_anchor`` webhook with state
``missing``, naming what to do. Open writes are settled separately (:mod:`.endorsement.settling`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any

from acapy_agent.anoncreds.constants import (
    CATEGORY_CRED_DEF,
    CATEGORY_REV_REG_DEF,
    CATEGORY_SCHEMA,
    STATE_FINISHED,
)
from acapy_agent.core.profile import Profile
from acapy_agent.wallet.base import BaseWallet

from ler_chain import LedgerNotFoundError, parse_anoncreds_id

from .anchor_webhook import notify_anchor
from .did_method import LER
from .ledger import LedgerService

LOGGER = logging.getLogger(__name__)

ANONCREDS = (  # wallet category, kind, AnonCredsRegistryClient read method
    (CATEGORY_SCHEMA, "schema", "schema"),
    (CATEGORY_CRED_DEF, "cred_def", "credential_definition"),
    (CATEGORY_REV_REG_DEF, "rev_reg_def", "revocation_registry_definition"),
)


async def missing_on_ledger(profile: Profile) -> list[tuple[str, str]]:
    """(kind, id) of every anchored DID and AnonCreds object of the wallet the ledger lacks."""
    chain = profile.inject(LedgerService).chain
    missing: list[tuple[str, str]] = []
    async with profile.session() as session:
        dids = await session.inject(BaseWallet).get_local_dids()
    for info in dids:
        anchored = info.method == LER and info.metadata.get("posted")
        if anchored and not await _on_ledger(chain.dids.resolve(info.did)):
            missing.append(("did", info.did))
    for category, kind, method in ANONCREDS:
        read = getattr(chain.anoncreds, method)
        async with profile.session() as session:
            entries = await session.handle.fetch_all(category, {"state": STATE_FINISHED})
        for entry in entries:
            ours = entry.name.startswith("did:ler:")
            if ours and not await _on_ledger(read(parse_anoncreds_id(entry.name))):
                missing.append((kind, entry.name))
    return missing


async def report_missing(profile: Profile) -> list[tuple[str, str]]:
    """Log and announce (``ler_anchor`` state ``missing``) what the ledger lacks."""
    missing = await missing_on_ledger(profile)
    for kind, object_id in missing:
        reason = (
            "the wallet holds it as anchored but the ledger does not have it: the ledger lost "
            "blocks (restored from an old backup?). Restore the ledger, or publish it again."
        )
        LOGGER.warning("%s %s: %s", kind, object_id, reason)
        await notify_anchor(profile, state="missing", kind=kind, object_id=object_id, reason=reason)
    return missing


async def _on_ledger(read: Awaitable[Any]) -> bool:
    try:
        await read
    except LedgerNotFoundError:
        return False
    return True
