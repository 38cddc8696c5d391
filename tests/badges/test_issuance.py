"""Completing a registrar's template and refusing what may not be signed (no network, ever)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ler_badges import (
    CanonicalizationError,
    ContextNotBundledError,
    CredentialKind,
    IssuanceError,
    SchemaValidationError,
    check_issuable,
    nested_credentials,
    prepare_credential,
    status_entry,
)
from ler_badges.issuance import EXTENSIONS_CONTEXT, OB_SCHEMA

ISSUER = {
    "id": "did:ler:local:WgWxqztrNooG92RXvxSTWv",
    "type": ["Profile"],
    "name": "Prairie Ridge",
}
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
LEARNER = "did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"


def badge(name: str = "CNC Machining I") -> dict:
    slug = name.lower().replace(" ", "-")
    return {
        "credentialSubject": {
            "id": LEARNER,
            "type": ["AchievementSubject"],
            "achievement": {
                "id": f"https://prairieridge.example/achievements/{slug}",
                "type": ["Achievement"],
                "name": name,
                "description": "Sets up and runs a three-axis mill.",
                "criteria": {"narrative": "Passed the practical assessment."},
            },
        }
    }


def with_status(credential: dict) -> dict:
    """Both entries ler-node issues: a revocation and a suspension entry."""
    for item in [*nested_credentials(credential), credential]:
        item["credentialStatus"] = [
            status_entry("https://college.example/status-lists/ab", 3, "revocation"),
            status_entry("https://college.example/status-lists/cd", 9, "suspension"),
        ]
    return credential


def test_template_is_completed() -> None:
    template = badge()
    credential = prepare_credential(template, issuer=ISSUER, now=NOW)
    assert template == badge()  # not changed
    assert credential["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert EXTENSIONS_CONTEXT in credential["@context"]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["id"].startswith("urn:uuid:")
    assert credential["issuer"] == ISSUER
    assert credential["validFrom"] == "2026-05-01T12:00:00Z"
    assert credential["credentialSchema"][0]["id"] == OB_SCHEMA
    assert check_issuable(with_status(credential)) is CredentialKind.ACHIEVEMENT


def test_clr_is_recognised_by_its_subject_and_nested_templates_completed() -> None:
    template = {
        "name": "Advanced Manufacturing transcript",
        "credentialSubject": {
            "id": LEARNER,
            "type": ["ClrSubject"],
            "verifiableCredential": [badge("Welding I"), badge("Blueprint Reading")],
        },
    }
    credential = prepare_credential(template, issuer=ISSUER, now=NOW)
    assert credential["type"] == ["VerifiableCredential", "ClrCredential"]
    nested = nested_credentials(credential)
    assert len(nested) == 2
    assert all(item["issuer"]["id"] == ISSUER["id"] for item in nested)
    assert all(item["credentialSubject"]["id"] == LEARNER for item in nested)
    assert len({item["id"] for item in nested}) == 2
    assert check_issuable(with_status(credential)) is CredentialKind.CLR


def test_another_issuer_is_refused() -> None:
    template = {
        **badge(),
        "issuer": {"id": "did:ler:local:SomeoneElse1234567890a", "type": ["Profile"]},
    }
    with pytest.raises(IssuanceError, match="issues as did:ler:local:WgWx"):
        prepare_credential(template, issuer=ISSUER, now=NOW)
    with pytest.raises(IssuanceError, match="EndorsementCredentials"):
        prepare_credential(
            {**badge(), "type": ["VerifiableCredential", "EndorsementCredential"]},
            issuer=ISSUER,
            now=NOW,
        )
    with pytest.raises(IssuanceError, match="must list the AchievementCredentials"):
        prepare_credential(
            {
                "credentialSubject": {
                    "id": LEARNER,
                    "type": ["ClrSubject"],
                    "verifiableCredential": "x",
                }
            },
            issuer=ISSUER,
            now=NOW,
        )


def test_schema_problems_are_all_reported_in_words() -> None:
    template = badge()
    del template["credentialSubject"]["achievement"]["criteria"]
    template["credentialSubject"]["achievement"]["name"] = ["not", "text"]
    credential = with_status(prepare_credential(template, issuer=ISSUER, now=NOW))
    with pytest.raises(SchemaValidationError) as refused:
        check_issuable(credential)
    paths = refused.value.paths
    assert "credentialSubject.achievement.criteria" in paths
    assert "credentialSubject.achievement.name" in paths
    assert "every achievement needs criteria" in str(refused.value)


def test_unknown_context_is_refused_without_a_network_call(network_calls: list[str]) -> None:
    credential = with_status(prepare_credential(badge(), issuer=ISSUER, now=NOW))
    credential["@context"].append("https://contexts.example/extra-terms.json")
    with pytest.raises(ContextNotBundledError, match="will not be fetched"):
        check_issuable(credential)
    assert network_calls == []


def test_terms_a_signature_would_not_cover_are_refused() -> None:
    credential = with_status(prepare_credential(badge(), issuer=ISSUER, now=NOW))
    credential["credentialSubject"]["favouriteColour"] = "green"
    with pytest.raises(CanonicalizationError, match="favouriteColour"):
        check_issuable(credential)


def test_a_subject_must_say_who_earned_it() -> None:
    template = badge()
    del template["credentialSubject"]["id"]
    with pytest.raises(IssuanceError, match=r"needs an id .* or at least one identifier"):
        prepare_credential(template, issuer=ISSUER, now=NOW)
    template["credentialSubject"]["identifier"] = [
        {
            "type": "IdentityObject",
            "identityType": "emailAddress",
            "hashed": False,
            "identityHash": "jordan@example.org",
        }
    ]
    credential = with_status(prepare_credential(template, issuer=ISSUER, now=NOW))
    assert check_issuable(credential) is CredentialKind.ACHIEVEMENT
    clr = {
        "credentialSubject": {
            "type": ["ClrSubject"],
            "verifiableCredential": [badge()],
        }
    }
    with pytest.raises(IssuanceError, match="needs an id"):
        prepare_credential(clr, issuer=ISSUER, now=NOW)


def test_each_status_entry_is_checked_against_the_schema() -> None:
    credential = with_status(prepare_credential(badge(), issuer=ISSUER, now=NOW))
    del credential["credentialStatus"][1]["type"]
    with pytest.raises(SchemaValidationError) as refused:
        check_issuable(credential)
    assert [p.path for p in refused.value.problems] == ["credentialStatus[1].type"]


def _unwrapped(value: object) -> object:
    if isinstance(value, list):
        items = [_unwrapped(item) for item in value]
        return items[0] if len(items) == 1 else items
    if isinstance(value, dict):
        return {key: _unwrapped(item) for key, item in value.items()}
    return value


def test_issued_credentials_are_in_compacted_form() -> None:
    """Compacting with the credential's own context changes nothing (VC Data Model 2.0).

    (JSON-LD writes a one-item array as its item; that is the same document, so both sides are
    compared with one-item arrays unwrapped.) With ``AchievementCredential`` as type it would not
    hold: the OB 3.0.3 context maps it to the IRI of ``OpenBadgeCredential``, so compaction
    renames it.
    """
    from pyld import jsonld

    from ler_badges import OfflineDocumentLoader

    loader = OfflineDocumentLoader()
    options = {"documentLoader": loader}
    clr = {
        "name": "Transcript",
        "credentialSubject": {
            "id": LEARNER,
            "type": ["ClrSubject"],
            "verifiableCredential": [badge("Welding I")],
        },
    }
    badge_credential = with_status(prepare_credential(badge(), issuer=ISSUER, now=NOW))
    transcript = with_status(prepare_credential(clr, issuer=ISSUER, now=NOW))
    for item in [badge_credential, *nested_credentials(transcript)]:
        compacted = jsonld.compact(item, {"@context": item["@context"]}, options)
        assert _unwrapped(compacted) == _unwrapped(item)
    # the CLR itself: all but verifiableCredential, which CLR 2.0.1's official context does not
    # let compact back to its term (upstream; each bundled badge is compacted, above)
    compacted = jsonld.compact(transcript, {"@context": transcript["@context"]}, options)
    subject, compacted_subject = transcript["credentialSubject"], compacted["credentialSubject"]
    assert "verifiableCredential" not in compacted_subject
    assert _unwrapped({**compacted, "credentialSubject": None}) == _unwrapped(
        {**transcript, "credentialSubject": None}
    )
    assert _unwrapped({k: v for k, v in subject.items() if k != "verifiableCredential"}) == {
        k: v for k, v in compacted_subject.items() if not k.startswith("https://")
    }
    old_style = with_status(prepare_credential(badge(), issuer=ISSUER, now=NOW))
    old_style["type"] = ["VerifiableCredential", "AchievementCredential"]
    compacted = jsonld.compact(old_style, {"@context": old_style["@context"]}, options)
    assert compacted["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
