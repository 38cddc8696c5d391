"""Let ACA-Py 1.7 holders receive credentials with several status entries over DIDComm.

VC Data Model 2.0 allows ``credentialStatus`` to be a list, and ler-node's badges carry two
``BitstringStatusListEntry`` entries (revocation, suspension), the form DCC's verifiers check.
ACA-Py 1.7's ``ld_proof`` holder (``LDProofCredFormatHandler.receive_credential``) compares
``credentialStatus`` as one object (``credential_status.get("type")``) and fails on a list.

:func:`accept_status_lists` wraps that check, once, without changing what it checks: for a
credential whose status is a list, it first checks what ACA-Py's check means (the received
entries are the requested ones, each of the requested type), then runs ACA-Py's own check on a
copy in which both sides carry the first entry. Receiving only validates; the credential ACA-Py
stores afterwards is read from the real message, with every entry. A test asserts the method
still has the shape relied on, so an ACA-Py upgrade that changes it fails loudly.
"""

from __future__ import annotations

import copy
from typing import Any

from acapy_agent.messaging.decorators.attach_decorator import AttachDecorator
from acapy_agent.protocols.issue_credential.v2_0.formats.handler import V20CredFormatError
from acapy_agent.protocols.issue_credential.v2_0.formats.ld_proof.handler import (
    LDProofCredFormatHandler,
)
from acapy_agent.protocols.issue_credential.v2_0.messages.cred_issue import V20CredIssue
from acapy_agent.protocols.issue_credential.v2_0.messages.cred_request import V20CredRequest
from acapy_agent.protocols.issue_credential.v2_0.models.cred_ex_record import V20CredExRecord

FORMAT = LDProofCredFormatHandler.format
_ORIGINAL = "_ler_original_receive_credential"


def _with_first_status(attachment: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(attachment)
    credential = changed.get("credential", changed)
    credential["credentialStatus"] = credential["credentialStatus"][0]
    return changed


def _attached(attachment: dict[str, Any], attach_id: str) -> list[AttachDecorator]:
    return [AttachDecorator.data_base64(attachment, ident=attach_id)]


async def _receive_credential(
    self: LDProofCredFormatHandler,
    cred_ex_record: V20CredExRecord,
    cred_issue_message: V20CredIssue,
) -> None:
    received = cred_issue_message.attachment(FORMAT)
    status = received.get("credentialStatus") if isinstance(received, dict) else None
    original = getattr(LDProofCredFormatHandler, _ORIGINAL)
    if not isinstance(status, list) or not status:
        return await original(self, cred_ex_record, cred_issue_message)
    requested = cred_ex_record.cred_request.attachment(FORMAT)
    wanted = ((requested.get("options") or {}).get("credentialStatus") or {}).get("type")
    if requested["credential"].get("credentialStatus") != status or any(
        not isinstance(entry, dict) or entry.get("type") != wanted for entry in status
    ):
        raise V20CredFormatError(
            "Received credential status entries do not match the credential request"
        )
    request = V20CredRequest.deserialize(cred_ex_record.cred_request.serialize())
    request.requests_attach = _attached(_with_first_status(requested), request.formats[0].attach_id)
    issue = V20CredIssue.deserialize(cred_issue_message.serialize())
    issue.credentials_attach = _attached(_with_first_status(received), issue.formats[0].attach_id)
    record = copy.copy(cred_ex_record)  # only its request is replaced, on the copy
    record.cred_request = request
    return await original(self, record, issue)


def accept_status_lists() -> None:
    """Wrap ACA-Py's ld_proof receive check once (see the module docstring)."""
    if hasattr(LDProofCredFormatHandler, _ORIGINAL):
        return
    setattr(LDProofCredFormatHandler, _ORIGINAL, LDProofCredFormatHandler.receive_credential)
    LDProofCredFormatHandler.receive_credential = _receive_credential  # type: ignore[method-assign]
