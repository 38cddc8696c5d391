"""The employer's policy names why a proof failed, and never calls a failure to check "revoked"."""

from __future__ import annotations

import pytest
from acapy_agent.anoncreds.verifier import AnonCredsVerifier
from acapy_agent.core.profile import Profile

from ler_ledger.verifier import verification_policy
from ler_ledger.verifier.verification_policy import AnonCredsVerdict, LerPresentationVerifier

REV_REG_ID = "did:ler:local:WgWxqztrNooG92RXvxSTWv/anoncreds/v0/REV_REG_DEF/1/tag/0"
REVOCABLE_PROOF = {"identifiers": [{"rev_reg_id": REV_REG_ID, "timestamp": 1_800_000_000}]}
NOW_REQUEST = {
    "non_revoked": {"from": 100, "to": 100},
    "requested_attributes": {},
    "requested_predicates": {},
}


async def failed_code(
    profile: Profile,
    monkeypatch: pytest.MonkeyPatch,
    outcome: object,
    messages: tuple[str, ...] = (),
    proof: dict = REVOCABLE_PROOF,
) -> str:
    """The code of the proof check when ACA-Py's verifier gives ``outcome`` and ``messages``
    (the proof's status list alone in its second).
    """

    async def identifiers(_self: object, _identifiers: object) -> tuple:
        if isinstance(outcome, Exception):
            raise outcome
        return {}, {}, {}, {}

    async def verify(_self: object, *_args: object) -> tuple[bool, list[str]]:
        return bool(outcome), list(messages)

    async def lists_of_second(rev_reg_id: object, at: int) -> list[object]:
        assert (str(rev_reg_id), at) == (REV_REG_ID, 1_800_000_000)
        return [object()]  # the one the verifier used

    monkeypatch.setattr(AnonCredsVerifier, "process_pres_identifiers", identifiers)
    monkeypatch.setattr(AnonCredsVerifier, "verify_presentation", verify)
    verifier = LerPresentationVerifier(profile)
    monkeypatch.setattr(verifier.ledger.chain.anoncreds, "status_lists_of_second", lists_of_second)
    verdict = AnonCredsVerdict()
    check = await verifier._check_proof(NOW_REQUEST, proof, True, verdict)
    if check.outcome == "failed" and check.code is None:
        await verifier._name_the_failure(proof, {0: [{}]}, True, verdict, check)
    return check.code


async def test_a_proof_that_could_not_be_checked_is_unverifiable_not_revoked(
    endorser_profile: Profile, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = await failed_code(endorser_profile, monkeypatch, TimeoutError("pool timed out"))
    assert code == verification_policy.UNVERIFIABLE


async def test_a_revocable_proof_that_does_not_verify_is_revoked(
    endorser_profile: Profile, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = await failed_code(endorser_profile, monkeypatch, False)
    assert code == verification_policy.REVOKED


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("VALUE_ERROR::Presentation attributes mismatch", verification_policy.INVALID),
        ("VERIFY_ERROR::Invalid structure", verification_policy.UNVERIFIABLE),
    ],
)
async def test_a_failure_the_library_explains_is_not_called_revoked(
    endorser_profile: Profile, monkeypatch: pytest.MonkeyPatch, message: str, expected: str
) -> None:
    code = await failed_code(endorser_profile, monkeypatch, False, (message,))
    assert code == expected


async def test_two_credentials_of_one_registry_failing_together_are_unverifiable(
    endorser_profile: Profile, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ACA-Py's holder gets such proofs wrong whatever the credentials' status (acapy#2036)."""
    both = {"identifiers": REVOCABLE_PROOF["identifiers"] * 2}
    code = await failed_code(endorser_profile, monkeypatch, False, proof=both)
    assert code == verification_policy.UNVERIFIABLE
