"""A college agent (in process, real wallet and ledger) issues, and manages status; an employer
agent verifies: ACA-Py's VC manager with our suite, status lists anchored on the ledger and
served over HTTP, accreditation read from the ledger.
"""

from __future__ import annotations

import asyncio
import copy
import json
from urllib.parse import quote

import pytest
from acapy_agent.vc.vc_ld.manager import VcLdpManager
from acapy_agent.vc.vc_ld.models.credential import VerifiableCredential
from acapy_agent.vc.vc_ld.models.options import LDProofVCOptions

from ler_badges import find_skill, validate_credential
from ler_badges.acapy.did_keys import did_signer
from ler_badges.acapy.service import BadgesService
from ler_chain import LedgerClient, LerDid
from ler_ledger import LedgerService

from .agentkit import issue_directly, post
from .test_issuance import badge

SKILLS = [{"skill": "2.B.3.k", "level": "Proficient"}, {"skill": "2.C.3.e", "level": 2}]


def template(**changes: object) -> dict:
    credential = badge()
    credential["credentialSubject"]["achievement"]["achievementType"] = "Certificate"
    credential.update(changes)
    return credential


def _check(verdict: dict, name: str) -> dict:
    return next(check for check in verdict["checks"] if check["name"] == name)


async def verify(employer, credential: dict) -> dict:
    status, verdict = await post(employer.client, "/ler/badges/verify", {"credential": credential})
    assert status == 200, verdict
    return verdict


@pytest.fixture
async def state(descriptor, trustee):
    """The state, as its first trustee (it accredits colleges)."""
    async with LedgerClient(descriptor, trustee) as client:
        yield client


async def set_accreditation(state: LedgerClient, did: str, action: str) -> None:
    """Accredit the college for certificates, or withdraw that accreditation."""
    registry, issuer = state.accreditation, LerDid.parse(did)
    if action == "accredit":
        if await registry.is_accredited(issuer, "Certificate", await state.ledger_time()):
            return
        await state.send(registry.accredit(issuer, "Certificate"))
    else:
        await state.send(registry.withdraw(issuer, "Certificate", "annual review failed"))


async def test_issued_credential_is_valid_ob3_signed_by_the_college(college, employer, state):
    credential = await issue_directly(college.profile, template(), SKILLS)
    validate_credential(credential)
    proof = credential["proof"]
    assert (proof["type"], proof["cryptosuite"]) == ("DataIntegrityProof", "eddsa-rdfc-2022")
    assert proof["verificationMethod"] == f"{college.did}#key-1"
    assert credential["issuer"] == {
        "id": college.did,
        "type": ["Profile"],
        "name": "Prairie Ridge Community College",
    }
    revocation, suspension = credential["credentialStatus"]
    assert {revocation["type"], suspension["type"]} == {"BitstringStatusListEntry"}
    assert (revocation["statusPurpose"], suspension["statusPurpose"]) == (
        "revocation",
        "suspension",
    )
    assert revocation["statusListCredential"] != suspension["statusListCredential"]
    # ACA-Py's own verification (what a holder runs before storing) accepts it...
    result = await VcLdpManager(employer.profile).verify_credential(
        VerifiableCredential.deserialize(credential)
    )
    assert result.verified, result.errors
    # ...and refuses it once changed
    changed = copy.deepcopy(credential)
    changed["credentialSubject"]["achievement"]["name"] = "CNC Machining II"
    result = await VcLdpManager(employer.profile).verify_credential(
        VerifiableCredential.deserialize(changed)
    )
    assert not result.verified

    await set_accreditation(state, college.did, "accredit")
    verdict = await verify(employer, credential)
    assert verdict["verified"], verdict["reasons"]
    assert "anchored on the ledger" in _check(verdict, "status")["detail"]
    assert "served" not in _check(verdict, "status")["detail"]  # the served list matched
    skills = {skill["code"]: skill for skill in verdict["skills"]}
    assert skills["2.B.3.k"]["level"]["name"] == "Proficient"
    assert skills["2.C.3.e"]["level"]["name"] == "Developing"
    assert skills["2.C.3.e"]["catalogue"]["ctid"] == find_skill("2.C.3.e").ctid


async def test_suite_refuses_to_sign_an_invalid_badge(college):
    """Whatever ACA-Py route asks (e.g. /vc/credentials/issue), a broken badge is never signed."""
    credential = await college_template(college)
    del credential["credentialSubject"]["achievement"]["criteria"]
    _, method = await did_signer(college.profile, college.did)
    options = LDProofVCOptions.deserialize(
        {"proofType": "DataIntegrityProof", "verificationMethod": method}
    )
    with pytest.raises(Exception, match="criteria"):
        await VcLdpManager(college.profile).issue(
            VerifiableCredential.deserialize(credential), options
        )


async def college_template(college) -> dict:
    from ler_badges import status_entry
    from ler_badges.acapy.issuer import BadgeIssuer

    credential = await BadgeIssuer(college.profile).prepare(template())
    credential["credentialStatus"] = status_entry("https://x.example/status-lists/ab", 1)
    return credential


async def test_check_route_reports_every_problem_as_422(college):
    broken = template()
    del broken["credentialSubject"]["achievement"]["criteria"]
    broken["credentialSubject"]["achievement"]["description"] = 42
    status, body = await post(
        college.client, "/ler/badges/credentials/check", {"credential": broken}
    )
    assert status == 422
    paths = {problem["path"] for problem in body["problems"]}
    assert {
        "credentialSubject.achievement.criteria",
        "credentialSubject.achievement.description",
    } <= paths
    assert "every achievement needs criteria" in body["error"]

    status, body = await post(
        college.client, "/ler/badges/credentials/check", {"credential": template()}
    )
    assert status == 200 and body["credential"]["issuer"]["id"] == college.did

    status, body = await post(
        college.client,
        "/ler/badges/credentials/check",
        {"credential": template(), "skills": [{"skill": "juggling"}]},
    )
    assert status == 422 and "not in the skills catalogue" in body["error"]


async def test_offer_needs_a_known_connection(college):
    status, body = await post(
        college.client,
        "/ler/badges/credentials/send-offer",
        {"connection_id": "no-such-connection", "credential": template()},
    )
    assert status == 404 and body["error"]


async def test_revoke_suspend_reinstate_through_the_ledger(college, employer, state):
    await set_accreditation(state, college.did, "accredit")
    credential = await issue_directly(college.profile, template())
    path = f"/ler/badges/credentials/{quote(credential['id'], safe='')}/status"
    ledger = college.profile.inject(LedgerService).chain
    urls = [entry["statusListCredential"] for entry in credential["credentialStatus"]]

    async def versions() -> list[int]:
        did = LerDid.parse(college.did)
        return [(await ledger.status_lists.latest(did, url)).version for url in urls]

    before = await versions()
    changes = (
        ("suspended", "suspended"),
        ("valid", None),
        ("suspended", "suspended"),
        ("revoked", "revoked"),  # revoking a suspended credential: revocation wins
    )
    for status, outcome in changes:
        got, record = await post(college.client, path, {"status": status, "reason": "audit"})
        assert got == 200 and record["state"] == status
        verdict = await verify(employer, credential)
        assert verdict["reasons"] == ([outcome] if outcome else [])
        assert _check(verdict, "status")["code"] == outcome
    # each change was anchored on the ledger, in its own list: one revocation, three suspensions
    assert await versions() == [before[0] + 1, before[1] + 3]

    got, body = await post(college.client, path, {"status": "valid"})
    assert got == 409 and "revocation is final" in body["error"]
    got, body = await post(college.client, path, {"status": "deleted"})
    assert got == 400 and "revoked, suspended or valid" in body["error"]
    got, body = await post(
        college.client, "/ler/badges/credentials/urn%3Anone/status", {"status": "revoked"}
    )
    assert got == 404

    listed = await (
        await college.client.get("/ler/badges/credentials", params={"state": "revoked"})
    ).json()
    assert credential["id"] in {r["credential_id"] for r in listed["results"]}


async def test_served_list_is_signed_and_matches_the_anchor(college, employer):
    credential = await issue_directly(college.profile, template())
    url = credential["credentialStatus"][0]["statusListCredential"]
    async with college.profile.inject(BadgesService).http().get(url) as response:
        assert response.status == 200 and response.content_type == "application/vc"
        served = json.loads(await response.read())
    assert served["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert served["issuer"] == college.did
    assert served["credentialSubject"]["statusPurpose"] == "revocation"
    assert served["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    verdict = await verify(employer, served)
    assert _check(verdict, "signature")["outcome"] == "passed"


async def test_a_stale_tampered_or_missing_served_list_does_not_fool_the_verifier(
    college, employer
):
    credential = await issue_directly(college.profile, template())
    service = college.profile.inject(BadgesService)
    name = credential["credentialStatus"][0]["statusListCredential"].rsplit("/", 1)[1]
    file = service.config.status_lists.directory / f"{name}.json"
    before_revocation = file.read_text("utf-8")
    path = f"/ler/badges/credentials/{quote(credential['id'], safe='')}/status"
    assert (await post(college.client, path, {"status": "revoked"}))[0] == 200
    current = file.read_text("utf-8")
    try:
        # the college serves its older list, properly signed, hiding the revocation
        file.write_text(before_revocation, "utf-8")
        status = _check(await verify(employer, credential), "status")
        assert status["code"] == "revoked"
        assert "is not the one anchored on the ledger" in status["detail"]
        # a list changed after signing is not used at all
        served = json.loads(before_revocation)
        served["credentialSubject"]["encodedList"] = json.loads(current)["credentialSubject"][
            "encodedList"
        ][:-4]
        file.write_text(json.dumps(served), "utf-8")
        status = _check(await verify(employer, credential), "status")
        assert status["code"] == "revoked" and "was not usable" in status["detail"]
        # the college's server is down: the anchored list still answers
        await service.server.stop()
        status = _check(await verify(employer, credential), "status")
        assert status["code"] == "revoked" and "anchored on the ledger" in status["detail"]
    finally:
        file.write_text(current, "utf-8")
        await service.server.start()


async def test_withdrawn_accreditation_is_reported(college, employer, state):
    credential = await issue_directly(college.profile, template())
    await set_accreditation(state, college.did, "accredit")
    assert (await verify(employer, credential))["verified"]
    await set_accreditation(state, college.did, "withdraw")
    verdict = await verify(employer, credential)
    accreditation = _check(verdict, "accreditation")
    assert accreditation["code"] == "accreditation-withdrawn"
    assert "withdrew its accreditation" in accreditation["detail"]
    assert verdict["reasons"] == ["accreditation-withdrawn"]
    await set_accreditation(state, college.did, "accredit")


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"validFrom": "2020-01-01T00:00:00Z", "validUntil": "2021-01-01T00:00:00Z"}, "expired"),
        ({"validFrom": "2099-01-01T00:00:00Z"}, "not-yet-valid"),
    ],
)
async def test_expired_and_not_yet_valid(college, employer, state, changes, code):
    await set_accreditation(state, college.did, "accredit")
    credential = await issue_directly(college.profile, template(**changes))
    verdict = await verify(employer, credential)
    assert verdict["reasons"] == [code]


async def test_any_field_changed_fails(college, employer, state):
    await set_accreditation(state, college.did, "accredit")
    credential = await issue_directly(college.profile, template(), SKILLS)
    leaves = list(_leaves(credential))
    assert len(leaves) > 40
    results = await asyncio.gather(*(verify(employer, _changed(credential, p)) for p in leaves))
    for path, verdict in zip(leaves, results, strict=True):
        assert not verdict["verified"], path
        assert _check(verdict, "signature")["outcome"] == "failed", path


def _leaves(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            if path == () and key in ("proof", "@context"):
                continue
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    else:
        yield path


def _changed(credential: dict, path: tuple) -> dict:
    changed = copy.deepcopy(credential)
    target = changed
    for key in path[:-1]:
        target = target[key]
    value = target[path[-1]]
    if isinstance(value, bool):
        target[path[-1]] = not value
    elif isinstance(value, int):
        target[path[-1]] = value + 1
    else:
        target[path[-1]] = value + "x"
    return changed
