"""The AnonCreds registry: schemas, credential definitions, revocation registries and lists."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Iterable

from web3.contract import AsyncContract

from ..cache import LruCache, ReadCounter
from ..errors import LedgerInputError, LedgerNotFoundError
from ..identifiers import CredDefId, LerDid, RevRegDefId, SchemaId, check_name
from ..models import AnchoredObject, RevocationRegistryRecord, RevocationStatusList
from ..revocation_history import RevocationHistory, pack_indices
from ..writes import Write
from .base import RegistryClient, verified_payload

MAX_PAYLOAD_LENGTH = 65_536
#: anchored objects (schemas, credential definitions, registry definitions) kept per process
OBJECT_CACHE_SIZE = 1024
#: revocation registries whose verified status list entries are kept per process
HISTORY_CACHE_SIZE = 256


def _nonce_key(key: bytes) -> int:
    """A keyed-nonce sequence per object (192 bits of its key)."""
    return int.from_bytes(key[:24])


def _payload(payload: bytes, what: str) -> bytes:
    if len(payload) > MAX_PAYLOAD_LENGTH:
        raise LedgerInputError(f"{what} is {len(payload)} bytes; at most {MAX_PAYLOAD_LENGTH} fit")
    return payload


class AnonCredsRegistryClient(RegistryClient):
    """Typed access to ``AnonCredsRegistry``."""

    def __init__(
        self,
        contract: AsyncContract,
        network: str,
        rpc_url: str,
        *,
        reads: ReadCounter | None = None,
        object_cache_size: int = OBJECT_CACHE_SIZE,
        history_cache_size: int = HISTORY_CACHE_SIZE,
    ) -> None:
        super().__init__(contract, network, rpc_url, reads=reads)
        # anchored objects never change, so they are cached by key; a status list's head is
        # read from the ledger on every read and only its (immutable, hash-chained) entries kept
        self.objects: LruCache[bytes, AnchoredObject] = LruCache(
            "anoncreds objects", object_cache_size
        )
        self.histories: LruCache[bytes, RevocationHistory] = LruCache(
            "status list histories", history_cache_size
        )
        self._history_locks: weakref.WeakValueDictionary[bytes, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    # --- writes ---------------------------------------------------------------------------------

    def register_schema(self, schema_id: SchemaId, payload: bytes) -> Write:
        """Register a schema whose JSON is ``payload``."""
        check_name(schema_id.name, "schema name")
        check_name(schema_id.version, "schema version")
        return Write(
            "anoncreds",
            "registerSchema",
            {
                "issuer": schema_id.issuer.id_bytes,
                "name": schema_id.name,
                "version": schema_id.version,
                "payload": _payload(payload, "the schema"),
            },
            f"register schema {schema_id}",
            nonce_key=_nonce_key(schema_id.key),
        )

    def register_credential_definition(
        self, cred_def_id: CredDefId, schema_id: SchemaId, payload: bytes
    ) -> Write:
        """Register a credential definition (``cred_def_id`` carries the schema's seqNo)."""
        check_name(cred_def_id.tag, "credential definition tag")
        return Write(
            "anoncreds",
            "registerCredentialDefinition",
            {
                "issuer": cred_def_id.issuer.id_bytes,
                "schemaKey": schema_id.key,
                "tag": cred_def_id.tag,
                "payload": _payload(payload, "the credential definition"),
            },
            f"register credential definition {cred_def_id}",
            nonce_key=_nonce_key(cred_def_id.key),
        )

    def register_revocation_registry_definition(
        self, rev_reg_id: RevRegDefId, max_cred_num: int, payload: bytes
    ) -> Write:
        """Register a revocation registry definition for ``max_cred_num`` credentials."""
        check_name(rev_reg_id.tag, "revocation registry tag")
        return Write(
            "anoncreds",
            "registerRevocationRegistryDefinition",
            {
                "issuer": rev_reg_id.issuer.id_bytes,
                "credDefKey": rev_reg_id.cred_def_id.key,
                "tag": rev_reg_id.tag,
                "maxCredNum": max_cred_num,
                "payload": _payload(payload, "the revocation registry definition"),
            },
            f"register revocation registry {rev_reg_id}",
            nonce_key=_nonce_key(rev_reg_id.key),
        )

    def register_status_list(
        self, rev_reg_id: RevRegDefId, accumulator: str, revoked: Iterable[int]
    ) -> Write:
        """Write a registry's first status list (``revoked``: indices set to 1)."""
        return Write(
            "anoncreds",
            "registerRevocationStatusList",
            {
                "revRegKey": rev_reg_id.key,
                "accumulator": accumulator.encode(),
                "changed": pack_indices(revoked),
            },
            f"publish the first status list of {rev_reg_id}",
            nonce_key=_nonce_key(rev_reg_id.key),
        )

    def update_status_list(
        self,
        rev_reg_id: RevRegDefId,
        previous_entries: int,
        accumulator: str,
        changed: Iterable[int],
    ) -> Write:
        """Append a status list entry flipping ``changed`` after entry ``previous_entries``."""
        changed = list(changed)
        return Write(
            "anoncreds",
            "updateRevocationStatusList",
            {
                "revRegKey": rev_reg_id.key,
                "previousEntries": previous_entries,
                "accumulator": accumulator.encode(),
                "changed": pack_indices(changed),
            },
            f"update the status list of {rev_reg_id} ({len(changed)} changed)",
            nonce_key=_nonce_key(rev_reg_id.key),
        )

    # --- reads ----------------------------------------------------------------------------------

    async def schema(self, schema_id: SchemaId) -> AnchoredObject:
        """A schema with its verified JSON payload (cached: anchored objects never change)."""

        async def read() -> AnchoredObject:
            key = schema_id.key
            anchor = await self._call(self._contract.functions.schema(key))
            event = await self._event_in_block("SchemaRegistered", anchor[1], {"key": key})
            return self._anchored(key, anchor, event["payload"], str(schema_id))

        return await self._cached(schema_id.key, read)

    async def credential_definition(self, cred_def_id: CredDefId) -> AnchoredObject:
        """A credential definition with its verified JSON payload (cached)."""

        async def read() -> AnchoredObject:
            key = cred_def_id.key
            anchor = await self._call(self._contract.functions.credentialDefinition(key))
            event = await self._event_in_block(
                "CredentialDefinitionRegistered", anchor[1], {"key": key}
            )
            return self._anchored(key, anchor, event["payload"], str(cred_def_id))

        return await self._cached(cred_def_id.key, read)

    async def revocation_registry_definition(
        self, rev_reg_id: RevRegDefId
    ) -> RevocationRegistryRecord:
        """A revocation registry definition with its verified JSON payload and size (cached)."""

        async def read() -> RevocationRegistryRecord:
            key = rev_reg_id.key
            anchor, max_cred_num = await self._call(
                self._contract.functions.revocationRegistryDefinition(key)
            )
            event = await self._event_in_block(
                "RevocationRegistryDefinitionRegistered", anchor[1], {"key": key}
            )
            base = self._anchored(key, anchor, event["payload"], str(rev_reg_id))
            return RevocationRegistryRecord(**vars(base), max_cred_num=max_cred_num)

        return await self._cached(rev_reg_id.key, read)

    async def _cached[T: AnchoredObject](self, key: bytes, read: Callable[[], Awaitable[T]]) -> T:
        """The anchored object under ``key``, read (and kept) on a miss.

        Only objects read and verified are kept: "not found" is never cached, so an object
        anchored later is found on the next read.
        """
        found = self.objects.get(key)
        if found is None:
            found = self.objects.put(key, await read())
        return found  # type: ignore[return-value]

    async def status_list_entries(self, rev_reg_id: RevRegDefId, at: int | None = None) -> int:
        """How many status list entries were in force at time ``at`` (default: now); 0 if none.

        One ``eth_call``, no log reads and no replay: enough to compare two lists' ages.
        """
        functions = self._contract.functions
        if at is None:
            state = await self._call(functions.revocationStatusListLatest(rev_reg_id.key))
        else:
            state = await self._call(functions.revocationStatusListAt(rev_reg_id.key, at))
        return int(state[0])

    async def status_list_entries_at(self, rev_reg_id: RevRegDefId, times: list[int]) -> list[int]:
        """:meth:`status_list_entries` at each of ``times``, read in one JSON-RPC batch."""
        functions = self._contract.functions
        calls = [functions.revocationStatusListAt(rev_reg_id.key, at) for at in times]
        return [int(state[0]) for state in await self._call_batch(calls)]

    async def status_list(
        self, rev_reg_id: RevRegDefId, at: int | None = None
    ) -> RevocationStatusList:
        """The status list as of time ``at`` (default: now), rebuilt from verified entries.

        The head (entry count and hash) is read from the ledger every time, never cached, so a
        revocation is seen as soon as it is anchored; only the immutable entries are kept.
        """
        key = rev_reg_id.key
        functions = self._contract.functions
        if at is None:
            state = await self._call(functions.revocationStatusListLatest(key))
        else:
            state = await self._call(functions.revocationStatusListAt(key, at))
        entries, timestamp, block_number, head = state
        if entries == 0:
            when = "yet" if at is None else f"at time {at}"
            raise LedgerNotFoundError(
                message=f"{rev_reg_id} has no status list {when}", error_name="StatusListNotFound"
            )
        history = await self._history(rev_reg_id, entries, block_number, head)
        return _list_after(key, history, entries, timestamp)

    async def status_lists_of_second(
        self, rev_reg_id: RevRegDefId, at: int
    ) -> list[RevocationStatusList]:
        """Every status list whose newest entry landed in the second ``at``, oldest first.

        AnonCreds names a list by that second, so when several landed in it, a proof stamped
        ``at`` may have used any of them; :meth:`status_list` gives the last.
        """
        key = rev_reg_id.key
        functions = self._contract.functions
        before = (await self.status_list_entries_at(rev_reg_id, [at - 1]))[0]
        entries, timestamp, block_number, head = await self._call(
            functions.revocationStatusListAt(key, at)
        )
        if entries <= before:
            return []
        history = await self._history(rev_reg_id, entries, block_number, head)
        return [_list_after(key, history, n, timestamp) for n in range(before + 1, entries + 1)]

    async def _history(
        self, rev_reg_id: RevRegDefId, entries: int, block: int, head: bytes
    ) -> RevocationHistory:
        """The registry's verified entries, fetching those not seen yet (one log query)."""
        key = rev_reg_id.key
        lock = self._history_locks.get(key)
        if lock is None:
            lock = self._history_locks[key] = asyncio.Lock()
        async with lock:
            history = self.histories.get(key)
            if history is None:
                registry = await self.revocation_registry_definition(rev_reg_id)
                history = RevocationHistory(registry.max_cred_num)
                history.last_block = registry.block_number
                self.histories.put(key, history)
            if history.entries < entries:
                events = await self._events_in_range(
                    "RevocationStatusListEntry", history.last_block, block, {"revRegKey": key}
                )
                for event in events:
                    if history.entries < event["entry"] <= entries:
                        history.extend(
                            event["entry"],
                            event["accumulator"],
                            event["changed"],
                            event["head"],
                            event["blockNumber"],
                        )
            history.check(entries, head)
            return history

    def _anchored(self, key: bytes, anchor: tuple, payload: bytes, what: str) -> AnchoredObject:
        issuer, block_number, timestamp, seq_no, payload_hash = anchor
        return AnchoredObject(
            key=key,
            issuer=LerDid.from_id(self._network, issuer),
            block_number=block_number,
            timestamp=timestamp,
            seq_no=seq_no,
            payload=verified_payload(payload, payload_hash, what),
        )


def _list_after(
    key: bytes, history: RevocationHistory, entries: int, timestamp: int
) -> RevocationStatusList:
    """The status list after its first ``entries`` entries, stamped ``timestamp``."""
    revoked, accumulator = history.state(entries)
    return RevocationStatusList(
        rev_reg_key=key,
        entries=entries,
        timestamp=timestamp,
        block_number=history.block_of(entries),
        accumulator=accumulator.decode(),
        revoked=revoked,
    )
