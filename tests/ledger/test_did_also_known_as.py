"""DID registry: alsoKnownAs (a college's did:web) is recorded, kept across rotation, refused
to anyone but the controller, refused on a deactivated DID and refused when too long."""

from __future__ import annotations

import os

import pytest

from ler_chain import LedgerClient
from ler_chain.did_document import build_did_document
from ler_chain.errors import (
    DidRegistryAlsoKnownAsTooLong,
    DidRegistryDeactivated,
    DidRegistryNotController,
)

from .helpers import anchor_college

DID_WEB = "did:web:prairieridge.example"


async def _set(client: LedgerClient, college, value: str, signer=None) -> None:
    write = client.dids.set_also_known_as(college.did, value)
    await client.submit(await client.sign_for_endorsement(write, signer or college.signer))


async def test_also_known_as_is_recorded_and_survives_rotation(
    state_client: LedgerClient,
) -> None:
    college = await anchor_college(state_client, "http://127.0.0.1:9000")
    assert (await state_client.dids.resolve(college.did)).also_known_as == ""
    await _set(state_client, college, DID_WEB)
    record = await state_client.dids.resolve(college.did)
    assert record.also_known_as == DID_WEB and record.version_id == 2
    assert record.verkey == college.verkey and record.endpoint == "http://127.0.0.1:9000"
    assert build_did_document(record)["alsoKnownAs"] == [DID_WEB]
    served = build_did_document(record, as_did=DID_WEB)
    assert served["id"] == DID_WEB and served["alsoKnownAs"] == [str(college.did)]
    assert served["assertionMethod"] == [f"{DID_WEB}#key-1"]

    new_key = os.urandom(32)
    signed = await state_client.sign_for_endorsement(
        state_client.dids.update(college.did, new_key, "http://new"), college.signer
    )
    await state_client.submit(signed)
    rotated = await state_client.dids.resolve(college.did)
    assert rotated.also_known_as == DID_WEB and rotated.verkey == new_key
    assert (await state_client.dids.resolve(college.did, version_id=1)).also_known_as == ""

    await _set(state_client, college, "")
    assert "alsoKnownAs" not in build_did_document(await state_client.dids.resolve(college.did))


async def test_only_the_controller_sets_it(state_client: LedgerClient) -> None:
    college = await anchor_college(state_client)
    other = await anchor_college(state_client)
    with pytest.raises(DidRegistryNotController):
        await _set(state_client, college, DID_WEB, signer=other.signer)
    with pytest.raises(DidRegistryNotController):  # nor the endorser writing directly
        await state_client.send(state_client.dids.set_also_known_as(college.did, DID_WEB))
    assert (await state_client.dids.resolve(college.did)).also_known_as == ""


async def test_refused_when_deactivated_or_too_long(state_client: LedgerClient) -> None:
    college = await anchor_college(state_client)
    with pytest.raises(DidRegistryAlsoKnownAsTooLong, match="at most 512"):
        await _set(state_client, college, "did:web:" + "a" * 600)
    await _set(state_client, college, DID_WEB)
    await state_client.submit(
        await state_client.sign_for_endorsement(
            state_client.dids.deactivate(college.did), college.signer
        )
    )
    assert (await state_client.dids.resolve(college.did)).also_known_as == DID_WEB
    with pytest.raises(DidRegistryDeactivated):
        await _set(state_client, college, "did:web:other.example")
