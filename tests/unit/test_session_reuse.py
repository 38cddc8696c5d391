"""A finished askar session serves the next one, without holding a connection anyone waits for.

Every agent of the suite's network runs with this on, so each end-to-end exchange (and the
fuzzed admin routes) tests it through the real stack too. Here: real askar SQLite stores behind
ACA-Py's own profile class.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from acapy_agent.askar.profile_anon import AskarAnonCredsProfile, AskarAnonCredsProfileSession
from acapy_agent.askar.store import AskarOpenStore, AskarStoreConfig
from acapy_agent.config.injection_context import InjectionContext
from acapy_agent.storage.base import BaseStorage
from acapy_agent.storage.record import StorageRecord
from aries_askar import Store

from ler_ledger import session_reuse
from ler_ledger.acapy_patches import replaced

from .speedups import speedup_fixtures

acapys_own_first, installed = speedup_fixtures(session_reuse)


async def _store(tmp_path: Path, connections: int = 4) -> Store:
    uri = f"sqlite://{tmp_path}/wallet.db?max_connections={connections}"
    return await Store.provision(uri, "raw", Store.generate_raw_key())


def _profile(store: Store, profile_id: str | None = None) -> AskarAnonCredsProfile:
    opened = AskarOpenStore(AskarStoreConfig({"name": "wallet"}), True, store)
    return AskarAnonCredsProfile(opened, InjectionContext(), profile_id=profile_id)


@pytest.fixture
async def profile(tmp_path: Path) -> AsyncIterator[AskarAnonCredsProfile]:
    wallet = _profile(await _store(tmp_path))
    yield wallet
    await wallet.close()


async def _handle_of_a_session(profile: AskarAnonCredsProfile) -> object:
    async with profile.session() as session:
        await session.handle.count("record")
        return session.handle


@pytest.mark.usefixtures("installed")
async def test_the_next_session_on_the_same_profile_reuses_the_finished_one(
    profile: AskarAnonCredsProfile,
) -> None:
    async with profile.session() as session:
        await session.inject(BaseStorage).add_record(StorageRecord("record", "{}", {}, "r1"))
        first = session.handle
    assert session.handle is None  # ACA-Py's session is done with it
    async with profile.session() as session:
        assert session.handle is first
        assert (await session.inject(BaseStorage).get_record("record", "r1")).id == "r1"
    assert await _handle_of_a_session(profile) is first


async def test_without_it_every_session_is_a_new_one(profile: AskarAnonCredsProfile) -> None:
    first = await _handle_of_a_session(profile)
    assert first.handle is None  # closed by ACA-Py
    assert await _handle_of_a_session(profile) is not first


@pytest.mark.usefixtures("installed")
async def test_a_transaction_is_never_kept_and_never_waits_for_the_idle_connection(
    tmp_path: Path,
) -> None:
    wallet = _profile(await _store(tmp_path, connections=2))
    async with wallet.session() as held:  # one connection in use, the other idle after:
        await held.handle.count("record")
        idle = await _handle_of_a_session(wallet)
        async with asyncio.timeout(5):  # without closing the idle one first, this waits
            async with wallet.transaction() as txn:
                await txn.inject(BaseStorage).add_record(StorageRecord("record", "{}", {}, "t"))
                await txn.commit()
        assert idle.handle is None
        assert wallet.store not in session_reuse._idle  # the transaction was not kept
    async with wallet.session() as session:
        assert (await session.inject(BaseStorage).get_record("record", "t")).id == "t"
    await wallet.close()


@pytest.mark.usefixtures("installed")
async def test_another_profiles_idle_session_is_closed_not_reused(tmp_path: Path) -> None:
    store = await _store(tmp_path)
    await store.create_profile("tenant-a")
    await store.create_profile("tenant-b")
    tenant_a, tenant_b = _profile(store, "tenant-a"), _profile(store, "tenant-b")
    async with tenant_a.session() as session:
        await session.inject(BaseStorage).add_record(StorageRecord("record", "{}", {}, "a"))
        a_handle = session.handle
    async with tenant_b.session() as session:
        assert session.handle is not a_handle
        assert await session.handle.count("record") == 0  # tenant a's record is not b's
    assert a_handle.handle is None
    await tenant_a.close()


@pytest.mark.usefixtures("installed")
async def test_a_session_acapy_awaited_and_dropped_is_kept_for_the_next(
    profile: AskarAnonCredsProfile,
) -> None:
    session = await profile.session()  # as ACA-Py packs and unpacks DIDComm messages
    dropped = session.handle
    del session
    gc.collect()
    assert await _handle_of_a_session(profile) is dropped


async def _askars_own_session(store: Store) -> int:
    """Askar's own session (not ACA-Py's, so not reused): it waits for a free connection."""
    async with store.session() as own:
        return await own.count("record")


async def _scan(store: Store) -> int:
    """A scan takes a connection of its own (idle session or not)."""
    return len([row async for row in store.scan("record")])


@pytest.mark.usefixtures("installed")
@pytest.mark.parametrize(
    ("idle_seconds", "needs_a_connection"),
    [(0.05, _askars_own_session), (60, _scan)],
    ids=["once-it-expires", "a-scan-at-once"],
)
async def test_the_idle_session_gives_its_connection_back(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    idle_seconds: float,
    needs_a_connection: Callable[[Store], Awaitable[int]],
) -> None:
    monkeypatch.setattr(session_reuse, "IDLE_SECONDS", idle_seconds)
    wallet = _profile(await _store(tmp_path, connections=1))
    await _handle_of_a_session(wallet)
    assert wallet.store in session_reuse._idle  # holding the store's only connection
    async with asyncio.timeout(5):
        assert await needs_a_connection(wallet.store) == 0
    assert wallet.store not in session_reuse._idle
    await wallet.close()


@pytest.mark.usefixtures("installed")
async def test_closing_the_store_closes_its_idle_session(profile: AskarAnonCredsProfile) -> None:
    idle = await _handle_of_a_session(profile)
    assert idle.handle is not None
    await profile.close()
    assert idle.handle is None


def test_installing_is_a_switch() -> None:
    assert session_reuse.install(False) is False
    assert not replaced(AskarAnonCredsProfileSession, "_setup")
    assert session_reuse.install() is True
    assert replaced(AskarAnonCredsProfileSession, "__del__")
