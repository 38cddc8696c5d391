"""An author's endorsed writes are settled by the chain, whatever the endorser says.

In-process author profile against the session's real anvil; DIDComm is the faked boundary (a
recording responder), and the state's trustee stands in for an endorser that submits late.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from acapy_agent.connections.models.conn_record import ConnRecord
from acapy_agent.core.profile import Profile
from acapy_agent.messaging.responder import BaseResponder, MockResponder
from acapy_agent.wallet.base import BaseWallet

from ler_chain import LedgerClient, LedgerRevertError, LocalSigner, SignedWrite
from ler_ledger.did.manager import LerDidManager
from ler_ledger.endorsement import manager as endorsement_manager
from ler_ledger.endorsement.manager import EndorsementManager
from ler_ledger.endorsement.messages import EndorsementRequest, EndorsementResponse
from ler_ledger.endorsement.records import LerEndorsementRecord
from ler_ledger.errors import EndorsementRefused
from ler_node.ledger.local import LedgerUp


@pytest.fixture
async def author(author_profile: Profile) -> AsyncIterator[tuple[Profile, MockResponder, str]]:
    """A college's profile (author role) with a connection marked as its endorser."""
    profile = author_profile
    responder = MockResponder()
    profile.context.injector.bind_instance(BaseResponder, responder)
    async with profile.session() as session:
        connection = ConnRecord(state=ConnRecord.State.COMPLETED.rfc160, their_label="state")
        await connection.save(session)
    await EndorsementManager(profile).set_connection_role(connection.connection_id, "endorser")
    yield profile, responder, connection.connection_id


def sent_request(responder: MockResponder) -> EndorsementRequest:
    message = responder.messages[-1][0]
    assert isinstance(message, EndorsementRequest)
    return message


def answer(request: EndorsementRequest, state: str, **fields: object) -> EndorsementResponse:
    response = EndorsementResponse(state=state, **fields)
    response.assign_thread_id(request._id)
    return response


async def wallet_dids(profile: Profile) -> list[str]:
    async with profile.session() as session:
        return [d.did for d in await session.inject(BaseWallet).get_local_dids()]


async def test_a_failure_is_final_only_once_the_write_can_no_longer_land(
    author: tuple[Profile, MockResponder, str], ledger: LedgerUp, trustee: LocalSigner
) -> None:
    profile, responder, connection_id = author
    created = await LerDidManager(profile).create(wait=False)
    request = sent_request(responder)
    manager = EndorsementManager(profile)

    record = await manager.complete(
        answer(request, EndorsementResponse.STATE_FAILED, reason="sent but not mined in 60 s"),
        connection_id,
    )

    # the endorser's submission may still land: not reported failed yet
    assert record.state == LerEndorsementRecord.STATE_SETTLING
    assert record.answer == LerEndorsementRecord.STATE_FAILED
    assert created["did"] not in await wallet_dids(profile)

    # ... and the write lands after all (an endorser that submitted late)
    async with LedgerClient(ledger.descriptor, trustee) as state:
        landed = await state.submit(SignedWrite.model_validate(request.signed_write))
    assert await manager.settle_open() == 0

    async with profile.session() as session:
        record = await LerEndorsementRecord.retrieve_by_id(session, record.endorsement_id)
    assert record.state == LerEndorsementRecord.STATE_DONE
    assert record.tx_hash == landed.tx_hash
    assert created["did"] in await wallet_dids(profile)  # the completion ran


async def test_a_refusal_is_final_at_once(author: tuple[Profile, MockResponder, str]) -> None:
    profile, responder, connection_id = author
    created = await LerDidManager(profile).create(wait=False)
    request = sent_request(responder)

    record = await EndorsementManager(profile).complete(
        answer(request, EndorsementResponse.STATE_REFUSED, reason="not accredited"), connection_id
    )

    assert (record.state, record.reason) == (LerEndorsementRecord.STATE_REFUSED, "not accredited")
    assert created["did"] not in await wallet_dids(profile)


async def test_a_failure_before_sending_is_final_at_once(
    author: tuple[Profile, MockResponder, str],
) -> None:
    profile, responder, connection_id = author
    await LerDidManager(profile).create(wait=False)
    request = sent_request(responder)
    unreachable = "cannot reach the ledger"

    record = await EndorsementManager(profile).complete(
        answer(request, EndorsementResponse.STATE_FAILED, reason=unreachable, submitted=False),
        connection_id,
    )

    assert (record.state, record.reason) == (LerEndorsementRecord.STATE_FAILED, unreachable)


async def test_an_unanswered_write_fails_once_expired_and_then_never_lands(
    author: tuple[Profile, MockResponder, str],
    ledger: LedgerUp,
    trustee: LocalSigner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    profile, responder, _ = author
    # signatures that are already past their deadline (by more than the clock margin)
    monkeypatch.setattr(endorsement_manager, "SIGNATURE_GRACE", -200)
    created = await LerDidManager(profile).create(wait=False)
    request = sent_request(responder)
    manager = EndorsementManager(profile)

    assert await manager.settle_open() == 0  # nobody answered: the chain settles it

    records = await manager.open_requests_for(created["did"])
    assert records == []
    async with profile.session() as session:
        record = await LerEndorsementRecord.retrieve_by_id(session, created["endorsement_id"])
    assert record.state == LerEndorsementRecord.STATE_FAILED
    assert "expired" in record.reason
    async with LedgerClient(ledger.descriptor, trustee) as state:
        with pytest.raises(LedgerRevertError):
            await state.submit(SignedWrite.model_validate(request.signed_write))
    assert created["did"] not in await wallet_dids(profile)


async def test_an_endorsed_answer_is_checked_on_the_chain(
    author: tuple[Profile, MockResponder, str],
) -> None:
    profile, responder, connection_id = author
    waiting = await LerDidManager(profile).create(wait=False)
    request = sent_request(responder)
    fake = "0x" + "ab" * 32

    record = await EndorsementManager(profile).complete(
        answer(request, EndorsementResponse.STATE_ENDORSED, tx_hash=fake), connection_id
    )

    assert record.state == LerEndorsementRecord.STATE_REQUEST_SENT  # not taken on trust
    assert waiting["did"] not in await wallet_dids(profile)


async def test_a_waiting_caller_hears_a_refusal_at_once(
    author: tuple[Profile, MockResponder, str],
) -> None:
    profile, responder, connection_id = author
    manager = EndorsementManager(profile)
    created = await LerDidManager(profile).create(wait=False)
    async with profile.session() as session:
        record = await LerEndorsementRecord.retrieve_by_id(session, created["endorsement_id"])
    request = sent_request(responder)
    await manager.complete(
        answer(request, EndorsementResponse.STATE_REFUSED, reason="not accredited"),
        connection_id,
    )
    with pytest.raises(EndorsementRefused, match="not accredited"):
        await manager.wait(record, 5)
