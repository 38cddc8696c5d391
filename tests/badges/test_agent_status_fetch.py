"""Issue #8: the employer's verifier fetches only the issuer's anchored status list, safely.

In-process college and employer agents against the session's anvil; the "internal service" and
the served lists are real HTTP servers on 127.0.0.1 that record every request they get.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime

import pytest

from ler_badges import KeyResolutionError, add_proof, status_entry, verify_credential
from ler_badges.acapy.did_keys import did_signer
from ler_badges.acapy.environment import AgentEnvironment
from ler_badges.acapy.issuer import BadgeIssuer
from ler_badges.acapy.loader import suite_loader
from ler_badges.bitstring import BitstringStatusList, StatusEntry, status_list_credential
from ler_chain import LerDid
from ler_ledger import LedgerService
from ler_ledger.write_routing import write_to_ledger

from .agentkit import post
from .conftest import Agent
from .recording_server import SECRET, json_body, recording_server, streamed
from .test_agent_issuance import template
from .test_verification import FakeEnvironment, signed

INDEX = 7


def _check(verdict: dict, name: str) -> dict:
    return next(check for check in verdict["checks"] if check["name"] == name)


STATUS_418 = re.compile(r"(?<![\w.:])418(?![\w.])")


def _leaks(verdict: dict) -> bool:
    """Whether the verdict's words repeat what the internal service answered (status or body).

    Only the text people read counts, and the status must stand alone: random ports, block
    numbers and hashes may contain the digits 418.
    """
    words = [str(value) for value in _texts(verdict)]
    text = "\n".join(words)
    return (
        bool(re.search(r"(?<![\w.:])418(?![\w.])", text))
        or SECRET in text
        or "teapot" in text.lower()
    )


def _texts(value: object) -> list[str]:
    """Every string in a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    return []


async def verify(agent: Agent, credential: dict) -> dict:
    status, verdict = await post(
        agent.client,
        "/ler/badges/verify",
        {"credential": credential, "require_accreditation": False},
    )
    assert status == 200, verdict
    return verdict


@pytest.fixture(scope="module")
async def strict_employer(ledger, tmp_path_factory: pytest.TempPathFactory):
    """An employer with the default fetch policy: public addresses only."""
    from .agentkit import admin_client, close_profile, make_profile, settings

    agent_settings = settings(
        ledger.descriptor_file, "none", tmp_path_factory.mktemp("strict-lists")
    )
    profile = await make_profile(agent_settings)
    async with admin_client(profile) as client:
        yield Agent(profile, None, client)
    await close_profile(profile)


async def college_signed(college: Agent, list_url: str) -> dict:
    """A credential the college really signed, whose status entry points at ``list_url``."""
    credential = await BadgeIssuer(college.profile).prepare(template(), skills=[])
    credential["credentialStatus"] = status_entry(list_url, INDEX)
    sign, method = await did_signer(college.profile, college.did)
    return await add_proof(credential, sign=sign, verification_method=method, loader=suite_loader())


async def anchor(college: Agent, list_url: str, bits: BitstringStatusList) -> None:
    """Anchor version 1 of a list under ``list_url`` for the college, as its agent does."""
    ledger = college.profile.inject(LedgerService)
    write = ledger.chain.status_lists.publish(
        LerDid.parse(college.did), list_url, 0, bits.compressed()
    )
    outcome = await write_to_ledger(college.profile, write, kind="status_list", object_id=list_url)
    assert outcome.finished


async def signed_list(college: Agent, list_url: str, bits: BitstringStatusList) -> bytes:
    """The college's signed BitstringStatusListCredential for ``bits``."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    sign, method = await did_signer(college.profile, college.did)
    document = await add_proof(
        status_list_credential(list_url, college.did, bits.encoded(), now),
        sign=sign,
        verification_method=method,
        loader=suite_loader(),
    )
    return json.dumps(document).encode()


async def test_forged_unsigned_credential_makes_the_employer_fetch_nothing(
    college: Agent, employer: Agent
) -> None:
    """The reported reproduction, against an employer that may even fetch from loopback."""
    async with recording_server() as internal:
        forged = await college_signed(college, f"{internal.url}/internal?x=1")
        del forged["proof"]
        verdict = await verify(employer, forged)
        assert internal.requests == []
    assert not verdict["verified"]
    assert _check(verdict, "signature")["outcome"] == "failed"
    status = _check(verdict, "status")
    assert status["outcome"] == "skipped" and "was not fetched" in status["detail"]
    assert not _leaks(verdict)


async def test_credential_with_a_broken_signature_makes_the_employer_fetch_nothing(
    college: Agent, employer: Agent
) -> None:
    async with recording_server() as internal:
        tampered = await college_signed(college, f"{internal.url}/internal?x=1")
        tampered["credentialSubject"]["achievement"]["name"] = "Nuclear Engineering"
        verdict = await verify(employer, tampered)
        assert internal.requests == []
    assert _check(verdict, "signature")["code"] == "signature-mismatch"
    assert _check(verdict, "status")["outcome"] == "skipped"


async def test_signed_credential_with_a_list_the_issuer_did_not_anchor_is_not_fetched(
    college: Agent, employer: Agent
) -> None:
    async with recording_server() as internal:
        credential = await college_signed(college, f"{internal.url}/internal?x=1")
        verdict = await verify(employer, credential)
        assert internal.requests == []
    assert _check(verdict, "signature")["outcome"] == "passed"
    status = _check(verdict, "status")
    assert (status["outcome"], status["code"]) == ("failed", "status-list-not-anchored")
    assert "never anchored a status list at" in status["detail"]
    assert verdict["reasons"] == ["status-list-not-anchored"]
    assert not _leaks(verdict)


async def test_the_anchored_list_is_fetched_from_loopback_only_where_allowed(
    college: Agent, employer: Agent, strict_employer: Agent
) -> None:
    bits = BitstringStatusList()
    bits.set(INDEX, 1)  # revoked
    async with recording_server() as served:
        url = f"{served.url}/status-lists/anchored-1"
        await anchor(college, url, bits)
        served.answer(json_body(await signed_list(college, url, bits)))
        credential = await college_signed(college, url)

        allowed = _check(await verify(employer, credential), "status")
        assert served.requests == ["/status-lists/anchored-1"]
        assert allowed["code"] == "revoked" and "anchored on the ledger" in allowed["detail"]
        assert "served" not in allowed["detail"]  # fetched, and it matched the anchor

        strict = _check(await verify(strict_employer, credential), "status")
        assert served.requests == ["/status-lists/anchored-1"]  # nothing more
    assert strict["code"] == "revoked"  # the anchored bits still answer
    assert "status list unavailable" in strict["detail"]
    assert "not a public address" in strict["detail"]


@pytest.mark.parametrize("answer", ["internal", "oversize"])
async def test_a_failed_fetch_is_a_named_reason_that_never_echoes_the_upstream(
    college: Agent, employer: Agent, answer: str
) -> None:
    async with recording_server() as served:
        url = f"{served.url}/status-lists/failing-{answer}"
        await anchor(college, url, BitstringStatusList())
        if answer == "oversize":
            served.answer(streamed(8 * 1024 * 1024))
        credential = await college_signed(college, url)
        verdict = await verify(employer, credential)
        assert len(served.requests) == 1
    status = _check(verdict, "status")
    assert status["outcome"] == "passed"  # valid according to the anchor
    assert "status list unavailable" in status["detail"]
    assert not _leaks(verdict)


async def test_lists_of_issuers_outside_the_network_are_not_fetched(employer: Agent) -> None:
    env = AgentEnvironment(employer.profile, require_accreditation=False)
    async with recording_server() as served:
        entry = StatusEntry.read(status_entry(f"{served.url}/status-lists/outside", 1))
        check = await env.check_status("https://issuer.example/profile", entry)
        assert served.requests == []
    assert (check.outcome, check.code) == ("failed", "status-list-not-anchored")
    assert "not a did:ler issuer" in check.detail


class RecordingEnvironment(FakeEnvironment):
    """Records which status entries the verifier asked about."""

    asked: list[str]

    async def check_status(self, issuer, entry):
        self.asked.append(entry.list_url)
        return await super().check_status(issuer, entry)


async def test_the_environment_is_asked_about_status_only_after_the_signature_verified() -> None:
    env = RecordingEnvironment()
    env.asked = []
    good = await signed()
    assert (await verify_credential(good, env)).check("status").outcome == "passed"
    forged = copy.deepcopy(good)
    del forged["proof"]
    tampered = copy.deepcopy(good)
    tampered["credentialStatus"][0]["statusListCredential"] = "http://127.0.0.1:1/internal"
    for credential in (forged, tampered):
        verdict = await verify_credential(credential, env)
        assert verdict.check("signature").outcome == "failed"
        assert verdict.check("status").outcome == "skipped"
    assert env.asked == [entry["statusListCredential"] for entry in good["credentialStatus"]]


async def test_a_did_web_key_is_fetched_only_as_the_policy_allows(
    employer: Agent, strict_employer: Agent
) -> None:
    """Key resolution is the other URL a credential names: did:web goes through the policy."""
    async with recording_server() as internal:
        port = internal.url.rsplit(":", 1)[1]
        forged = await signed()
        did = f"did:web:127.0.0.1%3A{port}:internal"
        forged["issuer"]["id"] = did
        forged["proof"]["verificationMethod"] = f"{did}#key-1"
        strict = await verify(strict_employer, forged)
        assert internal.requests == []
        allowed = await verify(employer, forged)  # https to a plain HTTP service: unusable
        assert internal.requests == []
    signature = _check(strict, "signature")
    assert signature["code"] == "unknown-key" and "not a public address" in signature["detail"]
    assert _check(allowed, "signature")["code"] == "unknown-key"
    assert _check(strict, "status")["outcome"] == _check(allowed, "status")["outcome"] == "skipped"
    assert not _leaks(strict) and not _leaks(allowed)


async def test_did_methods_that_acapy_would_fetch_are_not_resolved(employer: Agent) -> None:
    env = AgentEnvironment(employer.profile)
    for did in ("did:webvh:QmX:127.0.0.1%3A9:x", "did:example:123", "did:web:a.example%2F..:x"):
        with pytest.raises(KeyResolutionError, match=r"cannot resolve|not a valid did:web"):
            await env.resolve_key(f"{did}#key-1")
