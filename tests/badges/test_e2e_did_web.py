"""did:web for colleges, bound to did:ler: served over TLS by the college's node, named both ways
on the ledger, following key rotation, and checked both ways by the employer's verifier.

Real processes: the session's network (anvil, ACA-Py agents on 127.0.0.1) with the local test CA
the launcher made; every HTTPS request here trusts only that CA.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from netkit import Network as SessionNetwork

from ler_chain import LedgerClient, NetworkDescriptor
from ler_chain.did_document import ed25519_multikey
from ler_node.network import flows
from ler_node.network.admin import AdminClient
from ler_node.network.local_tls import tls_files

from .test_e2e_badges import Network, certificate, issue

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def net(network: SessionNetwork) -> AsyncIterator[Network]:
    """The session's network, the college accredited, the learner connected (made once)."""
    admins = {a.id: network.admin(a.id) for a in network.spec.agents}
    try:
        net = Network(network.spec, network.info, network.data_dir, admins)
        await flows.set_accreditation(admins["state"], net.college_did, "Certificate", "accredit")
        net.college_to_learner, _ = await network.connection(admins, "college", "learner")
        created = await admins["learner"].post(
            "/wallet/did/create", {"method": "key", "options": {"key_type": "ed25519"}}
        )
        net.learner_did = created["result"]["did"]
        yield net
    finally:
        for client in admins.values():
            await client.close()


def trusting_the_test_ca(data_dir: Path) -> ssl.SSLContext:
    """A client context that trusts only the local network's test CA."""
    return ssl.create_default_context(cafile=str(tls_files(data_dir).ca_file))


async def fetch_json(url: str, context: ssl.SSLContext) -> tuple[int, str, Any]:
    async with aiohttp.ClientSession() as session, session.get(url, ssl=context) as response:
        return response.status, response.content_type, await response.json(content_type=None)


def did_json_url(did_web: str) -> str:
    return (
        "https://"
        + did_web.removeprefix("did:web:").replace("%3A", ":")
        + ("/.well-known/did.json")
    )


async def ledger_record(net: Network, did: str) -> Any:
    async with LedgerClient(NetworkDescriptor.load(Path(net.info.descriptor))) as reader:
        return await reader.dids.resolve(did)


async def test_the_college_serves_its_did_web_over_tls_bound_to_its_did_ler(net: Network) -> None:
    college = net.admins["college"]
    bound = await college.post("/ler/badges/did-web/bind", {})
    assert bound["did"] == net.college_did and bound["bound"]
    did_web = bound["did_web"]
    assert did_web.startswith("did:web:localhost%3A")

    status, media, document = await fetch_json(
        did_json_url(did_web), trusting_the_test_ca(net.data_dir)
    )
    assert status == 200 and media == "application/did+json"
    record = await ledger_record(net, net.college_did)
    assert document["id"] == did_web
    assert document["alsoKnownAs"] == [net.college_did]  # did:web -> did:ler
    assert record.also_known_as == did_web  # did:ler -> did:web, on the ledger
    assert document["assertionMethod"] == [f"{did_web}#key-1"]
    assert document["verificationMethod"][0]["publicKeyMultibase"] == ed25519_multikey(
        record.verkey
    )
    # it is really TLS: a client that does not trust the test CA refuses the certificate
    with pytest.raises(aiohttp.ClientConnectorCertificateError):
        await fetch_json(did_json_url(did_web), ssl.create_default_context())


async def test_badges_are_issued_under_the_did_web_and_verified_both_ways(net: Network) -> None:
    stored = await issue(net, certificate(net, "Hydraulics I"))
    credential = stored["cred_value"]
    did_web = credential["issuer"]["id"]
    assert did_web.startswith("did:web:") and credential["proof"]["verificationMethod"] == (
        f"{did_web}#key-1"
    )
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    statuses = credential["credentialStatus"]
    assert [s["statusPurpose"] for s in statuses] == ["revocation", "suspension"]
    assert all(s["statusListCredential"].startswith("https://localhost:") for s in statuses)
    # the served status lists are signed under the did:web too, so did:web verifiers check them
    status, _, served = await fetch_json(
        statuses[1]["statusListCredential"], trusting_the_test_ca(net.data_dir)
    )
    assert status == 200 and served["issuer"] == did_web
    assert served["credentialSubject"]["statusPurpose"] == "suspension"

    employer = net.admins["employer"]
    verdict = await employer.post("/ler/badges/verify", {"credential": credential})
    assert verdict["verified"], verdict["reasons"]
    checks = {c["name"]: c for c in verdict["checks"]}
    assert checks["binding"]["outcome"] == "passed"
    assert net.college_did in checks["binding"]["detail"]
    assert checks["accreditation"]["outcome"] == "passed"  # the did:ler's accreditation
    assert "anchored on the ledger" in checks["status"]["detail"]


async def test_a_did_web_the_ledger_does_not_name_back_is_not_trusted(net: Network) -> None:
    """rival's did:web is served (naming rival's did:ler) but not yet bound on the ledger."""
    rival = net.admins["rival"]
    state = await rival.get("/ler/badges/did-web")
    assert not state["bound"] and state["also_known_as"] is None
    # a credential rival's did:web signs with the right key: only the binding is missing
    from_rival = await _issue_directly_as(net, rival)
    verdict = await net.admins["employer"].post("/ler/badges/verify", {"credential": from_rival})
    binding = next(c for c in verdict["checks"] if c["name"] == "binding")
    assert binding["outcome"] == "failed" and binding["code"] == "not-bound"
    assert "the two must name each other" in binding["detail"]
    assert not verdict["verified"]


async def test_rotating_the_did_ler_key_changes_what_the_did_web_serves(net: Network) -> None:
    rival = net.admins["rival"]
    did = net.info.agent("rival").did
    bound = await rival.post("/ler/badges/did-web/bind", {})
    context = trusting_the_test_ca(net.data_dir)
    _, _, before = await fetch_json(did_json_url(bound["did_web"]), context)
    rotated = await rival.post(f"/ler/did/{did}/rotate-key", {})
    _, _, after = await fetch_json(did_json_url(bound["did_web"]), context)
    record = await ledger_record(net, did)
    assert after["verificationMethod"][0]["publicKeyMultibase"] == ed25519_multikey(record.verkey)
    assert after["verificationMethod"] != before["verificationMethod"]
    assert rotated["verkey"] != before["verificationMethod"][0]["publicKeyMultibase"]
    assert record.also_known_as == bound["did_web"]  # rotation keeps the binding
    # what the new key signs verifies, bound both ways
    credential = await _issue_directly_as(net, rival)
    verdict = await net.admins["employer"].post(
        "/ler/badges/verify", {"credential": credential, "require_accreditation": False}
    )
    assert verdict["verified"], verdict["reasons"]


async def _issue_directly_as(net: Network, issuer: AdminClient) -> dict[str, Any]:
    """A badge the issuer signs with ACA-Py's W3C route (no learner needed)."""
    checked = await issuer.post(
        "/ler/badges/credentials/check", {"credential": certificate(net, "Rigging")}
    )
    credential = checked["credential"]
    credential.pop("credentialStatus")  # provisional entries: not needed for this check
    signed = await issuer.post(
        "/vc/credentials/issue",
        {
            "credential": credential,
            "options": {
                "proofType": "DataIntegrityProof",
                "verificationMethod": credential["issuer"]["id"] + "#key-1",
            },
        },
    )
    return signed["verifiableCredential"]
