"""Test-only admin route of the dishonest holder: send any revocation notice over a connection.

``POST /test/revocation-notice`` (admin API key) sends ACA-Py's own revocation-notification
``revoke`` message, as an issuer's agent would: 1.0 when the body names a ``thread_id``
(``indy::<rev_reg_id>::<cred_rev_id>``, or an issuing thread), 2.0 when it names a
``credential_id`` (``<rev_reg_id>::<cred_rev_id>``). Nothing checks that this agent issued what
the notice names: that is the point (tests/hosted/test_forged_revocation_notice.py).
"""

from __future__ import annotations

from typing import Any

from acapy_agent.admin.decorators.auth import admin_authentication
from acapy_agent.connections.models.conn_record import ConnRecord
from acapy_agent.messaging.responder import BaseResponder
from acapy_agent.protocols.revocation_notification.v1_0.messages.revoke import Revoke as RevokeV1
from acapy_agent.protocols.revocation_notification.v2_0.messages.revoke import Revoke as RevokeV2
from aiohttp import web
from marshmallow import Schema, ValidationError, validates_schema

from ler_ledger import http_errors, request_json, request_profile
from ler_ledger.validators import text, uuid4

PATH = "/test/revocation-notice"


class NoticeSchema(Schema):
    """A connection, what the notice names (exactly one of two fields) and a comment."""

    connection_id = uuid4(description="this agent's connection to the notice's receiver")
    thread_id = text(required=False, min_length=1, description="what a 1.0 notice names")
    credential_id = text(required=False, min_length=1, description="what a 2.0 notice names")
    comment = text(required=False, max_length=2000)

    @validates_schema
    def _names_one(self, data: dict[str, Any], **_: Any) -> None:
        if ("thread_id" in data) == ("credential_id" in data):
            raise ValidationError("give thread_id (1.0) or credential_id (2.0), not both")


@admin_authentication
@http_errors.json_errors
async def send_notice(request: web.BaseRequest) -> web.Response:
    """Send the notice; 404 for an unknown connection, 422 for a body that names nothing."""
    body = NoticeSchema().load(await request_json(request))
    profile = request_profile(request)
    async with profile.session() as session:  # StorageNotFoundError: 404
        await ConnRecord.retrieve_by_id(session, body["connection_id"])
    comment = body.get("comment")
    if "thread_id" in body:
        message: RevokeV1 | RevokeV2 = RevokeV1(thread_id=body["thread_id"], comment=comment)
    else:
        message = RevokeV2(
            revocation_format="indy-anoncreds",
            credential_id=body["credential_id"],
            comment=comment,
        )
    await profile.inject(BaseResponder).send(message, connection_id=body["connection_id"])
    return web.json_response({"@type": message._type, "@id": message._id})


async def register(app: web.Application) -> None:
    """Add the test route."""
    app.add_routes([web.post(PATH, send_notice)])
