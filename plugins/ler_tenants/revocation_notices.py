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

A notice is also checked against who sent it: ACA-Py's event carries no connection, so this
plugin registers its own message classes for both protocol versions (:func:`message_types`, at
setup, after ACA-Py's protocols: the protocol registry maps a message type to the class
registered last). Their handlers accept a notice only over the connection the credential it
names was issued over, or from the credential's issuer (the connection's public DID is the DID
its revocation registry is anchored under), and then do what ACA-Py's handlers do (webhook and
event, which :func:`on_notice` keeps); another connection's notice is dropped and logged.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from acapy_agent.anoncreds.holder import AnonCredsHolderError
from acapy_agent.connections.models.conn_record import ConnRecord
from acapy_agent.core.event_bus import Event, EventBus
from acapy_agent.core.profile import Profile
from acapy_agent.indy.holder import IndyHolderError
from acapy_agent.messaging.base_handler import HandlerException
from acapy_agent.messaging.request_context import RequestContext
from acapy_agent.messaging.responder import BaseResponder
from acapy_agent.protocols.didcomm_prefix import DIDCommPrefix
from acapy_agent.protocols.issue_credential.v2_0.models.cred_ex_record import V20CredExRecord
from acapy_agent.protocols.issue_credential.v2_0.models.detail.anoncreds import (
    V20CredExRecordAnonCreds,
)
from acapy_agent.protocols.issue_credential.v2_0.models.detail.indy import V20CredExRecordIndy
from acapy_agent.protocols.revocation_notification.v1_0 import message_types as v1_types
from acapy_agent.protocols.revocation_notification.v1_0.handlers import revoke_handler as v1
from acapy_agent.protocols.revocation_notification.v1_0.messages import revoke as v1_revoke
from acapy_agent.protocols.revocation_notification.v2_0 import message_types as v2_types
from acapy_agent.protocols.revocation_notification.v2_0.handlers import revoke_handler as v2
from acapy_agent.protocols.revocation_notification.v2_0.messages import revoke as v2_revoke
from acapy_agent.storage.base import BaseStorage
from acapy_agent.storage.error import StorageDuplicateError, StorageNotFoundError
from acapy_agent.storage.record import StorageRecord
from acapy_agent.wallet.error import WalletNotFoundError

from ler_chain import LedgerInputError, RevRegDefId, parse_anoncreds_id
from ler_ledger.holder.choice import holder_of

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


@dataclass(frozen=True)
class Held:
    """A credential of the wallet a notice names, and how it came."""

    referent: str
    cred_ex_id: str
    rev_reg_id: str | None


async def held_credential(profile: Profile, named: str) -> str | None:
    """The id of the wallet's credential a notice names, or None if the wallet holds none."""
    held = await _held(profile, named)
    return held.referent if held else None


async def _held(profile: Profile, named: str) -> Held | None:
    """The wallet's credential a notice names (by issuing thread or revocation ids), or None."""
    ids = revocation_ids(named)
    async with profile.session() as session:
        if ids is None:  # the credential's issuing thread
            for exchange in await V20CredExRecord.query(session, {"thread_id": named}):
                for kind in DETAILS:
                    for detail in await kind.query(session, {"cred_ex_id": exchange.cred_ex_id}):
                        if detail.cred_id_stored:
                            return Held(
                                detail.cred_id_stored, exchange.cred_ex_id, detail.rev_reg_id
                            )
            return None
        in_registry = [
            detail
            for kind in DETAILS
            for detail in await kind.query(session, {}, post_filter_positive={"rev_reg_id": ids[0]})
            if detail.cred_id_stored
        ]
    for detail in in_registry:
        # a holder's detail record has no index: the stored credential has it
        index = detail.cred_rev_id or await _revocation_index(profile, detail.cred_id_stored)
        if index == ids[1]:
            return Held(detail.cred_id_stored, detail.cred_ex_id, ids[0])
    return None


async def from_issuer(profile: Profile, named: str, connection: ConnRecord) -> bool:
    """Whether ``connection`` may send a notice of what ``named`` names.

    Only if the wallet holds that credential and it was issued over ``connection``, or the
    connection's public DID is the DID the credential's revocation registry is anchored under.
    """
    held = await _held(profile, named) if named else None
    if held is None:
        return False
    async with profile.session() as session:
        try:
            exchange = await V20CredExRecord.retrieve_by_id(session, held.cred_ex_id)
        except StorageNotFoundError:
            exchange = None
    if exchange is not None and exchange.connection_id == connection.connection_id:
        return True
    issuer = _issuer(held.rev_reg_id)
    return issuer is not None and issuer == connection.their_public_did


def _issuer(rev_reg_id: str | None) -> str | None:
    """The did:ler DID a revocation registry is anchored under (None if not a did:ler id)."""
    try:
        parsed = parse_anoncreds_id(rev_reg_id or "")
    except LedgerInputError:
        return None
    return str(parsed.issuer) if isinstance(parsed, RevRegDefId) else None


async def _revocation_index(profile: Profile, cred_id: str) -> str | None:
    """The credential's index in its revocation registry, as the wallet stores it."""
    try:
        info = json.loads(await holder_of(profile).get_credential(cred_id))
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


class _FromIssuer:
    """Before ACA-Py's revoke handler: drop a notice its connection may not send."""

    async def handle(self, context: RequestContext, responder: BaseResponder) -> None:
        """Check the sender, then handle the notice as ACA-Py does (webhook and event)."""
        connection = context.connection_record
        if not context.connection_ready or connection is None:
            raise HandlerException("No connection established")
        message = context.message
        v2_notice = isinstance(message, v2_revoke.Revoke)
        named = str((message.credential_id if v2_notice else message.thread_id) or "")
        if not await from_issuer(context.profile, named, connection):
            LOGGER.warning(
                "a revocation notice over connection %s names no credential issued over it "
                "or by its DID: dropped (%.200s)",
                connection.connection_id,
                named,
            )
            return
        await super().handle(context, responder)  # type: ignore[misc]


class CheckedRevokeHandlerV1(_FromIssuer, v1.RevokeHandler):
    """Revocation notification 1.0, checked against its sender."""


class CheckedRevokeHandlerV2(_FromIssuer, v2.RevokeHandler):
    """Revocation notification 2.0, checked against its sender."""


class CheckedRevokeV1(v1_revoke.Revoke):
    """ACA-Py's 1.0 revoke message, handled by :class:`CheckedRevokeHandlerV1`."""

    class Meta:
        """Same type and fields as ACA-Py's."""

        handler_class = CheckedRevokeHandlerV1
        message_type = v1_types.REVOKE
        schema_class = "CheckedRevokeV1Schema"


class CheckedRevokeV1Schema(v1_revoke.RevokeSchema):
    """ACA-Py's 1.0 revoke schema, loading :class:`CheckedRevokeV1`."""

    class Meta:
        """Its model."""

        model_class = CheckedRevokeV1


class CheckedRevokeV2(v2_revoke.Revoke):
    """ACA-Py's 2.0 revoke message, handled by :class:`CheckedRevokeHandlerV2`."""

    class Meta:
        """Same type and fields as ACA-Py's."""

        handler_class = CheckedRevokeHandlerV2
        message_type = v2_types.REVOKE
        schema_class = "CheckedRevokeV2Schema"


class CheckedRevokeV2Schema(v2_revoke.RevokeSchema):
    """ACA-Py's 2.0 revoke schema, loading :class:`CheckedRevokeV2`."""

    class Meta:
        """Its model."""

        model_class = CheckedRevokeV2


def message_types() -> dict[str, type]:
    """The revoke message types of both versions, mapped to the checked classes."""
    return DIDCommPrefix.qualify_all(
        {v1_types.REVOKE: CheckedRevokeV1, v2_types.REVOKE: CheckedRevokeV2}
    )
