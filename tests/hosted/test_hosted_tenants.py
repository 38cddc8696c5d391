"""The state-hosted agent (multitenant ACA-Py on the embedded PostgreSQL) and its tenants.

Through the session network's ``hosted`` agent: tenant isolation through the admin API, a real
AnonCreds credential backed up and restored into a fresh tenant (and proved from there),
suspension (tokens refused, inbound messages not processed until resumed), and a learner's
consent: a proof request waits until the learner shares the plan it was shown.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

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
        employer_conn, learner_conn = await connect(employer, restored, "casey-restored")
        request = flows.skill_proof_request(cred_def_id, min_level=3)
        verdict, _ = await _proved(employer, employer_conn, restored, learner_conn, request)
        assert verdict["verified"] is True, verdict
        # the old connection, restored with its keys, still reaches the tenant
        conns = (await restored.get("/connections"))["results"]
        assert any(c["state"] in ("active", "completed") for c in conns)
    await hosting.delete(spare.wallet_id)


async def test_suspended_tenant_is_refused_and_hears_nothing(
    network: Network, hosting: Hosting, employer: AdminClient
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

    log = network.home("hosted").home_dir / "agent.log"
    deliveries = _deliveries(log)
    dropped = await _ask_for_proof(employer, employer_conn)
    await _delivered(log, deliveries)  # reached the hosted agent while the tenant is suspended

    await hosting.resume(tenant.wallet_id)
    token = await hosting.rotate_token(tenant.wallet_id)
    fresh = Tenant(tenant.wallet_id, tenant.label, tenant.kind, token)
    async with hosting.as_tenant(tenant) as old, hosting.as_tenant(fresh) as new:
        assert await refused(old.get("/wallet/did")) == 401  # the old token stays refused
        assert (await new.get("/connections"))["results"]
        # resumed, it hears again: the next request reaches its wallet (and waits for the
        # learner); the one delivered while it was suspended is not there
        heard = await _ask_for_proof(employer, employer_conn)
        threads = await new.wait_for(
            "/present-proof-2.0/records",
            lambda r: heard["thread_id"] in {x["thread_id"] for x in r["results"]},
            timeout=30,
            what="the resumed tenant hearing the request",
        )
        assert dropped["thread_id"] not in {x["thread_id"] for x in threads["results"]}
    record = await employer.get(f"/present-proof-2.0/records/{dropped['pres_ex_id']}")
    assert record["state"] == "request-sent"
    await hosting.delete(tenant.wallet_id)


async def test_a_hosted_learner_answers_only_by_sharing_the_plan_it_saw(
    network: Network, hosting: Hosting, college: AdminClient, employer: AdminClient
) -> None:
    cred_def_id = await _credential_type(network, college, network.did("college"))
    learner = await hosting.create("Jordan Consent")
    stranger = await hosting.create("Riley Stranger")
    async with hosting.as_tenant(learner) as wallet, hosting.as_tenant(stranger) as other:
        college_conn, _ = await connect(college, wallet, "jordan")
        for level, date in (("4", "20250101"), ("5", "20260101")):  # the newer one last
            await flows.issue_credential(
                college,
                college_conn,
                cred_def_id,
                {"program": "Welding", "skill": "TIG welding", "level": level, "date": date},
            )
        newest = next(
            c["referent"]
            for c in (await wallet.get("/credentials"))["results"]
            if c["attrs"]["date"] == "20260101"
        )
        employer_conn, learner_conn = await connect(employer, wallet, "jordan")
        request = flows.skill_proof_request(cred_def_id, min_level=4)
        restriction = request["requested_attributes"]["skill"]["restrictions"]
        request["requested_attributes"] = {
            "skill": {"names": ["skill", "date"], "restrictions": restriction}
        }
        sent = await employer.post(
            "/present-proof-2.0/send-request",
            {
                "connection_id": employer_conn,
                "presentation_request": {"anoncreds": request},
                "auto_remove": False,
            },
        )
        pres_ex_id = await _received(wallet, sent["thread_id"])
        plan = await wallet.get(f"/ler/wallet/proof-requests/{pres_ex_id}/plan")
        assert (plan["state"], plan["format"], plan["shareable"]) == (
            "request-received",
            "anoncreds",
            True,
        )
        assert plan["missing"] == []
        [attribute] = plan["attributes"]
        assert attribute["values"] == {"skill": "TIG welding", "date": "20260101"}
        [predicate] = plan["predicates"]
        assert (predicate["name"], predicate["p_type"], predicate["p_value"]) == ("level", ">=", 4)
        assert attribute["cred_id"] == predicate["cred_id"] == newest  # both match: the newest
        # a plan reads a page of the newest matches; the next page answers from the older one
        path = f"/ler/wallet/proof-requests/{pres_ex_id}/plan"
        older = await wallet.get(path, offset=1, limit=1)
        assert [a["values"]["date"] for a in older["attributes"]] == ["20250101"]
        assert older["page"] == {"offset": 1, "limit": 1, "more": []} and older["shareable"]
        assert 400 <= await refused(wallet.get(path, limit=0)) < 500
        # nothing went to the employer by itself
        employer_side = await employer.get(f"/present-proof-2.0/records/{sent['pres_ex_id']}")
        assert employer_side["state"] == "request-sent"
        # another tenant can neither see nor share this learner's request
        assert await refused(other.get(f"/ler/wallet/proof-requests/{pres_ex_id}/plan")) == 404
        assert await refused(other.post(f"/ler/wallet/proof-requests/{pres_ex_id}/share")) == 404

        shared = await flows.share_requested_proof(wallet, learner_conn)
        assert shared["plan"]["attributes"] == plan["attributes"]
        assert shared["plan"]["predicates"] == plan["predicates"]
        assert shared["record"]["state"] == "presentation-sent"
        await employer.wait_for(
            f"/present-proof-2.0/records/{sent['pres_ex_id']}",
            lambda r: r["state"] in ("done", "abandoned"),
            what="the employer's verification",
        )
        verdict = await employer.get(f"/ler/verifier/presentations/{sent['pres_ex_id']}")
        assert verdict["verified"] is True, verdict
        assert verdict["revealed"] == {"skill": {"skill": "TIG welding", "date": "20260101"}}
        # shared once: sharing again is refused, with the JSON error contract
        with pytest.raises(AdminError) as again:
            await wallet.post(f"/ler/wallet/proof-requests/{pres_ex_id}/share")
        assert again.value.status == 409 and "not-shareable" in str(again.value)

        # a request the wallet cannot answer: the plan says what is missing; sharing is refused
        too_high = flows.skill_proof_request(cred_def_id, min_level=9)
        sent = await employer.post(
            "/present-proof-2.0/send-request",
            {
                "connection_id": employer_conn,
                "presentation_request": {"anoncreds": too_high},
                "auto_remove": False,
            },
        )
        pres_ex_id = await _received(wallet, sent["thread_id"])
        plan = await wallet.get(f"/ler/wallet/proof-requests/{pres_ex_id}/plan")
        assert plan["shareable"] is False
        missing = {"referent": "level", "kind": "predicate", "name": "level", "p_type": ">="}
        assert plan["missing"] == [{**missing, "p_value": 9}]
        with pytest.raises(AdminError) as refusal:
            await wallet.post(f"/ler/wallet/proof-requests/{pres_ex_id}/share")
        assert refusal.value.status == 409 and "level" in str(refusal.value)
        still = await wallet.get(f"/present-proof-2.0/records/{pres_ex_id}")
        assert still["state"] == "request-received"  # refused, not half-sent: it can be declined
    for tenant in (learner, stranger):
        await hosting.delete(tenant.wallet_id)


async def _received(wallet: AdminClient, thread_id: str) -> str:
    """The id of the wallet's record of the request on ``thread_id``, once it is waiting."""
    found = await wallet.wait_for(
        "/present-proof-2.0/records",
        lambda r: any(
            x["thread_id"] == thread_id and x["state"] == "request-received" for x in r["results"]
        ),
        what="the proof request waiting in the wallet",
    )
    return next(x["pres_ex_id"] for x in found["results"] if x["thread_id"] == thread_id)


def _deliveries(log: Path) -> int:
    """DIDComm messages posted to the agent's inbound transport so far (its access log)."""
    return log.read_text(errors="replace").count('"POST / HTTP/1.1"')


async def _delivered(log: Path, before: int, timeout: float = 30) -> None:
    """Wait until one more message reached the agent's inbound transport."""
    deadline = time.monotonic() + timeout
    while _deliveries(log) <= before:
        assert time.monotonic() < deadline, "the message never reached the hosted agent"
        await asyncio.sleep(0.1)


async def _ask_for_proof(employer: AdminClient, connection_id: str) -> dict:
    """A request for a credential nobody holds; returns the employer's record."""
    return await employer.post(
        "/present-proof-2.0/send-request",
        {
            "connection_id": connection_id,
            "presentation_request": {"anoncreds": flows.skill_proof_request("x" * 10)},
            "auto_remove": False,
        },
    )


async def _proved(
    employer: AdminClient,
    employer_conn: str,
    wallet: AdminClient,
    learner_conn: str,
    request: dict,
) -> tuple[dict, dict]:
    """The employer asks; the hosted learner shares its plan: (the verdict, the share answer)."""
    async with asyncio.TaskGroup() as both:
        asked = both.create_task(flows.request_proof(employer, employer_conn, request))
        shared = both.create_task(flows.share_requested_proof(wallet, learner_conn))
    return asked.result(), shared.result()


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
