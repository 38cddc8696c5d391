"""Status list registry: endorsed publication, ownership, versions by time, verified payloads."""

from __future__ import annotations

import gzip

import pytest
from chaintime import later_second
from eth_utils import keccak

from ler_chain import LedgerClient, LedgerNotFoundError, LocalSigner, Write
from ler_chain.errors import (
    EndorsementSubmitterNotEndorser,
    LedgerInputError,
    StatusListRegistryIssuerInactive,
    StatusListRegistryNotController,
    StatusListRegistryNotFound,
    StatusListRegistryNoVersionAt,
    StatusListRegistryStale,
    StatusListRegistryUnknownVersion,
)
from ler_chain.registries.status_lists import status_list_key
from ler_chain.writes import ENDORSABLE

from .helpers import College, anchor_college, new_college

LIST_URL = "https://college.example/ler/status-lists/{}"


def bits(*set_indices: int, size: int = 131_072) -> bytes:
    """A GZIP-compressed bitstring with the given bits set (index 0 is the leftmost bit)."""
    raw = bytearray(size // 8)
    for index in set_indices:
        raw[index // 8] |= 0x80 >> (index % 8)
    return gzip.compress(bytes(raw), mtime=0)


async def endorse(client: LedgerClient, write: Write, college: College):
    return await client.submit(await client.sign_for_endorsement(write, college.signer))


async def test_publish_and_read_versions(state_client: LedgerClient) -> None:
    college = await anchor_college(state_client)
    lists = state_client.status_lists
    list_id = LIST_URL.format("a")
    with pytest.raises(StatusListRegistryNotFound):
        await lists.latest(college.did, list_id)

    first = await endorse(state_client, lists.publish(college.did, list_id, 0, bits()), college)
    event = first.event("StatusListPublished")
    assert event["version"] == 1 and event["listId"] == list_id
    assert event["key"] == status_list_key(college.did, list_id)
    assert first.gas_used < 300_000  # the list travels in the event, only its hash is stored

    latest = await lists.latest(college.did, list_id)
    assert (latest.version, latest.issuer, latest.list_id) == (1, college.did, list_id)
    assert latest.list == bits() and latest.list_hash == keccak(bits())

    await later_second(state_client.descriptor)
    await endorse(state_client, lists.publish(college.did, list_id, 1, bits(7, 42)), college)
    second = await lists.latest(college.did, list_id)
    assert second.version == 2 and second.list == bits(7, 42)
    assert second.timestamp > latest.timestamp

    assert (await lists.at(college.did, list_id, latest.timestamp)).list == bits()
    assert (await lists.at(college.did, list_id, second.timestamp + 60)).version == 2
    assert (await lists.version(college.did, list_id, 1)).list == bits()
    with pytest.raises(StatusListRegistryNoVersionAt):
        await lists.at(college.did, list_id, latest.timestamp - 10)
    with pytest.raises(StatusListRegistryUnknownVersion):
        await lists.version(college.did, list_id, 3)

    # a fresh reader (no state kept) sees the same anchored bytes
    async with LedgerClient(state_client.descriptor) as reader:
        assert (await reader.status_lists.latest(college.did, list_id)).list == bits(7, 42)


async def test_key_matches_the_contract(state_client: LedgerClient) -> None:
    college = new_college()
    list_id = LIST_URL.format("key")
    contract = state_client.contracts["status_lists"]
    on_chain = await contract.functions.keyOf(college.did.id_bytes, list_id).call()
    assert on_chain == status_list_key(college.did, list_id)


async def test_stale_update_is_refused(state_client: LedgerClient) -> None:
    college = await anchor_college(state_client)
    lists = state_client.status_lists
    list_id = LIST_URL.format("stale")
    await endorse(state_client, lists.publish(college.did, list_id, 0, bits()), college)
    await endorse(state_client, lists.publish(college.did, list_id, 1, bits(1)), college)
    with pytest.raises(StatusListRegistryStale) as refused:
        await endorse(state_client, lists.publish(college.did, list_id, 1, bits(2)), college)
    assert "version 2" in str(refused.value) and "read the list again" in str(refused.value)
    with pytest.raises(StatusListRegistryStale):  # a new list starts at version 0
        await endorse(
            state_client, lists.publish(college.did, LIST_URL.format("new"), 3, bits()), college
        )
    assert (await lists.latest(college.did, list_id)).list == bits(1)


async def test_another_college_cannot_write(state_client: LedgerClient) -> None:
    ivy = await anchor_college(state_client)
    rival = await anchor_college(state_client)
    lists = state_client.status_lists
    list_id = LIST_URL.format("ivy")
    with pytest.raises(StatusListRegistryNotController) as refused:
        await endorse(state_client, lists.publish(ivy.did, list_id, 0, bits(3)), rival)
    assert rival.signer.address in str(refused.value)
    with pytest.raises(LedgerNotFoundError):
        await lists.latest(ivy.did, list_id)
    # nor can it overwrite a list the college did publish
    await endorse(state_client, lists.publish(ivy.did, list_id, 0, bits()), ivy)
    with pytest.raises(StatusListRegistryNotController):
        await endorse(state_client, lists.publish(ivy.did, list_id, 1, bits(3)), rival)
    assert (await lists.latest(ivy.did, list_id)).list == bits()


async def test_revoked_endorser_cannot_submit(state_client: LedgerClient) -> None:
    college = await anchor_college(state_client)
    endorser = LocalSigner.generate()
    await state_client.send(state_client.roles.grant("ENDORSER", endorser.address))
    list_id = LIST_URL.format("endorser")
    async with LedgerClient(state_client.descriptor, endorser) as client:
        lists = client.status_lists
        await endorse(client, lists.publish(college.did, list_id, 0, bits()), college)
        await state_client.send(state_client.roles.revoke("ENDORSER", endorser.address))
        with pytest.raises(EndorsementSubmitterNotEndorser):
            await endorse(client, lists.publish(college.did, list_id, 1, bits(5)), college)
    assert (await state_client.status_lists.latest(college.did, list_id)).version == 1


async def test_author_without_role_cannot_write_directly(state_client: LedgerClient) -> None:
    college = await anchor_college(state_client)
    async with LedgerClient(state_client.descriptor, college.signer) as own:
        with pytest.raises(EndorsementSubmitterNotEndorser):
            await own.send(own.status_lists.publish(college.did, LIST_URL.format("d"), 0, bits()))


async def test_unanchored_issuer_is_refused(state_client: LedgerClient) -> None:
    ghost = new_college()
    write = state_client.status_lists.publish(ghost.did, LIST_URL.format("ghost"), 0, bits())
    with pytest.raises(StatusListRegistryIssuerInactive):
        await endorse(state_client, write, ghost)


async def test_bad_input_is_refused_before_sending(state_client: LedgerClient) -> None:
    college = new_college()
    lists = state_client.status_lists
    with pytest.raises(LedgerInputError, match="1-65536 bytes"):
        lists.publish(college.did, LIST_URL.format("x"), 0, b"")
    with pytest.raises(LedgerInputError, match="status list id"):
        lists.publish(college.did, "", 0, bits())
    with pytest.raises(LedgerInputError):
        lists.publish(college.did, "x" * 513, 0, bits())


async def test_type_hash_and_domain_match_the_contract(state_client: LedgerClient) -> None:
    op = ENDORSABLE[("status_lists", "publishStatusList")]
    contract = state_client.contracts["status_lists"]
    assert (
        keccak(text=op.type_string)
        == await contract.functions.PUBLISH_STATUS_LIST_TYPEHASH().call()
    )
    domain = await contract.functions.eip712Domain().call()
    assert (domain[1], domain[2]) == ("LerStatusListRegistry", "1")
