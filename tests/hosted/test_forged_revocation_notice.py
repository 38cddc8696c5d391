"""A forged revocation notice is dropped by a hosted learner's wallet; the college's is kept
(issue #12), through the session network's real agents.

A hosted learner (a tenant of the ``hosted`` agent) holds a revocable AnonCreds credential of
the college. ``mallory`` connects to the tenant and sends revocation notices (1.0 and 2.0,
through the stale_holder test plugin's ``POST /test/revocation-notice``) naming that credential,
while the ledger still says it is valid: the wallet keeps none and logs a WARNING naming the
connection (ler_tenants' checked handlers). Then the college revokes it with a reason and the
wallet keeps that reason; a forged notice after it does not replace it. How the handlers decide
is unit-tested in test_revocation_notice_senders.py.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import pytest
from netkit import Network

from ler_node.network import flows
from ler_node.network.admin import AdminClient
from ler_node.network.hosting import Hosting
from ler_node.network.launcher import connect

pytestmark = pytest.mark.e2e

TYPE_NAME = "ForgedNoticeSkills"  # its own credential type: other tests read theirs
NOTICE = "/test/revocation-notice"  # mallory's test route (tests/e2e/stale_holder/routes.py)
WELDER = {"program": "Pipe Welding", "skill": "Welding", "level": "3", "date": "20261101"}


async def test_a_strangers_notice_is_dropped_and_the_colleges_is_kept(network: Network) -> None:
    log = network.home("hosted").process.log_file
    async with (
        network.admin("state") as state,
        network.admin("college") as college,
        network.admin("mallory") as mallory,
        Hosting.of(network.home("hosted")) as hosting,
    ):
        await flows.set_accreditation(state, network.did("college"), TYPE_NAME, "accredit")
        kind = await flows.publish_credential_type(
            college, network.did("college"), name=TYPE_NAME, registry_size=4
        )
        learner = await hosting.create("Forged Notice Learner")
        try:
            async with hosting.as_tenant(learner) as wallet:
                college_conn, _ = await connect(college, wallet, "forged-notice")
                issued = await flows.issue_credential(
                    college, college_conn, kind.cred_def_id, WELDER
                )
                [held] = (await wallet.get("/credentials"))["results"]
                assert (held["rev_reg_id"], held["cred_rev_id"]) == (
                    issued.rev_reg_id,
                    issued.cred_rev_id,
                )
                named = f"{issued.rev_reg_id}::{issued.cred_rev_id}"
                notice = f"/ler/wallet/credentials/{held['referent']}/revocation-notice"

                # mallory, connected to the wallet, claims the college revoked it
                mallory_conn, stranger = await connect(mallory, wallet, "mallory-forges")
                seen = log.stat().st_size
                forged = f"forged by mallory {uuid.uuid4().hex[:6]}"
                await _forge(mallory, mallory_conn, forged, thread_id=f"indy::{named}")  # 1.0
                await _forge(mallory, mallory_conn, forged, credential_id=named)  # 2.0
                # the WARNING is logged instead of handling the notice: once both are logged,
                # the wallet has decided on both
                dropped = await _logged(log, seen, stranger, count=2)
                assert all("WARNING" in line and named in line for line in dropped), dropped
                # the ledger still says valid: what dropped them is who sent them
                revoked = await wallet.get(f"/credential/revoked/{held['referent']}")
                assert revoked["revoked"] is False
                assert await wallet.get(notice) == {"referent": held["referent"], "notice": None}

                # the college revokes it with a reason: that notice is kept
                reason = f"the assessment was repeated {uuid.uuid4().hex[:4]}"
                await flows.revoke(college, issued, reason)
                kept = await wallet.wait_for(
                    notice,
                    lambda r: r["notice"] is not None,
                    what="the college's revocation notice kept by the wallet",
                )
                assert kept["notice"]["comment"] == reason

                # a forged notice after it does not replace the college's reason
                seen = log.stat().st_size
                await _forge(mallory, mallory_conn, forged, credential_id=named)
                await _logged(log, seen, stranger, count=1)
                assert (await wallet.get(notice))["notice"] == kept["notice"]
        finally:
            await hosting.delete(learner.wallet_id)


async def _forge(mallory: AdminClient, connection_id: str, comment: str, **names: str) -> None:
    """Mallory sends a revocation notice naming ``thread_id`` (1.0) or ``credential_id`` (2.0)."""
    await mallory.post(NOTICE, {"connection_id": connection_id, "comment": comment, **names})


async def _logged(log: Path, offset: int, connection_id: str, *, count: int) -> list[str]:
    """The hosted agent's log lines after ``offset`` that drop a notice over ``connection_id``,
    once there are ``count`` of them (within 30 s)."""
    deadline = time.monotonic() + 30
    while True:
        with log.open("rb") as file:
            file.seek(offset)
            lines = file.read().decode("utf-8", "replace").splitlines()
        dropped = [line for line in lines if connection_id in line and "dropped" in line]
        if len(dropped) >= count:
            return dropped
        assert time.monotonic() < deadline, f"no drop of a notice over {connection_id} logged"
        await asyncio.sleep(0.1)
