"""Only tails files of revocation registries on the (real anvil) ledger are kept and served.

ACA-Py uploads a tails file before it writes the registry naming it, so such an upload waits,
unserved, in a bounded pending area until the registry is on the ledger.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer
from tails_testkit import ClientFactory, Register, tails_form

from ler_chain import LedgerClient, NetworkDescriptor
from ler_node.processes import free_port
from ler_tails import create_app
from ler_tails.registry import LedgerTailsIndex
from ler_tails.storage import PENDING_DIR
from ler_tails.validation import tails_hash_of


def valid_tails(points: int = 3) -> tuple[str, bytes]:
    """A well-formed tails file no registry names (what the attack uploaded)."""
    data = b"\x00\x02" + os.urandom(128 * points)
    return tails_hash_of(data), data


async def put(client: TestClient, tails_hash: str, data: bytes) -> tuple[int, dict, dict]:
    async with client.put(f"/hash/{tails_hash}", data=tails_form(data)) as resp:
        return resp.status, await resp.json(), dict(resp.headers)


async def get(client: TestClient, path: str) -> tuple[int, bytes]:
    async with client.get(path) as resp:
        return resp.status, await resp.read()


async def test_upload_waits_unserved_until_its_registry_is_on_the_ledger(
    client: TestClient, storage: Path, register: Register
) -> None:
    tails_hash, data = valid_tails()
    status, body, _ = await put(client, tails_hash, data)
    assert (status, body["pending"], body["created"]) == (200, True, True)
    assert (storage / PENDING_DIR / tails_hash).read_bytes() == data
    assert not (storage / tails_hash).exists()

    for path in (f"/hash/{tails_hash}", f"/hash/{tails_hash}/info"):
        async with client.get(path) as resp:
            assert resp.status == 404
            assert (await resp.json())["error"] == (
                f"tails file {tails_hash} was uploaded, but no revocation registry definition "
                "on the ledger uses it yet; it is served once one does"
            )

    await register(tails_hash)
    assert await get(client, f"/hash/{tails_hash}") == (200, data)
    assert (storage / tails_hash).read_bytes() == data
    assert not (storage / PENDING_DIR / tails_hash).exists()
    async with client.get(f"/hash/{tails_hash}/info") as resp:
        assert (await resp.json())["pending"] is False


async def test_upload_of_a_registry_on_the_ledger_is_served_at_once(
    client: TestClient, storage: Path, register: Register
) -> None:
    tails_hash, data = valid_tails()
    await register(tails_hash)
    status, body, _ = await put(client, tails_hash, data)
    assert (status, body["pending"]) == (200, False)
    assert await get(client, f"/hash/{tails_hash}") == (200, data)
    status, body, _ = await put(client, tails_hash, data)  # idempotent re-upload
    assert (status, body["created"], body["pending"]) == (200, False, False)
    assert os.listdir(storage / PENDING_DIR) == []


async def test_strict_server_refuses_files_no_registry_names(
    make_client: ClientFactory, storage: Path, register: Register
) -> None:
    client = await make_client(max_pending=0)
    tails_hash, data = valid_tails()
    status, body, headers = await put(client, tails_hash, data)
    assert status == 403
    assert headers["Content-Type"].startswith("application/json")
    assert body["error"] == (
        f"no revocation registry definition on the ledger has tails hash {tails_hash}; "
        "register the definition on the ledger first, then upload its tails file"
    )
    assert not (storage / tails_hash).exists()
    assert os.listdir(storage / PENDING_DIR) == []

    await register(tails_hash)
    status, body, _ = await put(client, tails_hash, data)
    assert (status, body["pending"]) == (200, False)


async def test_pending_uploads_are_limited_in_number(
    make_client: ClientFactory, storage: Path, register: Register
) -> None:
    """The attack: 20 valid tails files nobody registered. Only ``max_pending`` are held."""
    client = await make_client(max_pending=3, pending_ttl=600)
    files = [valid_tails() for _ in range(20)]
    results = [await put(client, tails_hash, data) for tails_hash, data in files]
    assert [status for status, _, _ in results] == [200] * 3 + [429] * 17
    _, body, headers = results[3]
    assert body["error"].startswith(
        "3 uploaded tails files already wait for their revocation registry definition to reach "
        "the ledger; register those definitions, or retry in "
    )
    assert 0 < int(headers["Retry-After"]) <= 600
    assert sorted(os.listdir(storage / PENDING_DIR)) == sorted(h for h, _ in files[:3])

    # re-sending one that waits is fine; a registered file frees its place
    assert (await put(client, *files[0]))[0] == 200
    await register(files[0][0])
    assert (await get(client, f"/hash/{files[0][0]}"))[0] == 200
    assert (await put(client, *files[3]))[0] == 200
    assert (await put(client, *files[4]))[0] == 429


async def test_pending_uploads_expire_or_are_promoted_by_the_sweep(
    make_client: ClientFactory, storage: Path, register: Register
) -> None:
    client = await make_client(pending_ttl=1.0, sweep_interval=0.2)
    forgotten, kept = valid_tails(), valid_tails()
    for tails_hash, data in (forgotten, kept):
        assert (await put(client, tails_hash, data))[1]["pending"] is True
    await register(kept[0])
    for _ in range(50):
        if not (storage / PENDING_DIR / forgotten[0]).exists() and (storage / kept[0]).exists():
            break
        await asyncio.sleep(0.1)
    assert os.listdir(storage / PENDING_DIR) == []
    assert (storage / kept[0]).read_bytes() == kept[1]
    async with client.get(f"/hash/{forgotten[0]}") as resp:
        assert resp.status == 404
        assert (await resp.json())["error"] == (
            f"no tails file with hash {forgotten[0]} is stored here"
        )


async def test_unreadable_ledger_is_a_json_503(
    descriptor: NetworkDescriptor, tmp_path: Path
) -> None:
    unreachable = descriptor.with_rpc_url(f"http://127.0.0.1:{free_port()}")
    app = create_app(tmp_path / "other", unreachable)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        tails_hash, data = valid_tails()
        status, body, _ = await put(client, tails_hash, data)
    assert status == 503
    assert body["error"] == (
        "the tails server cannot read the ledger to check which revocation registry uses this "
        "file; try again later"
    )
    assert not (tmp_path / "other" / tails_hash).exists()


async def test_index_sees_registries_added_after_its_first_scan(
    descriptor: NetworkDescriptor, register: Register
) -> None:
    async with LedgerClient(descriptor) as ledger:
        index = LedgerTailsIndex(ledger)
        first, second = valid_tails()[0], valid_tails()[0]
        rev_reg_id = await register(first)
        assert await index.find(first) == str(rev_reg_id)
        assert await index.find(second) is None
        rev_reg_id = await register(second)
        assert await index.find(second) == str(rev_reg_id)
