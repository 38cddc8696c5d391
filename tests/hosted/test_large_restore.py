"""A tenant wallet backup larger than ACA-Py's 1 MiB admin request limit restores.

Only the operator's restore route takes bodies that large: another route, or a caller without the
admin API key, keeps the limit.
"""

from __future__ import annotations

import base64
import os

import pytest
from netkit import Network

from ler_node.network.admin import AdminError
from ler_node.network.hosting import Hosting
from ler_node.network.launcher import connect

pytestmark = pytest.mark.e2e

PASSPHRASE = "a long passphrase for a large wallet"
ADMIN_LIMIT = 1024 * 1024
CHUNK = 700_000  # each metadata write stays under the limit; together they pass it


async def test_a_backup_over_one_mebibyte_restores(network: Network) -> None:
    async with Hosting.of(network.home("hosted")) as hosting:
        learner = await hosting.create("Morgan Many Records")
        async with network.admin("employer") as employer, hosting.as_tenant(learner) as tenant:
            _, conn_id = await connect(employer, tenant, "morgan")
            values = {f"part{i}": os.urandom(CHUNK // 2).hex() for i in range(2)}
            for key, value in values.items():
                await tenant.post(f"/connections/{conn_id}/metadata", {"metadata": {key: value}})
        data = await hosting.backup(learner.wallet_id, PASSPHRASE)
        body_size = len(base64.b64encode(data))
        assert body_size > ADMIN_LIMIT, body_size

        spare = await hosting.create("Morgan Restored")
        # the limit is raised for the operator's restore only: a tenant's token gets no further
        body = {"backup": base64.b64encode(data).decode(), "passphrase": PASSPHRASE}
        async with hosting.as_tenant(spare) as client:
            with pytest.raises(AdminError) as caught:
                await client.post(f"/ler/tenants/{spare.wallet_id}/restore", body)
            assert caught.value.status in (401, 413)
        big = {"passphrase": "x" * (ADMIN_LIMIT + 10)}
        with pytest.raises(AdminError) as caught:
            await hosting.admin.post(f"/ler/tenants/{spare.wallet_id}/backup", big)
        assert caught.value.status == 413
        with pytest.raises(AdminError) as caught:  # a wrong passphrase is refused, large or not
            await hosting.restore(spare.wallet_id, data, "not the right passphrase")
        assert caught.value.status == 400 and "passphrase" in str(caught.value)

        await hosting.delete(learner.wallet_id)
        result = await hosting.restore(spare.wallet_id, data, PASSPHRASE)
        assert result["routed"] >= 1
        async with hosting.as_tenant(spare) as restored:
            metadata = (await restored.get(f"/connections/{conn_id}/metadata"))["results"]
        assert metadata == values
        await hosting.delete(spare.wallet_id)
