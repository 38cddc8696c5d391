"""Writes this agent sends itself (it is an ENDORSER), journaled from signing to final state.

A :class:`LerWriteRecord` is saved before the node sees the transaction (``sent``), so a crash or
a lost answer cannot hide it: it ends ``done`` (on the ledger), ``failed`` (reverted, or dropped
for good) or, when the answer was lost, ``undetermined`` until the chain settles it
(:func:`settle_direct_writes`, run at start-up and by the settling loop). A write is never
reported failed while it could still land. Writes refused before signing (the node's gas
estimate names the contract's reason) leave no record: nothing was sent.
"""

from __future__ import annotations

import logging
from typing import Any

from acapy_agent.core.profile import Profile
from acapy_agent.messaging.models.base_record import BaseRecord, BaseRecordSchema
from marshmallow import fields

from ler_chain import LedgerError, Write, WriteResult, WriteUndeterminedError

from .anchor_webhook import notify_anchor
from .endorsement.completions import run_landed
from .errors import WriteUndetermined
from .ledger import LedgerService

LOGGER = logging.getLogger(__name__)


class LerWriteRecord(BaseRecord):
    """One direct ledger write. States: sent, done, failed, undetermined."""

    class Meta:
        """Record metadata."""

        schema_class = "LerWriteRecordSchema"

    RECORD_TYPE = "ler_write"
    RECORD_ID_NAME = "write_id"
    RECORD_TOPIC = "ler_write"
    TAG_NAMES = {"state", "kind", "object_id"}

    STATE_SENT = "sent"
    STATE_DONE = "done"
    STATE_FAILED = "failed"
    STATE_UNDETERMINED = "undetermined"
    OPEN_STATES = (STATE_SENT, STATE_UNDETERMINED)
    VALUES = ("kind", "object_id", "summary", "tx_hash", "nonce", "block_number", "reason", "job")

    def __init__(
        self,
        *,
        write_id: str | None = None,
        state: str | None = None,
        kind: str | None = None,
        object_id: str | None = None,
        summary: str | None = None,
        tx_hash: str | None = None,
        nonce: int | None = None,
        block_number: int | None = None,
        reason: str | None = None,
        job: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(write_id, state, **kwargs)
        self.kind = kind
        self.object_id = object_id
        self.summary = summary
        self.tx_hash = tx_hash
        self.nonce = nonce
        self.block_number = block_number
        self.reason = reason
        self.job = job

    @property
    def write_id(self) -> str:
        """The record's id."""
        return self._id

    @property
    def record_value(self) -> dict[str, Any]:
        """What is stored (tags aside)."""
        return {"state": self.state, **{name: getattr(self, name) for name in self.VALUES}}


class LerWriteRecordSchema(BaseRecordSchema):
    """Schema of :class:`LerWriteRecord`."""

    class Meta:
        """Schema metadata."""

        model_class = LerWriteRecord

    write_id = fields.Str(required=False)
    kind = fields.Str(required=False, allow_none=True)
    object_id = fields.Str(required=False, allow_none=True)
    summary = fields.Str(required=False, allow_none=True)
    tx_hash = fields.Str(required=False, allow_none=True)
    nonce = fields.Int(required=False, allow_none=True)
    block_number = fields.Int(required=False, allow_none=True)
    reason = fields.Str(required=False, allow_none=True)
    job = fields.Dict(required=False, allow_none=True)


async def send_direct(
    profile: Profile,
    write: Write,
    *,
    kind: str,
    object_id: str,
    job: dict[str, Any] | None = None,
) -> WriteResult:
    """Send ``write`` with this wallet's account, journaled; raises if it did not land.

    :class:`WriteUndetermined` means the answer was lost: the write is settled from the chain
    later (``ler_anchor`` webhook) and must not be retried before.
    """
    writer = await profile.inject(LedgerService).writer(profile)
    record = LerWriteRecord(kind=kind, object_id=object_id, summary=write.summary, job=job)

    async def journal(tx_hash: str, nonce: int) -> None:
        record.state, record.tx_hash, record.nonce = LerWriteRecord.STATE_SENT, tx_hash, nonce
        async with profile.session() as session:
            await record.save(session, reason="ledger write sent")

    try:
        result = await writer.send(write, on_signed=journal)
    except WriteUndeterminedError as exc:
        record.state, record.tx_hash, record.nonce = (
            LerWriteRecord.STATE_UNDETERMINED,
            exc.tx_hash,
            exc.nonce,
        )
        record.reason = str(exc)
        async with profile.session() as session:
            await record.save(session, reason="ledger write undetermined")
        raise WriteUndetermined(
            f"{write.summary}: sent as {exc.tx_hash}, but the ledger has not confirmed it; it is "
            f"settled from the chain (write {record.write_id}, ler_anchor webhook): do not retry "
            "before"
        ) from exc
    except LedgerError as exc:
        if record.state is not None:  # it reached the node: it reverted
            await _final(profile, record, LerWriteRecord.STATE_FAILED, reason=str(exc))
        raise
    record.block_number = result.block_number
    record.tx_hash = result.tx_hash
    await _final(profile, record, LerWriteRecord.STATE_DONE)
    return result


async def settle_direct_writes(profile: Profile, wait: float = 2.0) -> int:
    """Settle this wallet's open direct writes from the chain; returns how many stay open.

    A write still in the node's pool is given ``wait`` seconds to be mined before it counts as
    open (the next round tries again).
    """
    records: list[LerWriteRecord] = []
    async with profile.session() as session:
        for state in LerWriteRecord.OPEN_STATES:
            records += await LerWriteRecord.query(session, {"state": state})
    if not records:
        return 0
    writer = await profile.inject(LedgerService).writer(profile)
    still_open = 0
    for record in records:
        try:
            settled = await writer.settle(
                record.tx_hash or "", int(record.nonce or 0), timeout=wait
            )
        except LedgerError as exc:
            LOGGER.info("write %s not settled yet: %s", record.write_id, exc)
            still_open += 1
            continue
        if settled.mined and settled.receipt["status"] == 1:
            record.block_number = int(settled.receipt["blockNumber"])
            reason = None
            try:
                await run_landed(profile, record.kind or "", record.job)
            except Exception as exc:  # on the ledger; the wallet could not follow
                LOGGER.exception("write %s landed; its completion failed", record.write_id)
                reason = f"the write is on the ledger, but updating the wallet failed: {exc}"
            await _final(profile, record, LerWriteRecord.STATE_DONE, reason=reason)
        else:
            reason = "it reverted" if settled.mined else "it was dropped and can never land"
            await _final(profile, record, LerWriteRecord.STATE_FAILED, reason=reason)
    return still_open


async def _final(
    profile: Profile, record: LerWriteRecord, state: str, *, reason: str | None = None
) -> None:
    record.state, record.reason = state, reason
    async with profile.session() as session:
        await record.save(session, reason=f"ledger write {state}")
    await notify_anchor(
        profile,
        state="finished" if state == LerWriteRecord.STATE_DONE else "failed",
        kind=record.kind,
        object_id=record.object_id,
        tx_hash=record.tx_hash,
        reason=reason,
    )
