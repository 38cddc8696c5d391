"""Stopping background processes (ler_node.processes.stop_all): all are asked before any is awaited.

A network's agents each take seconds to exit after SIGTERM; `ler-node network down` stops them
together, so those seconds do not add up, and each only until it logs that its wallet is closed.
"""

from __future__ import annotations

import asyncio
import re
import sys
import time
from pathlib import Path

import pytest

from ler_node.errors import ProcessStartError
from ler_node.network.launcher import all_or_none
from ler_node.processes import ProcessFiles, stop_all

# Notes when it is asked to stop, takes half a second to do so, notes when it exits.
SLOW_TO_STOP = """
import signal, sys, time
def stop(*_):
    print("term", time.time(), flush=True)
    time.sleep(0.5)
    print("exit", time.time(), flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
print("ready", flush=True)
time.sleep(120)
"""
# Closes its files when asked to stop, says so, then takes its time to exit.
LINGERING = """
import signal, time
def stop(*_):
    print("files closed", flush=True)
    time.sleep(120)
signal.signal(signal.SIGTERM, stop)
print("ready", flush=True)
time.sleep(120)
"""
DEAF = """
import signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("ready", flush=True)
time.sleep(120)
"""


def started(tmp_path: Path, code: str, count: int) -> list[ProcessFiles]:
    processes = [
        ProcessFiles(f"p{i}", tmp_path / f"p{i}.pid", tmp_path / f"p{i}.log") for i in range(count)
    ]
    for files in processes:
        files.start([sys.executable, "-c", code])
    deadline = time.monotonic() + 30
    for files in processes:  # each has its handler in place and its line written whole
        while not re.search(r"^ready.*\n", files.log_file.read_text(), re.MULTILINE):
            assert time.monotonic() < deadline, files.log_file.read_text()
            time.sleep(0.02)
    return processes


def noted(files: ProcessFiles, what: str) -> float:
    [line] = [line for line in files.log_file.read_text().splitlines() if line.startswith(what)]
    return float(line.split()[1])


def test_every_process_is_asked_to_stop_before_any_is_awaited(tmp_path: Path) -> None:
    processes = started(tmp_path, SLOW_TO_STOP, 3)
    assert stop_all(processes) == [True, True, True]
    asked = [noted(files, "term") for files in processes]
    exited = [noted(files, "exit") for files in processes]
    assert max(asked) < min(exited)
    assert all(files.pid() is None and not files.pid_file.exists() for files in processes)


def test_what_ignores_sigterm_is_killed_after_the_timeout_and_what_is_not_running_is_said(
    tmp_path: Path,
) -> None:
    [deaf] = started(tmp_path, DEAF, 1)
    gone = ProcessFiles("gone", tmp_path / "gone.pid", tmp_path / "gone.log")
    assert stop_all([deaf, gone], timeout=0.5) == [True, False]
    assert deaf.pid() is None


def test_a_process_that_logged_it_is_done_is_killed_rather_than_awaited(tmp_path: Path) -> None:
    lingering, slow = started(tmp_path, LINGERING, 1) + started(tmp_path / "slow", SLOW_TO_STOP, 1)
    begun = time.monotonic()
    assert stop_all([lingering, slow], timeout=60, done_when="files closed") == [True, True]
    assert time.monotonic() - begun < 30  # not its two minutes, nor the timeout
    assert lingering.pid() is None
    # what a process logged before it was asked to stop does not count: this one exited itself
    [again] = started(tmp_path / "again", SLOW_TO_STOP.replace("ready", "ready files closed"), 1)
    assert stop_all([again], timeout=60, done_when="files closed") == [True]
    assert noted(again, "exit") > noted(again, "term")


def test_server_ports_are_picked_below_the_ephemeral_range(monkeypatch, tmp_path: Path) -> None:
    """No outgoing connection can take a picked port while its server restarts."""
    import ler_node.processes as processes

    ephemeral = tmp_path / "ip_local_port_range"
    ephemeral.write_text("32768\t60999\n")
    monkeypatch.setattr(processes, "EPHEMERAL_RANGE", ephemeral)
    monkeypatch.delenv(processes.PORT_RANGE_ENV, raising=False)
    picked = {processes.free_port() for _ in range(20)}
    assert all(processes.LOWEST_SERVER_PORT <= port < 32768 for port in picked), picked
    assert len(picked) > 1  # picked at random, so two parts picking at once rarely collide

    ephemeral.write_text("1024\t65535\n")  # no room below it: the OS picks
    assert processes.server_ports() == range(0)
    assert 0 < processes.free_port() < 65536
    monkeypatch.setattr(processes, "EPHEMERAL_RANGE", tmp_path / "missing")
    assert processes.server_ports() == range(0)


def test_a_configured_range_is_used_and_no_port_is_picked_twice(monkeypatch) -> None:
    """One range per test worker; a part that is down keeps its port from this process's picks."""
    import ler_node.processes as processes

    monkeypatch.setenv(processes.PORT_RANGE_ENV, "20000-20049")
    monkeypatch.setattr(processes, "_picked", set())
    picked = [processes.free_port() for _ in range(10)]
    assert all(20000 <= port <= 20049 for port in picked), picked
    assert len(set(picked)) == len(picked)


async def test_a_failed_start_stops_the_others_before_it_is_raised() -> None:
    ended: list[str] = []

    async def fails() -> None:
        await asyncio.sleep(0.01)
        raise ProcessStartError("agent a did not start")

    async def slow(name: str) -> None:
        try:
            await asyncio.sleep(30)
        finally:
            ended.append(name)

    with pytest.raises(ProcessStartError, match="agent a"):
        await all_or_none([fails(), slow("b"), slow("c")])
    assert sorted(ended) == ["b", "c"]  # stopped, not left running
