"""OB 3.0 / CLR 2.0 end to end: real anvil, real ACA-Py agents talking DIDComm on 127.0.0.1.

A college issues over issue-credential 2.0 (``ld_proof``), the learner's wallet stores the
credentials in ACA-Py's W3C store, presents them over present-proof 2.0 (DIF), the employer's
agent verifies every check; the college revokes and suspends through the state's endorser, and
an outside verifier resolves the college's DID through the Universal Resolver driver.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient, TestServer
from netkit import Network as SessionNetwork
from netkit import held_request

from ler_badges import validate_credential
from ler_chain import NetworkDescriptor
from ler_node.network import flows
from ler_node.network.admin import AdminClient, AdminError
from ler_node.network.agents import AgentHome
from ler_node.network.launcher import NetworkInfo, connect
from ler_node.network.spec import NetworkSpec
from ler_resolver import create_app

from .test_issuance import badge
from .vectors import load_fixture

pytestmark = pytest.mark.e2e

OB_TYPE = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential"
SKILLS = [{"skill": "2.B.3.k", "level": "Proficient"}, {"skill": "2.C.3.e", "level": 2}]


@dataclass
class Network:
    """The session's network, its admin clients and the connections these tests use."""

    spec: NetworkSpec
    info: NetworkInfo
    data_dir: Path
    admins: dict[str, AdminClient]
    college_to_learner: str = ""
    learner_to_employer: str = ""
    learner_did: str = ""

    @property
    def college_did(self) -> str:
        return str(self.info.agent("college").did)


@pytest.fixture(scope="module")
async def net(network: SessionNetwork) -> AsyncIterator[Network]:
    """The session's network, with the college accredited and the connections made."""
    admins = {a.id: network.admin(a.id) for a in network.spec.agents}
    try:
        net = Network(network.spec, network.info, network.data_dir, admins)
        for credential_type in ("Certificate", "ClrCredential"):
            await flows.set_accreditation(
                admins["state"], net.college_did, credential_type, "accredit"
            )
        net.college_to_learner, _ = await connect(admins["college"], admins["learner"], "j")
        _, net.learner_to_employer = await connect(admins["employer"], admins["learner"], "jordan")
        created = await admins["learner"].post(
            "/wallet/did/create", {"method": "key", "options": {"key_type": "ed25519"}}
        )
        net.learner_did = created["result"]["did"]
        yield net
    finally:
        for client in admins.values():
            await client.close()


def certificate(net: Network, name: str = "CNC Machining I") -> dict[str, Any]:
    credential = badge(name)
    credential["credentialSubject"]["id"] = net.learner_did
    credential["credentialSubject"]["achievement"]["achievementType"] = "Certificate"
    return credential


async def issue(net: Network, credential: dict, skills: list | None = None) -> dict[str, Any]:
    """Offer over DIDComm and wait until the learner's wallet stored it; returns it as stored."""
    college, learner = net.admins["college"], net.admins["learner"]
    offer = await college.post(
        "/ler/badges/credentials/send-offer",
        {"connection_id": net.college_to_learner, "credential": credential, "skills": skills or []},
    )
    record = await college.wait_for(
        f"/issue-credential-2.0/records/{offer['cred_ex_id']}",
        lambda r: r["cred_ex_record"]["state"] in ("done", "abandoned"),
        what="issuance",
    )
    assert record["cred_ex_record"]["state"] == "done", record["cred_ex_record"].get("error_msg")
    for _ in range(100):
        stored = (await learner.post("/credentials/w3c", {"given_id": offer["credential_id"]}))[
            "results"
        ]
        if stored:
            return stored[0]
        await asyncio.sleep(0.2)
    raise AssertionError(f"the learner never stored {offer['credential_id']}")


async def present(net: Network, descriptor: dict[str, Any]) -> dict[str, Any]:
    """Learner proposes, employer requests, learner presents; returns the employer's verdict."""
    learner, employer = net.admins["learner"], net.admins["employer"]
    proposal = await learner.post(
        "/present-proof-2.0/send-proposal",
        {
            "connection_id": net.learner_to_employer,
            "auto_present": False,
            "presentation_proposal": {"dif": {"input_descriptors": [descriptor]}},
        },
    )
    received = await employer.wait_for(
        "/present-proof-2.0/records",
        lambda r: any(x["thread_id"] == proposal["thread_id"] for x in r["results"]),
        what="proposal",
    )
    exchange = next(x for x in received["results"] if x["thread_id"] == proposal["thread_id"])
    await employer.post(f"/present-proof-2.0/records/{exchange['pres_ex_id']}/send-request", {})
    await learner.wait_for(
        f"/present-proof-2.0/records/{proposal['pres_ex_id']}",
        lambda r: r["state"] == "request-received",
        what="request",
    )
    await learner.post(f"/ler/badges/presentations/{proposal['pres_ex_id']}/send-presentation", {})
    verdict = await employer.wait_for(
        f"/ler/badges/presentations/{exchange['pres_ex_id']}", lambda r: True, what="verdict"
    )
    acapy = await employer.post(
        f"/present-proof-2.0/records/{exchange['pres_ex_id']}/verify-presentation", {}
    )
    verdict["acapy_verified"] = acapy.get("verified")
    return verdict


def descriptor(name: str) -> dict[str, Any]:
    return {
        "id": "certificate",
        "name": name,
        "schema": [{"uri": OB_TYPE}],
        "constraints": {
            "fields": [
                {
                    "path": ["$.credentialSubject.achievement.name"],
                    "filter": {"type": "string", "const": name},
                }
            ]
        },
    }


def _check(verdict: dict, name: str) -> dict:
    return next(check for check in verdict["checks"] if check["name"] == name)


async def test_badge_is_issued_over_didcomm_and_stored_in_the_w3c_store(net: Network) -> None:
    stored = await issue(net, certificate(net), SKILLS)
    credential = stored["cred_value"]
    assert stored["proof_types"] == ["DataIntegrityProof"]
    assert stored["issuer_id"].startswith("did:web:localhost%3A")  # under the did:web
    assert stored["subject_ids"] == [net.learner_did]
    assert OB_TYPE in stored["expanded_types"]
    validate_credential(credential)
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert credential["issuer"]["name"] == "Prairie Ridge Community College"
    # the status list was anchored through the state's endorser, as every college write is
    requests = await net.admins["college"].get("/ler/endorsement/requests", role="author")
    anchors = [r for r in requests["results"] if r["kind"] == "status_list"]
    assert anchors and all(r["state"] == "done" for r in anchors)
    assert (await net.admins["college"].get("/ler/account"))["roles"] == []

    verdict = await net.admins["employer"].post("/ler/badges/verify", {"credential": credential})
    assert verdict["verified"], verdict["reasons"]
    levels = {s["code"]: s["level"]["name"] for s in verdict["skills"]}
    assert levels == {"2.B.3.k": "Proficient", "2.C.3.e": "Developing"}


async def test_routes_are_documented_and_authenticated(net: Network) -> None:
    college = net.admins["college"]
    swagger = await college.get("/api/docs/swagger.json")
    assert "/ler/badges/credentials/send-offer" in swagger["paths"]
    assert any(tag["name"] == "ler-badges" for tag in swagger["tags"])
    anonymous = AdminClient("anonymous", college.base_url, "wrong-key")
    try:
        with pytest.raises(AdminError) as refused:
            await anonymous.post("/ler/badges/verify", {"credential": {}})
        assert refused.value.status == 401
    finally:
        await anonymous.close()


async def test_clr_bundles_credentials_each_verifiable_on_its_own(net: Network) -> None:
    clr = {
        "name": "Advanced Manufacturing transcript",
        "description": "Courses completed at Prairie Ridge",
        "credentialSubject": {
            "id": net.learner_did,
            "type": ["ClrSubject"],
            "verifiableCredential": [certificate(net, "Welding I"), certificate(net, "Blueprints")],
        },
    }
    stored = await issue(net, clr)
    credential = stored["cred_value"]
    validate_credential(credential)
    assert credential["type"] == ["VerifiableCredential", "ClrCredential"]
    employer = net.admins["employer"]
    verdict = await employer.post("/ler/badges/verify", {"credential": credential})
    assert verdict["verified"], verdict["reasons"]
    assert [nested["verified"] for nested in verdict["credentials"]] == [True, True]
    for nested in credential["credentialSubject"]["verifiableCredential"]:
        validate_credential(nested)
        alone = await employer.post("/ler/badges/verify", {"credential": nested})
        assert alone["verified"], alone["reasons"]


async def test_present_verify_then_revoke_and_suspend(net: Network) -> None:
    name = "Precision Measurement"
    stored = await issue(net, certificate(net, name), SKILLS)
    verdict = await present(net, descriptor(name))
    assert verdict["verified"], verdict
    assert verdict["acapy_verified"] == "true"  # ACA-Py's own check agrees
    [credential] = verdict["credentials"]
    assert credential["credential_id"] == stored["given_id"]
    assert {c["name"]: c["outcome"] for c in credential["checks"]} == {
        "signature": "passed",
        "schema": "passed",
        "validity": "passed",
        "binding": "passed",
        "status": "passed",
        "accreditation": "passed",
        "holder": "passed",
    }
    assert verdict["presentation"][0]["outcome"] == "passed"
    assert {s["name"] for s in verdict["skills"]} == {"Troubleshooting", "Mechanical"}

    college, employer = net.admins["college"], net.admins["employer"]
    path = f"/ler/badges/credentials/{quote(stored['given_id'], safe='')}/status"
    await college.post(path, {"status": "suspended"})
    suspended = await employer.post("/ler/badges/verify", {"credential": stored["cred_value"]})
    assert suspended["reasons"] == ["suspended"]
    await college.post(path, {"status": "valid"})
    assert (await employer.post("/ler/badges/verify", {"credential": stored["cred_value"]}))[
        "verified"
    ]
    await college.post(path, {"status": "revoked", "reason": "issued in error"})
    after = await present(net, descriptor(name))
    assert not after["verified"]
    assert after["credentials"][0]["reasons"] == ["revoked"]
    assert _check(after["credentials"][0], "status")["code"] == "revoked"


async def test_acapy_itself_never_fetches_contexts(net: Network) -> None:
    """ACA-Py's own JSON-LD processing (here its Ed25519Signature2020 suite) uses our loader."""
    credential = load_fixture("ob30/simple_v1.json")
    credential["@context"] = [*credential["@context"], "https://contexts.example/unknown.json"]
    if isinstance(credential["proof"], list):
        credential["proof"] = credential["proof"][0]
    result = await net.admins["employer"].post(
        "/vc/credentials/verify", {"verifiableCredential": credential}
    )
    assert result["verified"] is False
    employer = next(agent for agent in net.spec.agents if agent.id == "employer")
    log = AgentHome(net.data_dir, employer).process.log_file.read_text("utf-8")
    assert "refused to fetch JSON-LD context https://contexts.example/unknown.json" in log


async def test_invalid_credential_is_refused_and_nothing_is_sent(net: Network) -> None:
    college, learner = net.admins["college"], net.admins["learner"]

    async def exchanges() -> set[str]:
        records = (await learner.get("/issue-credential-2.0/records"))["results"]
        return {r["cred_ex_record"]["thread_id"] for r in records}

    before = await exchanges()
    broken = certificate(net)
    del broken["credentialSubject"]["achievement"]["criteria"]
    with pytest.raises(AdminError) as refused:
        await college.post(
            "/ler/badges/credentials/send-offer",
            {"connection_id": net.college_to_learner, "credential": broken},
        )
    assert refused.value.status == 422
    assert "every achievement needs criteria (a narrative or an id)" in str(refused.value)
    # a valid offer on the same connection, once stored, shows what reached the learner since
    await issue(net, certificate(net, "Shop Safety II"))
    assert len(await exchanges() - before) == 1


async def test_outside_verifiers_resolve_the_college_did(net: Network) -> None:
    stored = await issue(net, certificate(net, "Shop Safety"))
    method = stored["cred_value"]["proof"]["verificationMethod"]
    descriptor_file = Path(net.info.descriptor)
    app = create_app(NetworkDescriptor.load(descriptor_file))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        response = await client.get(f"/1.0/identifiers/{net.college_did}")
        body = await response.json(content_type=None)
    assert response.status == 200
    document = body["didDocument"]
    did_web, fragment = method.split("#")
    assert f"{net.college_did}#{fragment}" in document["assertionMethod"]
    assert document["alsoKnownAs"] == [did_web]  # the ledger names the did:web it issues as
    assert document["verificationMethod"][0]["type"] == "Multikey"
    assert body["didDocumentMetadata"]["deactivated"] is False


async def test_a_late_approval_reaches_the_wallet_and_the_next_change_builds_on_it(
    net: Network,
) -> None:
    college, state, employer = (net.admins[a] for a in ("college", "state", "employer"))
    first = await issue(net, certificate(net, "Blueprint Reading"))
    second = await issue(net, certificate(net, "Shop Safety"))

    def status_path(stored: dict) -> str:
        return f"/ler/badges/credentials/{quote(stored['given_id'], safe='')}/status"

    async def issued_state(stored: dict) -> str:
        found = await college.get("/ler/badges/credentials", credential_id=stored["given_id"])
        return found["results"][0]["state"]

    await state.put("/ler/endorsement/policy", {"auto_approve": False})
    try:
        waiting = await college.post(status_path(first), {"status": "revoked", "wait": False})
        assert waiting["state"] == "valid" and waiting["endorsement_id"]  # nothing claimed yet
        author = await college.get(f"/ler/endorsement/requests/{waiting['endorsement_id']}")
        request = await held_request(state, author["thread_id"])

        # while it waits, the next change of that (revocation) list is refused with what to do
        with pytest.raises(AdminError, match="waiting for the state's endorser") as refused:
            await college.post(status_path(second), {"status": "revoked"})
        assert refused.value.status == 409

        # the state approves long after the college stopped waiting: the wallet follows
        await state.post(f"/ler/endorsement/requests/{request['endorsement_id']}/approve")
        for _ in range(100):
            if await issued_state(first) == "revoked":
                break
            await asyncio.sleep(0.2)
        assert await issued_state(first) == "revoked"
    finally:
        await state.put("/ler/endorsement/policy", {"auto_approve": True})

    revoked = await employer.post("/ler/badges/verify", {"credential": first["cred_value"]})
    assert revoked["reasons"] == ["revoked"]  # served list and anchored list agree
    revoked_too = await college.post(status_path(second), {"status": "revoked"})
    assert revoked_too["state"] == "revoked"  # built on the version the late approval anchored
    verdict = await employer.post("/ler/badges/verify", {"credential": second["cred_value"]})
    assert verdict["reasons"] == ["revoked"]
    assert await issued_state(first) == "revoked"
