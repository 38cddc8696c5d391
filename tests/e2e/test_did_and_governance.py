"""DID maintenance routes, the state's governance routes, and webhooks for controllers."""

from __future__ import annotations

import asyncio

import base58
import pytest
from netkit import Network

from ler_chain import LedgerClient, LocalSigner, NetworkDescriptor
from ler_chain.did_document import ed25519_multikey
from ler_node.network import flows
from ler_node.network.admin import AdminClient, AdminError

pytestmark = pytest.mark.e2e


async def test_rotate_repoint_and_deactivate_a_did(
    network: Network, admins: dict[str, AdminClient]
) -> None:
    rival, employer = admins["rival"], admins["employer"]
    created = await rival.post("/ler/did/create", {"endpoint": "http://127.0.0.1:1/old"})
    did = created["did"]
    assert created["state"] == "finished"  # waited for the state's endorsement

    rotated = await rival.post(f"/ler/did/{did}/rotate-key", {})
    assert rotated["verkey"] != created["verkey"]
    wallet_did = (await rival.get("/wallet/did", did=did))["results"][0]
    assert wallet_did["verkey"] == rotated["verkey"]

    await rival.post(f"/ler/did/{did}/endpoint", {"endpoint": "http://127.0.0.1:1/new"})
    descriptor = NetworkDescriptor.load(network.info.descriptor)
    await _version_on_ledger(descriptor, did, 3)  # created, rotated, re-pointed
    document = (await employer.get(f"/resolver/resolve/{did}"))["did_document"]
    assert document["service"][0]["serviceEndpoint"] == "http://127.0.0.1:1/new"
    assert document["verificationMethod"][0]["publicKeyMultibase"] == ed25519_multikey(
        base58.b58decode(rotated["verkey"])
    )

    await rival.post(f"/ler/did/{did}/deactivate", {})
    async with LedgerClient(descriptor) as reader:
        record = await reader.dids.resolve(did)
    assert record.deactivated and record.version_id == 4
    with pytest.raises(AdminError) as refused:
        await rival.post(f"/ler/did/{did}/endpoint", {"endpoint": "http://127.0.0.1:1/x"})
    assert refused.value.status == 409
    assert "deactivated" in str(refused.value)


async def test_state_governance_and_its_limits(
    network: Network, admins: dict[str, AdminClient]
) -> None:
    state, college = admins["state"], admins["college"]
    newcomer = LocalSigner.generate().address
    descriptor = NetworkDescriptor.load(network.info.descriptor)
    await state.post(
        "/ler/governance/roles", {"role": "ENDORSER", "account": newcomer, "action": "grant"}
    )
    async with LedgerClient(descriptor) as reader:
        assert await reader.roles.has_role("ENDORSER", newcomer)
        await state.post(
            "/ler/governance/roles", {"role": "ENDORSER", "account": newcomer, "action": "revoke"}
        )
        assert not await reader.roles.has_role("ENDORSER", newcomer)

    # a college's agent is no trustee: the contract refuses, the API says why
    with pytest.raises(AdminError) as refused:
        await college.post(
            "/ler/governance/roles", {"role": "ENDORSER", "account": newcomer, "action": "grant"}
        )
    assert refused.value.status == 403
    assert "TRUSTEE" in str(refused.value)
    with pytest.raises(AdminError) as refused:
        await college.post(
            "/ler/governance/accreditations",
            {"issuer": network.did("college"), "credential_type": "Self", "action": "accredit"},
        )
    assert refused.value.status == 403

    # the state agent votes on trustee changes like any trustee
    async with LedgerClient(descriptor) as reader:
        before = await reader.roles.members("TRUSTEE")
    proposal = await state.post(
        "/ler/governance/trustees", {"action": "propose", "account": newcomer, "grant": True}
    )
    assert proposal["account"] == newcomer and proposal["approvals"] == 1
    assert proposal["executed"] is (len(before) == 1)
    with pytest.raises(AdminError) as again:
        await state.post(
            "/ler/governance/trustees",
            {"action": "approve", "proposal_id": proposal["proposal_id"]},
        )
    assert again.value.status == 409  # already approved (or already carried out)

    lookup = await college.get(f"/ler/accreditations/{network.did('rival')}")
    assert lookup["issuer"] == network.did("rival") and lookup["results"] == []


async def test_controllers_get_anchoring_webhooks(
    network: Network, admins: dict[str, AdminClient]
) -> None:
    rival = admins["rival"]
    since = await flows.endorsement_ids(rival)
    await rival.post(
        "/anoncreds/schema",
        {
            "schema": {
                "attrNames": ["x"],
                "issuerId": network.did("rival"),
                "name": "Hooked",
                "version": "1.0",
            }
        },
    )
    done = await flows.endorsements_after(rival, since, "schema")
    assert done["state"] == "done"
    assert network.webhooks is not None
    for _ in range(50):
        anchors = network.webhooks.of("rival", "ler_anchor")
        if any(
            a.get("object_id") == done["object_id"] and a["state"] == "finished" for a in anchors
        ):
            break
        await asyncio.sleep(0.1)
    else:
        pytest.fail(f"no ler_anchor webhook for {done['object_id']}: {anchors}")
    states = [r["state"] for r in network.webhooks.of("rival", "ler_endorsement")]
    assert "request-sent" in states and "done" in states


async def _version_on_ledger(descriptor: NetworkDescriptor, did: str, version: int) -> None:
    """Wait until the ledger holds ``version`` of the DID (resolvers keep what they saw 30 s)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    async with LedgerClient(descriptor) as reader:
        while (record := await reader.dids.resolve(did)).version_id < version:
            assert loop.time() < deadline, f"{did} stayed at version {record.version_id}"
            await asyncio.sleep(0.1)
