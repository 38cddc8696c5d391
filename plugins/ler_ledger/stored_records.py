"""Exchange records read back from the wallet: their messages' attachments are not checked again.

ACA-Py 1.7 checks the attachments of every issue-credential and present-proof 2.0 message it
loads against their format's schema (an AnonCreds proof against the full proof schema, after
decoding it from base64). It does so also for the messages inside an exchange record read back
from the wallet, which happens at every step, admin read and event of an exchange. Each message
was checked when it arrived, and the agent's own are built by ACA-Py, so here a record read from
the wallet skips that check: a verifier re-validated each presentation's proof about five times
per exchange, about 14 ms of its CPU per benchmark flow. A message arriving over DIDComm or
through the admin API is checked as before.

Plugin config ``ler.recheck_stored_attachments: true`` keeps ACA-Py's behaviour (to compare).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any

from acapy_agent.messaging.models.base_record import BaseRecord
from acapy_agent.protocols.issue_credential.v2_0.messages.cred_issue import V20CredIssueSchema
from acapy_agent.protocols.issue_credential.v2_0.messages.cred_offer import V20CredOfferSchema
from acapy_agent.protocols.issue_credential.v2_0.messages.cred_proposal import (
    V20CredProposalSchema,
)
from acapy_agent.protocols.issue_credential.v2_0.messages.cred_request import (
    V20CredRequestSchema,
)
from acapy_agent.protocols.present_proof.v2_0.messages.pres import V20PresSchema
from acapy_agent.protocols.present_proof.v2_0.messages.pres_proposal import (
    V20PresProposalSchema,
)
from acapy_agent.protocols.present_proof.v2_0.messages.pres_request import (
    V20PresRequestSchema,
)

from .acapy_patches import Patch, install_all, restore_all

#: the message schemas whose ``validate_fields`` hook checks attachments by format
SCHEMAS = (
    V20CredProposalSchema,
    V20CredOfferSchema,
    V20CredRequestSchema,
    V20CredIssueSchema,
    V20PresProposalSchema,
    V20PresRequestSchema,
    V20PresSchema,
)

_reading_stored = ContextVar("ler_reading_stored_record", default=False)


def reading_stored() -> bool:
    """Whether the current code runs inside ``BaseRecord.from_storage``."""
    return _reading_stored.get()


def _from_storage(original: Callable[..., Any]) -> classmethod:
    @functools.wraps(original)
    def from_storage(cls: type[BaseRecord], record_id: str, record: Mapping[str, Any]) -> Any:
        token = _reading_stored.set(True)
        try:
            return original(cls, record_id, record)
        finally:
            _reading_stored.reset(token)

    return classmethod(from_storage)


def _unless_stored(check: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(check)  # keeps marshmallow's hook marker
    def validate_fields(self: Any, data: Mapping[str, Any], **kwargs: Any) -> Any:
        if _reading_stored.get():
            return None
        return check(self, data, **kwargs)

    return validate_fields


PATCHES: tuple[Patch, ...] = (
    (BaseRecord, "from_storage", lambda original: _from_storage(original.__func__)),
    *((schema, "validate_fields", _unless_stored) for schema in SCHEMAS),
)


def install(on: bool = True) -> bool:
    """Skip the check for records read from the wallet (patched once per process) if ``on``."""
    return install_all(
        PATCHES, on, "stored exchange records have their attachments checked at every read"
    )


def uninstall() -> None:
    """Put ACA-Py's own methods back (tests compare both)."""
    restore_all(PATCHES)
