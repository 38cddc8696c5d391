"""Fixtures for the tails server: real anoncreds tails files and in-process servers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from tails_testkit import ClientFactory, RealTails

from ler_tails import create_app


@pytest.fixture(scope="session")
def real_tails_factory(tmp_path_factory: pytest.TempPathFactory) -> Callable[[int], RealTails]:
    """Make real tails files (one credential definition, cached per registry size)."""
    import anoncreds

    issuer = "did:example:ler-issuer"
    schema = anoncreds.Schema.create("ler", "1.0", issuer, ["name"])
    cred_def, _private, _proof = anoncreds.CredentialDefinition.create(
        f"{issuer}/schema", schema, issuer, "default", "CL", support_revocation=True
    )
    made: dict[int, RealTails] = {}

    def make(max_cred_num: int) -> RealTails:
        if max_cred_num not in made:
            tails_dir = tmp_path_factory.mktemp(f"tails-{max_cred_num}")
            rev_reg_def, _ = anoncreds.RevocationRegistryDefinition.create(
                f"{issuer}/cred-def",
                cred_def,
                issuer,
                f"tag{max_cred_num}",
                "CL_ACCUM",
                max_cred_num,
                tails_dir_path=str(tails_dir),
            )
            definition = rev_reg_def.to_dict()
            value = definition["value"]
            made[max_cred_num] = RealTails(
                Path(value["tailsLocation"]), value["tailsHash"], definition, max_cred_num
            )
        return made[max_cred_num]

    return make


@pytest.fixture(scope="session")
def real_tails(real_tails_factory: Callable[[int], RealTails]) -> RealTails:
    """A small real tails file (registry of 4 credentials)."""
    return real_tails_factory(4)


@pytest.fixture
def storage(tmp_path: Path) -> Path:
    """The store directory of the server under test."""
    return tmp_path / "tails-store"


@pytest.fixture
async def make_client(storage: Path) -> AsyncIterator[ClientFactory]:
    """Start in-process tails servers on 127.0.0.1 (``create_app`` options as keywords)."""
    clients: list[TestClient] = []

    async def make(**options: Any) -> TestClient:
        client = TestClient(TestServer(create_app(storage, **options), host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def client(make_client: ClientFactory) -> TestClient:
    """An in-process tails server with the default settings."""
    return await make_client()
