"""A college's badge, issued through the network, verified by the library behind VerifierPlus.

``@digitalcredentials/verifier-core`` (pinned in ledger_config/package.json) runs in Node
(``verifier_core_driver.mjs``) and resolves the college's did:web live from its node over TLS,
trusting the local network's test CA through ``NODE_EXTRA_CA_CERTS`` (a copy of the bundle Node
already trusts, plus the test CA). It fetches the revocation and suspension lists from the same
node, and looks the issuer up in the state's issuer registry, configured as verifiers configure
it: a ``dcc-legacy`` entry naming the URL the state's agent gives (``GET
/ler/badges/issuer-registry``). Its OB 3.0 schema check downloads the schema from the internet,
which tests cannot reach: it is asserted as not run, never as passed.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from ler_badges import add_proof, did_key_verification_method, local_signer, public_key_of
from ler_node.network.local_tls import tls_files

from .test_e2e_badges import Network, certificate, issue
from .test_e2e_did_web import fetch_json, net, trusting_the_test_ca  # noqa: F401  (net: fixture)

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("verifier_core_driver.mjs")
NODE_MODULES = ROOT / "ledger_config" / "node_modules"
SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


@pytest.fixture(scope="module")
def ca_bundle(net: Network, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    """What Node already trusts, plus the local network's test CA."""
    bundle = tmp_path_factory.mktemp("node-ca") / "bundle.pem"
    base = os.environ.get("NODE_EXTRA_CA_CERTS") or SYSTEM_BUNDLE
    text = Path(base).read_text("utf-8") if Path(base).is_file() else ""
    bundle.write_text(text + "\n" + tls_files(net.data_dir).ca_file.read_text("utf-8"), "utf-8")
    return bundle


@pytest.fixture(scope="module")
async def state_registry(net: Network) -> list[dict[str, str]]:  # noqa: F811
    """verifier-core's ``knownDIDRegistries``: the state's registry, as a verifier adds it."""
    url = (await net.admins["state"].get("/ler/badges/issuer-registry"))["url"]
    return [{"type": "dcc-legacy", "name": "State LER issuer registry", "url": url}]


async def verifier_core(
    credential: dict[str, Any],
    ca_bundle: Path | None,
    registries: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """verifier-core's answer for ``credential`` (trusting ``ca_bundle`` for https)."""
    node = shutil.which("node")
    assert node, "Node.js is needed (make deps installs the npm toolchain it runs)"
    env = {
        **os.environ,
        "LER_NODE_MODULES": str(NODE_MODULES),
        "LER_KNOWN_DID_REGISTRIES": json.dumps(registries or []),
    }
    env.pop("NODE_EXTRA_CA_CERTS", None)
    if ca_bundle is not None:
        env["NODE_EXTRA_CA_CERTS"] = str(ca_bundle)
    process = await asyncio.create_subprocess_exec(
        node,
        str(DRIVER),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    out, err = await asyncio.wait_for(process.communicate(json.dumps(credential).encode()), 60)
    assert process.returncode == 0, err.decode()
    return {**json.loads(out), "stderr": err.decode()}


def steps(result: dict[str, Any]) -> dict[str, Any]:
    """verifier-core's log, by step id: the valid flag (or the whole step)."""
    assert not result.get("errors"), result["errors"]
    return {step["id"]: step.get("valid") for step in result["log"]}


def registry_step(result: dict[str, Any]) -> dict[str, Any]:
    """verifier-core's ``registered_issuer`` step, whole: matching issuers, unchecked registries."""
    return next(step for step in result["log"] if step["id"] == "registered_issuer")


def schema_check(result: dict[str, Any]) -> str:
    """``passed``, ``failed``, or ``skipped for network`` when the schema could not be fetched."""
    entry = next(e for e in result["additionalInformation"] if e["id"] == "schema_check")
    results = entry["results"]
    if isinstance(results, list):
        return "passed" if all(item["result"].get("valid") for item in results) else "failed"
    if "Error fetching schema" in result["stderr"]:
        return "skipped for network"
    return f"not run: {results}"


async def test_verifier_core_verifies_the_badge_resolving_the_did_web_live(
    net: Network,  # noqa: F811
    ca_bundle: Path,
    state_registry: list[dict[str, str]],
) -> None:
    stored = await issue(net, certificate(net, "Metrology I"))
    credential = stored["cred_value"]
    assert credential["issuer"]["id"].startswith("did:web:localhost%3A")

    result = await verifier_core(credential, ca_bundle, state_registry)
    log = steps(result)
    assert log["valid_signature"] is True
    assert log["expiration"] is True
    assert log["revocation_status"] is True and log["suspension_status"] is True
    # found in the state's registry under its did:web, shown by the name the launcher gave it
    assert log["registered_issuer"] is True
    registered = registry_step(result)
    assert registered["uncheckedRegistries"] == []
    [match] = registered["matchingIssuers"]
    college = next(a for a in net.spec.agents if a.id == "college")
    assert match["issuer"]["federation_entity"]["organization_name"] == college.name
    assert match["issuer"]["federation_entity"]["location"].endswith("(example)")
    assert (
        match["registry"]["institution_additional_information"]["legacy_list"]
        == (state_registry[0]["url"])
    )
    # the OB 3.0 schema is fetched from the internet: not run here, and never counted as passed
    assert schema_check(result) == "skipped for network"

    # without the test CA, Node cannot fetch the did:web document: verifier-core says so as
    # an invalid signature (so the pass above came from the college's node, over TLS)
    untrusted = await verifier_core(credential, None)
    assert [error["name"] for error in untrusted["errors"]] == ["invalid_signature"]


async def test_verifier_core_shows_a_suspended_badge_suspended_and_a_revoked_one_revoked(
    net: Network,  # noqa: F811
    ca_bundle: Path,
) -> None:
    stored = await issue(net, certificate(net, "Metrology II"))
    credential = stored["cred_value"]
    college = net.admins["college"]
    path = f"/ler/badges/credentials/{quote(stored['given_id'], safe='')}/status"

    await college.post(path, {"status": "suspended"})
    log = steps(await verifier_core(credential, ca_bundle))
    assert (log["revocation_status"], log["suspension_status"]) == (True, False)

    await college.post(path, {"status": "valid"})
    log = steps(await verifier_core(credential, ca_bundle))
    assert (log["revocation_status"], log["suspension_status"]) == (True, True)

    await college.post(path, {"status": "revoked"})
    log = steps(await verifier_core(credential, ca_bundle))
    assert log["revocation_status"] is False and log["valid_signature"] is True


async def test_the_state_registry_lists_the_college_under_both_dids_with_its_example_profile(
    net: Network,  # noqa: F811
    state_registry: list[dict[str, str]],
) -> None:
    did_web = (await net.admins["college"].post("/ler/badges/did-web/bind", {}))["did_web"]
    status, _, document = await fetch_json(
        state_registry[0]["url"], trusting_the_test_ca(net.data_dir)
    )
    assert status == 200
    entry = document["registry"][net.college_did]
    assert document["registry"][did_web] == entry
    assert entry["dids"] == [net.college_did, did_web]
    assert entry["ctid"].startswith("ce-00000000-")  # the local network's made-up example
    assert document["issuer"]["id"] == str(net.info.agent("state").did)  # and signed


async def test_verifier_core_shows_an_issuer_outside_the_registry_as_not_registered(
    net: Network,  # noqa: F811
    ca_bundle: Path,
    state_registry: list[dict[str, str]],
) -> None:
    """A well-signed badge from a did:key the state never accredited: checked, not found."""
    stored = await issue(net, certificate(net, "Metrology IV"))
    unlisted = {
        k: v for k, v in stored["cred_value"].items() if k not in ("proof", "credentialStatus")
    }
    seed = os.urandom(32)
    method = did_key_verification_method(public_key_of(seed))
    unlisted["issuer"] = {
        "id": method.split("#")[0],
        "type": ["Profile"],
        "name": "Unlisted Academy",
    }
    signed = await add_proof(unlisted, sign=local_signer(seed), verification_method=method)

    result = await verifier_core(signed, ca_bundle, state_registry)
    log = steps(result)
    assert log["valid_signature"] is True  # so the refusal below is the registry's alone
    assert log["registered_issuer"] is False
    registered = registry_step(result)
    assert registered["matchingIssuers"] == [] and registered["uncheckedRegistries"] == []
