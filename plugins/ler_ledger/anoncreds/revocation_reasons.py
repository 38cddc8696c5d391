"""Why the college revoked each AnonCreds credential, kept in its own wallet.

ACA-Py's revoke route sends a reason only as the revocation notice's comment and deletes its
notification record once the notice is sent, so the college would keep no reason. :func:`revoke`
revokes a credential through ACA-Py's revocation manager (published at once; the learner told
why over the connection it was issued over, when that connection still exists) and, only once
ACA-Py has revoked it, keeps one record per credential in this wallet::

    {rev_reg_id, cred_rev_id, cred_ex_id, reason, revoked_at, connection_id, notified}

A revoke that fails keeps nothing. If the agent stops between the revoke and the record, the
credential is revoked without a kept reason; revoking it again with a reason keeps the reason
(dated when ACA-Py marked it revoked) without revoking or telling the learner a second time. The
same holds for a credential revoked through ACA-Py's own route.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from acapy_agent.anoncreds.base import AnonCredsRegistrationError
from acapy_agent.anoncreds.issuer import AnonCredsIssuerError
from acapy_agent.anoncreds.models.issuer_cred_rev_record import IssuerCredRevRecord
from acapy_agent.anoncreds.revocation import AnonCredsRevocationError
from acapy_agent.anoncreds.revocation.manager import RevocationManager, RevocationManagerError
from acapy_agent.connections.models.conn_record import ConnRecord
from acapy_agent.core.profile import Profile, ProfileSession
from acapy_agent.protocols.issue_credential.v2_0.models.cred_ex_record import V20CredExRecord
from acapy_agent.storage.base import BaseStorage
from acapy_agent.storage.error import StorageDuplicateError, StorageNotFoundError
from acapy_agent.storage.record import StorageRecord

from ..errors import LerInputError, LerPluginError

RECORD_TYPE = "ler_revocation_reason"
#: a reason is for a person to read (the learner, an auditor)
MAX_REASON = 500
#: ACA-Py's errors when it does not revoke
REVOKE_ERRORS = (
    RevocationManagerError,
    AnonCredsRevocationError,
    AnonCredsIssuerError,
    AnonCredsRegistrationError,
)


class RevocationFailed(LerPluginError):
    """ACA-Py did not revoke the credential; nothing was kept."""


class AlreadyRevoked(StorageDuplicateError):
    """The credential is revoked and its reason kept already."""


def check_reason(reason: object) -> str:
    """The reason, trimmed; :class:`LerInputError` if missing or too long."""
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise LerInputError("a reason is required: the learner and the college's records show it")
    if len(text) > MAX_REASON:
        raise LerInputError(f"the reason is too long: at most {MAX_REASON} characters")
    return text


async def revoke(profile: Profile, cred_ex_id: str, reason: str) -> dict[str, Any]:
    """Revoke and publish the credential of exchange ``cred_ex_id``; keep and return its record.

    Raises :class:`StorageNotFoundError` (not a revocable credential of this wallet),
    :class:`AlreadyRevoked`, :class:`LerInputError` (no reason) or :class:`RevocationFailed`.
    """
    reason = check_reason(reason)
    async with profile.session() as session:
        try:
            issued = await IssuerCredRevRecord.retrieve_by_cred_ex_id(session, cred_ex_id)
        except StorageNotFoundError as exc:
            raise StorageNotFoundError(
                f"{cred_ex_id} is not a revocable AnonCreds credential this agent issued"
            ) from exc
        kept = await _record(session, _key(issued.rev_reg_id, issued.cred_rev_id))
        connection_id = await _issuing_connection(session, cred_ex_id)
    if kept is not None:
        raise AlreadyRevoked(f"{cred_ex_id} was revoked at {kept['revoked_at']}: {kept['reason']}")
    if issued.state == IssuerCredRevRecord.STATE_REVOKED:
        revoked_at, notified = _iso(issued.updated_at), False  # revoked before: only the reason
    else:
        await _revoke(profile, issued, connection_id, reason)
        revoked_at, notified = datetime.now(UTC).isoformat(timespec="seconds"), bool(connection_id)
    value = {
        "rev_reg_id": issued.rev_reg_id,
        "cred_rev_id": issued.cred_rev_id,
        "cred_ex_id": cred_ex_id,
        "reason": reason,
        "revoked_at": revoked_at,
        "connection_id": connection_id,
        "notified": notified,
    }
    tags = {"cred_ex_id": cred_ex_id, "rev_reg_id": issued.rev_reg_id}
    record = StorageRecord(
        RECORD_TYPE, json.dumps(value), tags, _key(issued.rev_reg_id, issued.cred_rev_id)
    )
    async with profile.session() as session:
        try:
            await session.inject(BaseStorage).add_record(record)
        except StorageDuplicateError as exc:  # a concurrent revoke of the same credential
            raise AlreadyRevoked(f"{cred_ex_id} was revoked, its reason kept already") from exc
    return value


async def _revoke(
    profile: Profile, issued: IssuerCredRevRecord, connection_id: str | None, reason: str
) -> None:
    """Have ACA-Py revoke and publish it, and check that it did (it skips some cases silently)."""
    try:
        await RevocationManager(profile).revoke_credential(
            rev_reg_id=issued.rev_reg_id,
            cred_rev_id=issued.cred_rev_id,
            publish=True,
            notify=bool(connection_id),
            notify_version="v1_0",
            connection_id=connection_id,
            comment=reason,
        )
    except REVOKE_ERRORS as exc:
        raise RevocationFailed(f"the agent did not revoke it: {exc.roll_up}") from exc
    async with profile.session() as session:
        after = await IssuerCredRevRecord.retrieve_by_id(session, issued.record_id)
    if after.state != IssuerCredRevRecord.STATE_REVOKED:
        raise RevocationFailed(
            "the agent did not revoke it (its log says why); nothing was kept, try again"
        )


async def revocations(profile: Profile, cred_ex_id: str | None = None) -> list[dict[str, Any]]:
    """The kept revocations, newest first (only ``cred_ex_id``'s if given)."""
    query = {"cred_ex_id": cred_ex_id} if cred_ex_id else None
    async with profile.session() as session:
        found = await session.inject(BaseStorage).find_all_records(RECORD_TYPE, query)
    values = [json.loads(r.value) for r in found]
    return sorted(values, key=lambda v: v["revoked_at"], reverse=True)


async def _record(session: ProfileSession, key: str) -> dict[str, Any] | None:
    try:
        record = await session.inject(BaseStorage).get_record(RECORD_TYPE, key)
    except StorageNotFoundError:
        return None
    return json.loads(record.value)


async def _issuing_connection(session: ProfileSession, cred_ex_id: str) -> str | None:
    """The connection the credential was issued over, if the exchange and connection remain."""
    try:
        exchange = await V20CredExRecord.retrieve_by_id(session, cred_ex_id)
        if not exchange.connection_id:
            return None
        return (await ConnRecord.retrieve_by_id(session, exchange.connection_id)).connection_id
    except StorageNotFoundError:
        return None


def _key(rev_reg_id: str, cred_rev_id: str) -> str:
    return f"{rev_reg_id}::{cred_rev_id}"


def _iso(stamp: str | None) -> str:
    """ACA-Py's record time (``...Z``) as this module writes times."""
    if not stamp:
        return datetime.now(UTC).isoformat(timespec="seconds")
    return datetime.fromisoformat(stamp).astimezone(UTC).isoformat(timespec="seconds")
