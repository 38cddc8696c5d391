"""Block time in tests, in one place.

anvil stamps a block with the wall clock, to the second, so two writes a moment apart can share a
block time. A test that needs a write to land in a later block second than a reading uses
:func:`later_second`.

The chain must not run ahead of the clock on a ledger that agents read: the employer asks for
non-revocation "now" by its clock, and a holder answers with the status list in force at that
time, so a revocation stamped one second ahead (after ``evm_setNextBlockTimestamp`` or
``evm_increaseTime``) would go unseen for that second. So :func:`later_second` waits for the event
instead: the clock passing the latest block's second. That is at most a second and usually nothing
(a block mined a second ago is already in the past).
"""

from __future__ import annotations

import asyncio
import time

from ler_chain import LedgerClient, NetworkDescriptor


async def later_second(descriptor: NetworkDescriptor) -> int:
    """The latest block's time, once a block mined from now on has a later one."""
    async with LedgerClient(descriptor) as reader:
        latest = await reader.ledger_time()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 3
    while time.time() < latest + 1:
        assert loop.time() < deadline, f"the clock never passed block time {latest}"
        await asyncio.sleep(latest + 1 - time.time())
    return latest
