"""The tails server's HTTP contract, in process (aiohttp test server on 127.0.0.1, real anvil).

Files of registries on the ledger are stored and served; uploads no registry names yet are held
pending (``tests/tails/test_tails_admission.py``), so content checks apply to both.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import base58
import pytest
from aiohttp import ClientSession, FormData
from aiohttp.test_utils import TestClient
from tails_testkit import ClientFactory, RealTails, Register, tails_form

from ler_tails.app import CHUNK_SIZE
from ler_tails.storage import INCOMING_DIR, PENDING_DIR
from ler_tails.validation import tails_hash_of


def stored_files(storage: Path) -> list[str]:
    """Names of the files in the store (partial and pending uploads included)."""
    return sorted(
        [p.name for p in storage.iterdir() if p.is_file()]
        + [f"{INCOMING_DIR}/{p.name}" for p in (storage / INCOMING_DIR).iterdir()]
        + [f"{PENDING_DIR}/{p.name}" for p in (storage / PENDING_DIR).iterdir()]
    )


async def put(client: TestClient, tails_hash: str, data: object, **kwargs: object):
    async with client.put(f"/hash/{tails_hash}", data=tails_form(data), **kwargs) as resp:
        return resp.status, await resp.json()


# --- happy path ------------------------------------------------------------------------------


async def test_upload_then_download(
    client: TestClient, storage: Path, real_tails: RealTails, register: Register
):
    await register(real_tails.tails_hash)
    data = real_tails.data
    status, body = await put(client, real_tails.tails_hash, io.BytesIO(data))

    assert status == 200
    base = str(client.make_url("/")).rstrip("/")
    assert body["url"] == f"{base}/hash/{real_tails.tails_hash}"
    assert body["tails_hash"] == real_tails.tails_hash
    assert body["size"] == len(data)
    assert body["points"] == 2 * real_tails.max_cred_num + 1
    assert body["created"] is True
    assert body["pending"] is False
    assert stored_files(storage) == [real_tails.tails_hash]
    assert (storage / real_tails.tails_hash).read_bytes() == data

    async with client.get(f"/hash/{real_tails.tails_hash}") as resp:
        assert resp.status == 200
        assert resp.content_type == "application/octet-stream"
        assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        downloaded = await resp.read()
    assert downloaded == data
    assert base58.b58encode(hashlib.sha256(downloaded).digest()).decode() == real_tails.tails_hash

    async with client.head(f"/hash/{real_tails.tails_hash}") as resp:
        assert resp.status == 200
        assert resp.content_type == "application/octet-stream"
        assert int(resp.headers["Content-Length"]) == len(data)
        assert await resp.read() == b""

    async with client.get(f"/hash/{real_tails.tails_hash}/info") as resp:
        assert resp.status == 200
        info = await resp.json()
    assert info["size"] == len(data)
    assert info["points"] == 2 * real_tails.max_cred_num + 1
    assert info["url"] == body["url"]
    assert info["stored_at"] == body["stored_at"]


async def test_large_file_streams_in_chunks(
    client: TestClient,
    storage: Path,
    real_tails_factory: Callable[[int], RealTails],
    register: Register,
):
    big = real_tails_factory(1000)
    await register(big.tails_hash)
    data = big.data
    assert len(data) > 3 * CHUNK_SIZE
    status, body = await put(client, big.tails_hash, io.BytesIO(data))
    assert (status, body["size"], body["points"]) == (200, len(data), 2001)
    async with client.get(f"/hash/{big.tails_hash}") as resp:
        assert await resp.read() == data
    async with client.get(f"/hash/{big.tails_hash}", headers={"Range": "bytes=2-129"}) as resp:
        assert resp.status == 206
        assert await resp.read() == data[2:130]


async def test_reupload_of_same_content_is_idempotent(
    client: TestClient, storage: Path, real_tails: RealTails, register: Register
):
    await register(real_tails.tails_hash)
    first = await put(client, real_tails.tails_hash, real_tails.data)
    second = await put(client, real_tails.tails_hash, real_tails.data)
    assert first[0] == second[0] == 200
    assert (first[1]["created"], second[1]["created"]) == (True, False)
    assert first[1]["url"] == second[1]["url"]
    assert stored_files(storage) == [real_tails.tails_hash]
    assert (storage / real_tails.tails_hash).read_bytes() == real_tails.data


async def test_concurrent_uploads_of_one_file(
    client: TestClient, storage: Path, real_tails: RealTails, register: Register
):
    await register(real_tails.tails_hash)
    results = await asyncio.gather(
        *(put(client, real_tails.tails_hash, real_tails.data) for _ in range(5))
    )
    assert [status for status, _ in results] == [200] * 5
    assert stored_files(storage) == [real_tails.tails_hash]
    assert (storage / real_tails.tails_hash).read_bytes() == real_tails.data


async def test_public_url_option(make_client: ClientFactory, real_tails: RealTails):
    client = await make_client(public_url="https://tails.example.gov/ler/")
    status, body = await put(client, real_tails.tails_hash, real_tails.data)
    assert status == 200
    assert body["url"] == f"https://tails.example.gov/ler/hash/{real_tails.tails_hash}"


async def test_health(client: TestClient):
    async with client.get("/health") as resp:
        assert resp.status == 200
        assert await resp.json() == {"status": "ok"}


# --- refusals --------------------------------------------------------------------------------

BAD_HASHES = [
    ("not-base58-0OIl", "not valid base58"),
    (base58.b58encode(b"short").decode(), "decodes to 5 bytes"),
    ("1" + base58.b58encode(hashlib.sha256(b"x").digest()).decode(), "decodes to 33 bytes"),
    ("4" * 65, "65 characters is too long"),
    (base58.b58encode(hashlib.sha256(b"x").digest()).decode() + "%20", "not in canonical"),
]


@pytest.mark.parametrize(("bad_hash", "why"), BAD_HASHES)
async def test_put_with_invalid_hash(
    client: TestClient, storage: Path, real_tails: RealTails, bad_hash: str, why: str
):
    status, body = await put(client, bad_hash, real_tails.data)
    assert status == 400
    assert why in body["error"]
    assert stored_files(storage) == []


@pytest.mark.parametrize(("bad_hash", "why"), BAD_HASHES)
async def test_get_with_invalid_hash(client: TestClient, bad_hash: str, why: str):
    for suffix in ("", "/info"):
        async with client.get(f"/hash/{bad_hash}{suffix}") as resp:
            assert resp.status == 400
            assert why in (await resp.json())["error"]


async def test_content_not_matching_the_hash(
    client: TestClient, storage: Path, real_tails: RealTails
):
    other = tails_hash_of(b"\x00\x02" + bytes(128))
    async with client.put(f"/hash/{other}", data=tails_form(real_tails.data)) as resp:
        status, body = resp.status, await resp.json()
        assert resp.reason == "Tails Hash Mismatch"  # ACA-Py logs the reason phrase
    assert status == 400
    assert body["error"] == (
        f"content hash {real_tails.tails_hash} does not match tails hash {other} in the URL"
    )
    assert stored_files(storage) == []


async def test_upload_over_the_limit_while_streaming(
    make_client: ClientFactory, storage: Path, real_tails: RealTails
):
    # the body is within the Content-Length allowance, so the limit is hit while streaming
    client = await make_client(max_size=len(real_tails.data) - 128)
    status, body = await put(client, real_tails.tails_hash, real_tails.data)
    assert status == 413
    limit = len(real_tails.data) - 128
    assert body["error"] == f"upload is larger than this server's limit of {limit} bytes"
    assert stored_files(storage) == []


async def test_upload_over_the_limit_by_content_length(make_client: ClientFactory, storage: Path):
    client = await make_client(max_size=1024)
    data = b"\x00\x02" + bytes(128 * 200)
    status, body = await put(client, tails_hash_of(data), data)
    assert status == 413
    assert "exceeds the limit of 1024 bytes" in body["error"]
    assert stored_files(storage) == []


async def test_oversized_chunked_upload_is_cut_short(make_client: ClientFactory, storage: Path):
    """Without a Content-Length the server stops at the limit; it never reads 1 GiB."""
    client = await make_client(max_size=1024 * 1024)
    total = 1024**3
    sent = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal sent
        chunk = b"\x00\x02" + bytes(CHUNK_SIZE - 2)
        while sent < total:
            sent += len(chunk)
            yield chunk
            chunk = bytes(CHUNK_SIZE)

    digest = tails_hash_of(b"anything")
    async with client.put(f"/hash/{digest}", data=tails_form(endless())) as resp:
        assert resp.status == 413
        assert "limit of 1048576 bytes" in (await resp.json())["error"]
    assert sent < 64 * 1024 * 1024
    assert stored_files(storage) == []


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"\x00\x01" + bytes(128 * 3), "starts with bytes '00 01', expected version bytes '00 02'"),
        (b"PK\x03\x04" + bytes(382), "starts with bytes '50 4b'"),
        (b"\x00\x02", "2 bytes is not 2 version bytes plus one or more 128-byte points"),
        (b"\x00\x02" + bytes(128 * 3 + 5), "391 bytes is not 2 version bytes"),
        (b"\x00", "starts with bytes '00'"),
        (b"", "starts with bytes ''"),
    ],
)
async def test_content_that_is_not_a_tails_file(
    client: TestClient, storage: Path, content: bytes, why: str
):
    status, body = await put(client, tails_hash_of(content), content)
    assert status == 400
    assert why in body["error"]
    assert body["error"].startswith("not a tails file")
    assert stored_files(storage) == []


async def test_bad_version_is_refused_from_the_first_bytes(
    make_client: ClientFactory, storage: Path
):
    client = await make_client(max_size=1024 * 1024)
    sent = 0

    async def wrong_then_endless() -> AsyncIterator[bytes]:
        nonlocal sent
        while sent < 1024**3:
            sent += CHUNK_SIZE
            yield b"\xff" * CHUNK_SIZE

    async with client.put(
        f"/hash/{tails_hash_of(b'x')}", data=tails_form(wrong_then_endless())
    ) as resp:
        assert resp.status == 400
        assert "expected version bytes" in (await resp.json())["error"]
    assert sent < 64 * 1024 * 1024
    assert stored_files(storage) == []


async def test_body_that_is_not_multipart(client: TestClient, storage: Path, real_tails: RealTails):
    async with client.put(
        f"/hash/{real_tails.tails_hash}",
        data=real_tails.data,
        headers={"Content-Type": "application/octet-stream"},
    ) as resp:
        assert resp.status == 415
        assert "send multipart/form-data with a file field 'tails'" in (await resp.json())["error"]
    assert stored_files(storage) == []


async def test_file_in_the_wrong_field(client: TestClient, storage: Path, real_tails: RealTails):
    async with client.put(
        f"/hash/{real_tails.tails_hash}", data=tails_form(real_tails.data, field="file")
    ) as resp:
        assert resp.status == 400
        assert (await resp.json())["error"] == "expected the file in form field 'tails', got 'file'"
    assert stored_files(storage) == []


async def test_empty_multipart_body(client: TestClient, storage: Path, real_tails: RealTails):
    boundary = "b0undary"
    async with client.put(
        f"/hash/{real_tails.tails_hash}",
        data=f"--{boundary}--\r\n".encode(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    ) as resp:
        assert resp.status == 400
        assert "expected the file in form field 'tails', got None" in (await resp.json())["error"]
    assert stored_files(storage) == []


async def test_truncated_multipart_body(client: TestClient, storage: Path, real_tails: RealTails):
    boundary = "b0undary"
    head = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="tails"; filename="tails"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    async with client.put(
        f"/hash/{real_tails.tails_hash}",
        data=head + real_tails.data[:200],  # no closing boundary
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    ) as resp:
        assert resp.status == 400
        body = await resp.json()
    # aiohttp reads up to the end of the body; the short content fails the hash check
    assert body["error"].startswith("content hash ")
    assert body["error"].endswith(f"does not match tails hash {real_tails.tails_hash} in the URL")
    assert stored_files(storage) == []


async def test_base64_transfer_encoding_is_refused(
    client: TestClient, storage: Path, real_tails: RealTails
):
    form = FormData()
    form.add_field(
        "tails",
        real_tails.data,
        filename="tails",
        content_type="application/octet-stream",
    )
    boundary = "b0undary"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="tails"; filename="tails"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
        "AAI=\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    async with client.put(
        f"/hash/{real_tails.tails_hash}",
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    ) as resp:
        assert resp.status == 400
        assert "Content-Transfer-Encoding 'base64' is not supported" in (await resp.json())["error"]
    assert stored_files(storage) == []


async def test_slow_upload_times_out(make_client: ClientFactory, storage: Path):
    client = await make_client(upload_timeout=0.5)

    async def stalls() -> AsyncIterator[bytes]:
        yield b"\x00\x02" + bytes(128)
        await asyncio.sleep(5)
        yield bytes(128)

    async with client.put(f"/hash/{tails_hash_of(b'x')}", data=tails_form(stalls())) as resp:
        assert resp.status == 408
        assert (await resp.json())["error"] == "upload not received within 0.5 seconds"
    assert stored_files(storage) == []


async def test_client_that_disconnects_mid_upload_leaves_nothing(
    client: TestClient, storage: Path, real_tails: RealTails, caplog: pytest.LogCaptureFixture
):
    started = asyncio.Event()

    async def breaks_off() -> AsyncIterator[bytes]:
        yield real_tails.data[:200]
        started.set()
        await asyncio.sleep(30)
        yield real_tails.data[200:]

    async with ClientSession() as session:
        request = asyncio.create_task(
            session.put(
                client.make_url(f"/hash/{real_tails.tails_hash}"), data=tails_form(breaks_off())
            )
        )
        await started.wait()
        for _ in range(100):  # the partial upload shows up in the incoming directory ...
            if stored_files(storage):
                break
            await asyncio.sleep(0.02)
        assert len(stored_files(storage)) == 1
        request.cancel()
        with pytest.raises(asyncio.CancelledError):
            await request
    for _ in range(100):  # ... and is gone once the client has disconnected
        if not stored_files(storage):
            break
        await asyncio.sleep(0.02)
    assert stored_files(storage) == []
    assert "upload from 127.0.0.1 broke off" in caplog.text
    async with client.get("/health") as resp:
        assert resp.status == 200


async def test_unknown_tails_hash(client: TestClient, real_tails: RealTails):
    async with client.get(f"/hash/{real_tails.tails_hash}") as resp:
        assert resp.status == 404
        assert resp.content_type == "application/json"
        assert await resp.json() == {
            "error": f"no tails file with hash {real_tails.tails_hash} is stored here"
        }
    async with client.head(f"/hash/{real_tails.tails_hash}") as resp:
        assert resp.status == 404
    async with client.get(f"/hash/{real_tails.tails_hash}/info") as resp:
        assert resp.status == 404


async def test_unknown_routes_and_methods_answer_json(client: TestClient, real_tails: RealTails):
    async with client.get("/nope") as resp:
        assert resp.status == 404
        assert await resp.json() == {"error": "Not Found: GET /nope"}
    async with client.post(f"/hash/{real_tails.tails_hash}", data=b"x") as resp:
        assert resp.status == 405
        assert "GET" in resp.headers["Allow"] and "PUT" in resp.headers["Allow"]
        assert (await resp.json())["error"].startswith("Method Not Allowed: POST /hash/")
    async with client.delete(f"/hash/{real_tails.tails_hash}") as resp:
        assert resp.status == 405


async def test_storage_failure_is_a_json_error(
    client: TestClient, storage: Path, real_tails: RealTails
):
    (storage / INCOMING_DIR).rmdir()
    (storage / INCOMING_DIR).write_bytes(b"")  # a file where uploads should go
    status, body = await put(client, real_tails.tails_hash, real_tails.data)
    assert status == 507
    assert body["error"] == "the tails server could not store the file: File exists"
    assert not (storage / real_tails.tails_hash).exists()

    (storage / INCOMING_DIR).unlink()  # a removed incoming directory is made again
    status, body = await put(client, real_tails.tails_hash, real_tails.data)
    assert status == 200


async def test_malformed_part_headers_are_a_400(
    client: TestClient, storage: Path, real_tails: RealTails
):
    """Found by the fuzz test: a part header line without a colon used to be a 500."""
    boundary = "b0undary"
    async with client.put(
        f"/hash/{real_tails.tails_hash}",
        data=f"--{boundary}\r\nno colon here\r\n\r\nx\r\n--{boundary}--\r\n".encode(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    ) as resp:
        assert resp.status == 400
        assert (await resp.json())["error"].startswith("malformed multipart body: ")
    assert stored_files(storage) == []
