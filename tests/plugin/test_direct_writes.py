"""An ENDORSER's own writes are journaled and settled from the chain, never guessed.

In-process endorser profile against the session's real anvil; the ledger stops mining (through
the owner-only dev path) so that a write's answer is lost, as when a node stalls.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from acapy_agent.core.profile import Profile
from acapy_agent.wallet.base import BaseWallet

from ler_ledger import LedgerService
from ler_ledger.did.manager import LerDidManager
from ler_ledger.direct_writes import LerWriteRecord, settle_direct_writes
from ler_ledger.errors import WriteUndetermined
from ler_node.ledger.anvil import dev_rpc
from ler_node.ledger.local import LedgerUp


@pytest.fixture
async def stalled(ledger: LedgerUp) -> AsyncIterator[Path]:
    """The ledger's data dir, with mining stopped until the test (or teardown) resumes it."""
    data_dir = ledger.descriptor_file.parent.parent
    await dev_rpc(data_dir, "evm_setAutomine", [False])
    try:
        yield data_dir
    finally:
        await dev_rpc(data_dir, "evm_setAutomine", [True])


async def records(profile: Profile) -> list[LerWriteRecord]:
    async with profile.session() as session:
        return await LerWriteRecord.query(session)


async def wallet_dids(profile: Profile) -> list[str]:
    async with profile.session() as session:
        return [d.did for d in await session.inject(BaseWallet).get_local_dids()]


async def test_a_landed_write_is_journaled_as_done(quick_endorser: Profile) -> None:
    created = await LerDidManager(quick_endorser).create()
    [record] = await records(quick_endorser)
    assert (record.state, record.kind, record.object_id) == ("done", "did", created["did"])
    assert record.tx_hash == created["tx_hash"] and record.nonce is not None


async def test_a_write_whose_answer_was_lost_lands_later_as_done(
    quick_endorser: Profile, stalled: Path
) -> None:
    with pytest.raises(WriteUndetermined, match="do not retry"):
        await LerDidManager(quick_endorser).create()
    [record] = await records(quick_endorser)
    assert record.state == LerWriteRecord.STATE_UNDETERMINED  # not "failed": it may land
    assert await settle_direct_writes(quick_endorser) == 1  # still in the pool

    await dev_rpc(stalled, "evm_mine")
    assert await settle_direct_writes(quick_endorser) == 0

    [record] = await records(quick_endorser)
    assert record.state == LerWriteRecord.STATE_DONE
    assert record.object_id in await wallet_dids(quick_endorser)  # the DID's completion ran


async def test_a_dropped_write_is_failed_and_never_lands(
    quick_endorser: Profile, stalled: Path
) -> None:
    with pytest.raises(WriteUndetermined):
        await LerDidManager(quick_endorser).create()
    [record] = await records(quick_endorser)
    await dev_rpc(stalled, "anvil_dropTransaction", [record.tx_hash])
    await dev_rpc(stalled, "evm_setAutomine", [True])

    assert await settle_direct_writes(quick_endorser) == 0

    [record] = await records(quick_endorser)
    assert record.state == LerWriteRecord.STATE_FAILED
    assert "can never land" in record.reason
    reader = quick_endorser.inject(LedgerService).chain
    assert not await reader.dids.exists(record.object_id)
    assert record.object_id not in await wallet_dids(quick_endorser)
