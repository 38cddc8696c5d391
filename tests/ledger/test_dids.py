"""DID registry: create, resolve, rotate, deactivate; endorsement and its refusal paths."""

from __future__ import annotations

import os

import pytest
from chaintime import later_second

from ler_chain import LedgerClient, LocalSigner
from ler_chain.errors import (
    DidRegistryAlreadyExists,
    DidRegistryDeactivated,
    DidRegistryNotController,
    DidRegistryNotFound,
    DidRegistryNoVersionAt,
    EndorsementExpiredSignature,
    EndorsementInvalidSignature,
    EndorsementSubmitterNotEndorser,
    InvalidAccountNonce,
    LedgerPermissionError,
)

from .helpers import anchor_college, new_college


async def test_endorsed_create_then_resolve(state_client: LedgerClient) -> None:
    college = await anchor_college(state_client, "http://127.0.0.1:9000")
    record = await state_client.dids.resolve(college.did)
    assert record.did == college.did
    assert record.controller == college.signer.address
    assert record.verkey == college.verkey
    assert record.endpoint == "http://127.0.0.1:9000"
    assert record.version_id == 1
    assert not record.deactivated
    assert record.created == record.updated > 0


async def test_direct_create_by_an_endorser(
    state_client: LedgerClient, trustee: LocalSigner
) -> None:
    verkey = os.urandom(32)
    result = await state_client.send(state_client.dids.create(verkey))
    created = result.event("DidCreated")
    assert created["controller"] == trustee.address
    assert (await state_client.dids.resolve(state_client.dids.did_of(verkey))).controller == (
        trustee.address
    )


async def test_duplicate_did_is_refused(state_client: LedgerClient) -> None:
    college = await anchor_college(state_client)
    with pytest.raises(DidRegistryAlreadyExists):
        await state_client.send(state_client.dids.create(college.verkey))


async def test_unknown_did_is_not_found(state_client: LedgerClient) -> None:
    with pytest.raises(DidRegistryNotFound):
        await state_client.dids.resolve(new_college().did)
    assert not await state_client.dids.exists(new_college().did)


async def test_key_rotation_and_endpoint_keep_history(state_client: LedgerClient) -> None:
    college = await anchor_college(state_client, "http://old")
    first = await state_client.dids.resolve(college.did)
    await later_second(state_client.descriptor)
    new_key = os.urandom(32)
    signed = await state_client.sign_for_endorsement(
        state_client.dids.update(college.did, new_key, "http://new"), college.signer
    )
    await state_client.submit(signed)

    current = await state_client.dids.resolve(college.did)
    assert current.verkey == new_key and current.endpoint == "http://new"
    assert current.version_id == 2 and current.created == first.created
    assert current.updated > first.updated
    # versionTime: as of the first version's time, the old key and endpoint
    old = await state_client.dids.resolve(college.did, at=first.updated)
    assert old.verkey == college.verkey and old.endpoint == "http://old"
    assert (await state_client.dids.resolve(college.did, version_id=1)).verkey == college.verkey
    with pytest.raises(DidRegistryNoVersionAt):
        await state_client.dids.resolve(college.did, at=first.created - 10)


async def test_non_controller_cannot_update(state_client: LedgerClient) -> None:
    college = await anchor_college(state_client)
    other = await anchor_college(state_client)
    signed = await state_client.sign_for_endorsement(
        state_client.dids.update(college.did, os.urandom(32), ""), other.signer
    )
    with pytest.raises(DidRegistryNotController) as refused:
        await state_client.submit(signed)
    assert other.signer.address in str(refused.value)
    # nor can the endorser itself, writing directly
    with pytest.raises(DidRegistryNotController):
        await state_client.send(state_client.dids.deactivate(college.did))


async def test_signature_cannot_be_replayed(state_client: LedgerClient) -> None:
    college = await anchor_college(state_client)
    write = state_client.dids.update(college.did, college.verkey, "http://a")
    signed = await state_client.sign_for_endorsement(write, college.signer)
    await state_client.submit(signed)
    with pytest.raises(InvalidAccountNonce):
        await state_client.submit(signed)


async def test_tampered_or_expired_signature_is_refused(state_client: LedgerClient) -> None:
    college = await anchor_college(state_client)
    signed = await state_client.sign_for_endorsement(
        state_client.dids.update(college.did, college.verkey, "http://a"), college.signer
    )
    tampered = signed.model_copy(update={"args": {**signed.args, "endpoint": "http://evil"}})
    with pytest.raises(EndorsementInvalidSignature):
        await state_client.submit(tampered)

    expired = await state_client.sign_for_endorsement(
        state_client.dids.update(college.did, college.verkey, "http://b"),
        college.signer,
        valid_for=-5,
    )
    with pytest.raises(EndorsementExpiredSignature):
        await state_client.submit(expired)


async def test_deactivated_did_accepts_no_writes(state_client: LedgerClient) -> None:
    college = await anchor_college(state_client)
    await state_client.submit(
        await state_client.sign_for_endorsement(
            state_client.dids.deactivate(college.did), college.signer
        )
    )
    record = await state_client.dids.resolve(college.did)
    assert record.deactivated and record.version_id == 2
    signed = await state_client.sign_for_endorsement(
        state_client.dids.update(college.did, college.verkey, ""), college.signer
    )
    with pytest.raises(DidRegistryDeactivated):
        await state_client.submit(signed)


async def test_controller_handover(state_client: LedgerClient) -> None:
    college = await anchor_college(state_client)
    successor = LocalSigner.generate()
    await state_client.submit(
        await state_client.sign_for_endorsement(
            state_client.dids.change_controller(college.did, successor.address), college.signer
        )
    )
    assert (await state_client.dids.resolve(college.did)).controller == successor.address
    stale = await state_client.sign_for_endorsement(
        state_client.dids.update(college.did, college.verkey, "x"), college.signer
    )
    with pytest.raises(DidRegistryNotController):
        await state_client.submit(stale)


async def test_author_without_role_cannot_submit(state_client: LedgerClient) -> None:
    college = new_college()
    async with LedgerClient(state_client.descriptor, college.signer) as own:
        with pytest.raises(EndorsementSubmitterNotEndorser) as refused:
            await own.send(own.dids.create(college.verkey))
    assert isinstance(refused.value, LedgerPermissionError)
    assert "ENDORSER" in str(refused.value)
