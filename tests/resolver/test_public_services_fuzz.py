"""schemathesis against the public read-only HTTP services, each as its own process on 127.0.0.1:
the did:ler resolver (its own ``/openapi.json``, real anvil ledger) and a college's status-list
server (described here). No input may get a 5xx, a non-JSON error or a dropped connection.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import schemathesis
from fuzzkit import problems_with

from ler_chain import LedgerClient
from ler_node.ledger.local import LedgerUp
from ler_node.processes import free_port

from .test_resolver_driver import anchor


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Talk to the local services directly, whatever proxies the environment names."""
    for name in [k for k in os.environ if "proxy" in k.lower()]:
        monkeypatch.delenv(name)


def serve(command: list[str], port: int, log: Path) -> Iterator[str]:
    """Run ``command`` until its /health answers; yield its base URL; stop it."""
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, f"exited early:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"did not start:\n{log.read_text()}"
            try:
                if requests.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert "Traceback" not in log.read_text()


@pytest.fixture
def resolver(ledger: LedgerUp, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "ler_resolver", "--descriptor", str(ledger.descriptor_file)]
    yield from serve([*command, "--port", str(port)], port, tmp_path / "resolver.log")


async def test_resolver_openapi_fuzz(resolver: str, state_client: LedgerClient) -> None:
    did, _, _ = await anchor(state_client)  # a DID that resolves, next to the fuzzed ones

    def fuzz() -> tuple[list[str], int]:
        schema = schemathesis.openapi.from_url(f"{resolver}/openapi.json")
        known = requests.get(f"{resolver}/1.0/identifiers/{did}", timeout=10)
        problems = problems_with(schema, resolver)
        problems += problems_with(schema, resolver, {"did": str(did)})
        return problems, known.status_code

    assert await asyncio.to_thread(fuzz) == ([], 200)


STATUS_SERVER_API = {
    "openapi": "3.0.3",
    "info": {"title": "status lists", "version": "1"},
    "paths": {
        "/status-lists/{name}": {
            "get": {
                "parameters": [
                    {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {"200": {"description": "the list"}, "404": {"description": "none"}},
            }
        },
        "/health": {"get": {"responses": {"200": {"description": "ok"}}}},
    },
}


@pytest.fixture
def status_server(tmp_path: Path) -> Iterator[str]:
    directory = tmp_path / "lists"
    directory.mkdir()
    (directory / f"{'a' * 32}.json").write_text(json.dumps({"type": ["VerifiableCredential"]}))
    port = free_port()
    command = [sys.executable, "-m", "ler_badges.status_server", "--directory", str(directory)]
    yield from serve([*command, "--port", str(port)], port, tmp_path / "status.log")


def test_status_server_fuzz(status_server: str) -> None:
    schema = schemathesis.openapi.from_dict(STATUS_SERVER_API)
    assert problems_with(schema, status_server) == []
    served = requests.get(f"{status_server}/status-lists/{'a' * 32}", timeout=10)
    assert served.status_code == 200
    for path, error in (
        ("/status-lists/" + "b" * 32, "no such status list: GET /status-lists/" + "b" * 32),
        ("/nope", "Not Found: GET /nope"),
    ):
        response = requests.get(status_server + path, timeout=10)
        assert response.status_code == 404
        assert response.json()["error"] == (
            f"{error}; status lists are at GET /status-lists/<32 hex digits>"
        )
    refused = requests.post(f"{status_server}/health", timeout=10)
    assert refused.status_code == 405
    assert refused.json()["error"] == "Method Not Allowed: POST /health; use GET"
