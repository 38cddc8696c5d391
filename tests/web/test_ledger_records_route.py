"""The state agent's ledger browser route, ``GET /ler/ledger/records`` (admin API key only)."""

from __future__ import annotations

import pytest
from netkit import Network

from ler_node.network.admin import AdminClient, AdminError

pytestmark = pytest.mark.e2e


async def test_records_list_dids_and_accreditation_history(network: Network) -> None:
    college = network.did("college")
    credential_type = "LedgerRecordsRouteCheck"
    async with network.admin("state") as state:
        for action in ("accredit", "suspend"):
            await state.post(
                "/ler/governance/accreditations",
                {
                    "issuer": college,
                    "credential_type": credential_type,
                    "action": action,
                    "reason": "route test" if action == "suspend" else "",
                },
            )
        records = await state.get("/ler/ledger/records")
        assert records["block"] > 0 and records["network"] == network.info.network
        dids = {d["did"]: d for d in records["dids"]}
        assert dids[college]["versions"][0]["change"] == "created"
        assert dids[college]["versions"][0]["verkey"]
        ours = [a for a in records["accreditations"] if a["credential_type"] == credential_type]
        assert [(a["action"], a["reason"]) for a in ours] == [
            ("accredited", ""),
            ("suspended", "route test"),
        ]
        assert all(a["issuer"] == college and a["time"] > 0 for a in ours)
        # read from the suspension on: its credential type still reads as a name
        since = await state.get("/ler/ledger/records", from_block=str(ours[1]["block_number"]))
        assert any(
            (a["credential_type"], a["action"]) == (credential_type, "suspended")
            for a in since["accreditations"]
        )
        later = await state.get("/ler/ledger/records", from_block=str(records["block"] + 1))
        assert later["dids"] == [] and later["accreditations"] == []
        with pytest.raises(AdminError) as bad:
            await state.get("/ler/ledger/records", from_block="soon")
        assert bad.value.status == 422
        swagger = await state.get("/api/docs/swagger.json")
        assert "/ler/ledger/records" in swagger["paths"]
    stranger = AdminClient("stranger", network.home("state").admin_url, "wrong-key")
    try:
        with pytest.raises(AdminError) as refused:
            await stranger.get("/ler/ledger/records")
        assert refused.value.status == 401
    finally:
        await stranger.close()
