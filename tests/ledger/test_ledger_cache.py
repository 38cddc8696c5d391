"""Caches of the ledger client on a real anvil: immutable objects are read once, revocations are
seen on the very next read, and as-of-time counts need no log reads."""

from __future__ import annotations

import pytest
from chaintime import later_second

from ler_chain import CredDefId, LedgerClient, LedgerNotFoundError, SchemaId
from ler_chain.registries.anoncreds import AnonCredsRegistryClient

from .helpers import anchor_college
from .test_anoncreds import endorse, register_registry, register_schema, schema_json


def _calls(client: LedgerClient) -> dict[str, int]:
    return dict(client.reads.by_method)


async def test_immutable_objects_are_read_from_the_ledger_once(state_client: LedgerClient) -> None:
    college = await anchor_college(state_client)
    rev_reg_id = await register_registry(state_client, college, 16)
    cred_def_id = rev_reg_id.cred_def_id
    async with LedgerClient(state_client.descriptor) as reader:
        registry = reader.anoncreds
        first = await registry.revocation_registry_definition(rev_reg_id)
        cred_def = await registry.credential_definition(cred_def_id)
        cold = _calls(reader)
        assert cold == {"eth_call": 2, "eth_getLogs": 2}
        for _ in range(3):
            assert await registry.revocation_registry_definition(rev_reg_id) is first
            assert await registry.credential_definition(cred_def_id) is cred_def
        assert _calls(reader) == cold  # no more ledger reads
        stats = reader.cache_stats()["anoncreds_objects"]
        assert (stats["hits"], stats["misses"], stats["size"]) == (6, 2, 2)
        assert first.max_cred_num == 16 and first.payload == b'{"rr": 1}'


async def test_not_found_is_never_cached(state_client: LedgerClient) -> None:
    college = await anchor_college(state_client)
    schema_id = SchemaId(college.did, "later", "1.0")
    with pytest.raises(LedgerNotFoundError):
        await state_client.anoncreds.schema(schema_id)
    write = state_client.anoncreds.register_schema(schema_id, schema_json(schema_id))
    await endorse(state_client, write, college)
    assert (await state_client.anoncreds.schema(schema_id)).issuer == college.did


async def test_eviction_keeps_the_bound_and_reads_again(state_client: LedgerClient) -> None:
    college = await anchor_college(state_client)
    ids = [(await register_schema(state_client, college, f"ev{i}"))[0] for i in range(3)]
    registry = AnonCredsRegistryClient(
        state_client.contracts["anoncreds"],
        state_client.descriptor.network,
        state_client.descriptor.rpc_url,
        object_cache_size=2,
        history_cache_size=1,
    )
    for schema_id in ids:
        await registry.schema(schema_id)
    assert len(registry.objects) == 2 and registry.objects.stats.evictions == 1
    before = dict(registry.reads.by_method)
    again = await registry.schema(ids[0])  # evicted: read (and verified) again
    assert again.payload == schema_json(ids[0])
    assert registry.reads.by_method["eth_call"] == before["eth_call"] + 1


async def test_a_revocation_after_a_cached_read_is_seen_on_the_next_read(
    state_client: LedgerClient,
) -> None:
    college = await anchor_college(state_client)
    lists = state_client.anoncreds
    rev_reg_id = await register_registry(state_client, college, 128)
    await endorse(state_client, lists.register_status_list(rev_reg_id, "acc-0", []), college)
    async with LedgerClient(state_client.descriptor) as verifier:
        first = await verifier.anoncreds.status_list(rev_reg_id)
        assert first.revoked[9] == 0
        again = await verifier.anoncreds.status_list(rev_reg_id)  # history cached
        assert again.revoked == first.revoked
        before_revocation = await later_second(state_client.descriptor)

        await endorse(state_client, lists.update_status_list(rev_reg_id, 1, "acc-1", [9]), college)
        revoked = await verifier.anoncreds.status_list(rev_reg_id)
        assert revoked.revoked[9] == 1 and revoked.entries == 2
        assert revoked.accumulator == "acc-1"
        # as of before the revocation, the old list; entry counts agree without replaying
        assert (await verifier.anoncreds.status_list(rev_reg_id, at=before_revocation)).revoked[
            9
        ] == 0
        now = await verifier.ledger_time()
        counts = await verifier.anoncreds.status_list_entries_at(
            rev_reg_id, [first.timestamp - 1, before_revocation, now]
        )
        assert counts == [0, 1, 2]
        assert await verifier.anoncreds.status_list_entries(rev_reg_id) == 2
        stats = verifier.cache_stats()
        assert stats["reads"]["by_method"]["eth_call_batch"] == 1
        assert stats["reads"]["by_method"]["batched:eth_call"] == 3
        assert stats["status_list_histories"]["hits"] >= 3


async def test_history_eviction_rebuilds_from_the_ledger(state_client: LedgerClient) -> None:
    college = await anchor_college(state_client)
    lists = state_client.anoncreds
    registries = [await register_registry(state_client, college, size) for size in (8, 9)]
    for index, rev_reg_id in enumerate(registries):
        await endorse(state_client, lists.register_status_list(rev_reg_id, "a", [index]), college)
    reader = AnonCredsRegistryClient(
        state_client.contracts["anoncreds"],
        state_client.descriptor.network,
        state_client.descriptor.rpc_url,
        history_cache_size=1,
    )
    for _ in range(2):
        for index, rev_reg_id in enumerate(registries):
            assert (await reader.status_list(rev_reg_id)).revoked[index] == 1
    assert len(reader.histories) == 1 and reader.histories.stats.evictions == 3
    unknown = CredDefId(college.did, 999_999, "none")
    with pytest.raises(LedgerNotFoundError):
        await reader.credential_definition(unknown)
    assert unknown.key not in reader.objects


class _Service:
    """The boundary the plugin reads through: the ledger service's keyless client."""

    def __init__(self, chain: LedgerClient) -> None:
        self.chain = chain


class _Profile:
    def __init__(self, chain: LedgerClient) -> None:
        self._service = _Service(chain)

    def inject(self, _cls: type) -> _Service:
        return self._service


async def test_the_plugin_resolver_caches_objects_but_never_status_lists(
    state_client: LedgerClient,
) -> None:
    from ler_ledger.anoncreds.registry import LerAnonCredsRegistry

    college = await anchor_college(state_client)
    lists = state_client.anoncreds
    rev_reg_id = await register_registry(state_client, college, 32)
    schema_id = SchemaId(college.did, "s32", "1.0")
    await endorse(state_client, lists.register_status_list(rev_reg_id, "acc-0", []), college)
    async with LedgerClient(state_client.descriptor) as employer:
        profile = _Profile(employer)
        resolver = LerAnonCredsRegistry(cache_size=1)
        schema = await resolver.get_schema(profile, str(schema_id))
        assert schema.schema.attr_names == ["program", "skill", "level"]
        reads = employer.reads.requests
        assert await resolver.get_schema(profile, str(schema_id)) is schema
        assert employer.reads.requests == reads
        assert resolver.resolved.stats.hits == 1

        listed = await resolver.get_revocation_list(profile, str(rev_reg_id))
        assert listed.revocation_list.revocation_list[4] == 0
        await endorse(state_client, lists.update_status_list(rev_reg_id, 1, "acc-1", [4]), college)
        listed = await resolver.get_revocation_list(profile, str(rev_reg_id))
        assert listed.revocation_list.revocation_list[4] == 1  # revoked after a cached read

        other, _ = await register_schema(state_client, college, "other")
        await resolver.get_schema(profile, str(other))
        assert len(resolver.resolved) == 1 and resolver.resolved.stats.evictions == 1
