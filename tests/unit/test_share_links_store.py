"""The share link store: private state file, expiry, withdrawal, the cap, unguessable tokens."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ler_web.share_links import (
    DAY,
    LinkGone,
    ShareLinkError,
    ShareLinkStore,
    TooManyLinks,
    UnknownLink,
    share_url,
    store_path,
    token_in,
)

BADGE = {"type": ["VerifiableCredential", "OpenBadgeCredential"], "name": "CNC Machining I"}


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def _store(tmp_path: Path, clock: Clock, **kwargs: int) -> ShareLinkStore:
    return ShareLinkStore(store_path(tmp_path / "web" / "accounts.json"), clock=clock, **kwargs)


def test_a_link_keeps_the_credential_exactly_in_a_private_file(tmp_path: Path) -> None:
    store = _store(tmp_path, Clock())
    link = store.make("ana", "Ana Diaz", "rec-1", "CNC Machining I", BADGE, 7 * DAY)
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert store.open(link.token).credential == BADGE
    assert store.open(link.token).learner_name == "Ana Diaz"
    assert store.path.name == "web-state.sqlite3"


def test_a_failed_write_keeps_nothing_of_it(tmp_path: Path) -> None:
    clock = Clock()
    store = _store(tmp_path, clock)
    old = store.make("ana", "Ana", "rec-1", "One", BADGE, DAY)
    store.withdraw("ana", old.token)
    clock.now += 31 * DAY  # the next write would forget the tombstone...
    with pytest.raises(TypeError):
        store.make("ana", "Ana", "rec-2", "Two", {"not json": object()}, DAY)
    with pytest.raises(LinkGone):  # ...but that write failed, so all of it was undone
        store.open(old.token)
    assert store.live("ana") == []


def test_a_link_expires_then_answers_gone_until_forgotten(tmp_path: Path) -> None:
    clock = Clock()
    store = _store(tmp_path, clock)
    link = store.make("ana", "Ana", "rec-1", "One", BADGE, DAY)
    clock.now += DAY - 1
    assert store.open(link.token) == link
    clock.now += 1
    with pytest.raises(LinkGone) as gone:
        store.open(link.token)
    assert gone.value.why == "expired"
    assert store.live("ana") == []
    clock.now += 31 * DAY
    store.make("ana", "Ana", "rec-2", "Two", BADGE, DAY)  # a write forgets old tombstones
    with pytest.raises(UnknownLink):
        store.open(link.token)


def test_only_its_learner_withdraws_a_link(tmp_path: Path) -> None:
    store = _store(tmp_path, Clock())
    link = store.make("ana", "Ana", "rec-1", "One", BADGE, DAY)
    with pytest.raises(UnknownLink):
        store.withdraw("bo", link.token)
    assert store.open(link.token) == link
    store.withdraw("ana", link.token)
    with pytest.raises(LinkGone) as gone:
        store.open(link.token)
    assert gone.value.why == "withdrawn"
    assert store.live("ana") == []


def test_each_learner_has_at_most_the_cap_of_live_links(tmp_path: Path) -> None:
    clock = Clock()
    store = _store(tmp_path, clock, max_live=3)
    links = [store.make("ana", "Ana", f"rec-{i}", "One", BADGE, DAY * (i + 1)) for i in range(3)]
    with pytest.raises(TooManyLinks, match="already have 3 share links"):
        store.make("ana", "Ana", "rec-4", "Four", BADGE, DAY)
    store.make("bo", "Bo", "rec-9", "Bo's", BADGE, DAY)  # another learner is not counted
    store.withdraw("ana", links[2].token)
    store.make("ana", "Ana", "rec-4", "Four", BADGE, 3 * DAY)
    clock.now += DAY  # the first expires: its place is free again
    store.make("ana", "Ana", "rec-5", "Five", BADGE, DAY)
    assert len(store.live("ana")) == 3


def test_tokens_are_random_and_only_the_whole_token_opens_a_link(tmp_path: Path) -> None:
    store = _store(tmp_path, Clock(), max_live=1000)
    tokens = [store.make("ana", "Ana", "rec", "One", BADGE, DAY).token for _ in range(200)]
    assert len(set(tokens)) == 200
    assert all(len(t) == 32 for t in tokens)  # 24 random bytes
    assert len({t[:4] for t in tokens}) > 150  # not sequential, no shared prefix
    token = tokens[0]
    for guess in (token[:-1], token + "A", token.upper(), "../" + token, "", "*"):
        if guess != token:
            with pytest.raises(UnknownLink):
                store.open(guess)


def test_only_this_sites_share_links_are_read_from_a_pasted_address() -> None:
    origin = "http://127.0.0.1:8080"
    token = "A" * 32
    assert token_in(f" {share_url(origin, token)}\n", origin) == token
    assert token_in('{"type": "VerifiableCredential"}', origin) is None
    for other in (
        share_url("http://127.0.0.1:9999", token),
        share_url("https://127.0.0.1:8080", token),
        share_url("http://evil.example", token),
        share_url("http://127.0.0.1:8080@evil.example", token),
    ):
        with pytest.raises(ShareLinkError, match="another site"):
            token_in(other, origin)
    with pytest.raises(ShareLinkError, match="not a share link"):
        token_in(f"{origin}/wallet", origin)
