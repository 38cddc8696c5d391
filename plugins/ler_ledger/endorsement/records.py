"""Endorsement records, one per request, on both the author's and the endorser's side."""

from __future__ import annotations

from typing import Any

from acapy_agent.messaging.models.base_record import BaseExchangeRecord, BaseExchangeSchema
from marshmallow import fields


class LerEndorsementRecord(BaseExchangeRecord):
    """One ledger write on its way through endorsement.

    Author states: request-sent, settling (the endorser said no, or failed, and the chain has not
    yet shown that the write can never land), done, refused, failed.
    Endorser states: request-received, pending (held for a person), submitted (sent, its outcome
    undetermined until the chain settles it), endorsed, refused, failed.
    Saving a record emits the ``ler_endorsement`` webhook.
    """

    class Meta:
        """Record metadata."""

        schema_class = "LerEndorsementRecordSchema"

    RECORD_TYPE = "ler_endorsement"
    RECORD_ID_NAME = "endorsement_id"
    RECORD_TOPIC = "ler_endorsement"
    TAG_NAMES = {"state", "role", "thread_id", "connection_id", "kind"}

    ROLE_AUTHOR = "author"
    ROLE_ENDORSER = "endorser"

    STATE_REQUEST_SENT = "request-sent"
    STATE_REQUEST_RECEIVED = "request-received"
    STATE_PENDING = "pending"
    STATE_ENDORSED = "endorsed"
    STATE_DONE = "done"
    STATE_REFUSED = "refused"
    STATE_FAILED = "failed"
    STATE_SETTLING = "settling"
    STATE_SUBMITTED = "submitted"
    OPEN_AUTHOR_STATES = frozenset({STATE_REQUEST_SENT, STATE_SETTLING})
    FINAL_STATES = {STATE_DONE, STATE_REFUSED, STATE_FAILED, STATE_ENDORSED}

    def __init__(
        self,
        *,
        endorsement_id: str | None = None,
        role: str | None = None,
        state: str | None = None,
        connection_id: str | None = None,
        thread_id: str | None = None,
        kind: str | None = None,
        object_id: str | None = None,
        summary: str | None = None,
        author: str | None = None,
        signed_write: dict[str, Any] | None = None,
        did_proof: dict[str, str] | None = None,
        job: dict[str, Any] | None = None,
        tx_hash: str | None = None,
        block_number: int | None = None,
        reason: str | None = None,
        answer: str | None = None,
        signed_at_block: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(endorsement_id, state, **kwargs)
        self.role = role
        self.connection_id = connection_id
        self.thread_id = thread_id
        self.kind = kind
        self.object_id = object_id
        self.summary = summary
        self.author = author
        self.signed_write = signed_write
        self.did_proof = did_proof
        self.job = job
        self.tx_hash = tx_hash
        self.block_number = block_number
        self.reason = reason
        self.answer = answer
        self.signed_at_block = signed_at_block

    @property
    def endorsement_id(self) -> str:
        """The record's id."""
        return self._id

    @property
    def record_value(self) -> dict[str, Any]:
        """What is stored (tags aside)."""
        return {
            name: getattr(self, name)
            for name in (
                "role",
                "state",
                "connection_id",
                "thread_id",
                "kind",
                "object_id",
                "summary",
                "author",
                "signed_write",
                "did_proof",
                "job",
                "tx_hash",
                "block_number",
                "reason",
                "answer",
                "signed_at_block",
            )
        }


class LerEndorsementRecordSchema(BaseExchangeSchema):
    """Schema of :class:`LerEndorsementRecord` (also the admin API's view)."""

    class Meta:
        """Schema metadata."""

        model_class = LerEndorsementRecord

    endorsement_id = fields.Str(required=False, metadata={"description": "Record id"})
    role = fields.Str(required=False, metadata={"example": "author"})
    state = fields.Str(required=False, metadata={"example": "pending"})
    connection_id = fields.Str(required=False)
    thread_id = fields.Str(required=False)
    kind = fields.Str(required=False, metadata={"example": "schema"})
    object_id = fields.Str(required=False)
    summary = fields.Str(required=False)
    author = fields.Str(required=False, metadata={"description": "Author's EVM address"})
    signed_write = fields.Dict(required=False)
    did_proof = fields.Dict(required=False, allow_none=True)
    job = fields.Dict(required=False, allow_none=True)
    tx_hash = fields.Str(required=False, allow_none=True)
    block_number = fields.Int(required=False, allow_none=True)
    reason = fields.Str(required=False, allow_none=True)
    answer = fields.Str(
        required=False,
        allow_none=True,
        metadata={"description": "Author side: what the endorser answered (refused or failed)"},
    )
    signed_at_block = fields.Int(
        required=False, allow_none=True, metadata={"description": "Ledger height when signed"}
    )
