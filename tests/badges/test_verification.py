"""Every check of a credential, with a stand-in environment (keys, status, accreditation, time).

The checks themselves are real; only where keys, status lists and accreditations come from is
faked here. ``test_agent_*`` run the same checks against the ledger and real HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from ler_badges import (
    Check,
    ResolvedKey,
    StatusEntry,
    add_proof,
    did_key_resolver,
    did_key_verification_method,
    local_signer,
    public_key_of,
    verify_credential,
)
from ler_badges.multikey import did_key_from_public_key
from ler_badges.verification import accreditation_type

from .test_issuance import badge, with_status

SEED = bytes(range(32))
PUBLIC_KEY = public_key_of(SEED)
ISSUER_DID = did_key_from_public_key(PUBLIC_KEY)
METHOD = did_key_verification_method(PUBLIC_KEY)
NOW = datetime(2026, 6, 1, tzinfo=UTC)


@dataclass
class FakeEnvironment:
    """Keys from did:key, statuses and accreditations from dicts, a fixed time."""

    require_accreditation: bool = True
    accredited: set[tuple[str, str]] = field(default_factory=set)
    statuses: dict[int, str] = field(default_factory=dict)
    moment: datetime = NOW

    async def resolve_key(self, verification_method: str) -> ResolvedKey:
        return ResolvedKey(did_key_resolver(verification_method), verification_method.split("#")[0])

    async def check_status(self, issuer: str, entry: StatusEntry) -> Check:
        status = self.statuses.get(entry.index, "valid")
        if status == "valid":
            return Check.passed("status", "valid")
        return Check.failed("status", status, f"{status} by {issuer}")

    async def check_accreditation(self, issuer: str, credential_type: str) -> Check:
        if (issuer, credential_type) in self.accredited:
            return Check.passed("accreditation", "accredited")
        return Check.failed("accreditation", "not-accredited", f"{issuer} / {credential_type}")

    def now(self) -> datetime:
        return self.moment


def template(**changes: Any) -> dict[str, Any]:
    credential = with_status(badge())
    credential["@context"] = [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    credential.update(
        {
            "id": "urn:uuid:9c1f7e2e-0000-4000-8000-000000000001",
            "type": ["VerifiableCredential", "AchievementCredential"],
            "issuer": {"id": ISSUER_DID, "type": ["Profile"], "name": "Prairie Ridge"},
            "validFrom": "2026-05-01T00:00:00Z",
        }
    )
    credential["credentialSubject"]["achievement"]["achievementType"] = "Certificate"
    credential.update(changes)
    return credential


async def signed(**changes: Any) -> dict[str, Any]:
    return await add_proof(template(**changes), sign=local_signer(SEED), verification_method=METHOD)


def env(**kwargs: Any) -> FakeEnvironment:
    return FakeEnvironment(accredited={(ISSUER_DID, "Certificate")}, **kwargs)


async def test_a_good_credential_passes_every_check() -> None:
    verdict = await verify_credential(await signed(), env())
    assert verdict.verified, verdict.reasons
    assert [c.name for c in verdict.checks] == [
        "signature",
        "schema",
        "validity",
        "status",
        "accreditation",
    ]
    assert all(c.outcome == "passed" for c in verdict.checks)
    assert verdict.issuer == {"id": ISSUER_DID, "name": "Prairie Ridge"}
    assert verdict.as_dict()["checks"][0]["name"] == "signature"


@pytest.mark.parametrize(
    ("changes", "moment", "code"),
    [
        ({"validUntil": "2026-05-15T00:00:00Z"}, NOW, "expired"),
        ({"validFrom": "2026-07-01T00:00:00Z"}, NOW, "not-yet-valid"),
    ],
)
async def test_validity_dates(changes: dict, moment: datetime, code: str) -> None:
    verdict = await verify_credential(await signed(**changes), env(moment=moment))
    assert not verdict.verified
    assert verdict.check("validity").code == code
    assert verdict.reasons == [code]


@pytest.mark.parametrize("status", ["revoked", "suspended"])
async def test_status(status: str) -> None:
    verdict = await verify_credential(await signed(), env(statuses={3: status}))
    assert verdict.check("status").code == status and verdict.reasons == [status]


async def test_no_status_entry_cannot_be_revoked() -> None:
    credential = template()
    del credential["credentialStatus"]
    credential = await add_proof(credential, sign=local_signer(SEED), verification_method=METHOD)
    verdict = await verify_credential(credential, env())
    assert verdict.check("status").outcome == "skipped" and verdict.verified


async def test_accreditation_is_per_type_and_can_be_waived() -> None:
    credential = await signed()
    assert accreditation_type(credential) == "Certificate"
    verdict = await verify_credential(credential, FakeEnvironment())
    assert verdict.reasons == ["not-accredited"]
    waived = await verify_credential(credential, FakeEnvironment(require_accreditation=False))
    assert waived.verified and waived.check("accreditation").outcome == "skipped"


def _leaves(value: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _leaves(item, (*path, key))]
    if isinstance(value, list):
        return [leaf for i, item in enumerate(value) for leaf in _leaves(item, (*path, i))]
    return [path]


def _changed(credential: dict, path: tuple) -> dict:
    import copy

    changed = copy.deepcopy(credential)
    target = changed
    for key in path[:-1]:
        target = target[key]
    value = target[path[-1]]
    target[path[-1]] = (
        not value
        if isinstance(value, bool)
        else value + 1
        if isinstance(value, int)
        else "x" + value
    )
    return changed


async def test_any_field_changed_fails_the_signature() -> None:
    credential = await signed()
    paths = [p for p in _leaves(credential) if p[0] != "proof" and p != ("@context", 0)]
    assert len(paths) > 25
    for path in paths:
        verdict = await verify_credential(_changed(credential, path), env())
        assert not verdict.verified, path
        assert verdict.check("signature").outcome == "failed", path


async def test_signer_must_be_the_issuer() -> None:
    other = bytes(range(1, 33))
    credential = await add_proof(
        template(),
        sign=local_signer(other),
        verification_method=did_key_verification_method(public_key_of(other)),
    )
    verdict = await verify_credential(credential, env())
    assert verdict.check("signature").code == "wrong-signer"
    assert "not of the issuer" in verdict.check("signature").detail


async def test_clr_nested_credentials_are_verified_each_on_their_own() -> None:
    nested_ok = await signed(id="urn:uuid:9c1f7e2e-0000-4000-8000-000000000002")
    nested_revoked = await signed(id="urn:uuid:9c1f7e2e-0000-4000-8000-000000000003")
    nested_revoked["credentialStatus"][0]["statusListIndex"] = "7"
    nested_revoked = await add_proof(
        {k: v for k, v in nested_revoked.items() if k != "proof"},
        sign=local_signer(SEED),
        verification_method=METHOD,
    )
    clr = template(
        type=["VerifiableCredential", "ClrCredential"],
        credentialSubject={
            "id": "did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",
            "type": ["ClrSubject"],
            "verifiableCredential": [nested_ok, nested_revoked],
        },
        name="Transcript",
        description="Two badges",
    )
    clr["@context"] = [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    clr = await add_proof(clr, sign=local_signer(SEED), verification_method=METHOD)
    accredited = env(statuses={7: "revoked"})
    accredited.accredited.add((ISSUER_DID, "ClrCredential"))
    verdict = await verify_credential(clr, accredited)
    assert verdict.kind == "ClrCredential"
    assert [nested.verified for nested in verdict.credentials] == [True, False]
    assert verdict.reasons == ["credential[1]: revoked"]
    assert not verdict.verified


async def test_not_an_object() -> None:
    verdict = await verify_credential(["not", "an", "object"], env())  # type: ignore[arg-type]
    assert not verdict.verified and verdict.reasons == ["schema"]


@dataclass
class DidWebEnvironment(FakeEnvironment):
    """A college's did:web (the did:key's key) bound, or not, to a did:ler."""

    bound: bool = True
    asked: list[tuple[str, str]] = field(default_factory=list)

    async def resolve_key(self, verification_method: str) -> ResolvedKey:
        return ResolvedKey(PUBLIC_KEY, DID_WEB)

    async def check_binding(self, did_web: str) -> tuple[Check, str | None]:
        if self.bound:
            return Check.passed("binding", f"{did_web} is {ANCHOR}"), ANCHOR
        return Check.failed("binding", "not-bound", f"{ANCHOR} does not name {did_web}"), None

    async def check_status(self, issuer: str, entry: StatusEntry, *, signer: str = "") -> Check:
        self.asked.append((issuer, signer))
        return await super().check_status(issuer, entry)


DID_WEB = "did:web:prairieridge.example"
ANCHOR = "did:ler:local:WgWxqztrNooG92RXvxSTWv"


async def test_a_did_web_issuer_is_trusted_as_the_did_ler_it_is_bound_to() -> None:
    credential = template(issuer={"id": DID_WEB, "type": ["Profile"], "name": "Prairie Ridge"})
    credential = await add_proof(
        credential, sign=local_signer(SEED), verification_method=f"{DID_WEB}#key-1"
    )
    bound = DidWebEnvironment(accredited={(ANCHOR, "Certificate")})
    verdict = await verify_credential(credential, bound)
    assert verdict.verified, verdict.reasons
    assert [c.name for c in verdict.checks] == [
        "signature",
        "schema",
        "validity",
        "binding",
        "status",
        "accreditation",
    ]
    # status is read from the did:ler's anchored lists; the served ones are signed as the did:web
    assert bound.asked == [(ANCHOR, DID_WEB), (ANCHOR, DID_WEB)]

    unbound = DidWebEnvironment(accredited={(ANCHOR, "Certificate")}, bound=False)
    verdict = await verify_credential(credential, unbound)
    assert not verdict.verified
    assert verdict.check("binding").code == "not-bound"
    assert "does not name" in verdict.check("binding").detail
    # not trusted as the did:ler: the did:web itself is not accredited
    assert verdict.check("accreditation").code == "not-accredited"
