"""DIDComm handlers of the ledger-endorsement protocol."""

from __future__ import annotations

from acapy_agent.messaging.base_handler import BaseHandler, BaseResponder, RequestContext

from ..errors import EndorsementError
from .manager import EndorsementManager
from .messages import EndorsementRequest, EndorsementResponse


class EndorsementRequestHandler(BaseHandler):
    """Endorser side: an author's signed write arrived."""

    async def handle(self, context: RequestContext, responder: BaseResponder) -> None:
        """Record it and apply the policy."""
        assert isinstance(context.message, EndorsementRequest)
        if not context.connection_ready:
            self._logger.warning("endorsement request on an unready connection ignored")
            return
        connection_id = context.connection_record.connection_id
        await EndorsementManager(context.profile).receive_request(context.message, connection_id)


class EndorsementResponseHandler(BaseHandler):
    """Author side: the endorser answered."""

    async def handle(self, context: RequestContext, responder: BaseResponder) -> None:
        """Finish or clean up the job waiting for it."""
        assert isinstance(context.message, EndorsementResponse)
        if not context.connection_ready:
            self._logger.warning("endorsement response on an unready connection ignored")
            return
        try:
            await EndorsementManager(context.profile).complete(
                context.message, context.connection_record.connection_id
            )
        except EndorsementError as exc:
            self._logger.warning("endorsement response not applied: %s", exc)
