"""Rotating a hosted tenant's signing key (its did:ler DID's key), from the CLI, as the tenant.

The ledger takes a DID's new key only from its controller's account: another tenant, with its own
token, account and endorsement connection, is refused and the key on the ledger stays.
"""

from __future__ import annotations

import json

import base58
import pytest
from netkit import Network
from test_tenants_cli import tenants

from ler_chain import LedgerClient, NetworkDescriptor
from ler_node.network.admin import AdminError
from ler_node.network.hosting import Hosting, Tenant, token_file
from ler_node.network.launcher import public_did

pytestmark = pytest.mark.e2e


async def test_a_tenant_rotates_its_own_key_and_no_one_else_can(network: Network) -> None:
    created = await tenants(network, "create", "Owner Academy", "--kind", "organisation")
    wallet_id = created.strip().splitlines()[-1]
    owner = Tenant(wallet_id, "Owner Academy", "organisation", _kept_token(network, wallet_id))
    descriptor = NetworkDescriptor.load(network.info.descriptor)
    async with Hosting.of(network.home("hosted")) as hosting:
        async with hosting.as_tenant(owner) as client:
            did = await public_did(client)
        assert did and did.startswith("did:ler:")
        before = await _ledger_key(descriptor, did)

        # another organisation tenant acts for the owner's DID with its own token: refused
        rival = await hosting.create("Rival Academy", "organisation")
        async with network.admin("state") as state:
            await hosting.join_endorser(rival, state)
        with pytest.raises(AdminError) as caught:
            await hosting.rotate_key(rival, did)
        assert 400 <= caught.value.status < 500, caught.value
        assert await _ledger_key(descriptor, did) == before
        async with hosting.as_tenant(rival) as client:  # nor did the rival's wallet take the DID
            assert (await client.get("/wallet/did", did=did))["results"] == []

        # the owner rotates it from the command line (with its kept token)
        rotated = await tenants(network, "rotate-key", wallet_id)
        verkey = rotated.strip().splitlines()[-1]
        assert base58.b58decode(verkey) == await _ledger_key(descriptor, did) != before
        async with hosting.as_tenant(owner) as client:
            assert (await client.get("/wallet/did", did=did))["results"][0]["verkey"] == verkey

        # a learner tenant has no public DID: a clear error, nothing rotated
        learner = await tenants(network, "create", "Lee Learner")
        learner_id = learner.strip().splitlines()[-1]
        refused = await tenants(network, "rotate-key", learner_id, code=1)
        assert "no public did:ler DID" in refused
        for tenant_id in (wallet_id, rival.wallet_id, learner_id):
            await hosting.delete(tenant_id)


def _kept_token(network: Network, wallet_id: str) -> str:
    return json.loads(token_file(network.data_dir, wallet_id).read_text())["token"]


async def _ledger_key(descriptor: NetworkDescriptor, did: str) -> bytes:
    async with LedgerClient(descriptor) as reader:
        return (await reader.dids.resolve(did)).verkey
