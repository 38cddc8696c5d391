"""Suspending a tenant: its tokens refused, its DIDComm routes set aside until it is resumed."""

from __future__ import annotations

import json
import time
from typing import Any

from acapy_agent.core.profile import Profile
from acapy_agent.protocols.routing.v1_0.models.route_record import RouteRecord
from acapy_agent.storage.base import BaseStorage
from acapy_agent.storage.error import StorageNotFoundError
from acapy_agent.storage.record import StorageRecord
from acapy_agent.wallet.models.wallet_record import WalletRecord

RECORD_TYPE = "ler_tenant_suspension"

#: A token ``iat`` no token carries: ACA-Py refuses every token of a wallet whose record has it.
NO_TOKEN_VALID = -1


async def suspension(root: Profile, wallet_id: str) -> dict[str, Any] | None:
    """The tenant's suspension (``suspended_at``, ``routes``), or None if it is not suspended."""
    async with root.session() as session:
        try:
            record = await session.inject(BaseStorage).get_record(RECORD_TYPE, wallet_id)
        except StorageNotFoundError:
            return None
    return json.loads(record.value)


async def suspended_ids(root: Profile) -> list[str]:
    """Ids of every suspended tenant (the suspensions of deleted tenants are dropped)."""
    found = []
    async with root.session() as session:
        storage = session.inject(BaseStorage)
        for record in await storage.find_all_records(RECORD_TYPE):
            try:
                await WalletRecord.retrieve_by_id(session, record.id)
            except StorageNotFoundError:
                await storage.delete_record(record)
                continue
            found.append(record.id)
    return sorted(found)


async def suspend(root: Profile, wallet_id: str) -> dict[str, Any]:
    """Suspend a tenant (idempotent): refuse its tokens, set its routes aside.

    Raises :class:`StorageNotFoundError` if there is no such tenant.
    """
    async with root.transaction() as txn:
        wallet = await WalletRecord.retrieve_by_id(txn, wallet_id, for_update=True)
        storage = txn.inject(BaseStorage)
        try:
            existing = await storage.get_record(RECORD_TYPE, wallet_id)
            return json.loads(existing.value)
        except StorageNotFoundError:
            pass
        routes = await RouteRecord.query(txn, {"wallet_id": wallet_id})
        value = {
            "wallet_id": wallet_id,
            "suspended_at": int(time.time()),
            "routes": [
                {"recipient_key": r.recipient_key, "role": r.role, "connection_id": r.connection_id}
                for r in routes
            ],
        }
        await storage.add_record(
            StorageRecord(RECORD_TYPE, json.dumps(value), {"wallet_id": wallet_id}, wallet_id)
        )
        for route in routes:
            await route.delete_record(txn)
        wallet.jwt_iat = NO_TOKEN_VALID
        await wallet.save(txn, reason="suspended")
        await txn.commit()
    return value


async def resume(root: Profile, wallet_id: str) -> dict[str, Any]:
    """Resume a suspended tenant: its routes back. Its old tokens stay refused: issue a new one.

    Raises :class:`StorageNotFoundError` if there is no such tenant.
    """
    async with root.transaction() as txn:
        await WalletRecord.retrieve_by_id(txn, wallet_id)
        storage = txn.inject(BaseStorage)
        try:
            record = await storage.get_record(RECORD_TYPE, wallet_id, {"forUpdate": True})
        except StorageNotFoundError:
            return {"wallet_id": wallet_id, "resumed": False, "routes": 0}
        value = json.loads(record.value)
        for route in value["routes"]:
            await RouteRecord(
                role=route["role"],
                connection_id=route["connection_id"],
                wallet_id=wallet_id,
                recipient_key=route["recipient_key"],
            ).save(txn, reason="tenant resumed")
        await storage.delete_record(record)
        await txn.commit()
    return {"wallet_id": wallet_id, "resumed": True, "routes": len(value["routes"])}
