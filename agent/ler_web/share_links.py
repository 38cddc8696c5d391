"""Share links: a learner shows one credential to anyone holding an unguessable link.

The links live in the web app's state file (:mod:`.web_store`: SQLite, mode 0600, safe for several
web processes on one data directory). It keeps what the learner chose to share — the credential
JSON exactly as the wallet holds it, never a key — keyed by a random token. A withdrawn or expired
link is kept a while as a tombstone, so it answers "gone" rather than "unknown". Links an older
version kept in ``share-links.json`` beside it are moved in on first open, then that file goes.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .web_store import WebStore, store_path

__all__ = [
    "LinkGone",
    "ShareLink",
    "ShareLinkError",
    "ShareLinkStore",
    "TooManyLinks",
    "UnknownLink",
    "share_url",
    "store_path",
    "token_in",
]

PATH = "/shared/"  # a share link is <site>/shared/<token>
DAY = 24 * 3600
LIFETIMES_DAYS = (1, 7, 30)  # what a learner may choose
MAX_LIVE = 50  # live links per learner
KEEP_GONE = 30 * DAY  # tombstones are forgotten this long after they stopped working
TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")  # secrets.token_urlsafe(24)
OLD_FILE = "share-links.json"  # where links were kept before the state file
COLUMNS = "token, username, learner_name, record_id, title, credential, created, expires, withdrawn"


class ShareLinkError(Exception):
    """A share link cannot be made or opened as asked."""


class TooManyLinks(ShareLinkError):
    """The learner already has :data:`MAX_LIVE` live links."""


class UnknownLink(ShareLinkError):
    """No link has this token (or it was forgotten long ago)."""


class LinkGone(ShareLinkError):
    """The link was withdrawn, or has expired."""

    def __init__(self, link: ShareLink, why: str) -> None:
        super().__init__(why)
        self.link, self.why = link, why


@dataclass(frozen=True)
class ShareLink:
    """One shared credential."""

    token: str
    username: str  # the learner's account
    learner_name: str  # the account's name when the link was made
    record_id: str  # the credential's record in the learner's wallet
    title: str
    credential: dict[str, Any]
    created: float
    expires: float
    withdrawn: float | None = None

    def live(self, now: float) -> bool:
        """Whether the link still opens at ``now``."""
        return self.withdrawn is None and now < self.expires

    def values(self) -> tuple[Any, ...]:
        """The link as a row of the ``share_links`` table."""
        fields = asdict(self)
        fields["credential"] = json.dumps(self.credential)
        return tuple(fields.values())

    @classmethod
    def of(cls, row: sqlite3.Row) -> ShareLink:
        """The link a row of the ``share_links`` table holds."""
        return cls(**{**dict(row), "credential": json.loads(row["credential"])})


class ShareLinkStore:
    """The share links of the state file at ``path``; another process's changes apply at once."""

    def __init__(
        self, path: Path, clock: Callable[[], float] = time.time, max_live: int = MAX_LIVE
    ) -> None:
        self.path = path
        self.clock = clock
        self.max_live = max_live
        self.store = WebStore(path)
        self._move_old_file(path.parent / OLD_FILE)

    def _move_old_file(self, old: Path) -> None:
        """Copy the links of an older version's JSON file in (once: a token is never replaced)."""
        try:
            links = json.loads(old.read_text("utf-8")).get("links", {})
        except FileNotFoundError:
            return
        with self.store.write() as db:
            for entry in links.values():
                db.execute(
                    f"INSERT OR IGNORE INTO share_links ({COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)",
                    ShareLink(**entry).values(),
                )
        old.unlink(missing_ok=True)

    def make(
        self,
        username: str,
        learner_name: str,
        record_id: str,
        title: str,
        credential: dict[str, Any],
        lifetime: float,
    ) -> ShareLink:
        """A new link to ``credential`` that works for ``lifetime`` seconds."""
        now = self.clock()
        token = secrets.token_urlsafe(24)
        link = ShareLink(
            token, username, learner_name, record_id, title, credential, now, now + lifetime
        )
        with self.store.write() as db:  # one writer at a time: the cap holds across processes
            db.execute(
                "DELETE FROM share_links WHERE min(expires, coalesce(withdrawn, expires)) <= ?",
                (now - KEEP_GONE,),
            )
            (live,) = db.execute(
                "SELECT count(*) FROM share_links"
                " WHERE username = ? AND withdrawn IS NULL AND expires > ?",
                (username, now),
            ).fetchone()
            if live >= self.max_live:
                raise TooManyLinks(
                    f"You already have {self.max_live} share links that work. Withdraw some you "
                    "no longer need, then make a new one."
                )
            db.execute(
                f"INSERT INTO share_links ({COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)", link.values()
            )
        return link

    def live(self, username: str) -> list[ShareLink]:
        """``username``'s links that still work, the one ending first first."""
        with self.store.read() as db:
            rows = db.execute(
                f"SELECT {COLUMNS} FROM share_links"
                " WHERE username = ? AND withdrawn IS NULL AND expires > ?"
                " ORDER BY expires",
                (username, self.clock()),
            ).fetchall()
        return [ShareLink.of(row) for row in rows]

    def _get(self, db: sqlite3.Connection, token: str) -> ShareLink | None:
        if not TOKEN.match(token):
            return None
        row = db.execute(f"SELECT {COLUMNS} FROM share_links WHERE token = ?", (token,)).fetchone()
        return ShareLink.of(row) if row else None

    def withdraw(self, username: str, token: str) -> ShareLink:
        """Stop ``username``'s link ``token`` working (another learner's: :class:`UnknownLink`)."""
        with self.store.write() as db:
            link = self._get(db, token)
            if link is None or link.username != username:
                raise UnknownLink("no such share link")
            if link.withdrawn is None:
                link = ShareLink(**{**asdict(link), "withdrawn": self.clock()})
                db.execute(
                    "UPDATE share_links SET withdrawn = ? WHERE token = ?",
                    (link.withdrawn, token),
                )
        return link

    def open(self, token: str) -> ShareLink:
        """The live link ``token``; :class:`UnknownLink` or :class:`LinkGone` otherwise."""
        with self.store.read() as db:
            link = self._get(db, token)
        if link is None:
            raise UnknownLink("no such share link")
        if link.withdrawn is not None:
            raise LinkGone(link, "withdrawn")
        if not link.live(self.clock()):
            raise LinkGone(link, "expired")
        return link


def share_url(origin: str, token: str) -> str:
    """The share link of ``token`` on the site at ``origin`` (scheme://host[:port])."""
    return f"{origin}{PATH}{token}"


def token_in(url: str, origin: str) -> str | None:
    """The token of a share link ``url`` of this site (``origin``: scheme://host[:port]).

    None if ``url`` is not a web address at all; :class:`ShareLinkError` if it is another
    site's, or not a share link. Nothing is ever fetched.
    """
    text = url.strip()
    if not re.match(r"^https?://", text, re.IGNORECASE):
        return None
    parts = urlsplit(text)
    own = urlsplit(origin)
    if (parts.scheme.lower(), parts.netloc.lower()) != (own.scheme.lower(), own.netloc.lower()):
        raise ShareLinkError(
            "This is a link to another site. Only share links made on this site can be opened "
            "here: ask the learner for the credential file instead."
        )
    match = re.fullmatch(re.escape(PATH) + r"([A-Za-z0-9_-]+)/?", parts.path)
    if not match:
        raise ShareLinkError(f"This link is not a share link. It starts with {PATH}.")
    return match.group(1)
