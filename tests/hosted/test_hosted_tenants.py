"""The state-hosted agent (multitenant ACA-Py on the embedded PostgreSQL) and its tenants.

Through the session network's ``hosted`` agent: tenant isolation through the admin API, a real
AnonCreds credential backed up and restored into a fresh tenant (and proved from there), and
suspension (tokens refused, inbound messages not processed until resumed).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import jwt
import psycopg
import pytest
from netkit import Network

from ler_node.network import flows
from ler_node.network.admin import AdminClient, AdminError
from ler_node.network.hosting import Hosting, Tenant, TenantClient
from ler_node.network.launcher import connect
from ler_node.postgres import Connection, EmbeddedPostgres

pytestmark = pytest.mark.e2e

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
async def hosting(network: Network) -> AsyncIterator[Hosting]:
    async with Hosting.of(network.home("hosted")) as handle:
        yield handle


@pytest.fixture
async def college(network: Network) -> AsyncIterator[AdminClient]:
    async with network.admin("college") as admin:
        yield admin


@pytest.fixture
async def employer(network: Network) -> AsyncIterator[AdminClient]:
    async with network.admin("employer") as admin:
        yield admin


async def refused(call) -> int:
    """The HTTP status of a call that must fail."""
    with pytest.raises(AdminError) as caught:
        await call
    return caught.value.status


async def test_hosted_agent_keeps_tenants_in_postgres(network: Network, hosting: Hosting) -> None:
    tenant = await hosting.create("Erin Stored")  # the tenants' store is made with the first
    home = network.home("hosted")
    config = home.environment(_connection(network))
    assert "ACAPY_WALLET_STORAGE_CREDS" in config
    command = " ".join(home.command(network.spec))
    assert "--wallet-storage-type postgres_storage" in command
    assert "password" not in command and config["ACAPY_WALLET_STORAGE_CREDS"] not in command
    conn = _connection(network)
    async with await psycopg.AsyncConnection.connect(
        host=conn.host, port=conn.port, user=conn.user, password=conn.password, dbname="postgres"
    ) as db:
        rows = await (await db.execute("SELECT datname FROM pg_database")).fetchall()
    names = {r[0] for r in rows}
    assert {"hosted", "hosted-tenants"} <= names, names
    await hosting.delete(tenant.wallet_id)


def _connection(network: Network) -> Connection:
    return EmbeddedPostgres(network.data_dir).connection()


async def test_one_tenant_can_never_read_or_act_for_another(
    network: Network, hosting: Hosting
) -> None:
    alice = await hosting.create("Alice Learner")
    bob = await hosting.create("Bob Learner")
    async with hosting.as_tenant(alice) as a, hosting.as_tenant(bob) as b:
        invitation = await b.post(
            "/out-of-band/create-invitation",
            {"handshake_protocols": ["https://didcomm.org/didexchange/1.1"], "alias": "bob's"},
        )
        oob_id = invitation["oob_id"]
        assert (await b.get("/out-of-band/invitations", oob_id=oob_id))["oob_id"] == oob_id
        # Bob's records are not Alice's to read, change or delete
        assert await refused(a.get("/out-of-band/invitations", oob_id=oob_id)) == 404
        assert await refused(a.post(f"/out-of-band/invitations/{oob_id}/remove")) in (400, 404)
        bobs = (await b.post("/wallet/did/create", {"method": "key"}))["result"]["did"]
        assert bobs in {d["did"] for d in (await b.get("/wallet/did"))["results"]}
        assert bobs not in {d["did"] for d in (await a.get("/wallet/did"))["results"]}
        assert (await a.get("/wallet/did", did=bobs))["results"] == []
        # each tenant has its own ledger account
        assert (await a.get("/ler/account"))["address"] != (await b.get("/ler/account"))["address"]
        # a tenant's token does not reach the operator's routes, for itself or another tenant
        assert await refused(a.get("/multitenancy/wallets")) == 401
        assert await refused(a.post(f"/multitenancy/wallet/{bob.wallet_id}/token")) == 401
        assert await refused(a.post(f"/ler/tenants/{bob.wallet_id}/suspend")) == 401
        backup = a.post(f"/ler/tenants/{bob.wallet_id}/backup", {"passphrase": PASSPHRASE})
        assert await refused(backup) == 401
    # a token naming Bob's wallet but not signed with the agent's secret is refused
    forged = jwt.encode({"wallet_id": bob.wallet_id, "iat": int(time.time())}, "x" * 40, "HS256")
    async with TenantClient("forger", hosting.admin_url, forged) as forger:
        assert await refused(forger.get("/wallet/did")) == 401
    for tenant in (alice, bob):
        await hosting.delete(tenant.wallet_id)


async def test_backup_and_restore_give_back_a_real_credential(
    network: Network, hosting: Hosting, college: AdminClient, employer: AdminClient
) -> None:
    cred_def_id = await _credential_type(network, college, network.did("college"))
    learner = await hosting.create("Casey Hosted")
    async with hosting.as_tenant(learner) as tenant:
        college_conn, _ = await connect(college, tenant, "casey")
        issued = await flows.issue_credential(
            college,
            college_conn,
            cred_def_id,
            {"program": "Welding", "skill": "TIG welding", "level": "4", "date": "20260101"},
        )
        assert issued.cred_ex_id
        before = (await tenant.get("/credentials"))["results"]
    assert [c["attrs"]["skill"] for c in before] == ["TIG welding"]

    data = await hosting.backup(learner.wallet_id, PASSPHRASE)
    assert data.startswith(b"SQLite format 3") and b"TIG welding" not in data  # encrypted
    # the live tenant still owns the keys: a restore elsewhere is refused
    spare = await hosting.create("spare")
    assert await refused(hosting.restore(spare.wallet_id, data, PASSPHRASE)) == 409
    assert await refused(hosting.restore(spare.wallet_id, data, "not the passphrase")) == 400
    assert await refused(hosting.restore(spare.wallet_id, b"garbage" * 10, PASSPHRASE)) == 400
    short = hosting.admin.post(f"/ler/tenants/{spare.wallet_id}/backup", {"passphrase": "short"})
    assert await refused(short) in (400, 422)

    await hosting.delete(learner.wallet_id)  # the learner's wallet is lost ...
    result = await hosting.restore(spare.wallet_id, data, PASSPHRASE)  # ... and comes back
    assert result["records"] >= len(before) and result["routed"] >= 1
    async with hosting.as_tenant(spare) as restored:
        after = (await restored.get("/credentials"))["results"]
        assert [(c["referent"], c["attrs"]) for c in after] == [
            (c["referent"], c["attrs"]) for c in before
        ]
        # the restored wallet proves the skill (link secret and credential both came back)
        employer_conn, _ = await connect(employer, restored, "casey-restored")
        verdict = await flows.request_proof(
            employer, employer_conn, flows.skill_proof_request(cred_def_id, min_level=3)
        )
        assert verdict["verified"] is True, verdict
        # the old connection, restored with its keys, still reaches the tenant
        conns = (await restored.get("/connections"))["results"]
        assert any(c["state"] in ("active", "completed") for c in conns)
    await hosting.delete(spare.wallet_id)


async def test_suspended_tenant_is_refused_and_hears_nothing(
    hosting: Hosting, employer: AdminClient
) -> None:
    tenant = await hosting.create("Dana Suspended")
    async with hosting.as_tenant(tenant) as client:
        employer_conn, _ = await connect(employer, client, "dana")
    await hosting.suspend(tenant.wallet_id)
    assert tenant.wallet_id in (await hosting.admin.get("/ler/tenants/suspended"))["results"]
    async with hosting.as_tenant(tenant) as client:
        assert await refused(client.get("/wallet/did")) == 401
    with pytest.raises(AdminError) as caught:
        await hosting.rotate_token(tenant.wallet_id)
    assert caught.value.status == 403 and "tenant-suspended" in str(caught.value)

    asked = await _ask_for_proof(employer, employer_conn)
    await asyncio.sleep(2.5)  # a tenant that processed it would have answered (a problem report)
    record = await employer.get(f"/present-proof-2.0/records/{asked}")
    assert record["state"] == "request-sent"

    await hosting.resume(tenant.wallet_id)
    token = await hosting.rotate_token(tenant.wallet_id)
    fresh = Tenant(tenant.wallet_id, tenant.label, tenant.kind, token)
    async with hosting.as_tenant(tenant) as old, hosting.as_tenant(fresh) as new:
        assert await refused(old.get("/wallet/did")) == 401  # the old token stays refused
        assert (await new.get("/connections"))["results"]
    # resumed, it hears again: it answers (it holds no such credential: a problem report)
    asked = await _ask_for_proof(employer, employer_conn)
    await employer.wait_for(
        f"/present-proof-2.0/records/{asked}",
        lambda r: r["state"] == "abandoned",
        timeout=30,
        what="the resumed tenant's answer",
    )
    await hosting.delete(tenant.wallet_id)


async def _ask_for_proof(employer: AdminClient, connection_id: str) -> str:
    sent = await employer.post(
        "/present-proof-2.0/send-request",
        {
            "connection_id": connection_id,
            "presentation_request": {"anoncreds": flows.skill_proof_request("x" * 10)},
            "auto_remove": False,
        },
    )
    return sent["pres_ex_id"]


async def _credential_type(network: Network, college: AdminClient, issuer: str) -> str:
    """An accredited, non-revocable credential definition (cheaper than a revocable one)."""
    name = f"HostedSkills{int(time.time())}"
    async with network.admin("state") as state:
        await flows.set_accreditation(state, issuer, name, "accredit")
    schema = await college.post(
        "/anoncreds/schema",
        {
            "schema": {
                "attrNames": flows.SKILLS_ATTRIBUTES,
                "issuerId": issuer,
                "name": name,
                "version": "1.0",
            }
        },
    )
    schema_id = schema["schema_state"]["schema_id"]
    await college.wait_for(
        "/anoncreds/schemas", lambda r: schema_id in r["schema_ids"], what="the schema"
    )
    cred_def = await college.post(
        "/anoncreds/credential-definition",
        {
            "credential_definition": {"issuerId": issuer, "schemaId": schema_id, "tag": "hosted"},
            "options": {"support_revocation": False},
        },
    )
    cred_def_id = cred_def["credential_definition_state"]["credential_definition_id"]
    await college.wait_for(
        "/anoncreds/credential-definitions",
        lambda r: cred_def_id in r["credential_definition_ids"],
        timeout=120,
        what="the credential definition",
    )
    return cred_def_id
