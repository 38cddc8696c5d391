"""The wallet's hiring records (askar storage): job postings, match reports, ATS deliveries.

Each is one storage record holding JSON, keyed by its id, so it is kept with the employer's
wallet (and its backups) and survives restarts. A tenant's deliveries (a hosted agent) are in the
tenant's wallet; while any is queued, the agent's own wallet names the tenant (a
``ler_hiring_ats_tenant`` record), so the worker reopens that wallet after a restart.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from acapy_agent.core.profile import Profile
from acapy_agent.storage.base import BaseStorage
from acapy_agent.storage.error import StorageNotFoundError
from acapy_agent.storage.record import StorageRecord

from ler_badges.acapy.service import BadgesService
from ler_ledger import tenant_wallet_id

from . import delivery_lease

__all__ = [
    "DELIVERY",
    "JOB",
    "MATCH",
    "TenantDeliveries",
    "WalletDeliveries",
    "delete",
    "deliveries_of",
    "load",
    "load_all",
    "queued_tenants",
    "save",
]

JOB = "ler_hiring_job"
MATCH = "ler_hiring_match"
DELIVERY = "ler_hiring_ats_delivery"
PENDING_TENANT = "ler_hiring_ats_tenant"
#: a tenant's profile by wallet id (``None``: gone), e.g. ler_badges' ``ExchangeDirectory.tenant``
TenantOpener = Callable[[str], Awaitable[Profile | None]]


async def save(
    profile: Profile, kind: str, key: str, value: dict[str, Any], tags: dict[str, str] | None = None
) -> dict[str, Any]:
    """Add or replace the record ``key`` of ``kind``."""
    record = StorageRecord(kind, json.dumps(value), tags or {}, id=key)
    async with profile.session() as session:
        storage = session.inject(BaseStorage)
        try:
            await storage.get_record(kind, key)
            await storage.update_record(record, record.value, record.tags)
        except StorageNotFoundError:
            await storage.add_record(record)
    return value


async def load(profile: Profile, kind: str, key: str, what: str) -> dict[str, Any]:
    """The record ``key`` of ``kind``; StorageNotFoundError (404) naming ``what`` if none."""
    async with profile.session() as session:
        try:
            record = await session.inject(BaseStorage).get_record(kind, key)
        except StorageNotFoundError:
            raise StorageNotFoundError(f"no {what} {key}") from None
    return json.loads(record.value)


async def load_all(
    profile: Profile, kind: str, tags: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """Every record of ``kind`` (matching ``tags``)."""
    async with profile.session() as session:
        records = await session.inject(BaseStorage).find_all_records(kind, tags or {})
    return [json.loads(record.value) for record in records]


async def delete(profile: Profile, kind: str, key: str, what: str) -> None:
    """Remove the record ``key``; StorageNotFoundError (404) if none."""
    async with profile.session() as session:
        storage = session.inject(BaseStorage)
        try:
            record = await storage.get_record(kind, key)
        except StorageNotFoundError:
            raise StorageNotFoundError(f"no {what} {key}") from None
        await storage.delete_record(record)


class WalletDeliveries:
    """ATS deliveries kept in a wallet (the :class:`~.ats_delivery.DeliveryStore` of an agent)."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.key = tenant_wallet_id(profile) or ""

    async def save(self, delivery: dict[str, Any]) -> None:
        """Add or replace a delivery, tagged with its state."""
        key = delivery["delivery_id"]
        await save(self.profile, DELIVERY, key, delivery, {"state": delivery["state"]})

    async def load(self, delivery_id: str) -> dict[str, Any]:
        """One delivery (404 if none)."""
        return await load(self.profile, DELIVERY, delivery_id, "ATS delivery")

    async def queued(self) -> list[dict[str, Any]]:
        """Deliveries waiting to be attempted."""
        return await load_all(self.profile, DELIVERY, {"state": "queued"})

    async def claim(self, delivery_id: str, owner: str, seconds: float) -> dict[str, Any] | None:
        """Lease a due, queued delivery to ``owner``, in one transaction of the wallet."""
        async with self.profile.transaction() as txn:
            claimed = await delivery_lease.claim(txn.handle, DELIVERY, delivery_id, owner, seconds)
            if claimed is not None:
                await txn.commit()
        return claimed


class TenantDeliveries:
    """A tenant's ATS deliveries, its wallet opened by id at each use (it may have been closed).

    ``root`` is the agent's own profile, where the tenant is named while it has deliveries queued;
    ``open_tenant`` opens the tenant's. A tenant that is gone has none.
    """

    def __init__(self, root: Profile, wallet_id: str, open_tenant: TenantOpener) -> None:
        self.root = root
        self.key = wallet_id
        self.open_tenant = open_tenant

    async def _wallet(self) -> WalletDeliveries | None:
        profile = await self.open_tenant(self.key)
        return WalletDeliveries(profile) if profile is not None else None

    async def save(self, delivery: dict[str, Any]) -> None:
        """Name the tenant in the root wallet if queued, then keep the delivery in its wallet."""
        wallet = await self._wallet()
        if wallet is None:
            raise StorageNotFoundError(f"tenant wallet {self.key} is gone")
        if delivery["state"] == "queued":
            await save(self.root, PENDING_TENANT, self.key, {"wallet_id": self.key})
        await wallet.save(delivery)

    async def load(self, delivery_id: str) -> dict[str, Any]:
        """One delivery (404 if none)."""
        wallet = await self._wallet()
        if wallet is None:
            raise StorageNotFoundError(f"tenant wallet {self.key} is gone")
        return await wallet.load(delivery_id)

    async def claim(self, delivery_id: str, owner: str, seconds: float) -> dict[str, Any] | None:
        """Lease a due, queued delivery of the tenant to ``owner`` (none if the tenant is gone)."""
        wallet = await self._wallet()
        return await wallet.claim(delivery_id, owner, seconds) if wallet is not None else None

    async def queued(self) -> list[dict[str, Any]]:
        """Deliveries waiting; if none, the tenant is no longer named in the root wallet."""
        wallet = await self._wallet()
        found = await wallet.queued() if wallet is not None else []
        if not found:
            with contextlib.suppress(StorageNotFoundError):
                await delete(self.root, PENDING_TENANT, self.key, "queued tenant")
        return found


def deliveries_of(profile: Profile) -> WalletDeliveries | TenantDeliveries:
    """Where a request's profile keeps its deliveries: its own wallet, or a tenant's."""
    wallet_id = tenant_wallet_id(profile)
    service = profile.inject_or(BadgesService)
    root = service.exchanges.root if service is not None else None
    if wallet_id is None or service is None or root is None:
        return WalletDeliveries(profile)
    return TenantDeliveries(root, wallet_id, service.exchanges.tenant)


async def queued_tenants(root: Profile, open_tenant: TenantOpener) -> list[TenantDeliveries]:
    """The tenants that had deliveries queued (at startup: what an earlier run left)."""
    named = await load_all(root, PENDING_TENANT)
    return [TenantDeliveries(root, entry["wallet_id"], open_tenant) for entry in named]
