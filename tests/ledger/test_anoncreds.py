"""AnonCreds registry: ownership, duplicates, verified payloads, status lists as of a time."""

from __future__ import annotations

import json

import pytest
from chaintime import later_second

from ler_chain import CredDefId, LedgerClient, LedgerNotFoundError, RevRegDefId, SchemaId
from ler_chain.errors import (
    AnonCredsAlreadyExists,
    AnonCredsIndexOutOfRange,
    AnonCredsIssuerInactive,
    AnonCredsNotController,
    AnonCredsStaleStatusList,
    AnonCredsStatusListExists,
    LedgerInputError,
)

from .helpers import College, anchor_college, new_college


async def endorse(client: LedgerClient, write, college: College):
    """Have ``college`` sign ``write`` and the state submit it."""
    return await client.submit(await client.sign_for_endorsement(write, college.signer))


def schema_json(schema_id: SchemaId) -> bytes:
    return json.dumps(
        {
            "issuerId": str(schema_id.issuer),
            "name": schema_id.name,
            "version": schema_id.version,
            "attrNames": ["program", "skill", "level"],
        }
    ).encode()


async def register_schema(client: LedgerClient, college: College, name: str = "skills"):
    schema_id = SchemaId(college.did, name, "1.0")
    result = await endorse(
        client, client.anoncreds.register_schema(schema_id, schema_json(schema_id)), college
    )
    return schema_id, result.event("SchemaRegistered")["seqNo"]


async def register_registry(client: LedgerClient, college: College, size: int):
    schema_id, seq_no = await register_schema(client, college, f"s{size}")
    cred_def_id = CredDefId(college.did, seq_no, "default")
    await endorse(
        client,
        client.anoncreds.register_credential_definition(cred_def_id, schema_id, b'{"cd": 1}'),
        college,
    )
    rev_reg_id = RevRegDefId(college.did, seq_no, "default", "0")
    await endorse(
        client,
        client.anoncreds.register_revocation_registry_definition(rev_reg_id, size, b'{"rr": 1}'),
        college,
    )
    return rev_reg_id


async def test_full_object_chain_round_trips(state_client: LedgerClient) -> None:
    college = await anchor_college(state_client)
    schema_id, seq_no = await register_schema(state_client, college)
    schema = await state_client.anoncreds.schema(schema_id)
    assert schema.payload == schema_json(schema_id)
    assert schema.issuer == college.did and schema.seq_no == seq_no

    cred_def_id = CredDefId(college.did, seq_no, "default")
    payload = json.dumps({"value": "x" * 8000}).encode()  # a real cred def is about 8 KB
    result = await endorse(
        state_client,
        state_client.anoncreds.register_credential_definition(cred_def_id, schema_id, payload),
        college,
    )
    assert result.gas_used < 500_000  # payload in the event, only its hash in storage
    cred_def = await state_client.anoncreds.credential_definition(cred_def_id)
    assert cred_def.payload == payload and cred_def.seq_no == seq_no

    rev_reg_id = RevRegDefId(college.did, seq_no, "default", "0")
    await endorse(
        state_client,
        state_client.anoncreds.register_revocation_registry_definition(rev_reg_id, 100, b"{}"),
        college,
    )
    registry = await state_client.anoncreds.revocation_registry_definition(rev_reg_id)
    assert registry.max_cred_num == 100


async def test_duplicate_schema_is_refused(state_client: LedgerClient) -> None:
    college = await anchor_college(state_client)
    schema_id, _ = await register_schema(state_client, college, "dup")
    with pytest.raises(AnonCredsAlreadyExists):
        await endorse(
            state_client,
            state_client.anoncreds.register_schema(schema_id, schema_json(schema_id)),
            college,
        )


async def test_college_cannot_write_under_another_colleges_did(state_client: LedgerClient) -> None:
    ivy = await anchor_college(state_client)
    rival = await anchor_college(state_client)
    schema_id = SchemaId(ivy.did, "forged", "1.0")
    with pytest.raises(AnonCredsNotController) as refused:
        await endorse(state_client, state_client.anoncreds.register_schema(schema_id, b"{}"), rival)
    assert rival.signer.address in str(refused.value)
    with pytest.raises(LedgerNotFoundError):
        await state_client.anoncreds.schema(schema_id)
    # and not with a credential definition or a status list either
    _, seq_no = await register_schema(state_client, ivy, "real")
    rev_reg_id = await register_registry(state_client, ivy, 10)
    with pytest.raises(AnonCredsNotController):
        await endorse(
            state_client,
            state_client.anoncreds.register_credential_definition(
                CredDefId(ivy.did, seq_no, "x"), SchemaId(ivy.did, "real", "1.0"), b"{}"
            ),
            rival,
        )
    with pytest.raises(AnonCredsNotController):
        await endorse(
            state_client, state_client.anoncreds.register_status_list(rev_reg_id, "acc", []), rival
        )


async def test_unanchored_issuer_is_refused(state_client: LedgerClient) -> None:
    ghost = new_college()
    with pytest.raises(AnonCredsIssuerInactive):
        await endorse(
            state_client,
            state_client.anoncreds.register_schema(SchemaId(ghost.did, "x", "1"), b"{}"),
            ghost,
        )


async def test_bad_names_are_refused_before_sending(state_client: LedgerClient) -> None:
    college = new_college()
    with pytest.raises(LedgerInputError, match="without '/'"):
        state_client.anoncreds.register_schema(SchemaId(college.did, "a/b", "1"), b"{}")


async def test_status_list_as_of_time_across_updates(state_client: LedgerClient) -> None:
    college = await anchor_college(state_client)
    rev_reg_id = await register_registry(state_client, college, 64)
    lists = state_client.anoncreds
    with pytest.raises(LedgerNotFoundError):
        await lists.status_list(rev_reg_id)

    await endorse(state_client, lists.register_status_list(rev_reg_id, "acc-0", []), college)
    times = [(await lists.status_list(rev_reg_id)).timestamp]
    expected = [[0] * 64]
    bits = [0] * 64
    for entry, index in enumerate([3, 17, 40], start=1):
        await later_second(state_client.descriptor)
        bits = list(bits)
        bits[index] = 1
        await endorse(
            state_client,
            lists.update_status_list(rev_reg_id, entry, f"acc-{entry}", [index]),
            college,
        )
        latest = await lists.status_list(rev_reg_id)
        times.append(latest.timestamp)
        expected.append(bits)
    assert times == sorted(set(times))

    for when, want, entry in zip(times, expected, range(4), strict=True):
        as_of = await lists.status_list(rev_reg_id, at=when)
        assert as_of.revoked == want
        assert as_of.accumulator == f"acc-{entry}"
        assert as_of.timestamp == when
        between = await lists.status_list(rev_reg_id, at=when + 0)
        assert between.entries == entry + 1
    with pytest.raises(LedgerNotFoundError):
        await lists.status_list(rev_reg_id, at=times[0] - 5)

    # un-revoking flips the bit back
    await endorse(state_client, lists.update_status_list(rev_reg_id, 4, "acc-4", [17]), college)
    assert (await lists.status_list(rev_reg_id)).revoked[17] == 0
    # a fresh reader (no cache) rebuilds the same list from the ledger's logs
    async with LedgerClient(state_client.descriptor) as fresh:
        rebuilt = await fresh.anoncreds.status_list(rev_reg_id)
        assert rebuilt.revoked == (await lists.status_list(rev_reg_id)).revoked
        assert (await fresh.anoncreds.status_list(rev_reg_id, at=times[2])).revoked == expected[2]


async def test_status_list_refusals(state_client: LedgerClient) -> None:
    college = await anchor_college(state_client)
    rev_reg_id = await register_registry(state_client, college, 8)
    lists = state_client.anoncreds
    with pytest.raises(AnonCredsStaleStatusList):  # no list yet
        await endorse(state_client, lists.update_status_list(rev_reg_id, 0, "a", [1]), college)
    await endorse(state_client, lists.register_status_list(rev_reg_id, "a", [0]), college)
    with pytest.raises(AnonCredsStatusListExists):
        await endorse(state_client, lists.register_status_list(rev_reg_id, "a", []), college)
    with pytest.raises(AnonCredsIndexOutOfRange):
        await endorse(state_client, lists.update_status_list(rev_reg_id, 1, "b", [8]), college)
    await endorse(state_client, lists.update_status_list(rev_reg_id, 1, "b", [1]), college)
    with pytest.raises(AnonCredsStaleStatusList):  # computed against entry 1, but 2 exist
        await endorse(state_client, lists.update_status_list(rev_reg_id, 1, "c", [2]), college)
    assert (await lists.status_list(rev_reg_id)).revoked == [1, 1, 0, 0, 0, 0, 0, 0]


async def test_every_list_of_a_second_can_be_read(state_client: LedgerClient) -> None:
    """Two updates in one block second: AnonCreds names both by that second; both are read."""
    college = await anchor_college(state_client)
    rev_reg_id = await register_registry(state_client, college, 16)
    lists = state_client.anoncreds
    await endorse(state_client, lists.register_status_list(rev_reg_id, "acc-0", []), college)
    for entry in range(1, 4):  # three tries: the two writes usually share a second
        await later_second(state_client.descriptor)
        first = await endorse(
            state_client, lists.update_status_list(rev_reg_id, 2 * entry - 1, "a", [entry]), college
        )
        second = await endorse(
            state_client, lists.update_status_list(rev_reg_id, 2 * entry, "b", [entry]), college
        )
        at = (await lists.status_list(rev_reg_id)).timestamp
        if (await lists.status_list_entries_at(rev_reg_id, [at - 1]))[0] == 2 * entry - 1:
            break
    else:
        pytest.fail("no two updates landed in one second in three tries")
    of_second = await lists.status_lists_of_second(rev_reg_id, at)
    assert [(s.entries, s.accumulator, s.timestamp) for s in of_second] == [
        (2 * entry, "a", at),
        (2 * entry + 1, "b", at),
    ]
    assert [s.block_number for s in of_second] == [first.block_number, second.block_number]
    assert of_second[0].revoked[entry] == 1 and of_second[1].revoked[entry] == 0
    assert of_second[-1] == await lists.status_list(rev_reg_id, at=at)  # the one read by time
    assert await lists.status_lists_of_second(rev_reg_id, at - 10**6) == []
