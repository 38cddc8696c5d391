"""Degenerate inputs are refused by name, and refusals say what happened.

Covers the findings of an attack on a running network: a trustee proposal for the zero address,
an expired deadline reported as a state race, and concurrent duplicate writes reported as nonce
clashes instead of "already exists".
"""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from ler_chain import LedgerClient, LocalSigner, SchemaId, SignedWrite, Write, WriteResult
from ler_chain.errors import (
    AnonCredsAlreadyExists,
    AnonCredsEmptyPayload,
    DidRegistryAlreadyExists,
    DidRegistryDeactivated,
    DidRegistryInvalidController,
    EndorsementExpiredSignature,
    EndorsementInvalidAuthor,
    RolesInvalidAccount,
    StatusListRegistryStale,
)
from ler_chain.transactions import rpc_errors
from ler_chain.writes import Endorsement, build_calldata

from .helpers import anchor_college

ZERO = "0x0000000000000000000000000000000000000000"


async def dry_run(client: LedgerClient, write: Write, endorsement: Endorsement | None) -> None:
    """eth_call ``write`` as the client's signer, with an endorsement the client would not build."""
    assert client.signer is not None
    call = {
        "from": client.signer.address,
        "to": client.contracts[write.contract].address,
        "data": "0x" + build_calldata(write, endorsement).hex(),
    }
    async with rpc_errors(client.descriptor.rpc_url):
        await client.w3.eth.call(call)


async def submit_all(
    client: LedgerClient, signed: list[SignedWrite]
) -> tuple[list[WriteResult], list[BaseException]]:
    """Submit every signed write at once; return those that landed and the refusals."""
    outcomes = await asyncio.gather(*(client.submit(s) for s in signed), return_exceptions=True)
    landed = [o for o in outcomes if isinstance(o, WriteResult)]
    return landed, [o for o in outcomes if isinstance(o, BaseException)]


async def test_zero_address_cannot_be_proposed_as_trustee(state_client: LedgerClient) -> None:
    count = await state_client.roles.proposal_count()
    with pytest.raises(RolesInvalidAccount, match="zero address") as refused:
        await state_client.send(state_client.roles.propose_trustee_change(ZERO, True))
    assert refused.value.details == {"account": ZERO}
    assert await state_client.roles.proposal_count() == count


@pytest.mark.parametrize("verb", ["grant", "revoke"])
async def test_zero_address_cannot_hold_a_role(state_client: LedgerClient, verb: str) -> None:
    write = getattr(state_client.roles, verb)("ENDORSER", ZERO)
    with pytest.raises(RolesInvalidAccount):
        await state_client.send(write)


async def test_zero_address_cannot_author_an_endorsed_write(state_client: LedgerClient) -> None:
    write = state_client.dids.create(os.urandom(32))
    endorsement = Endorsement(ZERO, 0, int(time.time()) + 600, b"\x01" * 65)
    with pytest.raises(EndorsementInvalidAuthor):
        await dry_run(state_client, write, endorsement)


async def test_zero_address_cannot_control_a_did(state_client: LedgerClient) -> None:
    college = await anchor_college(state_client)
    signed = await state_client.sign_for_endorsement(
        state_client.dids.change_controller(college.did, ZERO), college.signer
    )
    with pytest.raises(DidRegistryInvalidController):
        await state_client.submit(signed)
    assert (await state_client.dids.resolve(college.did)).controller == college.signer.address


async def test_empty_schema_payload_is_refused(state_client: LedgerClient) -> None:
    college = await anchor_college(state_client)
    write = state_client.anoncreds.register_schema(SchemaId(college.did, "empty", "1.0"), b"")
    signed = await state_client.sign_for_endorsement(write, college.signer)
    with pytest.raises(AnonCredsEmptyPayload, match="payload is empty"):
        await state_client.submit(signed)


async def test_expired_deadline_says_expired(state_client: LedgerClient) -> None:
    college = await anchor_college(state_client)
    signed = await state_client.sign_for_endorsement(
        state_client.dids.update(college.did, college.verkey, "http://late"),
        college.signer,
        valid_for=-5,
    )
    with pytest.raises(EndorsementExpiredSignature, match="expired") as refused:
        await state_client.submit(signed)
    assert refused.value.details == {"deadline": signed.deadline}
    assert "sign the write again" in str(refused.value)


async def test_deadline_passing_in_flight_says_expired(state_client: LedgerClient) -> None:
    """The node estimates against the last block, mined before the deadline; the write lands after.

    The sender's replay on the previous block passes, so only the deadline can explain it.
    """
    college = await anchor_college(state_client)
    ledger_now = await state_client.ledger_time()  # anvil may run ahead of the wall clock
    signed = await state_client.sign_for_endorsement(
        state_client.dids.update(college.did, college.verkey, "http://in-flight"),
        college.signer,
        valid_for=ledger_now + 1 - int(time.time()),
    )
    await asyncio.sleep(2.5)  # no block is mined meanwhile: the last one is still before it
    with pytest.raises(EndorsementExpiredSignature, match="expired"):
        await state_client.submit(signed)
    assert (await state_client.dids.resolve(college.did)).endpoint != "http://in-flight"


async def test_concurrent_duplicate_schemas_say_already_exists(
    state_client: LedgerClient,
) -> None:
    college = await anchor_college(state_client)
    schema_id = SchemaId(college.did, "raced", "1.0")
    write = state_client.anoncreds.register_schema(schema_id, b'{"attrNames": ["skill"]}')
    signed = [await state_client.sign_for_endorsement(write, college.signer) for _ in range(20)]
    assert len({s.nonce for s in signed}) == 1  # every copy signs the object's next nonce
    landed, refused = await submit_all(state_client, signed)
    assert len(landed) == 1
    assert all(isinstance(e, AnonCredsAlreadyExists) for e in refused), {
        type(e).__name__ for e in refused
    }
    assert "already exists" in str(refused[0])


async def test_concurrent_duplicate_dids_say_already_exists(state_client: LedgerClient) -> None:
    author = LocalSigner.generate()
    write = state_client.dids.create(os.urandom(32))
    signed = [await state_client.sign_for_endorsement(write, author) for _ in range(5)]
    _, errors = await submit_all(state_client, signed)
    assert len(errors) == 4
    assert all(isinstance(e, DidRegistryAlreadyExists) for e in errors), errors


async def test_concurrent_first_status_lists_say_stale(state_client: LedgerClient) -> None:
    college = await anchor_college(state_client)
    write = state_client.status_lists.publish(college.did, "https://c.example/sl/1", 0, b"\x1f")
    signed = [await state_client.sign_for_endorsement(write, college.signer) for _ in range(4)]
    _, errors = await submit_all(state_client, signed)
    assert len(errors) == 3
    assert all(isinstance(e, StatusListRegistryStale) for e in errors), errors


async def test_writes_to_a_deactivated_did_say_deactivated(state_client: LedgerClient) -> None:
    college = await anchor_college(state_client)
    deactivate = state_client.dids.deactivate(college.did)
    signed = [await state_client.sign_for_endorsement(deactivate, college.signer) for _ in range(3)]
    _, errors = await submit_all(state_client, signed)
    assert len(errors) == 2
    assert all(isinstance(e, DidRegistryDeactivated) for e in errors), errors
