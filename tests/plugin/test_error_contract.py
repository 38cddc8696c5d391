"""One error contract for both plugins' admin APIs (ler_ledger.http_errors), in-process."""

from __future__ import annotations

import json
import logging
import re
from http import HTTPStatus

import pytest
from acapy_agent.storage.error import StorageNotFoundError
from aiohttp import web
from aiohttp_apispec import validation_middleware
from marshmallow import ValidationError, fields, validate

from ler_badges import routes as badges_routes
from ler_badges.acapy.errors import IssuanceRefused, StatusUpdateError
from ler_badges.errors import MultikeyError, SchemaProblem, SchemaValidationError
from ler_chain import LedgerInputError, LedgerPermissionError, LedgerTimeoutError
from ler_ledger import http_errors
from ler_ledger import routes as ledger_routes
from ler_ledger.errors import (
    EndorsementError,
    EndorsementRefused,
    EndorsementTimeout,
    WrongNetworkError,
)
from ler_ledger.validators import LerDid

EXCEPTIONS = [
    (EndorsementError("no active connection to the state's endorser"), 409, "endorsement-failed"),
    (EndorsementRefused("not accredited"), 409, "endorsement-refused"),
    (EndorsementTimeout("the endorser did not answer"), 504, "endorsement-timeout"),
    (StorageNotFoundError("Record not found: ler_endorsement/\x1b"), 404, "not-found"),
    (LedgerPermissionError(message="lacks the TRUSTEE role"), 403, "forbidden"),
    (LedgerTimeoutError("no receipt"), 504, "ledger-timeout"),
    (LedgerInputError("'x' is not a did:ler DID"), 400, "invalid-input"),
    (WrongNetworkError("did:ler:other:abc", "local"), 400, "wrong-network"),
    (ValueError("credential (a JSON object) is required"), 400, "invalid-input"),
    (IssuanceRefused("no public DID"), 422, "issuance-refused"),
    (StatusUpdateError("already revoked"), 409, "status-conflict"),
    (MultikeyError("not a Multikey"), 422, "invalid-credential"),
    (SchemaValidationError("credential", [SchemaProblem("issuer.type", "add type")]), 422, None),
    (RuntimeError("secret detail"), 500, "internal-error"),
]


def raising(exc: BaseException):
    async def route(_request: web.BaseRequest) -> web.Response:
        raise exc

    return route


@pytest.mark.parametrize(("exc", "status", "code"), EXCEPTIONS, ids=lambda v: type(v).__name__)
async def test_both_plugins_answer_the_same_exception_the_same_way(
    exc: BaseException, status: int, code: str | None
) -> None:
    answers = []
    for decorate in (ledger_routes.ler_errors, badges_routes.badges_errors):
        response = await decorate(raising(exc))(None)
        answers.append((response.status, response.reason, response.content_type, response.body))
    assert answers[0] == answers[1]
    got_status, reason, content_type, raw = answers[0]
    assert (got_status, reason, content_type) == (
        status,
        HTTPStatus(status).phrase,
        "application/json",
    )
    body = json.loads(raw)
    assert set(body) <= {"error", "code", "problems"} and body["error"]
    if code:
        assert body["code"] == code


async def test_schema_problems_are_listed_with_their_paths() -> None:
    exc = SchemaValidationError("credential", [SchemaProblem("issuer.type", "add a type")])
    body = json.loads(http_errors.error_response(exc).body)
    assert body["code"] == "schema-invalid"
    assert body["problems"] == [{"path": "issuer.type", "message": "add a type"}]


async def test_an_unexpected_error_is_a_generic_500_and_a_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger=http_errors.LOGGER.name):
        response = await ledger_routes.ler_errors(raising(RuntimeError("secret detail")))(None)
    body = json.loads(response.body)
    assert response.status == 500 and "secret detail" not in body["error"]
    assert "RuntimeError" in body["error"] and "log" in body["error"]
    assert any(r.exc_info and "secret detail" in str(r.exc_info[1]) for r in caplog.records)


def test_the_most_specific_class_wins() -> None:
    assert http_errors.error_kind(EndorsementRefused("x")).status == 409
    assert http_errors.error_kind(EndorsementTimeout("x")).status == 504
    assert http_errors.error_kind(MultikeyError("x")).code == "invalid-credential"
    assert http_errors.error_kind(KeyError("x")) is http_errors.INTERNAL
    assert all(400 <= kind.status < 600 for kind in http_errors.ERROR_TABLE.values())


def test_validation_messages_become_problems() -> None:
    messages = {
        "json": {"skills": {0: {"skill": ["Missing data for required field."]}}},
        "match_info": {"did": ["Not a did:ler DID."]},
    }
    body = json.loads(http_errors.validation_response(messages).body)
    assert body["code"] == "invalid-request"
    assert body["problems"] == [
        {"in": "body", "path": "skills.0.skill", "message": "Missing data for required field."},
        {"in": "path", "path": "did", "message": "Not a did:ler DID."},
    ]
    invalid = http_errors.error_response(ValidationError({"at": ["Not a valid integer."]}))
    assert invalid.status == 422
    assert json.loads(invalid.body)["problems"][0]["path"] == "at"


def test_the_middleware_sits_just_outside_request_validation() -> None:
    @web.middleware
    async def outer(request: web.Request, handler):
        return await handler(request)

    app = web.Application(middlewares=[outer, validation_middleware])
    http_errors.install(app)
    http_errors.install(app)  # once, however many plugins install it
    assert list(app.middlewares) == [outer, http_errors.error_middleware, validation_middleware]


async def test_the_ler_did_validator_is_defined_once_and_used_for_every_did_input() -> None:
    assert re.fullmatch(LerDid.PATTERN, LerDid.EXAMPLE)
    assert not re.fullmatch(LerDid.PATTERN, "did:sov:WgWxqztrNooG92RXvxSTWv")
    dids = [
        (route.handler.__name__, name, field)
        for route in await ler_routes()
        for entry in getattr(route.handler, "__schemas__", [])
        for name, field in entry["schema"].fields.items()
        if name in ("did", "issuer", "issuer_did")
    ]
    # 3 DID routes, 2 accreditation routes, 3 badge issuance routes (offer, check, VC-API)
    assert len(dids) == 8
    for handler, name, field in dids:
        assert any(isinstance(v, LerDid) for v in field.validators), (handler, name)
        assert field.metadata["example"] == LerDid.EXAMPLE


async def ler_routes() -> list[web.AbstractRoute]:
    """The routes both plugins register."""
    app = web.Application()
    await ledger_routes.register(app)
    await badges_routes.register(app)
    return [r for r in app.router.routes() if r.resource.canonical.startswith("/ler/")]


async def test_every_ler_route_validates_its_inputs() -> None:
    """Path parameters, bodies and queries all have schemas; integers have ranges."""
    checked = 0
    for route in await ler_routes():
        path = route.resource.canonical
        schemas = {s["location"]: s["schema"] for s in getattr(route.handler, "__schemas__", [])}
        if "{" in path:
            assert "match_info" in schemas, f"{route.method} {path} has no path schema"
            for name in re.findall(r"{(\w+)}", path):
                field = schemas["match_info"].fields[name]
                assert field.validators, f"{route.method} {path}: {name} is not validated"
        if route.method in ("POST", "PUT") and route.handler.__name__ not in (
            "endorsement_approve",
            "verify_presentation",
            "presentation_verify",
        ):
            assert "json" in schemas, f"{route.method} {path} has no body schema"
        for schema in schemas.values():
            for name, field in schema.fields.items():
                if isinstance(field, fields.Int):
                    assert any(isinstance(v, validate.Range) for v in field.validators), name
        checked += 1
    # 28 + 4 VC-API exchanges + issuer registry + 2 did:web + ledger records + 3 credential types
    # + 4 governance and ledger history + 2 AnonCreds revocations with their reasons
    assert checked == 45
