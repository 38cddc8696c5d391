"""The did:ler Universal Resolver driver: documents, metadata, versions, errors, the process."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from chaintime import later_second

from ler_chain import LedgerClient, LerDid, LocalSigner, NetworkDescriptor
from ler_chain.did_document import ed25519_multikey
from ler_node.processes import free_port
from ler_resolver import create_app
from ler_resolver.__main__ import main

RESOLUTION = 'application/ld+json;profile="https://w3id.org/did-resolution"'


async def anchor(state: LedgerClient, endpoint: str = "") -> tuple[LerDid, LocalSigner, bytes]:
    """A college DID created through endorsement (the college has no ledger role)."""
    author, verkey = LocalSigner.generate(), os.urandom(32)
    await state.submit(
        await state.sign_for_endorsement(state.dids.create(verkey, endpoint), author)
    )
    return LerDid.from_verkey(state.descriptor.network, verkey), author, verkey


async def endorse(state: LedgerClient, write, author: LocalSigner) -> None:
    await state.submit(await state.sign_for_endorsement(write, author))


@pytest.fixture
async def driver(descriptor: NetworkDescriptor) -> AsyncIterator[TestClient]:
    client = TestClient(TestServer(create_app(descriptor), host="127.0.0.1"))
    await client.start_server()
    yield client
    await client.close()


async def get(client: TestClient, did: str, **query: str) -> tuple[int, dict, str]:
    response = await client.get(f"/1.0/identifiers/{did}", params=query)
    return response.status, await response.json(content_type=None), response.content_type


async def test_resolves_a_college_did(state_client: LedgerClient, driver: TestClient) -> None:
    did, _, verkey = await anchor(state_client, "https://college.example/didcomm")
    status, body, _ = await get(driver, str(did))
    assert status == 200
    response = await driver.get(f"/1.0/identifiers/{did}")
    assert response.headers["Content-Type"] == RESOLUTION
    document = body["didDocument"]
    assert document["id"] == str(did)
    [method] = document["verificationMethod"]
    assert method["type"] == "Multikey"
    assert method["publicKeyMultibase"] == ed25519_multikey(verkey)
    assert document["assertionMethod"] == [method["id"]] == [f"{did}#key-1"]
    assert document["service"][0]["serviceEndpoint"] == "https://college.example/didcomm"
    metadata = body["didDocumentMetadata"]
    assert metadata["deactivated"] is False and metadata["versionId"] == "1"
    assert metadata["created"] == metadata["updated"]
    assert metadata["created"].endswith("Z")
    assert body["didResolutionMetadata"]["contentType"] == "application/did+ld+json"
    assert "retrieved" in body["didResolutionMetadata"]


async def test_document_only_with_did_accept_header(
    state_client: LedgerClient, driver: TestClient
) -> None:
    did, _, _ = await anchor(state_client)
    response = await driver.get(
        f"/1.0/identifiers/{did}", headers={"Accept": "application/did+ld+json"}
    )
    assert response.status == 200
    assert response.content_type == "application/did+ld+json"
    assert (await response.json(content_type=None))["id"] == str(did)


async def test_versions_by_time_and_number(state_client: LedgerClient, driver: TestClient) -> None:
    did, author, old_key = await anchor(state_client)
    _, first, _ = await get(driver, str(did))
    created = first["didDocumentMetadata"]["created"]
    await later_second(state_client.descriptor)
    new_key = os.urandom(32)
    await endorse(state_client, state_client.dids.update(did, new_key, ""), author)

    _, now, _ = await get(driver, str(did))
    assert now["didDocumentMetadata"]["versionId"] == "2"
    assert now["didDocument"]["verificationMethod"][0]["publicKeyMultibase"] == ed25519_multikey(
        new_key
    )
    assert "nextVersionId" not in now["didDocumentMetadata"]

    for query in ({"versionTime": created}, {"versionId": "1"}):
        status, old, _ = await get(driver, str(did), **query)
        assert status == 200, old
        key = old["didDocument"]["verificationMethod"][0]["publicKeyMultibase"]
        assert key == ed25519_multikey(old_key)
        assert old["didDocumentMetadata"]["versionId"] == "1"
        assert old["didDocumentMetadata"]["nextVersionId"] == "2"
        assert old["didDocumentMetadata"]["nextUpdate"] == now["didDocumentMetadata"]["updated"]

    status, body, _ = await get(driver, str(did), versionTime="2001-01-01T00:00:00Z")
    assert status == 404 and body["didResolutionMetadata"]["error"] == "notFound"


async def test_deactivated_did_is_410(state_client: LedgerClient, driver: TestClient) -> None:
    did, author, _ = await anchor(state_client)
    await endorse(state_client, state_client.dids.deactivate(did), author)
    status, body, _ = await get(driver, str(did))
    assert status == 410
    assert body["didDocumentMetadata"]["deactivated"] is True
    assert "verificationMethod" not in body["didDocument"]


@pytest.mark.parametrize(
    ("did", "query", "status", "error"),
    [
        ("not-a-did", {}, 400, "invalidDid"),
        ("did:ler:local:0OIl", {}, 400, "invalidDid"),
        ("did:web:college.example", {}, 501, "methodNotSupported"),
        ("did:ler:elsewhere:WgWxqztrNooG92RXvxSTWv", {}, 400, "invalidDid"),
        ("did:ler:local:WgWxqztrNooG92RXvxSTWv", {}, 404, "notFound"),
        (
            "did:ler:local:WgWxqztrNooG92RXvxSTWv",
            {"versionTime": "yesterday"},
            400,
            "invalidOptions",
        ),
        ("did:ler:local:WgWxqztrNooG92RXvxSTWv", {"versionId": "0"}, 400, "invalidOptions"),
        *(
            ("did:ler:local:WgWxqztrNooG92RXvxSTWv", {"versionId": bad}, 400, "invalidOptions")
            for bad in ("4294967296", "\u00b2", "\u0661", "-1", "01", "1.0", "", "9" * 400)
        ),
        *(
            ("did:ler:local:WgWxqztrNooG92RXvxSTWv", {"versionTime": bad}, 400, "invalidOptions")
            for bad in (
                "0001-01-01T00:00:00Z",
                "1969-12-31T23:59:59Z",
                "2026-05-01",
                "2026-05-01T00:00:00",
                "2026-02-30T00:00:00Z",
                "2026-05-01T00:00:00+24:00",
                "\u0662\u0660\u0662\u0666-05-01T00:00:00Z",
                "",
            )
        ),
        ("did:ler:local:WgWxqztrNooG92RXvxSTWv", {"versionId": "4294967295"}, 404, "notFound"),
        (
            "did:ler:local:WgWxqztrNooG92RXvxSTWv",
            {"versionTime": "9999-12-31T23:59:59.999999999Z"},
            404,
            "notFound",
        ),
        (
            "did:ler:local:WgWxqztrNooG92RXvxSTWv",
            {"versionTime": "1970-01-01T00:00:00Z"},
            404,
            "notFound",
        ),
        (
            "did:ler:local:WgWxqztrNooG92RXvxSTWv",
            {"versionId": "1", "versionTime": "2026-01-01T00:00:00Z"},
            400,
            "invalidOptions",
        ),
    ],
)
async def test_errors_follow_did_resolution(
    driver: TestClient, did: str, query: dict, status: int, error: str
) -> None:
    got, body, _content_type = await get(driver, did, **query)
    assert (got, body["didResolutionMetadata"]["error"]) == (status, error)
    assert body["didDocument"] is None
    assert body["didResolutionMetadata"]["errorMessage"]


async def test_methods_and_health(driver: TestClient) -> None:
    assert await (await driver.get("/1.0/methods")).json() == ["ler"]
    health = await (await driver.get("/health")).json()
    assert health["status"] == "ok" and health["network"] == "local" and health["block"] > 0


async def test_unreachable_ledger_is_an_internal_error(descriptor: NetworkDescriptor) -> None:
    dead = descriptor.with_rpc_url(f"http://127.0.0.1:{free_port()}")
    async with TestClient(TestServer(create_app(dead), host="127.0.0.1")) as client:
        status, body, _ = await get(client, "did:ler:local:WgWxqztrNooG92RXvxSTWv")
        assert status == 500 and body["didResolutionMetadata"]["error"] == "internalError"
        assert (await client.get("/health")).status == 503


def test_cli_refuses_a_missing_descriptor(tmp_path: Path) -> None:
    assert main(["--descriptor", str(tmp_path / "none.json"), "--port", "1"]) == 2


async def test_runs_as_its_own_process(ledger, state_client: LedgerClient) -> None:
    did, _, _ = await anchor(state_client)
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ler_resolver",
        "--descriptor",
        str(ledger.descriptor_file),
        "--port",
        str(port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        url = f"http://127.0.0.1:{port}/1.0/identifiers/{did}"
        deadline = time.monotonic() + 30
        async with aiohttp.ClientSession() as session:
            while True:
                try:
                    async with session.get(url) as response:
                        body = await response.json(content_type=None)
                        break
                except aiohttp.ClientConnectionError:
                    assert process.returncode is None, "the resolver exited early"
                    assert time.monotonic() < deadline, "the resolver did not start"
                    await asyncio.sleep(0.2)
        assert response.status == 200
        assert body["didDocument"]["id"] == str(did)
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 10)


async def test_other_network_is_refused_with_what_to_do(driver: TestClient) -> None:
    _, body, _ = await get(driver, "did:ler:other:WgWxqztrNooG92RXvxSTWv")
    assert body["didResolutionMetadata"]["errorMessage"] == (
        "did:ler:other:WgWxqztrNooG92RXvxSTWv belongs to network 'other', but this driver "
        "resolves DIDs of network 'local' only; ask a resolver of network 'other'"
    )


async def test_invalid_version_says_what_to_send(driver: TestClient) -> None:
    _, body, _ = await get(driver, "did:ler:local:WgWxqztrNooG92RXvxSTWv", versionId="\u00b2")
    assert body["didResolutionMetadata"]["errorMessage"] == (
        "versionId '\u00b2' is not a version number: use 1, 2, ... up to 4294967295 "
        "(the didDocumentMetadata versionId of a resolution)"
    )
    _, body, _ = await get(
        driver, "did:ler:local:WgWxqztrNooG92RXvxSTWv", versionTime="0001-01-01T00:00:00Z"
    )
    assert body["didResolutionMetadata"]["errorMessage"] == (
        "versionTime '0001-01-01T00:00:00Z' is before 1970-01-01T00:00:00Z; "
        "the ledger has no DIDs then"
    )


@pytest.mark.parametrize(
    ("method", "path", "status", "error"),
    [
        ("GET", "/nope", 404, None),
        ("GET", "/1.0/identifiers/", 404, "notFound"),
        ("GET", "/1.0/identifiers/did:ler:local:x/extra", 404, "notFound"),
        ("POST", "/1.0/identifiers/did:ler:local:WgWxqztrNooG92RXvxSTWv", 405, "invalidOptions"),
        ("DELETE", "/health", 405, None),
    ],
)
async def test_other_routes_and_methods_answer_json(
    driver: TestClient, method: str, path: str, status: int, error: str | None
) -> None:
    response = await driver.request(method, path)
    assert response.status == status
    body = await response.json(content_type=None)
    if error is None:
        assert body["errorMessage"].startswith(f"{response.reason}: {method} {path}")
    else:
        assert body["didResolutionMetadata"]["error"] == error


async def test_serves_its_openapi_document(driver: TestClient) -> None:
    document = await (await driver.get("/openapi.json")).json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {"/1.0/identifiers/{did}", "/1.0/methods", "/health"}
