"""Fixtures for the Open Badges / CLR library tests: test vectors, fixtures, no network."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from ler_badges import KeyResolutionError, decode_multikey, did_key_resolver

from .vectors import OB3, SigningVector, load_vector


@pytest.fixture(scope="session", autouse=True)
def _shared_ob3_present() -> None:
    if not OB3.is_dir():
        pytest.fail(f"shared OB3 reference data not found at {OB3}")


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
