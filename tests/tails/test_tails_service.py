"""End to end: the real ``python -m ler_tails`` process, driven by ACA-Py's own tails code."""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import base58
import pytest
import requests
from acapy_agent.anoncreds.models.revocation import RevRegDef
from acapy_agent.anoncreds.revocation.revocation import (
    AnonCredsRevocation,
    AnonCredsRevocationError,
)
from acapy_agent.anoncreds.util import indy_client_dir
from acapy_agent.config.injection_context import InjectionContext
from acapy_agent.tails.anoncreds_tails_server import AnonCredsTailsServer
from acapy_agent.utils.http import put_file
from acapy_agent.utils.testing import create_test_profile
from tails_testkit import RealTails, Register, fuzz_api

from ler_node.ledger.local import LedgerUp
from ler_node.processes import free_port
from ler_tails.app import DEFAULT_MAX_SIZE
from ler_tails.storage import PENDING_DIR
from ler_tails.validation import tails_hash_of

AGENT_DIR = Path(__file__).resolve().parents[2] / "agent"


def tails_command(port: int, storage: Path, descriptor: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "ler_tails", "--host", "127.0.0.1", "--port", str(port),
        "--storage", str(storage), "--descriptor", str(descriptor), *extra,
    ]  # fmt: skip


def download_like_acapy(url: str) -> tuple[int, str, str]:
    """Download as ACA-Py's ``retrieve_tails`` does; return status, content type, tails hash."""
    hasher = hashlib.sha256()
    with requests.Session() as session, session.get(url, stream=True) as resp:
        for buf in resp.iter_content(chunk_size=65536):
            hasher.update(buf)
        return (
            resp.status_code,
            resp.headers["Content-Type"],
            base58.b58encode(hasher.digest()).decode(),
        )


def service_env() -> dict[str, str]:
    """The environment for the service: the source tree first on the path, no proxies."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(AGENT_DIR), env.get("PYTHONPATH")]))
    return env


@dataclass
class Service:
    """A running tails server process."""

    process: subprocess.Popen[bytes]
    url: str
    storage: Path
    log: Path

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise


def start_service(tmp_path: Path, descriptor: Path, *extra: str) -> Service:
    port = free_port()
    storage = tmp_path / "tails-store"
    log = tmp_path / "ler_tails.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            tails_command(port, storage, descriptor, *extra),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=service_env(),
        )
    service = Service(process, f"http://127.0.0.1:{port}", storage, log)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"tails server exited with {process.returncode}:\n{log.read_text()}")
        try:
            if requests.get(f"{service.url}/health", timeout=1).json() == {"status": "ok"}:
                return service
        except requests.RequestException:
            time.sleep(0.1)
    service.stop()
    pytest.fail(f"tails server did not become healthy:\n{log.read_text()}")


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Talk to the local service directly, whatever proxies the environment names."""
    for name in [k for k in os.environ if "proxy" in k.lower()]:
        monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def descriptor_file(ledger: LedgerUp) -> Path:
    """The network descriptor of the test ledger, as the launcher passes it."""
    return ledger.descriptor_file


@pytest.fixture
def tails_service(tmp_path: Path, descriptor_file: Path) -> Iterator[Service]:
    service = start_service(tmp_path, descriptor_file)
    try:
        yield service
    finally:
        service.stop()


@pytest.fixture
async def acapy_revocation(
    tails_service: Service, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[AnonCredsRevocation]:
    """ACA-Py's revocation manager, configured for the service, with a private home directory."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("EXTERNAL_STORAGE", raising=False)
    profile = await create_test_profile(
        {
            "wallet.type": "askar-anoncreds",
            "tails_server_base_url": tails_service.url,
            "tails_server_upload_url": tails_service.url,
        }
    )
    try:
        yield AnonCredsRevocation(profile)
    finally:
        await profile.close()


def acapy_rev_reg_def(revocation: AnonCredsRevocation, tails: RealTails) -> RevRegDef:
    """The registry definition as ACA-Py holds it before writing it, tails file in place."""
    tails_dir = Path(indy_client_dir("tails", create=True))
    shutil.copyfile(tails.path, tails_dir / tails.tails_hash)
    rev_reg_def = RevRegDef.deserialize(tails.rev_reg_def)
    rev_reg_def.value.tails_location = revocation.generate_public_tails_uri(rev_reg_def)
    return rev_reg_def


async def test_acapy_uploads_and_retrieves_tails(
    tails_service: Service,
    acapy_revocation: AnonCredsRevocation,
    real_tails_factory: Callable[[int], RealTails],
    register: Register,
) -> None:
    tails = real_tails_factory(100)
    rev_reg_def = acapy_rev_reg_def(acapy_revocation, tails)
    assert rev_reg_def.value.tails_location == f"{tails_service.url}/hash/{tails.tails_hash}"

    # ACA-Py's upload comes before it writes the registry: the file waits, unserved
    await acapy_revocation.upload_tails_file(rev_reg_def)
    assert (tails_service.storage / PENDING_DIR / tails.tails_hash).read_bytes() == tails.data
    waiting = await asyncio.to_thread(requests.get, rev_reg_def.value.tails_location, timeout=10)
    assert waiting.status_code == 404

    # ... then ACA-Py's registrar puts the registry on the ledger, and the file is served
    await register(tails.tails_hash)

    # a holder without the file fetches it: ACA-Py's retrieve_tails checks the hash
    local = Path(acapy_revocation.get_local_tails_path(rev_reg_def))
    await asyncio.to_thread(local.unlink)
    fetched = await acapy_revocation.get_or_fetch_local_tails_path(rev_reg_def)
    assert Path(fetched) == local
    assert await asyncio.to_thread(local.read_bytes) == tails.data

    # the same download done by hand, as retrieve_tails does it
    status, content_type, digest = await asyncio.to_thread(
        download_like_acapy, rev_reg_def.value.tails_location
    )
    assert (status, content_type) == (200, "application/octet-stream")
    assert digest == rev_reg_def.value.tails_hash

    # uploading again (ACA-Py retries after a failure) is fine
    await acapy_revocation.upload_tails_file(rev_reg_def)

    assert tails_service.stop() == 0
    log = tails_service.log.read_text()
    assert f"stored tails {tails.tails_hash} ({len(tails.data)} bytes, 201 points)" in log
    assert f"already had tails {tails.tails_hash}" in log
    assert f"serving tails {tails.tails_hash}" in log
    assert "tails server stopped" in log
    assert "Traceback" not in log


async def test_acapy_sees_refusals_as_failures(
    tails_service: Service, acapy_revocation: AnonCredsRevocation, real_tails: RealTails
) -> None:
    context = InjectionContext(
        settings={
            "tails_server_base_url": tails_service.url,
            "tails_server_upload_url": tails_service.url,
        }
    )
    wrong_hash = tails_hash_of(b"another tails file")
    ok, message = await AnonCredsTailsServer().upload_tails_file(
        context, wrong_hash, str(real_tails.path), interval=0.01, backoff=0, max_attempts=2
    )
    assert (ok, message) == (False, "Exceeded maximum upload attempts")
    assert not (tails_service.storage / wrong_hash).exists()

    # ACA-Py's put_file with a single attempt shows the server's reason
    with pytest.raises(Exception, match="Exceeded maximum upload attempts") as failure:
        await put_file(
            f"{tails_service.url}/hash/{wrong_hash}", {"tails": str(real_tails.path)}, {},
            retry=False,
        )  # fmt: skip
    assert str(failure.value.__cause__) == "Bad response from server: 400, Tails Hash Mismatch"

    # a holder asking for a tails file the server does not have gets a hash failure
    rev_reg_def = acapy_rev_reg_def(acapy_revocation, real_tails)
    local = Path(acapy_revocation.get_local_tails_path(rev_reg_def))
    await asyncio.to_thread(local.unlink)
    with pytest.raises(AnonCredsRevocationError, match="hash of the downloaded tails file"):
        await acapy_revocation.retrieve_tails(rev_reg_def)
    assert not await asyncio.to_thread(local.exists)
    response = await asyncio.to_thread(requests.get, rev_reg_def.value.tails_location, timeout=10)
    assert response.status_code == 404
    assert response.json() == {
        "error": f"no tails file with hash {real_tails.tails_hash} is stored here"
    }

    assert tails_service.stop() == 0
    log = tails_service.log.read_text()
    assert f"content hash {real_tails.tails_hash} does not match tails hash {wrong_hash}" in log


def test_service_refuses_over_its_limit(
    tmp_path: Path, descriptor_file: Path, real_tails: RealTails
) -> None:
    service = start_service(
        tmp_path, descriptor_file, "--max-size", str(len(real_tails.data) - 128)
    )
    try:
        with open(real_tails.path, "rb") as file:
            response = requests.put(
                f"{service.url}/hash/{real_tails.tails_hash}", files={"tails": file}, timeout=10
            )
        assert response.status_code == 413
        assert response.json() == {
            "error": f"upload is larger than this server's limit of {len(real_tails.data) - 128} "
            "bytes"
        }
    finally:
        assert service.stop() == 0
    assert not (service.storage / real_tails.tails_hash).exists()


def test_service_binds_only_where_told(tmp_path: Path, descriptor_file: Path) -> None:
    service = start_service(tmp_path, descriptor_file)
    try:
        port = int(service.url.rsplit(":", 1)[1])
        assert requests.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200
        with pytest.raises(requests.ConnectionError):  # 127.0.0.2 is loopback too, not bound
            requests.get(f"http://127.0.0.2:{port}/health", timeout=5)
    finally:
        assert service.stop() == 0


def test_port_in_use_fails_cleanly(tmp_path: Path, descriptor_file: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = subprocess.run(
            tails_command(port, tmp_path / "store", descriptor_file),
            capture_output=True,
            text=True,
            env=service_env(),
            timeout=30,
        )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_unusable_storage_fails_cleanly(tmp_path: Path, descriptor_file: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    result = subprocess.run(
        tails_command(free_port(), not_a_dir, descriptor_file),
        capture_output=True,
        text=True,
        env=service_env(),
        timeout=30,
    )
    assert result.returncode == 2
    assert f"cannot use storage {not_a_dir}" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_descriptor_fails_cleanly(tmp_path: Path) -> None:
    result = subprocess.run(
        tails_command(free_port(), tmp_path / "store", tmp_path / "nowhere.json"),
        capture_output=True,
        text=True,
        env=service_env(),
        timeout=30,
    )
    assert result.returncode == 2
    assert f"no network descriptor at {tmp_path / 'nowhere.json'}" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture
def default_service(tmp_path: Path, descriptor_file: Path) -> Iterator[Service]:
    """The real process with its default limits."""
    service = start_service(tmp_path, descriptor_file)
    try:
        yield service
    finally:
        assert service.stop() == 0


SEVENTY_MIB = b"\x00\x02" + bytes(70 * 1024 * 1024 - 2)


def test_70_mib_upload_with_content_length_gets_a_json_413(default_service: Service) -> None:
    """requests sends the whole body before it reads the answer: the server must not hang up."""
    response = requests.put(
        f"{default_service.url}/hash/{tails_hash_of(SEVENTY_MIB)}",
        files={"tails": ("tails", SEVENTY_MIB, "application/octet-stream")},
        timeout=60,
    )
    assert response.status_code == 413
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["error"].endswith(f"exceeds the limit of {DEFAULT_MAX_SIZE} bytes")
    assert os.listdir(default_service.storage / PENDING_DIR) == []


async def test_70_mib_chunked_upload_gets_a_json_413(default_service: Service) -> None:
    """Without a Content-Length the limit is hit while streaming; the answer still arrives."""

    answered = asyncio.Event()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(SEVENTY_MIB), 1024 * 1024):
            if answered.is_set():  # stop sending, so the server need not linger on the rest
                return
            yield SEVENTY_MIB[start : start + 1024 * 1024]

    form = aiohttp.FormData()
    form.add_field("tails", chunks(), filename="tails", content_type="application/octet-stream")
    url = f"{default_service.url}/hash/{tails_hash_of(SEVENTY_MIB)}"
    async with aiohttp.ClientSession() as session, session.put(url, data=form) as response:
        answered.set()
        assert response.status == 413
        body = await response.json()
    assert body == {
        "error": f"upload is larger than this server's limit of {DEFAULT_MAX_SIZE} bytes"
    }
    assert os.listdir(default_service.storage / PENDING_DIR) == []


def test_fuzzed_requests_never_get_a_server_error(tails_service: Service) -> None:
    """schemathesis against the real process: every answer is 2xx/4xx, errors are JSON."""
    assert fuzz_api(tails_service.url, max_examples=25) == []
    assert tails_service.stop() == 0
    assert "Traceback" not in tails_service.log.read_text()
