"""Short links to employers' DIDComm requests: a light QR code a cheap phone camera reads.

A connectionless request is a whole out-of-band invitation (some 2.5 KB in its ``?oob=`` link),
whose QR code is too dense for many phones. The web app keeps the invitation in its state file
(:mod:`.web_store`) under a random token, for as long as the request works, and the QR code
shows ``/r/<token>`` on this site. Opening it answers from that state alone, never fetching
anything: a browser is sent on to the learner wallet's receive page with the whole invitation
(``/wallet/receive?oob=...``), and a DIDComm wallet that asks for JSON (``Accept:
application/json``, as Aries RFC 0434 short links allow) gets the invitation itself. An unknown
token is a 404 page; an expired one a 410 page saying when it expired. Opening is rate-limited
per address.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from .didcomm_requests import encoded_invitation
from .error_pages import error_page
from .rate_limit import RateLimit
from .request_words import clock
from .web_store import WebStore

DAY = 24 * 3600
KEEP_GONE = DAY  # an expired link answers "expired" (410) this long, then "unknown" (404)
MAX_LIVE = 50  # live request links per employer
MAX_INVITATION = 5000  # bytes of invitation JSON: its ?oob= link fits the wallet page's 8,000
OPENS_PER_MINUTE = 30  # per client address
TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")  # secrets.token_urlsafe(24)
PATH = "/r/"
COLUMNS = "token, username, pres_ex_id, thread_id, invitation, created, expires"


class RequestLinkError(Exception):
    """A request link cannot be made as asked; the message says why, in plain words."""


@dataclass(frozen=True)
class RequestLink:
    """One employer's request, kept for its short link."""

    token: str
    username: str
    pres_ex_id: str
    thread_id: str | None
    invitation: dict[str, Any]
    created: float
    expires: float

    @property
    def path(self) -> str:
        """The short link's path on this site."""
        return PATH + self.token

    @classmethod
    def of(cls, row: sqlite3.Row) -> RequestLink:
        """The link a row of the ``request_links`` table holds."""
        return cls(**{**dict(row), "invitation": json.loads(row["invitation"])})


class RequestLinkStore:
    """The request links of the state file at ``path``."""

    def __init__(
        self, path: Path, clock: Callable[[], float] = time.time, max_live: int = MAX_LIVE
    ) -> None:
        self.clock = clock
        self.max_live = max_live
        self.store = WebStore(path)

    def make(
        self,
        username: str,
        pres_ex_id: str,
        thread_id: str | None,
        invitation: dict[str, Any],
        expires: float,
    ) -> RequestLink:
        """A new short link to ``invitation`` until ``expires``.

        ``pres_ex_id``: the verifier's record of the request; ``thread_id``: its thread.
        """
        encoded = json.dumps(invitation, separators=(",", ":"))
        if len(encoded.encode()) > MAX_INVITATION:
            raise RequestLinkError("The request is too large for a wallet link. Ask for less.")
        now = self.clock()
        link = RequestLink(
            secrets.token_urlsafe(24),
            username,
            pres_ex_id,
            thread_id,
            invitation,
            now,
            expires,
        )
        with self.store.write() as db:  # one writer at a time: the cap holds across processes
            db.execute("DELETE FROM request_links WHERE expires <= ?", (now - KEEP_GONE,))
            (live,) = db.execute(
                "SELECT count(*) FROM request_links WHERE username = ? AND expires > ?",
                (username, now),
            ).fetchone()
            if live >= self.max_live:
                raise RequestLinkError(
                    f"You already have {self.max_live} requests waiting for an answer. Wait for "
                    "some to be answered or to expire, then make a new one."
                )
            db.execute(
                f"INSERT INTO request_links ({COLUMNS}) VALUES (?,?,?,?,?,?,?)",
                (link.token, username, pres_ex_id, thread_id, encoded, now, expires),
            )
        return link

    def get(self, token: str) -> RequestLink | None:
        """The link ``token``, live or expired; None if there is none."""
        if not TOKEN.match(token):
            return None
        with self.store.read() as db:
            row = db.execute(
                f"SELECT {COLUMNS} FROM request_links WHERE token = ?", (token,)
            ).fetchone()
        return RequestLink.of(row) if row else None

    def by_thread(self, thread_ids: list[str]) -> dict[str, RequestLink]:
        """The links of the requests of ``thread_ids`` made on this site, by thread id."""
        if not thread_ids:
            return {}
        marks = ",".join("?" * len(thread_ids))
        with self.store.read() as db:
            rows = db.execute(
                f"SELECT {COLUMNS} FROM request_links WHERE thread_id IN ({marks})", thread_ids
            ).fetchall()
        return {row["thread_id"]: RequestLink.of(row) for row in rows}


REQUEST_LINKS = web.AppKey("request_links", RequestLinkStore)
OPEN_LIMIT = web.AppKey("request_link_limit", RateLimit)


def expired_requests(request: web.Request, records: list[dict[str, Any]]) -> dict[str, float]:
    """When requests made on this site expired, by thread id, of ``records`` past their end.

    ``records``: proof exchange records of a learner's wallet.
    """
    threads = [str(r["thread_id"]) for r in records if r.get("thread_id")]
    now = time.time()
    links = request.app[REQUEST_LINKS].by_thread(threads)
    return {thread: link.expires for thread, link in links.items() if now >= link.expires}


def setup(app: web.Application, path: Path) -> None:
    """Keep request links in the state file at ``path``; serve ``/r/<token>``."""
    app[REQUEST_LINKS] = RequestLinkStore(path)
    app[OPEN_LIMIT] = RateLimit(OPENS_PER_MINUTE)
    app.router.add_get(PATH + "{token}", open_link)


async def open_link(request: web.Request) -> web.StreamResponse:
    """The short link: on to the wallet's receive page, or the invitation (JSON) for a wallet."""
    request.app[OPEN_LIMIT].take(request.remote or "unknown")
    link = request.app[REQUEST_LINKS].get(request.match_info["token"])
    if link is None:
        return await error_page(
            request,
            404,
            "This request link does not exist",
            [
                "Check you scanned the whole QR code, or copied the whole link. If you did, ask "
                "the employer to show you a new one."
            ],
            next_step=("/wallet", "Go to your wallet"),
        )
    now = time.time()
    if now >= link.expires:
        return await error_page(
            request,
            410,
            "This request has expired",
            [
                f"The employer's request stopped working at {clock(link.expires, now)}.",
                "If you still want to answer it, ask the employer to show you a new QR code.",
            ],
            next_step=("/wallet", "Go to your wallet"),
        )
    if "application/json" in request.headers.get("Accept", ""):
        return web.json_response(link.invitation, headers={"Cache-Control": "no-store"})
    target = "/wallet/receive?oob=" + encoded_invitation(link.invitation)
    raise web.HTTPSeeOther(target, headers={"Cache-Control": "no-store"})
