"""The AnonCreds cycle on the state ledger, through real agents talking DIDComm on 127.0.0.1."""

from __future__ import annotations

import asyncio

import pytest
from chaintime import later_second
from netkit import Network, held_request

from ler_chain import LedgerClient, NetworkDescriptor, parse_anoncreds_id
from ler_node.ledger.local import LedgerHome, ledger_down, ledger_up
from ler_node.network import flows
from ler_node.network.admin import AdminClient, AdminError, quoted

pytestmark = pytest.mark.e2e

SKILLS = "TradeSkills"  # not the demo's SkillsCredential, whose accreditation the demo withdraws
WELDER = {"program": "Advanced Manufacturing", "skill": "Welding", "level": "4", "date": "20261115"}


@pytest.fixture(scope="session")
async def skills_type(network: Network) -> flows.CredentialType:
    """The college's accredited, published skills credential (schema + revocable cred def)."""
    async with network.admin("state") as state, network.admin("college") as college:
        await flows.set_accreditation(state, network.did("college"), SKILLS, "accredit")
        return await flows.publish_credential_type(college, network.did("college"), name=SKILLS)


async def test_college_did_is_anchored_through_endorsement(
    network: Network, admins: dict[str, AdminClient]
) -> None:
    college_did = network.did("college")
    endorsed = await admins["state"].get("/ler/endorsement/requests", role="endorser")
    did_requests = [r for r in endorsed["results"] if r["object_id"] == college_did]
    assert [r["state"] for r in did_requests] == ["endorsed"]
    assert did_requests[0]["tx_hash"]

    college_account = (await admins["college"].get("/ler/account"))["address"]
    assert (await admins["college"].get("/ler/account"))["roles"] == []  # no write role
    assert did_requests[0]["author"] == college_account

    resolved = await admins["employer"].get(f"/resolver/resolve/{college_did}")
    document = resolved["did_document"]
    assert document["id"] == college_did
    assert document["verificationMethod"][0]["type"] == "Multikey"
    assert document["service"][0]["serviceEndpoint"] == network.home("college").endpoint


async def test_publish_issue_prove_and_revoke(
    network: Network, admins: dict[str, AdminClient], skills_type: flows.CredentialType
) -> None:
    college, employer = admins["college"], admins["employer"]

    # every write of the college went through the state's endorser and finished (the endorsement
    # record is saved a moment after ACA-Py already sees the registry as active)
    def all_kinds_done(records: dict) -> bool:
        done = {r["kind"] for r in records["results"] if r["state"] == "done"}
        return {"schema", "cred_def", "rev_reg_def", "rev_list"} <= done

    await college.wait_for(
        "/ler/endorsement/requests?role=author", all_kinds_done, timeout=30, what="endorsements"
    )
    resolved = await employer.get(f"/anoncreds/schema/{quoted(skills_type.schema_id)}")
    assert resolved["schema"]["attrNames"] == flows.SKILLS_ATTRIBUTES

    college_conn, _ = await network.connection(admins, "college", "learner")
    issued = await flows.issue_credential(college, college_conn, skills_type.cred_def_id, WELDER)
    assert issued.rev_reg_id and issued.cred_rev_id

    employer_conn, _ = await network.connection(admins, "employer", "learner")
    verdict = await flows.request_proof(
        employer, employer_conn, flows.skill_proof_request(skills_type.cred_def_id, min_level=3)
    )
    assert verdict["verified"] is True, verdict
    assert verdict["revealed"] == {
        "skill": "Welding"
    }  # the level stays hidden: only >= 3 is proven
    assert {c["name"] for c in verdict["checks"]} == {
        "status-list-freshness",
        "proof",
        "issuer-accreditation",
    }
    too_high = await flows.request_proof(
        employer, employer_conn, flows.skill_proof_request(skills_type.cred_def_id, min_level=5)
    )
    assert too_high["verified"] is False

    before_revocation = await later_second(_descriptor(network))  # the revocation lands later
    update = await flows.revoke(college, issued)
    assert update["state"] == "done", update

    revoked = await flows.request_proof(
        employer, employer_conn, flows.skill_proof_request(skills_type.cred_def_id)
    )
    assert revoked["verified"] is False
    assert revoked["reasons"] == ["revoked"]
    as_before = await flows.request_proof(
        employer,
        employer_conn,
        flows.skill_proof_request(skills_type.cred_def_id, at=before_revocation),
    )
    assert as_before["verified"] is True, as_before


async def test_stale_status_list_is_refused(
    network: Network, admins: dict[str, AdminClient], skills_type: flows.CredentialType
) -> None:
    college, employer = admins["college"], admins["employer"]
    college_conn, _ = await network.connection(admins, "college", "mallory")
    issued = await flows.issue_credential(college, college_conn, skills_type.cred_def_id, WELDER)
    before_revocation = await later_second(_descriptor(network))
    assert (await flows.revoke(college, issued))["state"] == "done"
    await later_second(_descriptor(network))  # "now" is after the revocation's block

    network.stale_pin.write_text(str(before_revocation))  # mallory now hides the revocation
    try:
        employer_conn, _ = await network.connection(admins, "employer", "mallory")
        verdict = await flows.request_proof(
            employer, employer_conn, flows.skill_proof_request(skills_type.cred_def_id)
        )
    finally:
        network.stale_pin.unlink()
    assert verdict["verified"] is False
    assert "stale-status-list" in verdict["reasons"]
    failed = [c for c in verdict["checks"] if c["name"] == "status-list-freshness"]
    assert failed and not failed[0]["passed"]
    record = await employer.get(f"/present-proof-2.0/records/{verdict['pres_ex_id']}")
    assert record["verified"] == "false"
    assert "LER::stale-status-list" in record["verified_msgs"]


async def test_unaccredited_issuer_is_reported(
    network: Network, admins: dict[str, AdminClient]
) -> None:
    rival, employer = admins["rival"], admins["employer"]
    rival_type = await flows.publish_credential_type(
        rival, network.did("rival"), name="RivalSkills", registry_size=10
    )
    rival_conn, _ = await network.connection(admins, "rival", "learner")
    await flows.issue_credential(rival, rival_conn, rival_type.cred_def_id, WELDER)
    employer_conn, _ = await network.connection(admins, "employer", "learner")
    verdict = await flows.request_proof(
        employer, employer_conn, flows.skill_proof_request(rival_type.cred_def_id)
    )
    assert verdict["verified"] is False
    assert verdict["reasons"] == ["issuer-not-accredited"]


async def test_learner_cannot_write_under_the_colleges_did(
    network: Network, admins: dict[str, AdminClient]
) -> None:
    forged = {
        "schema": {
            "attrNames": ["skill"],
            "issuerId": network.did("college"),
            "name": "Forged",
            "version": "1.0",
        }
    }
    for intruder in ("learner", "rival"):
        with pytest.raises(AdminError) as refused:
            await admins[intruder].post("/anoncreds/schema", forged)
        assert refused.value.status == 400
        assert "cannot write under" in str(refused.value) or "does not write" in str(refused.value)
        assert not any("Forged" in s for s in await _schema_ids(admins[intruder]))
    schema_id = f"{network.did('college')}/anoncreds/v0/SCHEMA/Forged/1.0"
    with pytest.raises(AdminError) as missing:
        await admins["employer"].get(f"/anoncreds/schema/{quoted(schema_id)}")
    assert missing.value.status == 404


async def test_endorser_without_its_role_cannot_submit(
    network: Network, admins: dict[str, AdminClient]
) -> None:
    rival, state = admins["rival"], admins["state"]
    state_account = (await state.get("/ler/account"))["address"]
    home = LedgerHome.in_data_dir(network.data_dir)
    async with LedgerClient(home.descriptor(), home.trustee()) as trustee:
        await trustee.send(trustee.roles.revoke("ENDORSER", state_account))
        try:
            record = await _register_schema(rival, network.did("rival"), "NoEndorser")
            assert record["state"] == "refused"
            assert "ENDORSER" in record["reason"]
            assert not any("NoEndorser" in s for s in await _schema_ids(rival))
        finally:
            await trustee.send(trustee.roles.grant("ENDORSER", state_account))
    retried = await _register_schema(rival, network.did("rival"), "NoEndorser")
    assert retried["state"] == "done"
    assert [s for s in await _schema_ids(rival) if "NoEndorser" in s] == [retried["object_id"]]


async def test_ledger_outage_mid_flow_then_retry(
    network: Network, admins: dict[str, AdminClient]
) -> None:
    rival, state = admins["rival"], admins["state"]
    home = LedgerHome.in_data_dir(network.data_dir)
    ledger_running = True
    await _set_policy(state, auto_approve=False)
    try:
        since = await flows.endorsement_ids(rival)
        await rival.post("/anoncreds/schema", _schema(network.did("rival"), "Outage"))
        held = await _held_request(rival, state, since)

        await asyncio.to_thread(ledger_down, network.data_dir)  # the RPC goes away mid-flow
        ledger_running = False
        answered = await state.post(f"/ler/endorsement/requests/{held}/approve")
        assert answered["state"] == "failed"
        assert "cannot reach the ledger" in answered["reason"]
        failed = await flows.endorsements_after(rival, since, "schema")
        assert failed["state"] == "failed"
        assert "cannot reach the ledger" in failed["reason"]
        assert not any("Outage" in s for s in await _schema_ids(rival))

        await ledger_up(network.data_dir, network.spec.ledger.port, progress=lambda _m: None)
        ledger_running = True
        since = await flows.endorsement_ids(rival)
        await rival.post("/anoncreds/schema", _schema(network.did("rival"), "Outage"))
        held = await _held_request(rival, state, since)
        approved = await state.post(f"/ler/endorsement/requests/{held}/approve")
        assert approved["state"] == "endorsed"
        done = await flows.endorsements_after(rival, since, "schema")
        assert done["state"] == "done"
    finally:
        if not ledger_running:
            await ledger_up(network.data_dir, network.spec.ledger.port, progress=lambda _m: None)
        await _set_policy(state, auto_approve=True)
    assert [s for s in await _schema_ids(rival) if "Outage" in s] == [done["object_id"]]
    async with LedgerClient(home.descriptor()) as reader:
        schema = await reader.anoncreds.schema(parse_anoncreds_id(done["object_id"]))
        assert b'"Outage"' in schema.payload


async def test_a_holder_answers_from_its_newest_usable_credential(
    network: Network, admins: dict[str, AdminClient], skills_type: flows.CredentialType
) -> None:
    """ler_ledger's automatic answer: the newest credential that makes the predicate true and is
    not revoked (ACA-Py's own would take the first of up to 100, checking neither)."""
    college, employer = admins["college"], admins["employer"]
    college_conn, _ = await network.connection(admins, "college", "mallory")
    issued = {}
    for date, level in (("20240101", "4"), ("20250101", "4"), ("20260101", "2"), ("20270101", "4")):
        attributes = {**WELDER, "date": date, "level": level}
        issued[date] = await flows.issue_credential(
            college, college_conn, skills_type.cred_def_id, attributes
        )
    assert (await flows.revoke(college, issued["20270101"]))["state"] == "done"  # the newest
    await later_second(_descriptor(network))  # "now" is after the revocation's block

    request = flows.skill_proof_request(skills_type.cred_def_id, min_level=3)
    request["requested_attributes"]["skill"]["names"] = ["skill", "date"]
    del request["requested_attributes"]["skill"]["name"]
    employer_conn, _ = await network.connection(admins, "employer", "mallory")
    verdict = await flows.request_proof(employer, employer_conn, request)
    assert verdict["verified"] is True, verdict
    # 2027's is revoked, 2026's too low: 2025's answers both items (one credential of the
    # registry, which is all ACA-Py's holder can prove at once)
    assert verdict["revealed"] == {"skill": {"skill": "Welding", "date": "20250101"}}
    record = await employer.get(f"/present-proof-2.0/records/{verdict['pres_ex_id']}")
    assert len(record["by_format"]["pres"]["anoncreds"]["identifiers"]) == 1


# --- helpers -----------------------------------------------------------------------------------


def _schema(issuer: str, name: str) -> dict:
    return {"schema": {"attrNames": ["skill"], "issuerId": issuer, "name": name, "version": "1.0"}}


async def _register_schema(admin: AdminClient, issuer: str, name: str) -> dict:
    since = await flows.endorsement_ids(admin)
    result = await admin.post("/anoncreds/schema", _schema(issuer, name))
    assert result["schema_state"]["state"] == "wait"
    return await flows.endorsements_after(admin, since, "schema")


async def _held_request(author: AdminClient, state: AdminClient, since: set[str]) -> str:
    """The state's id of the request the author sent after ``since``, once the state holds it."""

    def fresh(records: dict) -> list[dict]:
        return [x for x in records["results"] if x["endorsement_id"] not in since]

    sent = await author.wait_for(
        "/ler/endorsement/requests?role=author",
        lambda r: fresh(r) and fresh(r)[0].get("thread_id"),
        what="the author's request",
    )
    [request] = fresh(sent)
    return (await held_request(state, request["thread_id"]))["endorsement_id"]


async def _schema_ids(admin: AdminClient) -> list[str]:
    return (await admin.get("/anoncreds/schemas"))["schema_ids"]


async def _set_policy(state: AdminClient, **policy: bool) -> None:
    await state.put("/ler/endorsement/policy", policy)


def _descriptor(network: Network) -> NetworkDescriptor:
    return NetworkDescriptor.load(network.info.descriptor)
