"""Which proof requests ler_ledger answers by itself, and how its handler is registered.

The answer itself (a real request, the choice, the verdict) is tested end to end in
tests/e2e/test_anoncreds_flow.py; the choice in test_holder_choice.py.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from acapy_agent.config.settings import Settings
from acapy_agent.core.protocol_registry import ProtocolRegistry
from acapy_agent.messaging.decorators.attach_decorator import AttachDecorator
from acapy_agent.protocols.present_proof.v2_0.messages.pres_format import V20PresFormat
from acapy_agent.protocols.present_proof.v2_0.messages.pres_request import V20PresRequest

from ler_ledger.holder import auto_present

REQUEST = "https://didcomm.org/present-proof/2.0/request-presentation"
PROOF_REQUEST = {
    "name": "skills check",
    "version": "1.0",
    "nonce": "1234567890",
    "requested_attributes": {"skill": {"name": "skill"}},
    "requested_predicates": {},
}


def _message(fmt: V20PresFormat.Format, data: dict[str, Any]) -> V20PresRequest:
    return V20PresRequest(
        formats=[V20PresFormat(attach_id="a", format_=fmt.aries)],
        request_presentations_attach=[AttachDecorator.data_json(data, ident="a")],
    )


def _context(message: Any, auto: bool = True, wallet: str = "askar-anoncreds") -> Any:
    settings = {auto_present.AUTO_RESPOND: auto}
    profile = SimpleNamespace(settings=Settings({"wallet.type": wallet}))
    return SimpleNamespace(settings=Settings(settings), profile=profile, message=message)


@pytest.mark.parametrize(
    ("fmt", "data", "auto", "wallet", "answered"),
    [
        (V20PresFormat.Format.ANONCREDS, PROOF_REQUEST, True, "askar-anoncreds", True),
        (V20PresFormat.Format.INDY, PROOF_REQUEST, True, "askar-anoncreds", True),
        (V20PresFormat.Format.ANONCREDS, PROOF_REQUEST, False, "askar-anoncreds", False),
        (V20PresFormat.Format.ANONCREDS, PROOF_REQUEST, True, "askar", False),
        (V20PresFormat.Format.DIF, {"presentation_definition": {}}, True, "askar-anoncreds", False),
    ],
)
def test_only_automatic_answers_to_anoncreds_requests_are_taken_over(
    fmt: V20PresFormat.Format, data: dict, auto: bool, wallet: str, answered: bool
) -> None:
    assert auto_present.takes_over(_context(_message(fmt, data), auto, wallet)) is answered


def test_the_request_message_type_resolves_to_the_bounded_handler() -> None:
    registry = ProtocolRegistry()
    registry.register_message_types({REQUEST: V20PresRequest})  # ACA-Py's own, first
    assert auto_present.register(registry, Settings()) is True
    old_prefix = "did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/present-proof/2.0/request-presentation"
    for message_type in (REQUEST, old_prefix):
        assert registry.resolve_message_class(message_type) is auto_present.BoundedPresRequest
    sent = _message(V20PresFormat.Format.ANONCREDS, PROOF_REQUEST).serialize()
    received = auto_present.BoundedPresRequest.deserialize(sent)
    assert isinstance(received, auto_present.BoundedPresRequest)
    assert received.Handler is auto_present.BoundedPresRequestHandler
    assert received.attachment(V20PresFormat.Format.ANONCREDS) == PROOF_REQUEST
    assert received.serialize() == sent


def test_plugin_config_can_keep_acapys_own_answer() -> None:
    registry = ProtocolRegistry()
    registry.register_message_types({REQUEST: V20PresRequest})
    off = Settings({"plugin_config": {"ler": {"holder": {"bounded_answers": False}}}})
    assert auto_present.register(registry, off) is False
    assert registry.resolve_message_class(REQUEST) is V20PresRequest
