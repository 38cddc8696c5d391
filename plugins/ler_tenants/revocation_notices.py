"""Why a college revoked a credential: the revocation notices a wallet received, kept.

ACA-Py's revocation-notification protocol (1.0 and 2.0) emits an event in the profile of the
wallet that received a notice (for a hosted learner, the tenant's) with the issuer's comment and
what the notice names: 1.0 a thread id, ``indy::<rev_reg_id>::<cred_rev_id>`` (or
``anoncreds::...``) unless the issuer named the credential's issuing thread; 2.0 a credential id,
``<rev_reg_id>::<cred_rev_id>``. ACA-Py keeps nothing but a webhook a hosted learner has no one
to receive, so this module keeps one small, non-secret record per credential in that wallet: the
comment and when it came.

A notice is matched to a held credential through the issuance exchange's detail record (the
hosted agent preserves exchange records) and the stored credential's revocation index; a notice
naming no credential of the wallet is dropped, so a peer cannot fill the wallet with notices.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

from acapy_agent.anoncreds.holder import AnonCredsHolderError
from acapy_agent.core.event_bus import Event, EventBus
from acapy_agent.core.profile import Profile
from acapy_agent.indy.holder import IndyHolderError
from acapy_agent.protocols.issue_credential.v2_0.models.cred_ex_record import V20CredExRecord
from acapy_agent.protocols.issue_credential.v2_0.models.detail.anoncreds import (
    V20CredExRecordAnonCreds,
)
from acapy_agent.protocols.issue_credential.v2_0.models.detail.indy import V20CredExRecordIndy
from acapy_agent.storage.base import BaseStorage
from acapy_agent.storage.error import StorageDuplicateError, StorageNotFoundError
from acapy_agent.storage.record import StorageRecord
from acapy_agent.wallet.error import WalletNotFoundError

from .presentation_plans import _holder as wallet_holder

LOGGER = logging.getLogger(__name__)

#: the events of ACA-Py's RevokeHandler of revocation-notification 1.0 and 2.0
RECEIVED = re.compile(r"^acapy::revocation-notification(-v2)?::received$")
RECORD_TYPE = "ler_revocation_notice"
#: a comment is a reason for a person to read; a longer one is cut
MAX_COMMENT = 500
DETAILS = (V20CredExRecordAnonCreds, V20CredExRecordIndy)


def register(event_bus: EventBus) -> None:
    """Keep every revocation notice a wallet of this agent receives."""
    event_bus.subscribe(RECEIVED, on_notice)


def revocation_ids(named: str) -> tuple[str, str] | None:
    """``(rev_reg_id, cred_rev_id)`` of what a notice names, or None for another thread id."""
    parts = named.split("::")
    if len(parts) == 3 and parts[0] in ("indy", "anoncreds"):
        parts = parts[1:]
    if len(parts) == 2 and all(parts):
        return parts[0], parts[1]
    return None


async def held_credential(profile: Profile, named: str) -> str | None:
    """The id of the wallet's credential a notice names, or None if the wallet holds none."""
    ids = revocation_ids(named)
    async with profile.session() as session:
        if ids is None:  # the credential's issuing thread
            for exchange in await V20CredExRecord.query(session, {"thread_id": named}):
                for kind in DETAILS:
                    for detail in await kind.query(session, {"cred_ex_id": exchange.cred_ex_id}):
                        if detail.cred_id_stored:
                            return detail.cred_id_stored
            return None
        in_registry = [
            (detail.cred_id_stored, detail.cred_rev_id)
            for kind in DETAILS
            for detail in await kind.query(session, {}, post_filter_positive={"rev_reg_id": ids[0]})
            if detail.cred_id_stored
        ]
    for cred_id, index in in_registry:
        # a holder's detail record has no index: the stored credential has it
        if (index or await _revocation_index(profile, cred_id)) == ids[1]:
            return cred_id
    return None


async def _revocation_index(profile: Profile, cred_id: str) -> str | None:
    """The credential's index in its revocation registry, as the wallet stores it."""
    try:
        info = json.loads(await wallet_holder(profile).get_credential(cred_id))
    except (AnonCredsHolderError, IndyHolderError, WalletNotFoundError) as exc:
        LOGGER.info("credential %s could not be read: %s", cred_id, exc)
        return None
    return str(info["cred_rev_id"]) if info.get("cred_rev_id") is not None else None


async def on_notice(profile: Profile, event: Event) -> None:
    """Keep a received notice's comment under the credential it names (the latest wins)."""
    payload = event.payload if isinstance(event.payload, dict) else {}
    named = str(payload.get("thread_id") or payload.get("credential_id") or "")
    referent = await held_credential(profile, named) if named else None
    if referent is None:
        LOGGER.info("a revocation notice names no credential of this wallet: %.200s", named)
        return
    value = {
        "referent": referent,
        "named": named,
        "comment": str(payload.get("comment") or "")[:MAX_COMMENT],
        "received_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    record = StorageRecord(RECORD_TYPE, json.dumps(value), {}, referent)
    async with profile.session() as session:
        storage = session.inject(BaseStorage)
        try:
            await storage.add_record(record)
        except StorageDuplicateError:
            await storage.update_record(record, record.value, {})


async def notice_for(profile: Profile, referent: str) -> dict[str, Any] | None:
    """The notice kept for the credential ``referent`` (comment, when), or None if none came."""
    async with profile.session() as session:
        try:
            record = await session.inject(BaseStorage).get_record(RECORD_TYPE, referent)
        except StorageNotFoundError:
            return None
    return json.loads(record.value)
