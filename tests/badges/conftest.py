"""Fixtures for the Open Badges / CLR library tests: test vectors, fixtures, no network."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from ler_badges import KeyResolutionError, decode_multikey, did_key_resolver

from .vectors import OB3, SigningVector, load_vector


@pytest.fixture(scope="session", autouse=True)
def _ob3_fixtures_present() -> None:
    if not OB3.is_dir():
        pytest.fail(f"the vendored OB3 test data is missing at {OB3}: restore tests/fixtures/ob3")


@pytest.fixture(params=["ob", "clr"])
def vector(request: pytest.FixtureRequest) -> SigningVector:
    """Each 1EdTech test vector (OB 3.0 and CLR 2.0), parsed from its HTML page."""
    return load_vector(request.param)


@pytest.fixture
def ob_vector() -> SigningVector:
    """The OB 3.0 test vector."""
    return load_vector("ob")


def fixture_key_resolver(verification_method: str) -> bytes:
    """Test-only resolver for the 1EdTech fixtures' keys.

    The fixtures name keys as ``https://issuer.example/...#<multikey>``. A real verifier
    would dereference the issuer's profile or DID document; these hosts do not exist, so the
    key is decoded from the fragment. ``did:key`` is resolved as in production.
    """
    if verification_method.startswith("did:key:"):
        return did_key_resolver(verification_method)
    if verification_method.startswith("https://") and "#" in verification_method:
        return decode_multikey(verification_method.split("#", 1)[1])
    raise KeyResolutionError(f"test resolver cannot resolve {verification_method!r}")


@pytest.fixture
def network_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Record (and refuse) every attempt to resolve a host name or open a connection."""
    calls: list[str] = []

    def refuse(name: str):
        def blocked(*args, **kwargs):
            calls.append(f"{name}{args[1:] if name.startswith('socket.') else args}")
            raise OSError(f"network access attempted in a test: {name}")

        return blocked

    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.connect_ex"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    yield calls


# --- in-process agents (ACA-Py profiles with both plugins, the session's anvil) ------------------


@dataclass
class Agent:
    """An in-process agent: its profile, its public DID (if any) and its admin routes."""

    profile: Any
    did: str | None
    client: Any


@pytest.fixture(scope="session")
async def college(ledger: Any, trustee: Any, tmp_path_factory: pytest.TempPathFactory):
    """A college agent writing to the ledger directly (an ENDORSER), with a public did:ler DID.

    One per session, as the employer (each costs a wallet, a server and ledger writes).
    """
    from .agentkit import admin_client, close_profile, make_endorser, make_profile, settings

    lists = tmp_path_factory.mktemp("college-lists")
    profile = await make_profile(settings(ledger.descriptor_file, "endorser", lists))
    did = await make_endorser(profile, trustee)
    async with admin_client(profile) as client:
        yield Agent(profile, did, client)
    await close_profile(profile)


@pytest.fixture(scope="session")
async def employer(ledger: Any, tmp_path_factory: pytest.TempPathFactory):
    """An employer agent (no ledger role) that trusts the 1EdTech fixtures' issuer keys.

    It fetches status lists from 127.0.0.1, as the launcher's local network allows.
    """
    from .agentkit import admin_client, close_profile, make_profile, settings
    from .vectors import fixture_pinned_keys

    lists = tmp_path_factory.mktemp("employer-lists")
    agent_settings = settings(ledger.descriptor_file, "none", lists)
    agent_settings["plugin_config"]["ler_badges"]["verifier"] = {
        "pinned_keys": fixture_pinned_keys(),
        "http_timeout": 2,
    }
    # the college serves its lists on 127.0.0.1, as on the launcher's local network
    agent_settings["plugin_config"]["ler_badges"]["fetch"] = {"allow_hosts": ["127.0.0.1"]}
    profile = await make_profile(agent_settings)
    async with admin_client(profile) as client:
        yield Agent(profile, None, client)
    await close_profile(profile)
