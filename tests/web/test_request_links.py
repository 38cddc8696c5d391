"""Short links of employers' DIDComm requests: kept in the web app's state file, opened by token.

Unit layer: the store on a real SQLite file, and the ``/r/<token>`` route in the web app in
process (no agents: the route answers from the state file alone). The browser test through the
real stack is in test_employer_request.py.
"""

from __future__ import annotations

import stat
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import qrcode
from aiohttp.test_utils import TestClient, TestServer

from ler_web import WebSettings, create_app
from ler_web.didcomm_requests import invitation_link
from ler_web.learner_offers import read_invitation
from ler_web.request_links import (
    MAX_INVITATION,
    OPENS_PER_MINUTE,
    REQUEST_LINKS,
    RequestLinkError,
    RequestLinkStore,
)
from ler_web.web_store import store_path

PRES_EX_ID = "3f6c1d2e-8a4b-4c5d-9e6f-0a1b2c3d4e5f"


def _invitation(padding: int = 1000) -> dict[str, Any]:
    """An out-of-band invitation carrying a request, about as large as the verifier's."""
    return {
        "@type": "https://didcomm.org/out-of-band/1.1/invitation",
        "@id": "a4f7b2f0-0000-4000-8000-000000000001",
        "label": "Crossroads Manufacturing",
        "services": [
            {
                "id": "#inline",
                "type": "did-communication",
                "recipientKeys": ["did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"],
                "serviceEndpoint": "http://127.0.0.1:8031",
            }
        ],
        "requests~attach": [{"@id": "request-0", "data": {"json": {"padding": "x" * padding}}}],
    }


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_link_keeps_the_invitation_until_its_request_expires(tmp_path: Path) -> None:
    clock = Clock()
    store = RequestLinkStore(tmp_path / "web-state.sqlite3", clock)
    link = store.make("employer", PRES_EX_ID, "thread-1", _invitation(), clock.now + 15)
    assert link.path == "/r/" + link.token and len(link.token) == 32
    assert stat.S_IMODE((tmp_path / "web-state.sqlite3").stat().st_mode) == 0o600
    # another process on the same file sees it at once
    other = RequestLinkStore(tmp_path / "web-state.sqlite3", clock)
    assert other.get(link.token) == link
    assert other.by_thread(["thread-1", "thread-2"]) == {"thread-1": link}
    assert other.by_thread([]) == {}
    assert store.get("not a token") is None
    assert store.get("A" * 32) is None
    # an expired link is kept a day (410 rather than 404), then forgotten at the next make
    clock.now += 2 * 86_400
    assert store.get(link.token) == link
    store.make("employer", PRES_EX_ID, "thread-3", _invitation(), clock.now + 15)
    assert store.get(link.token) is None


def test_an_employer_has_a_bounded_number_of_live_links_and_of_bytes(tmp_path: Path) -> None:
    clock = Clock()
    store = RequestLinkStore(tmp_path / "web-state.sqlite3", clock, max_live=2)
    for _ in range(2):
        store.make("employer", PRES_EX_ID, None, _invitation(), clock.now + 60)
    with pytest.raises(RequestLinkError, match="2 requests waiting"):
        store.make("employer", PRES_EX_ID, None, _invitation(), clock.now + 60)
    store.make("other-employer", PRES_EX_ID, None, _invitation(), clock.now + 60)
    clock.now += 61  # the first two expired: room again
    store.make("employer", PRES_EX_ID, None, _invitation(), clock.now + 60)
    with pytest.raises(RequestLinkError, match="too large"):
        store.make("employer", PRES_EX_ID, None, _invitation(MAX_INVITATION), clock.now + 60)


def qr_version(text: str) -> int:
    """The version of the QR code the pages draw for ``text``: 17 + 4 x version modules a side."""
    code = qrcode.QRCode()  # the pages' error correction (M)
    code.add_data(text)
    code.make(fit=True)
    return int(code.version)


def test_the_short_links_qr_code_is_light() -> None:
    full = invitation_link(_invitation())
    short = "https://ler.state.example/r/" + "x" * 32
    assert len(full) > 1800
    assert qr_version(full) >= 30  # 137 modules or more a side: too dense for a cheap camera
    assert qr_version(short) <= 5  # 37 modules a side


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    """The web app with no agents (the route needs none); its state file is in ``tmp_path``."""
    settings = WebSettings.from_mapping(
        {"accounts_file": "accounts.json", "session_key_file": "session.key"}, tmp_path
    )
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as test_client:
        assert test_client.app[REQUEST_LINKS].store.path == store_path(settings.accounts_file)
        yield test_client


async def test_a_short_link_opens_the_wallet_with_the_whole_invitation(
    client: TestClient,
) -> None:
    invitation = _invitation()
    live = client.app[REQUEST_LINKS].make(
        "employer", PRES_EX_ID, "t-1", invitation, time.time() + 60
    )
    response = await client.get(live.path, allow_redirects=False)
    assert response.status == 303
    target = response.headers["Location"]
    assert target.startswith("/wallet/receive?oob=")
    assert read_invitation("http://127.0.0.1" + target) == invitation
    assert parse_qs(urlsplit(target).query).keys() == {"oob"}
    # a DIDComm wallet asking for JSON gets the invitation itself (Aries RFC 0434)
    response = await client.get(live.path, headers={"Accept": "application/json"})
    assert response.status == 200 and await response.json() == invitation

    gone = client.app[REQUEST_LINKS].make(
        "employer", PRES_EX_ID, "t-2", invitation, time.time() - 1
    )
    response = await client.get(gone.path, headers={"Accept": "application/json"})
    assert response.status == 410
    page = await response.text()
    assert "This request has expired" in page and "ask the employer to show you a new" in page
    assert "The employer&#39;s request stopped working at " in page

    response = await client.get("/r/" + "A" * 32)
    assert response.status == 404 and "This request link does not exist" in await response.text()
    response = await client.get("/r/%3Cscript%3E")
    assert response.status == 404


async def test_opening_short_links_is_rate_limited(client: TestClient) -> None:
    statuses = [(await client.get("/r/" + "B" * 32)).status for _ in range(OPENS_PER_MINUTE + 1)]
    assert statuses[:-1] == [404] * OPENS_PER_MINUTE
    assert statuses[-1] == 429
