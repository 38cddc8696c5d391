"""Settling signed writes from the chain alone: landed, superseded, expired or still pending."""

from __future__ import annotations

import time

import pytest

from ler_chain import LedgerClient, LedgerRevertError
from ler_chain.settlement import CLOCK_MARGIN, Settlement, settle

from .helpers import anchor_college, new_college


async def test_a_submitted_write_settles_as_landed(state_client: LedgerClient) -> None:
    college = new_college(state_client.descriptor.network)
    start = await state_client.block_number()
    signed = await state_client.sign_for_endorsement(
        state_client.dids.create(college.verkey, ""), college.signer
    )
    assert (await settle(state_client, signed, from_block=start)).settlement is Settlement.PENDING

    result = await state_client.submit(signed)

    standing = await settle(state_client, signed, from_block=start)
    assert standing.settlement is Settlement.LANDED
    assert (standing.tx_hash, standing.block_number) == (result.tx_hash, result.block_number)
    # a transaction hash that does not carry the write is not taken on trust
    other = await anchor_college(state_client)
    assert other.did != college.did
    misled = await settle(
        state_client, signed, from_block=start, tx_hash=result.tx_hash[:-4] + "0000"
    )
    assert misled.tx_hash == result.tx_hash


async def test_a_competing_write_for_the_same_nonce_supersedes(state_client: LedgerClient) -> None:
    college = await anchor_college(state_client)
    first = await state_client.sign_for_endorsement(
        state_client.dids.update(college.did, college.verkey, "https://a.example/didcomm"),
        college.signer,
    )
    second = await state_client.sign_for_endorsement(
        state_client.dids.update(college.did, college.verkey, "https://b.example/didcomm"),
        college.signer,
    )
    assert first.nonce == second.nonce  # keyed per object: the two exclude each other

    await state_client.submit(second)

    assert (await settle(state_client, second)).settlement is Settlement.LANDED
    lost = await settle(state_client, first)
    assert lost.settlement is Settlement.SUPERSEDED and lost.settlement.final
    with pytest.raises(LedgerRevertError):
        await state_client.submit(first)


async def test_a_write_past_its_deadline_settles_as_expired_and_never_lands(
    state_client: LedgerClient,
) -> None:
    college = new_college(state_client.descriptor.network)
    signed = await state_client.sign_for_endorsement(
        state_client.dids.create(college.verkey, ""), college.signer, valid_for=-5
    )
    await anchor_college(state_client)  # a new block, whose time is past the deadline

    standing = await settle(state_client, signed)

    assert standing.settlement is Settlement.EXPIRED
    assert "expired" in standing.describe(signed.deadline)
    with pytest.raises(LedgerRevertError, match=r"(?i)expired"):
        await state_client.submit(signed)
    assert (await settle(state_client, signed)).settlement is Settlement.EXPIRED


async def test_an_idle_chain_still_settles_by_the_wall_clock(state_client: LedgerClient) -> None:
    college = new_college(state_client.descriptor.network)
    signed = await state_client.sign_for_endorsement(
        state_client.dids.create(college.verkey, ""), college.signer, valid_for=60
    )
    now = time.time()
    assert (await settle(state_client, signed, now=now)).settlement is Settlement.PENDING
    late = signed.deadline + CLOCK_MARGIN + 1
    assert (await settle(state_client, signed, now=late)).settlement is Settlement.EXPIRED
