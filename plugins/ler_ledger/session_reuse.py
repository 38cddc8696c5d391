"""Reuse the askar session a wallet just finished with, instead of starting a new one.

ACA-Py opens an askar session for nearly every record it reads or writes: about 120 per
benchmark flow on the learner's agent. Starting and closing one costs about 190 µs of CPU (two
calls into askar, each answered from askar's own thread, and a connection taken from and given
back to askar's pool), more than the read it is opened for. Here a plain session (not a
transaction) that ACA-Py is done with is kept open for the next one on the same store:

- **One idle session per store, for at most** :data:`IDLE_SECONDS`. An idle session holds one
  of the store's connections (a SQLite store has 4 on 2 cores). Opening a transaction, a scan
  or a session for another profile closes it first, so it never makes them wait for one.
- **Nothing carries over.** A plain session commits each operation by itself, so one that is
  done has no pending state. Transactions are never kept.
- **Dropped sessions too.** ACA-Py opens the sessions it packs and unpacks DIDComm messages with
  as ``await profile.session()`` and never closes them; askar closes such a session when
  Python frees it. Here it is kept instead, as if it had been closed.
- **Closed before its store**, when ACA-Py closes the store.

Plugin config ``ler.session_reuse: false`` keeps ACA-Py's sessions (to compare).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from acapy_agent.askar.profile_anon import AskarAnonCredsProfileSession
from acapy_agent.askar.store import AskarOpenStore
from aries_askar import Session, Store

from .acapy_patches import Patch, install_all, restore_all

LOGGER = logging.getLogger(__name__)

#: seconds an idle session is kept for the next user before it is closed
IDLE_SECONDS = 1.0


@dataclass
class _Idle:
    profile: str | None
    session: Session
    expiry: asyncio.TimerHandle


_idle: weakref.WeakKeyDictionary[Store, _Idle] = weakref.WeakKeyDictionary()  # one per store


def keep(store: Store, profile: str | None, session: Session) -> bool:
    """Make ``session`` the idle one of ``store``, unless it has one; whether it is kept."""
    if store in _idle or session.handle is None or store.handle is None:
        return False
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # dropped outside the event loop: askar closes it
        return False
    _idle[store] = _Idle(profile, session, loop.call_later(IDLE_SECONDS, _drop, store))
    return True


def _drop(store: Store) -> _Idle | None:
    """Take ``store``'s idle session out; askar closes it when it is freed."""
    idle = _idle.pop(store, None)
    if idle is not None:
        idle.expiry.cancel()
    return idle


async def _close(idle: _Idle) -> None:
    try:
        await idle.session.close()
    except Exception:  # its connection may be gone; the session is dropped either way
        LOGGER.debug("closing an idle askar session failed", exc_info=True)


async def take(store: Store, profile: str | None) -> Session | None:
    """``store``'s idle session if it is ``profile``'s; if it is another's, close it."""
    idle = _drop(store)
    if idle is None:
        return None
    if idle.profile == profile:
        return idle.session
    await _close(idle)
    return None


async def drain(store: Store | None) -> None:
    """Close ``store``'s idle session, if it has one."""
    idle = None if store is None else _drop(store)
    if idle is not None:
        await _close(idle)


async def _reused(session: Session) -> Session:
    return session


def _setup(original: Callable[[Any], Awaitable[None]]) -> Callable[[Any], Awaitable[None]]:
    async def setup(self: AskarAnonCredsProfileSession) -> None:
        store = self._profile.store
        if self._opener.is_transaction:
            await drain(store)  # its connection is free for the transaction
        else:
            kept = await take(store, self._profile.profile_id)
            if kept is not None:
                self._opener = _reused(kept)
        await original(self)

    return setup


def _teardown(
    original: Callable[[Any, bool | None], Awaitable[None]],
) -> Callable[[Any, bool | None], Awaitable[None]]:
    async def teardown(self: AskarAnonCredsProfileSession, commit: bool | None = None) -> None:
        handle = self._handle
        if handle is None or handle.is_transaction or commit:
            await original(self, commit)
            return
        self._handle = None
        if not keep(self._profile.store, self._profile.profile_id, handle):
            await handle.close()

    return teardown


def _dropped(original: Callable[[Any], None]) -> Callable[[Any], None]:
    def dropped(self: AskarAnonCredsProfileSession) -> None:
        handle = self._handle
        if handle is not None and not handle.is_transaction:
            keep(self._profile.store, self._profile.profile_id, handle)
        original(self)

    return dropped


def _store_close(original: Callable[[Any], Awaitable[None]]) -> Callable[[Any], Awaitable[None]]:
    async def close(self: AskarOpenStore) -> None:
        await drain(self.store)
        await original(self)

    return close


def _scan(original: Callable[..., Any]) -> Callable[..., Any]:
    def scan(self: Store, *args: Any, **kwargs: Any) -> Any:
        _drop(self)  # the scan takes a connection of its own
        return original(self, *args, **kwargs)

    return scan


PATCHES: tuple[Patch, ...] = (
    (AskarAnonCredsProfileSession, "_setup", _setup),
    (AskarAnonCredsProfileSession, "_teardown", _teardown),
    (AskarAnonCredsProfileSession, "__del__", _dropped),
    (AskarOpenStore, "close", _store_close),
    (Store, "scan", _scan),
)


def install(on: bool = True) -> bool:
    """Reuse askar sessions (ACA-Py patched once per process) if ``on``; whether it does."""
    return install_all(
        PATCHES, on, "session reuse off: an askar session is started for every wallet access"
    )


def uninstall() -> None:
    """Put ACA-Py's own methods back and drop the idle sessions (tests compare both)."""
    restore_all(PATCHES)
    for idle in list(_idle.values()):
        idle.expiry.cancel()
    _idle.clear()
