"""Leases on ATS deliveries: one worker attempts a delivery at a time, across replicas.

Two instances of a hosted agent share one database and each runs the delivery worker, so both may
see the same queued delivery. Before an attempt a worker claims the delivery: in one store
transaction it reads the entry for update (PostgreSQL locks the row until the commit) and writes
``lease = {owner, until}``. Another worker skips a delivery whose lease is live. A worker that dies
mid-attempt leaves a lease that expires, and the delivery is attempted again by another: delivery
is at least once, with the same ``X-LER-Delivery`` id, which the ATS can use to drop a repeat.
"""

from __future__ import annotations

import json
import time
from typing import Any

from aries_askar import Session

__all__ = ["claim"]


async def claim(
    txn: Session, category: str, delivery_id: str, owner: str, seconds: float
) -> dict[str, Any] | None:
    """Lease a due, queued delivery to ``owner`` for ``seconds``; ``None`` if it is not ours to try.

    ``txn`` is a store transaction, committed by the caller.
    """
    entry = await txn.fetch(category, delivery_id, for_update=True)
    if entry is None:
        return None
    delivery = json.loads(entry.value)
    now = time.time()
    lease = delivery.get("lease") or {}
    held = lease.get("owner") not in (None, owner) and lease.get("until", 0) > now
    if delivery["state"] != "queued" or delivery["next_attempt"] > now or held:
        return None
    delivery["lease"] = {"owner": owner, "until": now + seconds}
    await txn.replace(category, delivery_id, json.dumps(delivery), {"state": "queued"})
    return delivery
