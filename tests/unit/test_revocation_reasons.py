"""The college keeps why it revoked each AnonCreds credential (ler_ledger), in ACA-Py's in-memory
askar profile; ACA-Py's revocation manager is faked (it needs a registry and a ledger).

The path through real agents (the registrar console revokes, the college's console shows the
reason, the learner's wallet too) is tests/web/test_revocation_reason.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, NamedTuple

import pytest
from acapy_agent.anoncreds.models.issuer_cred_rev_record import IssuerCredRevRecord
from acapy_agent.anoncreds.revocation import AnonCredsRevocationError
from acapy_agent.connections.models.conn_record import ConnRecord
from acapy_agent.core.profile import Profile
from acapy_agent.protocols.issue_credential.v2_0.models.cred_ex_record import V20CredExRecord
from acapy_agent.storage.error import StorageNotFoundError
from acapy_agent.utils.testing import create_test_profile

from ler_ledger.anoncreds import revocation_reasons
from ler_ledger.anoncreds.revocation_reasons import (
    AlreadyRevoked,
    RevocationFailed,
    revocations,
    revoke,
)
from ler_ledger.errors import LerInputError

REG = "did:ler:local:z6Mk/anoncreds/v0/REV_REG_DEF/12/default/0"


class College(NamedTuple):
    """A college's wallet and its connection to the learner."""

    profile: Profile
    connection_id: str


class FakeManager:
    """ACA-Py's revocation manager: revokes (marks the issued record), raises, or skips."""

    calls: list[dict[str, Any]] = []
    outcome = "revokes"

    def __init__(self, profile: Profile) -> None:
        self.profile = profile

    async def revoke_credential(self, **kwargs: Any) -> None:
        FakeManager.calls.append(kwargs)
        if FakeManager.outcome == "raises":
            raise AnonCredsRevocationError("Error updating revocation registry")
        if FakeManager.outcome == "revokes":
            async with self.profile.session() as session:
                [issued] = await IssuerCredRevRecord.retrieve_by_ids(
                    session, kwargs["rev_reg_id"], kwargs["cred_rev_id"]
                )
                await issued.set_state(session, IssuerCredRevRecord.STATE_REVOKED)


@pytest.fixture
async def college(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[College]:
    """A college wallet that issued three credentials: over a connection, one whose connection
    is gone, and one revoked already (through ACA-Py's own route)."""
    monkeypatch.setattr(revocation_reasons, "RevocationManager", FakeManager)
    FakeManager.calls, FakeManager.outcome = [], "revokes"
    profile = await create_test_profile({"wallet.type": "askar-anoncreds"})
    async with profile.session() as session:
        connection = ConnRecord(state="completed", their_label="Ada")
        await connection.save(session)
        for n, conn_id, state in (
            (1, connection.connection_id, "issued"),
            (2, "gone-connection", "issued"),
            (3, connection.connection_id, "revoked"),
        ):
            exchange = V20CredExRecord(
                cred_ex_id=f"ex-{n}",
                connection_id=conn_id,
                role="issuer",
                state="done",
                new_with_id=True,
            )
            await exchange.save(session)
            await IssuerCredRevRecord(
                rev_reg_id=REG, cred_rev_id=str(n), cred_ex_id=f"ex-{n}", state=state
            ).save(session)
    yield College(profile, connection.connection_id)
    await profile.close()


async def test_a_revocation_is_made_then_kept_with_its_reason(college: College) -> None:
    kept = await revoke(college.profile, "ex-1", "  issued in error ")
    connection_id = college.connection_id
    assert FakeManager.calls == [
        {
            "rev_reg_id": REG,
            "cred_rev_id": "1",
            "publish": True,
            "notify": True,
            "notify_version": "v1_0",
            "connection_id": connection_id,
            "comment": "issued in error",
        }
    ]
    assert kept["reason"] == "issued in error" and kept["notified"] is True
    assert (kept["rev_reg_id"], kept["cred_rev_id"], kept["cred_ex_id"]) == (REG, "1", "ex-1")
    assert kept["revoked_at"].endswith("+00:00")
    assert await revocations(college.profile) == [kept]
    assert await revocations(college.profile, "ex-1") == [kept]
    assert await revocations(college.profile, "ex-2") == []
    with pytest.raises(AlreadyRevoked, match="issued in error"):
        await revoke(college.profile, "ex-1", "again")
    assert len(FakeManager.calls) == 1  # not revoked, nor the learner told, twice


async def test_a_learner_whose_connection_is_gone_is_not_told(college: College) -> None:
    kept = await revoke(college.profile, "ex-2", "fraud")
    assert FakeManager.calls[0]["notify"] is False
    assert FakeManager.calls[0]["connection_id"] is None
    assert (kept["notified"], kept["connection_id"]) == (False, None)


@pytest.mark.parametrize("outcome", ["raises", "skips"])
async def test_a_failed_revoke_keeps_nothing(college: College, outcome: str) -> None:
    FakeManager.outcome = outcome  # "skips": ACA-Py returns without revoking (it logs why)
    with pytest.raises(RevocationFailed, match="did not revoke"):
        await revoke(college.profile, "ex-1", "issued in error")
    assert await revocations(college.profile) == []
    FakeManager.outcome = "revokes"  # a later try goes through
    assert (await revoke(college.profile, "ex-1", "issued in error"))["notified"] is True


async def test_a_credential_revoked_before_gets_its_reason_without_a_second_revoke(
    college: College,
) -> None:
    """As after ACA-Py's own route, or an agent stopped between the revoke and the record."""
    async with college.profile.session() as session:
        [issued] = await IssuerCredRevRecord.retrieve_by_ids(session, REG, "3")
    kept = await revoke(college.profile, "ex-3", "withdrawn by the board")
    assert FakeManager.calls == []
    assert (kept["reason"], kept["notified"]) == ("withdrawn by the board", False)
    assert kept["revoked_at"].startswith(issued.updated_at[:19])


@pytest.mark.parametrize("reason", ["", "   ", None, "x" * 501])
async def test_a_reason_is_required_and_bounded(college: College, reason: Any) -> None:
    with pytest.raises(LerInputError, match="reason"):
        await revoke(college.profile, "ex-1", reason)
    assert FakeManager.calls == []


async def test_an_exchange_without_a_revocable_credential_is_not_found(college: College) -> None:
    with pytest.raises(StorageNotFoundError, match="not a revocable AnonCreds credential"):
        await revoke(college.profile, "no-such-exchange", "why")
    assert FakeManager.calls == [] and await revocations(college.profile) == []
