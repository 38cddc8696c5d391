"""The employer's policy names why a proof failed, and never calls a failure to check "revoked"."""

from __future__ import annotations

import pytest
from acapy_agent.anoncreds.verifier import AnonCredsVerifier
from acapy_agent.core.profile import Profile

from ler_ledger.verifier import verification_policy
from ler_ledger.verifier.verification_policy import AnonCredsVerdict, LerPresentationVerifier

REVOCABLE_PROOF = {
    "identifiers": [{"rev_reg_id": "did:ler:local:x/anoncreds/v0/REV_REG_DEF/1/a/b"}]
}
NOW_REQUEST = {
    "non_revoked": {"from": 100, "to": 100},
    "requested_attributes": {},
    "requested_predicates": {},
}


async def failed_code(profile: Profile, monkeypatch: pytest.MonkeyPatch, outcome: object) -> str:
    async def identifiers(_self: object, _identifiers: object) -> tuple:
        if isinstance(outcome, Exception):
            raise outcome
        return {}, {}, {}, {}

    async def verify(_self: object, *_args: object) -> tuple[bool, list[str]]:
        return bool(outcome), []

    monkeypatch.setattr(AnonCredsVerifier, "process_pres_identifiers", identifiers)
    monkeypatch.setattr(AnonCredsVerifier, "verify_presentation", verify)
    verifier = LerPresentationVerifier(profile)
    verdict = AnonCredsVerdict()
    check = await verifier._check_proof(NOW_REQUEST, REVOCABLE_PROOF, True, verdict)
    if check.outcome == "failed" and check.code is None:
        check.code = verifier._why_the_proof_failed(REVOCABLE_PROOF, {0: [{}]}, True, verdict)
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
