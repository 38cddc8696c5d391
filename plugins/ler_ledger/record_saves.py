"""Saving an ACA-Py record serializes it only for what reads the result.

ACA-Py 1.7's ``BaseRecord.save`` serializes the whole record (an exchange with every message in
it) twice besides the value it stores:

- **for a log line** that it writes only when the record type's state log is on (a ``debug.*``
  setting such as ``debug.connections``) or the caller asks for it. Here the record is
  serialized for the line only when the line is written.
- **for the event** that tells listeners and the controller of the new state. A credential or
  presentation exchange (issue-credential and present-proof 2.0) cuts that serialization down
  to its state fields (ACA-Py's webhook classes list them) unless ``debug.webhooks`` is on. Here
  such an exchange's event payload is serialized from those fields alone.

The stored value, the log lines and the events are ACA-Py's. In the flow benchmark the two
serializations were about 3 % of the three agents' CPU. Plugin config
``ler.lean_record_saves: false`` keeps ACA-Py's.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from uuid import uuid4

from acapy_agent.core.profile import ProfileSession
from acapy_agent.messaging.models.base_record import BaseRecord
from acapy_agent.messaging.util import time_now
from acapy_agent.protocols.issue_credential.v2_0.messages.cred_ex_record_webhook import (
    V20CredExRecordWebhook,
)
from acapy_agent.protocols.issue_credential.v2_0.models.cred_ex_record import V20CredExRecord
from acapy_agent.protocols.present_proof.v2_0.messages.pres_webhook import (
    V20PresExRecordWebhook,
)
from acapy_agent.protocols.present_proof.v2_0.models.pres_exchange import V20PresExRecord
from acapy_agent.storage.base import BaseStorage
from marshmallow import EXCLUDE, Schema

from .acapy_patches import Patch, install_all, restore_all

LOGGER = logging.getLogger(__name__)

#: exchange records whose events carry only what their webhook class keeps (no debug.webhooks)
WEBHOOKS: dict[type[BaseRecord], type] = {
    V20CredExRecord: V20CredExRecordWebhook,
    V20PresExRecord: V20PresExRecordWebhook,
}

_state_schemas: dict[type[BaseRecord], Schema] = {}  # per exchange record type, once installed


def state_schema(record_type: type[BaseRecord], webhook: type) -> Schema | None:
    """A schema dumping only the fields ``webhook`` keeps (None: ACA-Py's list is not found)."""
    kept = getattr(webhook, f"_{webhook.__name__}__acceptable_keys_list", None)
    if not kept:
        return None
    schema_cls = record_type._get_schema_class()
    fields = [
        name
        for name, field in schema_cls._declared_fields.items()
        if (field.data_key or name) in kept
    ]
    return schema_cls(only=fields, unknown=EXCLUDE)


def event_payload(record: BaseRecord, session: ProfileSession) -> dict[str, Any]:
    """What ``record``'s event needs of it: its state fields, or the whole record."""
    schema = _state_schemas.get(type(record))
    if schema is None or session.profile.settings.get("debug.webhooks"):
        return record.serialize()
    return schema.dump(record)


def _logs_state(record: BaseRecord, session: ProfileSession, override: bool) -> bool:
    """Whether ``BaseRecord.log_state`` writes ``record``'s line for this save."""
    flag = record.LOG_STATE_FLAG
    return override or bool(flag and session.settings and session.settings.get(flag))


async def save(
    self: BaseRecord,
    session: ProfileSession,
    *,
    reason: str | None = None,
    log_params: Mapping[str, Any] | None = None,
    log_override: bool = False,
    event: bool | None = None,
) -> str:
    """``BaseRecord.save``: store, log if the log is on, then post-save (the event)."""
    new_record: bool | None = None
    what = reason or ("Updated record" if self._id else "Created record")
    try:
        self.updated_at = time_now()
        storage = session.inject(BaseStorage)
        if self._id and not self._new_with_id:
            stored = self.storage_record
            await storage.update_record(stored, stored.value, stored.tags)
            new_record = False
        else:
            self._id = self._id or str(uuid4())
            self.created_at = self.updated_at
            await storage.add_record(self.storage_record)
            new_record, self._new_with_id = True, False
    finally:
        if _logs_state(self, session, log_override):
            params = {self.RECORD_TYPE: self.serialize(), **(log_params or {})}
            what = what if new_record is not None else f"FAILED: {what}"
            self.log_state(what, params, override=log_override, settings=session.settings)
    await self.post_save(session, new_record, self._last_state, event)
    self._last_state = self.state
    return self._id


async def post_save(
    self: BaseRecord,
    session: ProfileSession,
    new_record: bool | None,
    last_state: str | None,
    event: bool | None = None,
) -> None:
    """``BaseRecord.post_save``: the event of a new record or a new state (or if asked)."""
    if event is None:
        event = new_record or last_state != self.state
    if event:
        await self.emit_event(session, event_payload(self, session))


PATCHES: tuple[Patch, ...] = (
    (BaseRecord, "save", lambda _: save),
    (BaseRecord, "post_save", lambda _: post_save),
)


def install(on: bool = True) -> bool:
    """Lean record saves (ACA-Py patched once per process) if ``on``; whether they are."""
    if not install_all(PATCHES, on, "records are serialized for every save's log line and event"):
        return False
    for record_type, webhook in WEBHOOKS.items():
        schema = state_schema(record_type, webhook)
        if schema is None:
            LOGGER.warning("%s: its events carry the whole record", record_type.__name__)
        else:
            _state_schemas[record_type] = schema
    return True


def uninstall() -> None:
    """Put ACA-Py's methods back (tests compare both)."""
    restore_all(PATCHES)
    _state_schemas.clear()
