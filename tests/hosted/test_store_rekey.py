"""Rekeying the hosted agent's stores: refused while it runs, done on a stopped agent.

A second hosted agent (``rekeyed``) on the session's PostgreSQL, with its own databases: it runs,
gets a tenant, stops, is rekeyed, and starts again with the new key, its tenant intact. The
production form (the compose env file) rekeys stores made as ACA-Py makes them on that server.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aries_askar import AskarError, AskarErrorCode, Store
from netkit import Network
from test_tenants_cli import tenants

from ler_node.network.agents import AgentHome
from ler_node.network.hosting import Hosting, rekey_hosted_stores
from ler_node.network.launcher import start_agent
from ler_node.network.store_rekey import KEY_METHODS, STORE_KEY_METHOD
from ler_node.postgres import EmbeddedPostgres
from ler_node.private_files import write_private
from ler_node.processes import free_port

pytestmark = pytest.mark.e2e


async def test_the_store_is_not_rekeyed_while_the_agent_runs(network: Network) -> None:
    secrets_file = network.home("hosted").secrets_file
    before = secrets_file.read_text()
    refused = await tenants(network, "rekey-store", code=1)
    assert "is running" in refused and "maintenance" in refused
    assert secrets_file.read_text() == before


async def test_a_stopped_agent_is_rekeyed_and_starts_with_the_new_key(network: Network) -> None:
    spec = network.home("hosted").spec.model_copy(
        update={"id": "rekeyed", "admin_port": free_port(), "inbound_port": free_port()}
    )
    home = AgentHome(network.data_dir, spec)
    postgres = EmbeddedPostgres(network.data_dir).connection()
    descriptor = Path(network.info.descriptor)
    databases = [postgres.askar_uri(name) for name in ("rekeyed", "rekeyed-tenants")]
    try:
        await start_agent(network.spec, home, descriptor, lambda _m: None, postgres)
        async with Hosting.of(home) as hosting:
            tenant = await hosting.create("Riley Rekeyed")
            async with hosting.as_tenant(tenant) as client:
                did = (await client.post("/wallet/did/create", {"method": "key"}))["result"]["did"]
        await home.process.stop_async()
        old_key = json.loads(home.secrets_file.read_text())["wallet_key"]

        assert await rekey_hosted_stores(home, postgres) == ["rekeyed", "rekeyed-tenants"]
        kept = json.loads(home.secrets_file.read_text())
        assert kept["wallet_key"] != old_key and "pending_wallet_key" not in kept
        for uri in databases:
            with pytest.raises(AskarError) as caught:
                await Store.open(uri, STORE_KEY_METHOD, old_key)
            assert caught.value.code == AskarErrorCode.ENCRYPTION
        # a run stopped half-way (one store rekeyed, the key still pending) is finished by the next
        pending = "the key of a run that stopped half-way"
        write_private(home.secrets_file, json.dumps({**kept, "pending_wallet_key": pending}))
        store = await Store.open(databases[0], STORE_KEY_METHOD, kept["wallet_key"])
        await store.rekey(STORE_KEY_METHOD, pending)
        await store.close()
        await rekey_hosted_stores(home, postgres)
        assert json.loads(home.secrets_file.read_text())["wallet_key"] == pending

        await start_agent(network.spec, home, descriptor, lambda _m: None, postgres)
        async with Hosting.of(home) as hosting, hosting.as_tenant(tenant) as client:
            assert did in {d["did"] for d in (await client.get("/wallet/did"))["results"]}
    finally:
        await home.process.stop_async()
        for uri in databases:
            await Store.remove(uri)


async def test_a_production_env_file_is_rekeyed_in_place(network: Network, tmp_path: Path) -> None:
    postgres = EmbeddedPostgres(network.data_dir).connection()
    method = KEY_METHODS["ARGON2I_INT"]  # the env file names it, as ACA-Py reads it
    old_key = "the store key the operator generated"
    names = ["prod-hosted", "prod-hosted-tenants"]
    for name in names:
        store = await Store.provision(postgres.askar_uri(name), method, old_key, recreate=True)
        async with store.session() as session:
            await session.insert("note", "kept", b"a tenant's record")
        await store.close()
    env_file = tmp_path / "hosted-agent.env"
    lines = [
        "ACAPY_ADMIN_API_KEY=an-admin-key",
        f"ACAPY_WALLET_KEY={old_key}",
        "ACAPY_WALLET_KEY_DERIVATION_METHOD=ARGON2I_INT",
        f"ACAPY_WALLET_STORAGE_CREDS={json.dumps(postgres.storage_creds())}",
    ]
    write_private(env_file, "\n".join(lines) + "\n")
    production = ["--env-file", str(env_file), "--postgres", postgres.url]
    try:
        # the session's hosted agent answers at this admin URL: refused, nothing changed
        running = network.home("hosted").admin_url
        refused = await tenants(network, "rekey-store", *production, "--admin-url", running, code=1)
        assert "is running" in refused
        assert env_file.read_text().splitlines() == lines

        stopped = f"http://127.0.0.1:{free_port()}"
        done = await tenants(
            network, "rekey-store", *production, "--wallet-name", "prod-hosted",
            "--admin-url", stopped,
        )  # fmt: skip
        assert "rekeyed prod-hosted, prod-hosted-tenants" in done
        kept = env_file.read_text().splitlines()
        new_key = kept[1].removeprefix("ACAPY_WALLET_KEY=")
        assert new_key != old_key and kept[:1] + kept[2:] == lines[:1] + lines[2:]
        assert oct(env_file.stat().st_mode)[-3:] == "600"
        for name in names:
            uri = postgres.askar_uri(name)
            with pytest.raises(AskarError) as caught:
                await Store.open(uri, method, old_key)
            assert caught.value.code == AskarErrorCode.ENCRYPTION
            store = await Store.open(uri, method, new_key)
            async with store.session() as session:
                assert (await session.fetch("note", "kept")).value == b"a tenant's record"
            await store.close()
    finally:
        for name in names:
            await Store.remove(postgres.askar_uri(name))
