"""One issuance does each piece of work once: schema validation, canonicalization, signer lookup.

Traces an offer as the send-offer route makes it (``BadgeIssuer.offer``), then ACA-Py's
``ld_proof`` issuance of the learner's request (``VcLdpManager.issue`` with the offered detail,
which asks our suite provider), for an OB badge and for a CLR bundling two badges. Only the
DIDComm transport is left out. The work is counted by wrapping the functions that do it.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from acapy_agent.protocols.issue_credential.v2_0.formats.ld_proof.models.cred_detail import (
    LDProofVCDetail,
)
from acapy_agent.protocols.issue_credential.v2_0.messages.cred_format import V20CredFormat
from acapy_agent.vc.vc_ld.manager import VcLdpManager
from acapy_agent.wallet.keys.manager import MultikeyManager

from ler_badges import canonicalization, validation, verify_proof
from ler_badges.acapy import did_web as did_web_module
from ler_badges.acapy import issuer as issuer_module
from ler_badges.acapy import suite as suite_module
from ler_badges.acapy.did_keys import resolve_key
from ler_badges.acapy.issuer import BadgeIssuer
from ler_badges.acapy.prepared import PreparedCredentials, ReadyToSign

from .test_agent_issuance import template
from .test_issuance import badge

CHECKING = "ler_badges.issuance"  # canonicalizations made to check a credential


@dataclass
class Work:
    """What one issuance did, per credential id."""

    validations: Counter[str] = field(default_factory=Counter)
    check_canonicalizations: Counter[str] = field(default_factory=Counter)
    signing_canonicalizations: Counter[str] = field(default_factory=Counter)
    signer_lookups: int = 0
    counting: bool = True

    def of(self, ids: list[str]) -> dict[str, dict[str, int]]:
        """Per credential: validations, check and signing canonicalizations.

        Other documents (e.g. a status list published on the way) are left out.
        """
        return {
            id_: {
                "validations": self.validations[id_],
                "check_canonicalizations": self.check_canonicalizations[id_],
                "signing_canonicalizations": self.signing_canonicalizations[id_],
            }
            for id_ in ids
        }


@pytest.fixture
def work(monkeypatch: pytest.MonkeyPatch) -> Work:
    """Count schema validations, canonicalizations (by who asks) and signer lookups."""
    work = Work()
    schema_problems = validation.schema_problems

    def counted_schema_problems(credential: Any) -> Any:
        if work.counting and isinstance(credential, dict):
            work.validations[credential.get("id")] += 1
        return schema_problems(credential)

    monkeypatch.setattr(validation, "schema_problems", counted_schema_problems)

    original = canonicalization.canonicalize
    for name, module in list(sys.modules.items()):
        if name.startswith("ler_badges") and getattr(module, "canonicalize", None) is original:

            def counted(document: Any, *args: Any, _module: str = name, **kwargs: Any) -> str:
                if work.counting and isinstance(document, dict) and "id" in document:
                    counter = (
                        work.check_canonicalizations
                        if _module == CHECKING
                        else work.signing_canonicalizations
                    )
                    counter[document["id"]] += 1
                return original(document, *args, **kwargs)

            monkeypatch.setattr(module, "canonicalize", counted)

    did_signer = did_web_module.did_signer

    async def counted_did_signer(*args: Any) -> Any:
        work.signer_lookups += work.counting
        return await did_signer(*args)

    monkeypatch.setattr(did_web_module, "did_signer", counted_did_signer)

    class CountedMultikeyManager(MultikeyManager):
        async def resolve_and_bind_kid(self, kid: str) -> Any:
            work.signer_lookups += work.counting
            return await super().resolve_and_bind_kid(kid)

    # our suite's own lookup (ACA-Py's verification key strategy checks the method once more,
    # before it asks for a suite, whatever suite it is)
    monkeypatch.setattr(suite_module, "MultikeyManager", CountedMultikeyManager)
    return work


class Responder:
    """Stands in for the DIDComm transport: the offer goes nowhere."""

    async def send(self, message: Any, connection_id: str) -> None:
        """Drop the message."""


async def offer(college: Any, credential: dict, monkeypatch: pytest.MonkeyPatch) -> dict:
    """Offer ``credential`` as the send-offer route does; the ``ld_proof`` detail offered."""
    offered: list[dict] = []

    async def ready_connection(_session: Any, connection_id: str) -> Any:
        return SimpleNamespace(connection_id=connection_id, is_ready=True)

    class CredManager:
        def __init__(self, _profile: Any) -> None:
            pass

        async def create_offer(self, record: Any, comment: Any = None) -> tuple[Any, Any]:
            offered.append(record.cred_proposal.attachment(V20CredFormat.Format.LD_PROOF))
            return SimpleNamespace(cred_ex_id="issue-once"), None

    monkeypatch.setattr(issuer_module.ConnRecord, "retrieve_by_id", ready_connection)
    monkeypatch.setattr(issuer_module, "V20CredManager", CredManager)
    monkeypatch.setattr(issuer_module, "BaseResponder", Responder)
    college.profile.context.injector.bind_instance(Responder, Responder())
    await BadgeIssuer(college.profile).offer("learner", credential)
    return json.loads(json.dumps(offered[0]))  # as it travels, and comes back in the request


async def issue_by_offer(college: Any, credential: dict, monkeypatch: pytest.MonkeyPatch) -> dict:
    """Offer ``credential``, then sign the learner's request as ACA-Py's ld_proof handler does."""
    detail = LDProofVCDetail.deserialize(await offer(college, credential, monkeypatch))
    vc = await VcLdpManager(college.profile).issue(detail.credential, detail.options)
    return vc.serialize()


async def first_issuance(college: Any, work: Work, monkeypatch: pytest.MonkeyPatch) -> None:
    """A badge issued uncounted: a college's first one also publishes its status lists, signed."""
    work.counting = False
    await issue_by_offer(college, template(), monkeypatch)
    work.counting = True


async def verified(college: Any, credential: dict) -> None:
    async def resolve(method: str) -> bytes:
        return (await resolve_key(college.profile, method)).public_key

    await verify_proof(credential, resolve)


async def test_a_badge_is_checked_canonicalized_and_signed_once(college, work, monkeypatch):
    await first_issuance(college, work, monkeypatch)
    signed = await issue_by_offer(college, template(), monkeypatch)
    work.counting = False
    once = {"validations": 1, "check_canonicalizations": 1, "signing_canonicalizations": 1}
    assert work.of([signed["id"]]) == {signed["id"]: once}
    assert work.signer_lookups == 1
    await verified(college, signed)


async def test_a_clr_and_what_it_bundles_are_each_checked_and_signed_once(
    college, work, monkeypatch
):
    await first_issuance(college, work, monkeypatch)
    clr = {
        "name": "Advanced Manufacturing transcript",
        "credentialSubject": {
            "type": ["ClrSubject"],
            "id": template()["credentialSubject"]["id"],
            "verifiableCredential": [badge("Welding I"), badge("Blueprint Reading")],
        },
    }
    signed = await issue_by_offer(college, clr, monkeypatch)
    work.counting = False
    nested = signed["credentialSubject"]["verifiableCredential"]
    once = {"validations": 1, "check_canonicalizations": 1, "signing_canonicalizations": 1}
    # the CLR's schema covers the badges it bundles: one validation for all
    bundled = {**once, "validations": 0}
    assert work.of([signed["id"]]) == {signed["id"]: once}
    assert work.of([item["id"] for item in nested]) == {item["id"]: bundled for item in nested}
    assert work.signer_lookups == 1
    for credential in [signed, *nested]:
        await verified(college, credential)


async def test_a_credential_changed_after_the_offer_is_checked_again(college, work, monkeypatch):
    """Only the very document the issuer checked skips the suite's check."""
    changed = await offer(college, template(), monkeypatch)
    del changed["credential"]["credentialSubject"]["achievement"]["criteria"]
    detail = LDProofVCDetail.deserialize(changed)
    with pytest.raises(Exception, match="criteria"):
        await VcLdpManager(college.profile).issue(detail.credential, detail.options)
    assert work.validations[changed["credential"]["id"]] == 2
    assert work.signer_lookups == 2  # the suite looked the key up itself


def test_only_the_offering_profile_and_method_take_a_prepared_signer() -> None:
    prepared, issuer, other = PreparedCredentials(limit=2), object(), object()

    async def sign(data: bytes) -> bytes:
        return data

    prepared.add({"id": "a"}, ReadyToSign(issuer, "did:x#key-1", sign))  # type: ignore[arg-type]
    assert prepared.take(other, {"id": "a"}, "did:x#key-1") is None  # type: ignore[arg-type]
    assert prepared.take(issuer, {"id": "a"}, "did:x#key-2") is None  # type: ignore[arg-type]
    assert prepared.take(issuer, {"id": "b"}, "did:x#key-1") is None  # type: ignore[arg-type]
    assert prepared.take(issuer, {"id": "a"}, "did:x#key-1") is sign  # type: ignore[arg-type]
    assert prepared.take(issuer, {"id": "a"}, "did:x#key-1") is None  # type: ignore[arg-type]
    for name in "cde":
        prepared.add({"id": name}, ReadyToSign(issuer, "m", sign))  # type: ignore[arg-type]
    assert len(prepared) == 2  # the oldest offer is forgotten
