"""The 1EdTech validator fixtures through the employer's route, ``POST /ler/badges/verify``.

Valid fixtures pass every check that applies to them; each ``*-err-*`` fixture fails for the
reason its name gives. The fixtures' issuers are outside the state's network, so accreditation
is not required here (``test_agent_issuance`` covers it), and their keys are pinned.
"""

from __future__ import annotations

import copy

import pytest
from acapy_agent.vc.ld_proofs.document_loader import DocumentLoader
from acapy_agent.vc.ld_proofs.error import LinkedDataProofException

from ler_badges import verify_credential
from ler_badges.acapy.environment import AgentEnvironment

from .agentkit import post
from .vectors import load_fixture

VALID = [
    "ob30/simple.json",
    "ob30/complete.json",
    "ob30/simple-context-alias.json",
    "ob30/simple-context-version.json",
    "ob30/simple-did-key-method.json",
    "ob30/simple-did-web-method.json",
    "ob30/simple-multiple-proofs.json",
    "ob30/endorsement-valid.json",
    "clr20/simple.json",
]

#: fixture -> (failing check, its code, words the detail must contain)
ERRORS = {
    "ob30/simple-err-context.json": ("schema", "schema", "@context[0]"),
    "ob30/simple-err-type.json": ("schema", "schema", "type must include"),
    "ob30/simple-err-issuer.json": ("schema", "schema", "issuer"),
    "ob30/simple-err-issuer-type.json": ("schema", "schema", "issuer.type"),
    "ob30/simple-err-issuer-parentorg-type.json": ("schema", "schema", "issuer.parentOrg.type"),
    "ob30/simple-err-issuer-otheridentifier-type.json": (
        "schema",
        "schema",
        "issuer.otherIdentifier[1].type",
    ),
    "ob30/simple-err-credential-subject-type.json": ("schema", "schema", "credentialSubject.type"),
    "ob30/simple-err-credential-subject-profile-type.json": (
        "schema",
        "schema",
        "credentialSubject.source.type",
    ),
    "ob30/simple-err-credential-subject-identifier-type.json": (
        "schema",
        "schema",
        "credentialSubject.identifier[0].type",
    ),
    "ob30/simple-err-credential-subject-result-type.json": (
        "schema",
        "schema",
        "credentialSubject.result[1].type",
    ),
    "ob30/simple-err-credential-subject-achievement-result-description-type.json": (
        "schema",
        "schema",
        "credentialSubject.achievement.resultDescription[2].type",
    ),
    "ob30/simple-err-evidence-type.json": ("schema", "schema", "evidence[1].type"),
    "ob30/simple-err-expired.json": ("validity", "expired", "expired at 2010-01-01T00:00:00Z"),
    "ob30/simple-err-issued.json": ("validity", "not-yet-valid", "valid only from 2040"),
    "ob30/simple-err-proof-method.json": ("signature", "unknown-key", "cannot resolve"),
    "ob30/simple-err-proof-method-no-scheme.json": (
        "signature",
        "not-canonicalizable",
        "relative IRIs",
    ),
    "ob30/simple-err-proof-method-unknown-did-method.json": (
        "signature",
        "unknown-key",
        "did:example",
    ),
    "ob30/simple-err-proof-method-unknown-scheme.json": ("signature", "unknown-key", "xxx:"),
    "ob30/simple-err-proof-value.json": ("signature", "signature-mismatch", "does not match"),
    "ob30/endorsement-err-schema-status-refresh.json": ("schema", "schema", "VC Data Model 1.1"),
}

LEGACY_VC_1_1 = [
    "ob30/simple_v1.json",
    "ob30/complete_v1.json",
    "ob30/simple-eddsa-2022.json",
    "ob30/credential-status-revoked.json",
    "clr20/simple_v1.json",
    "clr20/complex.json",
    "clr20/simple_old_safesigned.json",
]


def _check(verdict: dict, name: str) -> dict:
    return next(check for check in verdict["checks"] if check["name"] == name)


async def verify(employer, credential: dict, **options: object) -> dict:
    status, verdict = await post(
        employer.client, "/ler/badges/verify", {"credential": credential, **options}
    )
    assert status == 200, verdict
    return verdict


@pytest.mark.parametrize("name", VALID)
async def test_valid_fixtures_pass(employer, name: str) -> None:
    verdict = await verify(employer, load_fixture(name), require_accreditation=False)
    assert verdict["verified"], (name, verdict["reasons"])
    assert _check(verdict, "signature")["outcome"] == "passed"
    assert _check(verdict, "schema")["outcome"] == "passed"
    assert _check(verdict, "validity")["outcome"] == "passed"
    assert _check(verdict, "accreditation")["outcome"] == "skipped"
    for nested in verdict["credentials"]:
        assert nested["verified"], nested["reasons"]


def test_every_error_fixture_is_covered() -> None:
    from .vectors import FIXTURES

    names = {f"{p.parent.name}/{p.name}" for p in FIXTURES.rglob("*-err-*.json")}
    assert names == set(ERRORS)


@pytest.mark.parametrize("name", sorted(ERRORS))
async def test_error_fixtures_fail_for_their_reason(employer, name: str) -> None:
    check_name, code, words = ERRORS[name]
    verdict = await verify(employer, load_fixture(name), require_accreditation=False)
    assert not verdict["verified"]
    check = _check(verdict, check_name)
    assert (check["outcome"], check["code"]) == ("failed", code), check
    assert words in check["detail"], check["detail"]
    assert code in verdict["reasons"]


@pytest.mark.parametrize("name", LEGACY_VC_1_1)
async def test_vc_1_1_credentials_are_refused_with_the_reason(employer, name: str) -> None:
    verdict = await verify(employer, load_fixture(name), require_accreditation=False)
    assert not verdict["verified"]
    assert "VC Data Model 1.1" in _check(verdict, "schema")["detail"]


async def test_status_methods_that_cannot_be_checked_are_said_so(employer) -> None:
    verdict = await verify(
        employer, load_fixture("ob30/complete.json"), require_accreditation=False
    )
    status = _check(verdict, "status")
    assert status["outcome"] == "skipped" and "1EdTechRevocationList" in status["detail"]


async def test_outside_issuers_are_not_accredited_by_the_state(employer) -> None:
    verdict = await verify(employer, load_fixture("ob30/simple.json"))
    accreditation = _check(verdict, "accreditation")
    assert accreditation["code"] == "not-accredited"
    assert "not a did:ler DID" in accreditation["detail"]
    assert verdict["reasons"] == ["not-accredited"]


async def test_unknown_context_is_refused_without_a_network_call(employer, network_calls) -> None:
    credential = copy.deepcopy(load_fixture("ob30/simple.json"))
    credential["@context"].append("https://contexts.example/unknown.json")
    env = AgentEnvironment(employer.profile, require_accreditation=False)
    verdict = await verify_credential(credential, env)
    assert verdict.check("signature").code == "context-not-bundled"
    assert "will not be fetched" in verdict.check("signature").detail
    # ACA-Py's own JSON-LD processing (issue-credential, presentations) refuses it as well
    loader = employer.profile.inject(DocumentLoader)
    with pytest.raises(LinkedDataProofException, match="not bundled"):
        loader("https://contexts.example/unknown.json", {})
    assert network_calls == []


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({}, 400, "credential (a JSON object) is required"),
        ({"credential": "text"}, 400, "credential (a JSON object) is required"),
        ({"credential": {}, "require_accreditation": "yes"}, 400, "true or false"),
    ],
)
async def test_bad_requests_are_4xx_with_a_message(employer, body, status, words) -> None:
    got, answer = await post(employer.client, "/ler/badges/verify", body)
    assert got == status and words in answer["error"]


async def test_a_body_that_is_not_json_is_a_400(employer) -> None:
    response = await employer.client.post("/ler/badges/verify", data="{not json")
    assert response.status == 400
    assert "not JSON" in (await response.json())["error"]
