"""A hosted agent's tenants' exchanges end too: the root wallet indexes those that may stall.

A hosted (multitenant) agent has too many tenants to scan each one's wallet for stalled
exchanges. Instead, before a tenant's exchange record is saved in a state that waits on a
machine (:func:`ler_ledger.exchanges.waits_on_machines`), an index record (:data:`TENANT_INDEX`,
id ``<wallet id>.<record id>``) is saved in the root wallet. Once the exchange is saved in
another state, the next check (:func:`abandon_stalled_tenants`) removes its index record, with
the others of that round in one session; the check also removes those of exchanges this process
did not see move on. Index first, then the exchange: an agent killed at any moment leaves at
worst an index record of an exchange that is not waiting (removed by the check), never a waiting
exchange nobody checks. The index lives in the root wallet, so a restarted agent, or another
replica, checks it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any
from uuid import uuid4

from acapy_agent.core.profile import Profile, ProfileSession
from acapy_agent.messaging.models.base_record import BaseRecord
from acapy_agent.storage.base import BaseStorage
from acapy_agent.storage.error import StorageDuplicateError, StorageNotFoundError
from acapy_agent.storage.record import StorageRecord

from .acapy_patches import replace
from .exchanges import WAITING_ON_MACHINES, CredEx, PresEx, abandon_stalled, waits_on_machines
from .tenants import open_tenant, tenant_wallet_id

LOGGER = logging.getLogger(__name__)

#: record type, in the root wallet, of a tenant's exchange that may stall
TENANT_INDEX = "ler_open_tenant_exchange"
KINDS: dict[str, type[CredEx | PresEx]] = {"credential": CredEx, "presentation": PresEx}


class TenantIndex:
    """The root wallet's index of the tenants' exchanges that may stall."""

    def __init__(self) -> None:
        self.root: Profile | None = None
        self.keys: set[str] = set()  # index records known to exist (saved, or read by a check)
        self.ended: set[str] = set()  # those of exchanges that moved on: removed by the check

    async def before_save(self, record: CredEx | PresEx, session: ProfileSession) -> str | None:
        """Index a tenant's exchange about to be saved waiting on a machine; its index key."""
        wallet_id = tenant_wallet_id(session.profile)
        if wallet_id is None or self.root is None:
            return None
        if not record._id:  # a new record: its id now, so that the index can name it
            record._id, record._new_with_id = str(uuid4()), True
        key = f"{wallet_id}.{record._id}"
        if _waiting(record) and key not in self.keys:
            self.ended.discard(key)  # waiting again: its index record stays
            kind = next(name for name, cls in KINDS.items() if isinstance(record, cls))
            entry = StorageRecord(TENANT_INDEX, kind, {"wallet_id": wallet_id}, key)
            async with self.root.session() as root_session:
                with contextlib.suppress(StorageDuplicateError):  # another replica's
                    await root_session.inject(BaseStorage).add_record(entry)
            self.keys.add(key)
        return key

    def after_save(self, record: CredEx | PresEx, key: str) -> None:
        """The exchange was saved: its index record goes with the next check if it moved on."""
        if key in self.keys and not _waiting(record):
            self.keys.discard(key)
            self.ended.add(key)

    async def remove(self, root: Profile, keys: set[str]) -> None:
        """Remove index records (gone already is fine: another replica's check)."""
        self.keys.difference_update(keys)
        self.ended.difference_update(keys)
        async with root.session() as session:
            storage = session.inject(BaseStorage)
            for key in keys:
                with contextlib.suppress(StorageNotFoundError):
                    await storage.delete_record(StorageRecord(TENANT_INDEX, "", {}, key))


INDEX = TenantIndex()


def _waiting(record: CredEx | PresEx) -> bool:
    record_type = CredEx if isinstance(record, CredEx) else PresEx
    flags = {flag for flag in WAITING_ON_MACHINES[record_type].values() if flag}
    value = {"state": record.state, **{flag: getattr(record, flag, None) for flag in flags}}
    return waits_on_machines(record_type, value)


def install() -> None:
    """Index tenants' exchanges as they are saved (once per process)."""
    for record_type in KINDS.values():
        replace(record_type, "save", lambda _: _indexed_save)


async def _indexed_save(self: Any, session: ProfileSession, *args: Any, **kwargs: Any) -> str:
    """``BaseRecord.save`` (as it is now: ACA-Py's, or :mod:`.record_saves`'), indexed."""
    key = await INDEX.before_save(self, session)
    saved = await BaseRecord.save(self, session, *args, **kwargs)
    if key is not None:
        INDEX.after_save(self, key)
    return saved


async def abandon_stalled_tenants(
    root: Profile,
    timeout: float,
    now: float | None = None,
    opener: Callable[[str], Awaitable[Profile | None]] | None = None,
) -> int:
    """Abandon the indexed tenants' exchanges stalled for ``timeout`` seconds; how many.

    Index records of exchanges that were abandoned, moved on, are gone, or whose tenant is gone
    (or cannot be opened: an unmanaged wallet) are removed. ``opener``: wallet id -> the
    tenant's profile (default: :func:`ler_ledger.tenants.open_tenant`).
    """
    if INDEX.ended:
        await INDEX.remove(root, set(INDEX.ended))
    if timeout <= 0:
        return 0
    async with root.session() as session:
        rows = await session.inject(BaseStorage).find_all_records(TENANT_INDEX)
    INDEX.keys = {row.id for row in rows}  # as other replicas left it, too
    by_tenant: dict[str, dict[str, type[CredEx | PresEx]]] = {}
    for row in rows:
        record_id = row.id.split(".", 1)[1]
        by_tenant.setdefault(row.tags["wallet_id"], {})[record_id] = KINDS[row.value]
    abandoned = 0
    for wallet_id, only in by_tenant.items():
        before = set(only)
        try:
            profile = await (opener or partial(open_tenant, root))(wallet_id)
            if profile is None:
                LOGGER.warning("tenant %s is gone or cannot be opened: not checked", wallet_id)
                only.clear()
            else:
                abandoned += await abandon_stalled(profile, timeout, now, only=only)
        except Exception:
            LOGGER.exception("could not check tenant %s's exchanges; retrying later", wallet_id)
            continue
        ended = {f"{wallet_id}.{record_id}" for record_id in before - set(only)}
        if ended:
            await INDEX.remove(root, ended)
    return abandoned
