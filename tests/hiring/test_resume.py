"""LER-RS résumés (HR Open structure, fixtures written here): export, read back, match."""

from __future__ import annotations

import pytest

from ler_hiring.errors import HiringInputError
from ler_hiring.matching import evidence_from_credential, match, self_reported
from ler_hiring.resume import MAX_VERIFICATIONS, read_resume, resume_document

from .kit import COLLEGE, badge, machinist_job, verified

PERSON = {"name": {"given": "Jordan", "family": "Rivera"}}


async def test_a_resume_embeds_credentials_and_every_one_is_matched() -> None:
    credential = await COLLEGE.sign(badge(COLLEGE, [{"skill": "2.B.3.k", "level": 3}]))
    wrapped = {"verifiableCredential": credential}
    document = resume_document(
        PERSON,
        [credential],
        skills=[{"name": "Reading Comprehension", "level": "Advanced"}, {"name": "Juggling"}],
        employment=[{"organization": {"name": "Acme"}, "positionHistories": [{"title": "Helper"}]}],
    )
    document["verifications"].append(wrapped)
    resume = read_resume(document)
    assert resume.name == "Jordan Rivera"
    assert resume.credentials == [credential, credential]
    assert resume.stated_skills == [("2.A.1.a", 4)]
    assert resume.notes == ["skills.1 ('Juggling') is not in the skills catalogue"]
    evidence = [self_reported(c, lvl, "the résumé") for c, lvl in resume.stated_skills]
    for item in resume.credentials:
        evidence += evidence_from_credential(item, await verified(item))
    report = match(machinist_job(), evidence)
    statuses = {r["skill"]["onet_code"]: r["status"] for r in report["required_skills"]}
    assert statuses == {"2.B.3.k": "proven", "2.A.1.e": "missing", "2.A.1.a": "unverified"}


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ([], "JSON object"),
        ({"verifications": {"a": 1}}, "must be a list"),
        ({"verifications": ["text", {"type": ["Thing"]}]}, "2 entries"),
        ({"verifications": [{}] * (MAX_VERIFICATIONS + 1)}, "at most"),
    ],
)
def test_a_bad_resume_is_refused_clearly(document: object, words: str) -> None:
    with pytest.raises(HiringInputError, match=words):
        read_resume(document)
