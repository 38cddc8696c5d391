"""Answering a proof request by itself, choosing from the newest matching credentials.

An agent started with ``--auto-respond-presentation-request`` (a learner's own agent) answers
every proof request as it arrives. ACA-Py's answer loads up to 100 matching credentials per
requested item to take the first, checking neither predicates nor revocation, so a proof costs
more the more credentials the learner keeps. For a request in the AnonCreds (or Indy) format
from a verifier, on an askar-anoncreds wallet, this handler lets ACA-Py store the request and
then answers with :mod:`.choice`: per item, the newest matching credential that makes a predicate
true and is not revoked when the request asks for non-revocation (if every such match is revoked,
the newest of them, so the verifier says why, as it would of ACA-Py's answer). It reads a page
of 10 matching credentials at a time and stops at the first answer, at most 100 per item.

A request nothing in the wallet answers ends as ACA-Py's would: the exchange is abandoned with
the reason kept on the holder's record and a problem report sent to the verifier. Everything
else (other formats, requests answering the holder's own proposal, agents without the flag)
is ACA-Py's own handling, as is everything with plugin config ``ler.holder.bounded_answers:
false``.
"""

from __future__ import annotations

import logging

from acapy_agent.anoncreds.holder import AnonCredsHolderError
from acapy_agent.config.base import BaseSettings
from acapy_agent.core.protocol_registry import ProtocolRegistry
from acapy_agent.indy.holder import IndyHolderError
from acapy_agent.ledger.error import LedgerError
from acapy_agent.messaging.models.base import BaseModelError
from acapy_agent.messaging.request_context import RequestContext
from acapy_agent.messaging.responder import BaseResponder
from acapy_agent.protocols.didcomm_prefix import DIDCommPrefix
from acapy_agent.protocols.present_proof.v2_0 import problem_report_for_record
from acapy_agent.protocols.present_proof.v2_0.formats.handler import V20PresFormatHandlerError
from acapy_agent.protocols.present_proof.v2_0.handlers.pres_request_handler import (
    V20PresRequestHandler,
)
from acapy_agent.protocols.present_proof.v2_0.manager import V20PresManager
from acapy_agent.protocols.present_proof.v2_0.message_types import PRES_20_REQUEST
from acapy_agent.protocols.present_proof.v2_0.messages.pres_format import V20PresFormat
from acapy_agent.protocols.present_proof.v2_0.messages.pres_problem_report import (
    ProblemReportReason,
)
from acapy_agent.protocols.present_proof.v2_0.messages.pres_request import (
    V20PresRequest,
    V20PresRequestSchema,
)
from acapy_agent.protocols.present_proof.v2_0.models.pres_exchange import V20PresExRecord
from acapy_agent.storage.error import StorageError
from acapy_agent.wallet.error import WalletNotFoundError

from . import choice

LOGGER = logging.getLogger(__name__)

AUTO_RESPOND = "debug.auto_respond_presentation_request"
ANSWERED_FORMATS = (V20PresFormat.Format.ANONCREDS, V20PresFormat.Format.INDY)
#: what can go wrong making a presentation (ACA-Py's own handler catches the same)
FAILURES = (
    BaseModelError,
    AnonCredsHolderError,
    IndyHolderError,
    LedgerError,
    StorageError,
    WalletNotFoundError,
    V20PresFormatHandlerError,
)


class BoundedPresRequestHandler(V20PresRequestHandler):
    """ACA-Py's request handler; the automatic answer chooses from the newest credentials."""

    async def handle(self, context: RequestContext, responder: BaseResponder) -> None:
        """Store the request as ACA-Py does, then answer it with :mod:`.choice`."""
        if not takes_over(context):
            await super().handle(context, responder)
            return
        context.update_settings({AUTO_RESPOND: False})  # this message's scope: ACA-Py only stores
        await super().handle(context, responder)
        record = await _waiting(context)
        if record is not None:
            await answer(context, record, responder)


def takes_over(context: RequestContext) -> bool:
    """Whether this request is answered here.

    It is if the agent answers by itself, the wallet is askar-anoncreds and the request has an
    AnonCreds or Indy attachment.
    """
    message = context.message
    return (
        bool(context.settings.get(AUTO_RESPOND))
        and context.profile.settings.get_value("wallet.type") == "askar-anoncreds"
        and isinstance(message, V20PresRequest)
        and any(message.attachment(fmt) for fmt in ANSWERED_FORMATS)
    )


async def answer(
    context: RequestContext, record: V20PresExRecord, responder: BaseResponder
) -> None:
    """Present the chosen credentials, or abandon the exchange saying why."""
    profile = context.profile
    fmt, request = choice.request_of(record)
    try:
        choices = await choice.choose_all(
            choice.wallet_of(profile), request, revoked_as_last_resort=True
        )
        missing = [c.referent for c in choices if c.candidate is None]
        if missing or fmt is None:
            raise V20PresFormatHandlerError(
                f"No matching credentials found for: {', '.join(missing) or 'the request'}"
            )
        record, message = await V20PresManager(profile).create_pres(
            record,
            {fmt: choice.requested_credentials(choices)},
            comment=f"auto-presented for proof requests, pres_ex_record: {record.pres_ex_id}",
        )
    except FAILURES as err:
        LOGGER.warning("proof request %s not answered: %s", record.pres_ex_id, err)
        async with profile.session() as session:
            await record.save_error_state(session, reason=err.roll_up)
        await responder.send_reply(
            problem_report_for_record(record, ProblemReportReason.ABANDONED.value)
        )
        return
    await responder.send_reply(message)


async def _waiting(context: RequestContext) -> V20PresExRecord | None:
    """The verifier-initiated record ACA-Py just stored for this request, if it still waits."""
    connection = context.connection_record
    try:
        async with context.profile.session() as session:
            record = await V20PresExRecord.retrieve_by_tag_filter(
                session,
                {"thread_id": context.message._thread_id},
                {
                    "connection_id": connection.connection_id if connection else None,
                    "role": V20PresExRecord.ROLE_PROVER,
                },
            )
    except StorageError as err:  # not stored (ACA-Py refused it) or ambiguous: leave it
        LOGGER.warning("proof request on thread %s not found: %s", context.message._thread_id, err)
        return None
    waiting = record.state == V20PresExRecord.STATE_REQUEST_RECEIVED
    return record if waiting and record.initiator == V20PresExRecord.INITIATOR_EXTERNAL else None


class BoundedPresRequest(V20PresRequest):
    """ACA-Py's presentation request message, handled by :class:`BoundedPresRequestHandler`."""

    class Meta:
        """The same message type and schema; another handler."""

        handler_class = f"{__name__}.BoundedPresRequestHandler"
        schema_class = "BoundedPresRequestSchema"
        message_type = PRES_20_REQUEST


class BoundedPresRequestSchema(V20PresRequestSchema):
    """ACA-Py's schema, loading :class:`BoundedPresRequest`."""

    class Meta(V20PresRequestSchema.Meta):
        """The message class it loads."""

        model_class = BoundedPresRequest


def register(registry: ProtocolRegistry, settings: BaseSettings) -> bool:
    """Handle present-proof 2.0 requests with :class:`BoundedPresRequestHandler`; whether it is.

    Plugin config ``ler.holder.bounded_answers: false`` keeps ACA-Py's own answer (to compare).
    """
    holder = (settings.for_plugin("ler") or {}).get("holder") or {}
    if holder.get("bounded_answers", True) is False:
        LOGGER.info("proof requests are answered by ACA-Py's own choice of credentials")
        return False
    registry.register_message_types(
        DIDCommPrefix.qualify_all({PRES_20_REQUEST: BoundedPresRequest})
    )
    return True
