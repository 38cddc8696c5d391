"""OB 3.0 / CLR 2.0 JSON Schema validation with messages a registrar's office can act on."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ler_badges import (
    CredentialKind,
    SchemaProblem,
    SchemaValidationError,
    credential_kind,
    schema_problems,
    validate_credential,
    validate_profile,
)

from .vectors import SigningVector, load_fixture, load_vector

VALID = {
    "ob30/simple.json": CredentialKind.ACHIEVEMENT,
    "ob30/complete.json": CredentialKind.ACHIEVEMENT,
    "ob30/simple-context-alias.json": CredentialKind.ACHIEVEMENT,
    "ob30/simple-context-version.json": CredentialKind.ACHIEVEMENT,
    "ob30/simple-did-key-method.json": CredentialKind.ACHIEVEMENT,
    "ob30/simple-did-web-method.json": CredentialKind.ACHIEVEMENT,
    "ob30/simple-multiple-proofs.json": CredentialKind.ACHIEVEMENT,
    "ob30/endorsement-valid.json": CredentialKind.ENDORSEMENT,
    "clr20/simple.json": CredentialKind.CLR,
}

#: Fixtures that a verifier rejects for a schema reason, and the JSON path of that reason.
SCHEMA_ERRORS = {
    "ob30/simple-err-context.json": "@context[0]",
    "ob30/simple-err-type.json": "type",
    "ob30/simple-err-issuer.json": "issuer",
    "ob30/simple-err-issuer-type.json": "issuer.type",
    "ob30/simple-err-issuer-parentorg-type.json": "issuer.parentOrg.type",
    "ob30/simple-err-issuer-otheridentifier-type.json": "issuer.otherIdentifier[1].type",
    "ob30/simple-err-credential-subject-type.json": "credentialSubject.type",
    "ob30/simple-err-credential-subject-profile-type.json": "credentialSubject.source.type",
    "ob30/simple-err-credential-subject-identifier-type.json": (
        "credentialSubject.identifier[0].type"
    ),
    "ob30/simple-err-credential-subject-result-type.json": "credentialSubject.result[1].type",
    "ob30/simple-err-credential-subject-achievement-result-description-type.json": (
        "credentialSubject.achievement.resultDescription[2].type"
    ),
    "ob30/simple-err-evidence-type.json": "evidence[1].type",
}

#: Rejected for reasons other than the schema (dates, proofs): the schema accepts them.
NOT_SCHEMA_ERRORS = [
    "ob30/simple-err-expired.json",
    "ob30/simple-err-proof-method.json",
    "ob30/simple-err-proof-method-no-scheme.json",
    "ob30/simple-err-proof-method-unknown-did-method.json",
    "ob30/simple-err-proof-method-unknown-scheme.json",
    "ob30/simple-err-proof-value.json",
]

#: Made under VC Data Model 1.1, which the current OB 3.0 schema no longer accepts.
LEGACY_VC_1_1 = [
    "ob30/simple_v1.json",
    "ob30/complete_v1.json",
    "ob30/simple-noproof.json",
    "ob30/simple-eddsa-2022.json",
    "ob30/credential-status-revoked.json",
    "ob30/endorsement-err-schema-status-refresh.json",
    "clr20/simple_v1.json",
    "clr20/complex.json",
    "clr20/simple-noproof.json",
    "clr20/simple_old_safesigned.json",
]


def _problem_at(problems: list[SchemaProblem], path: str) -> SchemaProblem:
    matches = [problem for problem in problems if problem.path == path]
    assert matches, f"no problem at {path}; got {[p.path for p in problems]}"
    return matches[0]


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_fixtures_pass(name: str) -> None:
    credential = load_fixture(name)
    assert schema_problems(credential) == []
    assert validate_credential(credential) is VALID[name]


def test_test_vector_credentials_pass(vector: SigningVector) -> None:
    assert validate_credential(vector.credential) in (
        CredentialKind.ACHIEVEMENT,
        CredentialKind.CLR,
    )
    assert validate_credential(vector.signed_credential)


@pytest.mark.parametrize("name", sorted(SCHEMA_ERRORS))
def test_schema_error_fixtures_fail_on_the_named_field(name: str) -> None:
    path = SCHEMA_ERRORS[name]
    with pytest.raises(SchemaValidationError) as caught:
        validate_credential(load_fixture(name))
    problem = _problem_at(list(caught.value.problems), path)
    assert problem.message.startswith(path + " ")
    assert path in str(caught.value)
    field = path.rsplit(".", 1)[-1].split("[")[0]
    if field == "type":
        assert "must include" in problem.message or "must be" in problem.message
    assert "is not valid under any of the given schemas" not in str(caught.value)


@pytest.mark.parametrize("name", NOT_SCHEMA_ERRORS)
def test_fixtures_failing_for_other_reasons_pass_the_schema(name: str) -> None:
    assert schema_problems(load_fixture(name)) == []


@pytest.mark.parametrize("name", LEGACY_VC_1_1)
def test_vc_1_1_credentials_are_rejected_with_an_explanation(name: str) -> None:
    with pytest.raises(SchemaValidationError) as caught:
        validate_credential(load_fixture(name))
    context = _problem_at(list(caught.value.problems), "@context[0]")
    assert "https://www.w3.org/ns/credentials/v2" in context.message
    assert "VC Data Model 1.1" in context.message
    valid_from = _problem_at(list(caught.value.problems), "validFrom")
    assert "issuanceDate" in valid_from.message


def _simple() -> dict[str, Any]:
    return copy.deepcopy(load_fixture("ob30/simple.json"))


def test_missing_criteria_reads_as_the_registrar_needs_it() -> None:
    credential = _simple()
    del credential["credentialSubject"]["achievement"]["criteria"]
    with pytest.raises(SchemaValidationError) as caught:
        validate_credential(credential)
    assert caught.value.paths == ["credentialSubject.achievement.criteria"]
    assert caught.value.problems[0].message == (
        "credentialSubject.achievement.criteria is missing: every achievement needs criteria "
        "(a narrative or an id)"
    )
    assert str(caught.value).startswith(
        "This Open Badges 3.0 AchievementCredential has 1 problem to fix"
    )
    assert caught.value.kind == "Open Badges 3.0 AchievementCredential"


def test_several_problems_are_all_listed_with_their_paths() -> None:
    credential = _simple()
    achievement = credential["credentialSubject"]["achievement"]
    del achievement["name"]
    achievement["alignment"] = [{"type": ["Alignment"], "targetName": "Teamwork (CASE)"}]
    achievement["image"] = {"id": "https://example.com/teamwork.png", "type": "Picture"}
    credential["credentialSubject"]["identifier"] = [
        {"type": "IdentityObject", "hashed": "no", "identityHash": "x", "identityType": "email"}
    ]
    credential["validFrom"] = "May 1st"
    credential["name"] = 42
    problems = schema_problems(credential)
    by_path = {problem.path: problem.message for problem in problems}
    assert by_path == {
        "name": "name must be text (it is a number)",
        "credentialSubject.achievement.alignment[0].targetUrl": (
            "credentialSubject.achievement.alignment[0].targetUrl is missing: every alignment "
            "needs the URL of the skill or framework item"
        ),
        "credentialSubject.achievement.image.type": (
            'credentialSubject.achievement.image.type must be "Image" (it is "Picture")'
        ),
        "credentialSubject.achievement.name": (
            "credentialSubject.achievement.name is missing: every achievement needs a name"
        ),
        "credentialSubject.identifier[0].hashed": (
            "credentialSubject.identifier[0].hashed must be true or false (it is text)"
        ),
        "credentialSubject.identifier[0].identityType": by_path[
            "credentialSubject.identifier[0].identityType"
        ],
        "validFrom": (
            "validFrom must be a date and time with a time zone, e.g. 2024-05-01T00:00:00Z "
            '(it is "May 1st")'
        ),
    }
    assert '"emailAddress"' in by_path["credentialSubject.identifier[0].identityType"]


def test_fields_not_allowed_are_named() -> None:
    credential = _simple()
    credential["credentialSubject"]["achievement"]["image"] = {
        "id": "https://example.com/teamwork.png",
        "type": "Image",
        "colour": "blue",
    }
    [problem] = schema_problems(credential)
    assert problem.path == "credentialSubject.achievement.image"
    assert "not allowed here (colour)" in problem.message


def test_date_time_format_is_checked() -> None:
    for good in ("2024-05-01T00:00:00Z", "2024-05-01T08:30:00.123-05:00"):
        credential = _simple()
        credential["validFrom"] = good
        assert schema_problems(credential) == []
    for bad in ("2024-05-01", "2024-05-01T00:00:00", "2024-13-01T00:00:00Z"):
        credential = _simple()
        credential["validFrom"] = bad
        assert [p.path for p in schema_problems(credential)] == ["validFrom"]


@pytest.mark.parametrize(
    ("types", "kind"),
    [
        (["VerifiableCredential", "OpenBadgeCredential"], CredentialKind.ACHIEVEMENT),
        (["VerifiableCredential", "AchievementCredential"], CredentialKind.ACHIEVEMENT),
        (["VerifiableCredential", "EndorsementCredential"], CredentialKind.ENDORSEMENT),
        (["VerifiableCredential", "ClrCredential"], CredentialKind.CLR),
        ("ClrCredential", CredentialKind.CLR),
        (["VerifiableCredential", "OtherCredential"], CredentialKind.ACHIEVEMENT),
        (None, CredentialKind.ACHIEVEMENT),
    ],
)
def test_schema_is_picked_by_type(types: Any, kind: CredentialKind) -> None:
    assert credential_kind({"type": types}) is kind


def test_an_endorsement_is_checked_against_the_endorsement_schema() -> None:
    endorsement = copy.deepcopy(load_fixture("ob30/endorsement-valid.json"))
    del endorsement["name"]
    with pytest.raises(SchemaValidationError) as caught:
        validate_credential(endorsement)
    assert caught.value.paths == ["name"]
    assert caught.value.kind == "Open Badges 3.0 EndorsementCredential"


def _clr() -> dict[str, Any]:
    return copy.deepcopy(load_vector("clr").credential)


def test_clr_association_and_subject_problems() -> None:
    clr = _clr()
    clr["credentialSubject"]["association"][0]["associationType"] = "isBestFriendOf"
    clr["credentialSubject"]["achievement"][1]["type"] = "Course"
    problems = schema_problems(clr)
    association = _problem_at(problems, "credentialSubject.association[0].associationType")
    assert '"isParentOf"' in association.message and '"isBestFriendOf"' in association.message
    achievement = _problem_at(problems, "credentialSubject.achievement[1].type")
    assert 'must include "Achievement"' in achievement.message


def test_clr_needs_verifiable_credentials() -> None:
    clr = _clr()
    del clr["credentialSubject"]["verifiableCredential"]
    with pytest.raises(SchemaValidationError) as caught:
        validate_credential(clr)
    assert caught.value.kind == "CLR 2.0 ClrCredential"
    assert caught.value.problems[0].message == (
        "credentialSubject.verifiableCredential is missing: a CLR must contain at least one "
        "verifiable credential"
    )
    clr["credentialSubject"]["verifiableCredential"] = []
    [problem] = schema_problems(clr)
    assert problem.message == "credentialSubject.verifiableCredential must list at least 1 entry"


def test_clr_nested_credentials_are_validated_with_their_own_schema() -> None:
    clr = _clr()
    nested = clr["credentialSubject"]["verifiableCredential"][0]
    del nested["credentialSubject"]["achievement"]["criteria"]
    [problem] = schema_problems(clr)
    assert problem.path == (
        "credentialSubject.verifiableCredential[0].credentialSubject.achievement.criteria"
    )
    assert problem.message.endswith("every achievement needs criteria (a narrative or an id)")


def test_clr_context_must_name_the_clr_context() -> None:
    clr = _clr()
    clr["@context"] = [clr["@context"][0], *clr["@context"][2:]]
    [problem] = schema_problems(clr)
    assert problem.path == "@context[1]"
    assert "CLR 2.0 context URL" in problem.message


def test_non_object_credential_is_refused() -> None:
    with pytest.raises(SchemaValidationError, match="JSON object"):
        validate_credential(["not", "a", "credential"])  # type: ignore[arg-type]


def test_issuer_profile_validation() -> None:
    issuer = load_fixture("ob30/complete.json")["issuer"]
    validate_profile(issuer)
    with pytest.raises(SchemaValidationError) as caught:
        validate_profile({**issuer, "type": "Organization"})
    assert caught.value.paths == ["type"]
    assert 'must include "Profile"' in caught.value.problems[0].message
    with pytest.raises(SchemaValidationError) as caught:
        validate_profile({"type": ["Profile"], "name": "Example College"})
    assert caught.value.paths == ["id"]
