"""Fixtures for the tails server: real anoncreds tails files, registries on a real anvil ledger
and in-process servers checking uploads against that ledger."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from tails_testkit import ClientFactory, RealTails, Register, register_on_ledger

from ler_chain import LedgerClient, LocalSigner, NetworkDescriptor, RevRegDefId
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


@pytest.fixture(scope="session")
async def register(descriptor: NetworkDescriptor, trustee: LocalSigner) -> AsyncIterator[Register]:
    """Put a revocation registry naming a tails hash on the ledger (once per hash)."""
    done: dict[str, RevRegDefId] = {}
    async with LedgerClient(descriptor, trustee) as state:

        async def on_ledger(tails_hash: str) -> RevRegDefId:
            if tails_hash not in done:
                done[tails_hash] = await register_on_ledger(state, tails_hash)
            return done[tails_hash]

        yield on_ledger


@pytest.fixture
async def make_client(storage: Path, descriptor: NetworkDescriptor) -> AsyncIterator[ClientFactory]:
    """Start in-process tails servers on 127.0.0.1 (``create_app`` options as keywords)."""
    clients: list[TestClient] = []

    async def make(**options: Any) -> TestClient:
        app = create_app(storage, descriptor, **options)
        client = TestClient(TestServer(app, host="127.0.0.1"))
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
