"""Messages: an author asks the state's endorser to submit a signed ledger write."""

from __future__ import annotations

from typing import Any

from acapy_agent.messaging.agent_message import AgentMessage, AgentMessageSchema
from marshmallow import EXCLUDE, fields, validate

from .message_types import PROTOCOL_PACKAGE, REQUEST, RESPONSE


class EndorsementRequest(AgentMessage):
    """A ledger write signed by its author (EIP-712), for the endorser to submit.

    ``did_proof`` accompanies writes that set a DID key: the Ed25519 signature of that key over
    the write's EIP-712 digest, proving the author controls the key it anchors.
    """

    class Meta:
        """Message metadata."""

        handler_class = f"{PROTOCOL_PACKAGE}.handlers.EndorsementRequestHandler"
        message_type = REQUEST
        schema_class = "EndorsementRequestSchema"

    def __init__(
        self,
        *,
        signed_write: dict[str, Any] | None = None,
        kind: str | None = None,
        object_id: str | None = None,
        did_proof: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.signed_write = signed_write
        self.kind = kind
        self.object_id = object_id
        self.did_proof = did_proof


class EndorsementRequestSchema(AgentMessageSchema):
    """Schema of :class:`EndorsementRequest`."""

    class Meta:
        """Schema metadata."""

        model_class = EndorsementRequest
        unknown = EXCLUDE

    signed_write = fields.Dict(required=True, metadata={"description": "The signed write"})
    kind = fields.Str(required=True, metadata={"example": "schema"})
    object_id = fields.Str(required=True, metadata={"description": "DID or AnonCreds id"})
    did_proof = fields.Dict(
        required=False, allow_none=True, metadata={"description": "Ed25519 proof of key control"}
    )


class EndorsementResponse(AgentMessage):
    """The endorser's answer: the transaction that landed, or a refusal with its reason.

    ``refused`` and ``failed`` with ``submitted: false`` are final (the endorser never sent the
    write and never will); ``failed`` otherwise leaves it to the chain.
    """

    class Meta:
        """Message metadata."""

        handler_class = f"{PROTOCOL_PACKAGE}.handlers.EndorsementResponseHandler"
        message_type = RESPONSE
        schema_class = "EndorsementResponseSchema"

    STATE_ENDORSED = "endorsed"
    STATE_REFUSED = "refused"
    STATE_FAILED = "failed"

    def __init__(
        self,
        *,
        state: str | None = None,
        tx_hash: str | None = None,
        block_number: int | None = None,
        reason: str | None = None,
        submitted: bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.state = state
        self.tx_hash = tx_hash
        self.block_number = block_number
        self.reason = reason
        self.submitted = submitted


class EndorsementResponseSchema(AgentMessageSchema):
    """Schema of :class:`EndorsementResponse`."""

    class Meta:
        """Schema metadata."""

        model_class = EndorsementResponse
        unknown = EXCLUDE

    state = fields.Str(required=True, validate=validate.OneOf(["endorsed", "refused", "failed"]))
    tx_hash = fields.Str(required=False, allow_none=True)
    block_number = fields.Int(required=False, allow_none=True)
    reason = fields.Str(required=False, allow_none=True)
    submitted = fields.Bool(
        required=False,
        allow_none=True,
        metadata={
            "description": "With failed: whether the write reached the ledger's pool (it may then "
            "still land; the author settles it from the chain) or never left the endorser"
        },
    )
