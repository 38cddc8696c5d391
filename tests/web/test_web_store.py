"""The web app's state file: shared by several web processes, private, and kept across restarts.

Unit layer: share links and registrar batches on one SQLite file, with two store objects as two
processes would have; a web app killed mid-batch (a real process, SIGKILL) against a stand-in
college admin API, then a new app object on the same data directory.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import stat
import sys
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from ler_web import AccountStore, WebSettings, create_app
from ler_web import registrar_batch_store as batch_module
from ler_web.registrar_batch_store import (
    DONE,
    FAILED,
    FINISHED,
    RUNNING,
    STOPPED_BEFORE,
    STOPPED_ISSUING,
    WAITING,
    Batch,
    BatchesFull,
    BatchRow,
    BatchStore,
)
from ler_web.registrar_csv import Row
from ler_web.share_links import DAY, LinkGone, ShareLinkStore, TooManyLinks, store_path

PASSWORD = "a long enough password"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
KIND = {
    "type_id": "t1",
    "name": "Welding",
    "achievement": {"name": "Welding"},
    "skills": [],
}
LEVELS = [{"level": 1, "name": "Foundational"}, {"level": 2, "name": "Developing"}]
BADGE = {"type": ["VerifiableCredential", "OpenBadgeCredential"], "name": "Welding"}


def _batch(batch_id: str, rows: int = 2) -> Batch:
    return Batch(
        batch_id,
        f"{batch_id}.csv",
        [BatchRow(Row(n, f"L{n}", f"l{n}@example.org", KIND), WAITING) for n in range(2, rows + 2)],
    )


def test_two_stores_on_one_file_see_each_others_writes(tmp_path: Path) -> None:
    path = store_path(tmp_path / "accounts.json")
    one, two = ShareLinkStore(path), ShareLinkStore(path)
    link = one.make("ana", "Ana", "rec-1", "Welding", BADGE, DAY)
    assert two.open(link.token) == link
    two.withdraw("ana", link.token)
    with pytest.raises(LinkGone):
        one.open(link.token)

    first, second = BatchStore(path), BatchStore(path)
    first.add(_batch("b1"))
    kept = second.get("b1")
    assert kept is not None and [r.state for r in kept.rows] == [WAITING, WAITING]
    assert [b.batch_id for b in second.all()] == ["b1"]


def test_the_cap_holds_when_two_processes_make_links_at_once(tmp_path: Path) -> None:
    path = store_path(tmp_path / "accounts.json")
    stores = [ShareLinkStore(path, max_live=4), ShareLinkStore(path, max_live=4)]
    start = threading.Barrier(12)
    made: list[str] = []
    refused: list[str] = []

    def make(store: ShareLinkStore) -> None:
        start.wait()
        try:
            made.append(store.make("ana", "Ana", "rec", "Welding", BADGE, DAY).token)
        except TooManyLinks:
            refused.append("ana")

    threads = [threading.Thread(target=make, args=(stores[i % 2],)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert (len(made), len(refused)) == (4, 8)
    assert sorted(link.token for link in stores[1].live("ana")) == sorted(made)


def test_the_state_file_and_its_journal_are_private(tmp_path: Path) -> None:
    path = store_path(tmp_path / "web" / "accounts.json")
    ShareLinkStore(path).make("ana", "Ana", "rec", "Welding", BADGE, DAY)
    store = BatchStore(path)
    store.add(_batch("b1"))
    lock = store.claim("b1")
    assert lock is not None
    store.release("b1", lock)
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    files += list((path.parent / "batch-runs").iterdir())
    with store.store.read():  # SQLite's own files exist while a connection is open
        modes = {file.name: stat.S_IMODE(os.stat(file).st_mode) for file in files}
    assert modes == {file.name: 0o600 for file in files} and len(modes) == 4
    assert stat.S_IMODE(os.stat(path.parent / "batch-runs").st_mode) == 0o700


def test_share_links_of_the_old_json_file_move_in_once(tmp_path: Path) -> None:
    old = tmp_path / "share-links.json"
    now = time.time()
    entry = {
        "token": "A" * 32,
        "username": "ana",
        "learner_name": "Ana",
        "record_id": "rec-1",
        "title": "Welding",
        "credential": BADGE,
        "created": now,
        "expires": now + DAY,
        "withdrawn": None,
    }
    old.write_text(json.dumps({"links": {entry["token"]: entry}}))
    store = ShareLinkStore(store_path(tmp_path / "accounts.json"))
    assert store.open("A" * 32).credential == BADGE
    assert not old.exists()  # the credentials it held are in the private state file now
    store.withdraw("ana", "A" * 32)
    old.write_text(json.dumps({"links": {entry["token"]: entry}}))  # an old file seen again
    with pytest.raises(LinkGone):  # ...never brings back what changed since
        ShareLinkStore(store.path).open("A" * 32)


def test_the_oldest_finished_batch_makes_room_and_running_ones_stay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch_module, "MAX_BATCHES", 3)
    store = BatchStore(store_path(tmp_path / "accounts.json"))
    locks = []
    for name in ("finished", "checked", "running"):
        store.add(_batch(name))
        if name != "checked":
            locks.append(store.claim(name))
    assert locks[0] is not None
    store.release("finished", locks[0])
    store.add(_batch("new-1"))  # the finished one goes first, then the checked one
    store.add(_batch("new-2"))
    assert [b.batch_id for b in store.all()] == ["running", "new-1", "new-2"]
    assert not (store.locks / "finished.lock").exists()
    for name in ("new-1", "new-2"):
        lock = store.claim(name)
        assert lock is not None
        locks.append(lock)
    with pytest.raises(BatchesFull):  # every kept batch runs: none is forgotten
        store.add(_batch("new-3"))
    for name, lock in zip(("running", "new-1", "new-2"), locks[1:], strict=True):
        store.release(name, lock)


def test_a_batch_starts_once_and_only_a_dead_runners_batch_is_finished(tmp_path: Path) -> None:
    path = store_path(tmp_path / "accounts.json")
    here, other = BatchStore(path), BatchStore(path)  # as two web processes
    here.add(_batch("b1"))
    lock = here.claim("b1")
    assert lock is not None
    assert other.claim("b1") is None  # started already
    other.recover()  # its runner is alive (holds the run lock): left alone
    kept = other.get("b1")
    assert kept is not None and kept.state == RUNNING
    item = kept.rows[0]
    item.state = DONE
    here.save_row("b1", 0, item)
    item = kept.rows[1]
    item.state = "issuing"
    here.save_row("b1", 1, item)
    os.close(lock)  # the runner's process ends without a word (what the system does on a kill)
    kept = other.get("b1")
    assert kept is not None and kept.state == FINISHED
    assert [(r.state, r.reason) for r in kept.rows] == [(DONE, ""), (FAILED, STOPPED_ISSUING)]
    assert other.claim("b1") is None  # never resumed


class College:
    """A stand-in college admin API: the second issuance never answers."""

    def __init__(self) -> None:
        self.issued: list[str] = []
        self.second = asyncio.Event()

    async def types(self, _request: web.Request) -> web.Response:
        return web.json_response({"results": [KIND]})

    async def skills(self, _request: web.Request) -> web.Response:
        return web.json_response({"levels": LEVELS})

    async def issue(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.issued.append(str(body["credential"]))
        if len(self.issued) == 2:
            self.second.set()
            await asyncio.Event().wait()  # hangs until the web app asking is killed
        return web.json_response(
            {"interaction_url": f"https://c.example/x?iuv=1&n={len(self.issued)}"}
        )

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/ler/badges/credential-types", self.types)
        app.router.add_get("/ler/badges/skills", self.skills)
        app.router.add_post("/ler/badges/vc-api/exchanges/issuance", self.issue)
        return app


@pytest.fixture
async def college() -> AsyncIterator[tuple[College, str]]:
    """The stand-in college on a port of its own (port 0)."""
    stand_in = College()
    runner = web.AppRunner(stand_in.app(), shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield stand_in, f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


async def _poll(check: Any, what: str, seconds: float = 20.0) -> Any:
    deadline = time.monotonic() + seconds
    while not (found := check()):
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        await asyncio.sleep(0.05)
    return found


async def _sign_in(http: aiohttp.ClientSession | TestClient) -> str:
    """Sign in as the registrar; the session's CSRF token."""
    page = await (await http.get("/sign-in")).text()
    token = TOKEN.search(page)
    assert token
    data = {"username": "registrar", "password": PASSWORD, "csrf_token": token.group(1)}
    assert (await http.post("/sign-in", data=data, allow_redirects=False)).status == 303
    page = await (await http.get("/registrar/batches")).text()
    token = TOKEN.search(page)
    assert token, page
    return token.group(1)


async def test_a_killed_web_app_leaves_no_row_open_and_none_issued_twice(
    tmp_path: Path, college: tuple[College, str]
) -> None:
    stand_in, college_url = college
    (tmp_path / "college.key").write_text("not-a-real-key\n")
    AccountStore(tmp_path / "accounts.json").add("registrar", "Riley", "registrar", PASSWORD)
    config = tmp_path / "web.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "accounts_file": "accounts.json",
                "session_key_file": "session.key",
                "url_file": "web.url",
                "agents": {"college": {"admin_url": college_url, "api_key_file": "college.key"}},
                "registrar": "college",
            }
        )
    )
    first = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ler_web",
        "serve",
        "--config",
        str(config),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        url_file = tmp_path / "web.url"
        url = (
            await _poll(lambda: url_file.exists() and url_file.read_text(), "the web app")
        ).strip()
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(url, cookie_jar=jar) as http:
            token = await _sign_in(http)
            form = aiohttp.FormData({"type_id": "t1", "csrf_token": token})
            lines = "name,email\n" + "".join(f"L{n},l{n}@example.org\n" for n in range(3))
            form.add_field("file", lines.encode(), filename="l.csv", content_type="text/csv")
            checked = await http.post("/registrar/batches", data=form)
            batch_path = checked.url.path
            assert re.fullmatch(r"/registrar/batches/[0-9a-f]{32}", batch_path), batch_path
            started = await http.post(f"{batch_path}/start", data={"csrf_token": token})
            assert started.status == 200
            await asyncio.wait_for(stand_in.second.wait(), 20)
    finally:
        first.kill()  # mid-batch: row 1 issued, row 2 being issued, row 3 waiting
        await first.wait()

    settings = WebSettings.load(config)
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as second:
        token = await _sign_in(second)
        page = await (await second.get(batch_path)).text()
        assert "Finished: 1 of 3 learners issued, 2 failed" in page
        assert STOPPED_ISSUING.replace("'", "&#39;") in page and STOPPED_BEFORE in page
        results = await (await second.get(f"{batch_path}/results.csv")).text()
        assert [line.split(",")[3] for line in results.splitlines()[1:]] == [DONE, FAILED, FAILED]
        assert "https://c.example/x?iuv=1&n=1" in results
        again = await second.post(f"{batch_path}/start", data={"csrf_token": token})
        assert again.status == 200
    assert len(stand_in.issued) == 2  # the row left issuing is not issued again, nor the rest
