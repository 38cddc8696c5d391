"""A VC-API exchange as the wallet of the college (issuance) or employer (presentation) keeps it.

States: ``pending`` (created; no wallet yet), ``active`` (a wallet asked for the request),
``done`` and ``failed`` (with ``error``: why, in plain words). Every exchange ends: one not done
by ``expires_at`` is ``failed`` as expired when anyone reads it or a wallet calls it, or else by
the expiry sweep within seconds. Each change is sent to the controller as the webhook
``ler_badges_vc_api_exchange`` (what the admin API shows: no challenge, no template).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from acapy_agent.core.profile import ProfileSession
from acapy_agent.messaging.models.base_record import BaseRecord, BaseRecordSchema
from marshmallow import EXCLUDE, fields


def utc_now() -> datetime:
    """Now, UTC."""
    return datetime.now(UTC)


class VcApiExchangeRecord(BaseRecord):
    """One VC-API exchange: what it offers or asks for, its challenge, its end."""

    class Meta:
        """Record metadata."""

        schema_class = "VcApiExchangeRecordSchema"

    RECORD_TYPE = "ler_badges_vc_api_exchange"
    RECORD_TOPIC = "ler_badges_vc_api_exchange"
    RECORD_ID_NAME = "exchange_id"
    TAG_NAMES = {"kind", "state"}
    ISSUANCE = "issuance"
    PRESENTATION = "presentation"
    STATE_PENDING = "pending"
    STATE_ACTIVE = "active"
    STATE_DONE = "done"
    STATE_FAILED = "failed"
    VALUES = (
        "kind",
        "challenge",
        "domain",
        "expires_at",
        "template",
        "skills",
        "issuer_did",
        "achievement_type",
        "holder_did",
        "credential_id",
        "verified",
        "error",
    )

    def __init__(
        self,
        *,
        exchange_id: str | None = None,
        kind: str | None = None,
        state: str | None = None,
        challenge: str | None = None,
        domain: str | None = None,
        expires_at: str | None = None,
        template: dict[str, Any] | None = None,
        skills: list[dict[str, Any]] | None = None,
        issuer_did: str | None = None,
        achievement_type: str | None = None,
        holder_did: str | None = None,
        credential_id: str | None = None,
        verified: bool | None = None,
        error: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(exchange_id, state, **kwargs)
        self.kind = kind
        self.challenge = challenge
        self.domain = domain
        self.expires_at = expires_at
        self.template = template
        self.skills = skills or []
        self.issuer_did = issuer_did
        self.achievement_type = achievement_type
        self.holder_did = holder_did
        self.credential_id = credential_id
        self.verified = verified
        self.error = error

    @property
    def exchange_id(self) -> str:
        """The record's id (also the last segment of the exchange URL)."""
        return self._id

    @property
    def record_value(self) -> dict[str, Any]:
        """What is stored."""
        return {name: getattr(self, name) for name in self.VALUES}

    @property
    def finished(self) -> bool:
        """Whether the exchange has ended (done or failed)."""
        return self.state in (self.STATE_DONE, self.STATE_FAILED)

    def expired(self, now: datetime | None = None) -> bool:
        """Whether it is past its end and not finished."""
        if self.finished or not self.expires_at:
            return False
        return datetime.fromisoformat(self.expires_at) <= (now or utc_now())

    async def emit_event(self, session: ProfileSession, payload: Any | None = None) -> None:
        """Send the controller what the admin API shows, never the challenge."""
        await super().emit_event(session, self.public())

    def public(self) -> dict[str, Any]:
        """What the admin API shows (no challenge: only the wallet that asked should see it)."""
        shown = self.serialize()
        for hidden in ("challenge", "template"):
            shown.pop(hidden, None)
        return shown


class VcApiExchangeRecordSchema(BaseRecordSchema):
    """Schema of :class:`VcApiExchangeRecord`."""

    class Meta:
        """Schema metadata."""

        model_class = VcApiExchangeRecord
        unknown = EXCLUDE

    exchange_id = fields.Str(required=False, metadata={"description": "Exchange identifier"})
    kind = fields.Str(required=False, metadata={"example": "issuance"})
    challenge = fields.Str(required=False)
    domain = fields.Str(required=False, metadata={"example": "https://college.example"})
    expires_at = fields.Str(required=False, metadata={"example": "2026-05-01T12:00:00+00:00"})
    template = fields.Dict(required=False)
    skills = fields.List(fields.Dict(), required=False)
    issuer_did = fields.Str(required=False, allow_none=True)
    achievement_type = fields.Str(required=False, allow_none=True)
    holder_did = fields.Str(
        required=False, allow_none=True, metadata={"description": "The wallet's DID"}
    )
    credential_id = fields.Str(required=False, allow_none=True)
    verified = fields.Bool(required=False, allow_none=True)
    error = fields.Str(required=False, allow_none=True, metadata={"description": "Why it failed"})
