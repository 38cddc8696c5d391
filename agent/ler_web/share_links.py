"""Share links: a learner shows one credential to anyone holding an unguessable link.

The store is one JSON file in the web app's data directory (mode 0600, replaced atomically on
every change). It keeps what the learner chose to share — the credential JSON exactly as the
wallet holds it, never a key — keyed by a random token. A withdrawn or expired link is kept a
while as a tombstone, so it answers "gone" rather than "unknown".
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .private_files import write_private_json

DAY = 24 * 3600
LIFETIMES_DAYS = (1, 7, 30)  # what a learner may choose
MAX_LIVE = 50  # live links per learner
KEEP_GONE = 30 * DAY  # tombstones are forgotten this long after they stopped working
TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")  # secrets.token_urlsafe(24)


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


class ShareLinkStore:
    """The share links file. Read on every call, so another process's changes apply at once."""

    def __init__(
        self, path: Path, clock: Callable[[], float] = time.time, max_live: int = MAX_LIVE
    ) -> None:
        self.path = path
        self.clock = clock
        self.max_live = max_live

    def _read(self) -> dict[str, ShareLink]:
        try:
            raw = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return {}
        return {token: ShareLink(**entry) for token, entry in raw.get("links", {}).items()}

    def _write(self, links: dict[str, ShareLink]) -> None:
        write_private_json(self.path, {"links": {t: asdict(link) for t, link in links.items()}})

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
        links = self._forget_old(self._read(), now)
        if sum(1 for link in links.values() if link.username == username and link.live(now)) >= (
            self.max_live
        ):
            raise TooManyLinks(
                f"You already have {self.max_live} share links that work. Withdraw some you no "
                "longer need, then make a new one."
            )
        token = secrets.token_urlsafe(24)
        link = ShareLink(
            token, username, learner_name, record_id, title, credential, now, now + lifetime
        )
        links[token] = link
        self._write(links)
        return link

    def live(self, username: str) -> list[ShareLink]:
        """``username``'s links that still work, the one ending first first."""
        now = self.clock()
        mine = [v for v in self._read().values() if v.username == username and v.live(now)]
        return sorted(mine, key=lambda link: link.expires)

    def withdraw(self, username: str, token: str) -> ShareLink:
        """Stop ``username``'s link ``token`` working (another learner's: :class:`UnknownLink`)."""
        links = self._read()
        link = links.get(token) if TOKEN.match(token) else None
        if link is None or link.username != username:
            raise UnknownLink("no such share link")
        if link.withdrawn is None:
            link = ShareLink(**{**asdict(link), "withdrawn": self.clock()})
            links[token] = link
            self._write(links)
        return link

    def open(self, token: str) -> ShareLink:
        """The live link ``token``; :class:`UnknownLink` or :class:`LinkGone` otherwise."""
        link = self._read().get(token) if TOKEN.match(token) else None
        if link is None:
            raise UnknownLink("no such share link")
        if link.withdrawn is not None:
            raise LinkGone(link, "withdrawn")
        if not link.live(self.clock()):
            raise LinkGone(link, "expired")
        return link

    @staticmethod
    def _forget_old(links: dict[str, ShareLink], now: float) -> dict[str, ShareLink]:
        def ended(link: ShareLink) -> float:
            return min(link.expires, link.withdrawn or link.expires)

        return {t: link for t, link in links.items() if now - ended(link) < KEEP_GONE}


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
    match = re.fullmatch(r"/shared/([A-Za-z0-9_-]+)/?", parts.path)
    if not match:
        raise ShareLinkError("This link is not a share link. It starts with /shared/.")
    return match.group(1)


def store_path(accounts_file: Path) -> Path:
    """The share links file: beside the accounts file, in the web app's data directory."""
    return accounts_file.parent / "share-links.json"
