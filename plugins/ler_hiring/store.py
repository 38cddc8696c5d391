"""The wallet's hiring records (askar storage): job postings, match reports, ATS deliveries.

Each is one storage record holding JSON, keyed by its id, so it is kept with the employer's
wallet (and its backups) and survives restarts.
"""

from __future__ import annotations

import json
from typing import Any

from acapy_agent.core.profile import Profile
from acapy_agent.storage.base import BaseStorage
from acapy_agent.storage.error import StorageNotFoundError
from acapy_agent.storage.record import StorageRecord

__all__ = ["DELIVERY", "JOB", "MATCH", "WalletDeliveries", "delete", "load", "load_all", "save"]

JOB = "ler_hiring_job"
MATCH = "ler_hiring_match"
DELIVERY = "ler_hiring_ats_delivery"


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
