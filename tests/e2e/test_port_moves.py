"""A part started on a port picked free moves when another process takes that port first.

The tails server stands for every part here (agents and the ledger go through the same code):
it is a real process, quick to start. The squatter is a real socket on the port.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
import yaml

from ler_node.errors import PortInUseError
from ler_node.ledger.local import LedgerUp
from ler_node.network import launcher
from ler_node.network.launcher import start_tails, tails_process
from ler_node.network.spec import NetworkSpec


def quiet(_message: str) -> None:
    """Progress messages of the launcher, not shown."""


@pytest.fixture
def squatter() -> Iterator[socket.socket]:
    """A socket that can take a port from the parts under test."""
    with socket.socket() as sock:
        yield sock


def squat(sock: socket.socket, port: int) -> None:
    sock.bind(("127.0.0.1", port))
    sock.listen()


async def serves(url: str) -> bool:
    async with aiohttp.ClientSession() as session, session.get(url + "/health") as response:
        return response.status == 200


async def test_a_port_taken_before_the_start_moves_the_part(
    ledger: LedgerUp, tmp_path: Path, squatter: socket.socket
) -> None:
    spec = NetworkSpec.load().on_free_ports()
    taken = spec.tails.port
    squat(squatter, taken)
    try:
        await start_tails(spec, tmp_path, ledger.descriptor_file, quiet)
        assert spec.tails.port != taken
        assert await serves(spec.tails.url)
    finally:
        await tails_process(tmp_path).stop_async()


async def test_a_port_taken_while_the_part_starts_moves_it(
    ledger: LedgerUp, tmp_path: Path, squatter: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The port is free when checked and taken when the server binds it: its own error says so."""
    spec = NetworkSpec.load().on_free_ports()
    taken = spec.tails.port
    messages: list[str] = []
    checks: list[int] = []

    def check_then_lose_the_race(port: int, what: str, hint: str) -> None:
        checks.append(port)
        if port == taken:
            squat(squatter, port)

    monkeypatch.setattr(launcher, "require_free_port", check_then_lose_the_race)
    try:
        await start_tails(spec, tmp_path, ledger.descriptor_file, messages.append)
        assert checks == [taken, spec.tails.port]
        assert any("exited while starting" in m and "free port" in m for m in messages), messages
        assert await serves(spec.tails.url)
    finally:
        await tails_process(tmp_path).stop_async()


async def test_the_ports_of_a_network_file_never_move(
    ledger: LedgerUp, tmp_path: Path, squatter: socket.socket
) -> None:
    picked = NetworkSpec.load().on_free_ports()
    spec = NetworkSpec.model_validate(yaml.safe_load(yaml.safe_dump(picked.model_dump())))
    assert not spec.ports_movable
    squat(squatter, spec.tails.port)
    with pytest.raises(PortInUseError, match="tails server"):
        await start_tails(spec, tmp_path, ledger.descriptor_file, quiet)
    assert spec.tails.port == picked.tails.port
    assert tails_process(tmp_path).pid() is None
