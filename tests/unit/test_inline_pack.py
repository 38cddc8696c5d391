"""Outbound DIDComm messages are packed on the event loop, with ACA-Py's result and errors.

Every agent of the suite's network runs with this on, so each end-to-end exchange packs its
DIDComm messages through it. Here: ACA-Py's askar wallet in a real (in-memory) askar store.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from acapy_agent.core.profile import Profile
from acapy_agent.utils.testing import create_test_profile
from acapy_agent.wallet.base import BaseWallet
from acapy_agent.wallet.error import WalletError, WalletNotFoundError
from acapy_agent.wallet.key_type import ED25519

from ler_ledger import inline_pack

from .speedups import speedup_fixtures

acapys_own_first, installed = speedup_fixtures(inline_pack)
NOT_IN_THE_WALLET = "11111111111111111111111111111111"  # a verkey no key of the wallet has
MESSAGE = '{"@type": "https://didcomm.org/trust_ping/1.0/ping", "@id": "1"}'


@pytest.fixture
async def profile() -> AsyncIterator[Profile]:
    wallet = await create_test_profile()
    yield wallet
    await wallet.close()


async def _round_trip(profile: Profile, anonymous: bool) -> tuple[tuple[str, str, str], tuple]:
    """Pack from a new key to another and unpack: (unpacked, (message, sender, recipient))."""
    async with profile.session() as session:
        wallet = session.inject(BaseWallet)
        sender = await wallet.create_key(ED25519)
        recipient = await wallet.create_key(ED25519)
        from_verkey = None if anonymous else sender.verkey
        packed = await wallet.pack_message(MESSAGE, [recipient.verkey], from_verkey)
        unpacked = await wallet.unpack_message(packed)
    return unpacked, (MESSAGE, from_verkey, recipient.verkey)


@pytest.mark.usefixtures("installed")
@pytest.mark.parametrize("anonymous", [False, True], ids=["authcrypt", "anoncrypt"])
async def test_packed_on_the_loop_and_unpacked_as_sent(
    profile: Profile, monkeypatch: pytest.MonkeyPatch, anonymous: bool
) -> None:
    def no_thread(*args: object) -> None:
        raise AssertionError("packed in a worker thread")

    monkeypatch.setattr(asyncio.get_running_loop(), "run_in_executor", no_thread)
    unpacked, sent = await _round_trip(profile, anonymous)
    assert unpacked == sent


async def test_acapys_own_packs_in_a_worker_thread(
    profile: Profile, monkeypatch: pytest.MonkeyPatch
) -> None:
    hops = []
    loop = asyncio.get_running_loop()
    original = loop.run_in_executor

    def counted(*args: object) -> asyncio.Future:
        hops.append(args[1])
        return original(*args)

    monkeypatch.setattr(loop, "run_in_executor", counted)
    unpacked, sent = await _round_trip(profile, anonymous=False)
    assert unpacked == sent
    assert len(hops) == 1


@pytest.mark.parametrize("ours", [True, False], ids=["ours", "acapys"])
async def test_the_same_refusals(profile: Profile, ours: bool) -> None:
    if ours:
        inline_pack.install()
    async with profile.session() as session:
        wallet = session.inject(BaseWallet)
        recipient = await wallet.create_key(ED25519)
        with pytest.raises(WalletNotFoundError, match="Missing key for pack operation"):
            await wallet.pack_message(MESSAGE, [recipient.verkey], NOT_IN_THE_WALLET)
        with pytest.raises(WalletError, match="Message not provided"):
            await wallet.pack_message(None, [recipient.verkey])
