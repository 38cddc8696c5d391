"""What the plugin keeps in the wallet: status lists and issued credentials.

Verification verdicts live in ``ler_ledger``'s one verdict store, with the AnonCreds ones.
"""

from __future__ import annotations

from typing import Any

from acapy_agent.messaging.models.base_record import BaseRecord, BaseRecordSchema
from marshmallow import EXCLUDE, fields


def _value(record: BaseRecord, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(record, name) for name in names}


class StatusListRecord(BaseRecord):
    """One of an issuer's status lists: its bits, which entries are taken, the anchored version.

    ``bits`` and ``allocated`` are base64 of GZIP-compressed bitstrings. ``purpose`` is
    ``revocation`` or ``suspension`` (one bit per entry; lists of earlier versions have none:
    two-bit ``message`` lists). States: ``active`` (new credentials get entries here) and ``full``.
    """

    class Meta:
        """Record metadata."""

        schema_class = "StatusListRecordSchema"

    RECORD_TYPE = "ler_badges_status_list"
    RECORD_ID_NAME = "status_list_id"
    TAG_NAMES = {"issuer_did", "list_url", "state", "purpose"}
    STATE_ACTIVE = "active"
    STATE_FULL = "full"
    VALUES = (
        "issuer_did",
        "list_url",
        "name",
        "purpose",
        "bits",
        "allocated",
        "used",
        "version",
        "state",
    )

    def __init__(
        self,
        *,
        status_list_id: str | None = None,
        issuer_did: str | None = None,
        list_url: str | None = None,
        name: str | None = None,
        purpose: str | None = None,
        bits: str | None = None,
        allocated: str | None = None,
        used: int = 0,
        version: int = 0,
        state: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(status_list_id, state, **kwargs)
        self.issuer_did = issuer_did
        self.list_url = list_url
        self.name = name
        self.purpose = purpose
        self.bits = bits
        self.allocated = allocated
        self.used = used
        self.version = version

    @property
    def status_list_id(self) -> str:
        """The record's id."""
        return self._id

    @property
    def record_value(self) -> dict[str, Any]:
        """What is stored."""
        return _value(self, self.VALUES)


class StatusListRecordSchema(BaseRecordSchema):
    """Schema of :class:`StatusListRecord`."""

    class Meta:
        """Schema metadata."""

        model_class = StatusListRecord
        unknown = EXCLUDE

    status_list_id = fields.Str(required=False)
    issuer_did = fields.Str(required=False)
    list_url = fields.Str(required=False, metadata={"description": "statusListCredential URL"})
    name = fields.Str(required=False)
    purpose = fields.Str(required=False, allow_none=True, metadata={"example": "revocation"})
    bits = fields.Str(required=False)
    allocated = fields.Str(required=False)
    used = fields.Int(required=False, metadata={"description": "Entries given to credentials"})
    version = fields.Int(required=False, metadata={"description": "Latest version on the ledger"})


class IssuedBadgeRecord(BaseRecord):
    """A credential this agent issued, with its status entries and current status.

    ``list_url``/``status_index`` is its revocation entry, ``suspension_list_url``/
    ``suspension_index`` its suspension entry (none for credentials of earlier versions, whose
    single two-bit entry carries both). ``issuer_did`` is the did:ler, also when the credential
    names the college's did:web.
    """

    class Meta:
        """Record metadata."""

        schema_class = "IssuedBadgeRecordSchema"

    RECORD_TYPE = "ler_badges_issued"
    RECORD_ID_NAME = "issued_id"
    RECORD_TOPIC = "ler_badges_issued"
    TAG_NAMES = {
        "credential_id",
        "list_url",
        "suspension_list_url",
        "cred_ex_id",
        "connection_id",
        "state",
        "parent_id",
    }
    VALUES = (
        "credential_id",
        "kind",
        "issuer_did",
        "subject_id",
        "list_url",
        "status_index",
        "suspension_list_url",
        "suspension_index",
        "cred_ex_id",
        "connection_id",
        "parent_id",
        "state",
        "reason",
    )

    def __init__(
        self,
        *,
        issued_id: str | None = None,
        credential_id: str | None = None,
        kind: str | None = None,
        issuer_did: str | None = None,
        subject_id: str | None = None,
        list_url: str | None = None,
        status_index: int | None = None,
        suspension_list_url: str | None = None,
        suspension_index: int | None = None,
        cred_ex_id: str | None = None,
        connection_id: str | None = None,
        parent_id: str | None = None,
        state: str | None = None,
        reason: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(issued_id, state, **kwargs)
        self.credential_id = credential_id
        self.kind = kind
        self.issuer_did = issuer_did
        self.subject_id = subject_id
        self.list_url = list_url
        self.status_index = status_index
        self.suspension_list_url = suspension_list_url
        self.suspension_index = suspension_index
        self.cred_ex_id = cred_ex_id
        self.connection_id = connection_id
        self.parent_id = parent_id
        self.reason = reason

    @property
    def issued_id(self) -> str:
        """The record's id."""
        return self._id

    @property
    def record_value(self) -> dict[str, Any]:
        """What is stored."""
        return _value(self, self.VALUES)


class IssuedBadgeRecordSchema(BaseRecordSchema):
    """Schema of :class:`IssuedBadgeRecord` (also the admin API's view)."""

    class Meta:
        """Schema metadata."""

        model_class = IssuedBadgeRecord
        unknown = EXCLUDE

    issued_id = fields.Str(required=False)
    credential_id = fields.Str(required=False, metadata={"example": "urn:uuid:..."})
    kind = fields.Str(required=False, metadata={"example": "AchievementCredential"})
    issuer_did = fields.Str(required=False)
    subject_id = fields.Str(required=False, allow_none=True)
    list_url = fields.Str(required=False)
    status_index = fields.Int(required=False)
    suspension_list_url = fields.Str(required=False, allow_none=True)
    suspension_index = fields.Int(required=False, allow_none=True)
    cred_ex_id = fields.Str(required=False, allow_none=True)
    connection_id = fields.Str(required=False, allow_none=True)
    parent_id = fields.Str(required=False, allow_none=True, metadata={"description": "CLR id"})
    state = fields.Str(required=False, metadata={"example": "valid"})
    reason = fields.Str(required=False, allow_none=True)
