"""A wallet's DIDComm keys are read once, per wallet, and messages still pack and unpack as sent.

Every agent of the suite's network runs with this on, so each end-to-end exchange packs and
unpacks its DIDComm messages through it. Here: ACA-Py's askar wallet in real (in-memory) askar
stores, with askar's key reads counted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from acapy_agent.askar.profile import AskarProfile
from acapy_agent.core.profile import Profile
from acapy_agent.utils.testing import create_test_profile
from acapy_agent.wallet.base import BaseWallet
from acapy_agent.wallet.error import WalletError, WalletNotFoundError
from acapy_agent.wallet.key_type import ED25519
from aries_askar import Session

from ler_ledger import didcomm_keys, inline_pack

from .speedups import speedup_fixtures, turned_on

acapys_own_first, installed = speedup_fixtures(didcomm_keys)
packing_inline = turned_on(inline_pack)  # packing reads its sender key through held keys
MESSAGE = '{"@type": "https://didcomm.org/trust_ping/1.0/ping", "@id": "1"}'
SEED = "ler-node-didcomm-keys-test-seed!"  # 32 bytes: the same key in two wallets


@pytest.fixture
async def profile() -> AsyncIterator[Profile]:
    wallet = await create_test_profile()
    yield wallet
    await wallet.close()


@pytest.fixture(params=["own store", "same store"])
async def other(profile: AskarProfile, request: pytest.FixtureRequest) -> AsyncIterator[Profile]:
    """Another wallet: in its own store, or (as a shared-store tenant) in ``profile``'s."""
    if request.param == "own store":
        wallet = await create_test_profile()
        yield wallet
        await wallet.close()
    else:
        await profile.store.create_profile("tenant")
        yield AskarProfile(profile.opened, profile.context, profile_id="tenant")


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Names of the keys askar was asked for, in order."""
    names: list[str] = []
    fetch = Session.fetch_key

    async def counted(self: Session, name: str, *, for_update: bool = False) -> object:
        names.append(name)
        return await fetch(self, name, for_update=for_update)

    monkeypatch.setattr(Session, "fetch_key", counted)
    yield names


async def _pack(profile: Profile, to: str, sender: str | None = None) -> bytes:
    async with profile.session() as session:
        return await session.inject(BaseWallet).pack_message(MESSAGE, [to], sender)


async def _unpack(profile: Profile, packed: bytes) -> tuple[str, str, str]:
    async with profile.session() as session:
        return await session.inject(BaseWallet).unpack_message(packed)


async def _key(profile: Profile, seed: str | None = None) -> str:
    async with profile.session() as session:
        return (await session.inject(BaseWallet).create_key(ED25519, seed)).verkey


@pytest.mark.usefixtures("installed", "packing_inline")
async def test_each_key_is_read_once_and_messages_arrive_as_sent(
    profile: Profile, reads: list[str]
) -> None:
    sender, recipient = await _key(profile), await _key(profile)
    for _ in range(3):
        packed = await _pack(profile, recipient, sender)
        assert await _unpack(profile, packed) == (MESSAGE, sender, recipient)
        anonymous = await _pack(profile, recipient)
        assert await _unpack(profile, anonymous) == (MESSAGE, None, recipient)
    assert reads == [sender, recipient]


@pytest.mark.usefixtures("packing_inline")
async def test_acapys_own_reads_the_key_for_every_message(
    profile: Profile, reads: list[str]
) -> None:
    sender, recipient = await _key(profile), await _key(profile)
    for _ in range(3):
        assert await _unpack(profile, await _pack(profile, recipient, sender)) == (
            MESSAGE,
            sender,
            recipient,
        )
    assert reads == [sender, recipient] * 3


@pytest.mark.usefixtures("installed")
async def test_a_key_not_found_is_not_remembered(profile: Profile, other: Profile) -> None:
    recipient = await _key(other, SEED)
    packed = await _pack(other, recipient)
    with pytest.raises(WalletError, match="No corresponding recipient key"):
        await _unpack(profile, packed)
    assert await _key(profile, SEED) == recipient  # the wallet gets the key later
    assert await _unpack(profile, packed) == (MESSAGE, None, recipient)


@pytest.mark.usefixtures("installed")
async def test_a_wallet_never_uses_a_key_another_wallet_holds(
    profile: Profile, other: Profile
) -> None:
    recipient = await _key(other, SEED)
    packed = await _pack(profile, recipient)
    assert await _unpack(other, packed) == (MESSAGE, None, recipient)  # held by the other now
    with pytest.raises(WalletError, match="No corresponding recipient key"):
        await _unpack(profile, packed)


@pytest.mark.usefixtures("installed")
async def test_held_keys_are_bounded_per_wallet(
    profile: Profile, reads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(didcomm_keys, "KEYS_PER_WALLET", 2)
    first, second, third = [await _key(profile) for _ in range(3)]
    for recipient in (first, second, first, third, second, first):
        assert await _unpack(profile, await _pack(profile, recipient)) == (
            MESSAGE,
            None,
            recipient,
        )
    # held at most two, least recently used out: third pushes second out, first stays
    assert reads == [first, second, third, second, first]


@pytest.mark.usefixtures("packing_inline")
@pytest.mark.parametrize("ours", [True, False], ids=["ours", "acapys"])
async def test_the_same_refusals(profile: Profile, ours: bool) -> None:
    if ours:
        didcomm_keys.install()
    recipient = await _key(profile)
    with pytest.raises(WalletNotFoundError, match="Missing key for pack operation"):
        await _pack(profile, recipient, "11111111111111111111111111111111")
    with pytest.raises(WalletError, match="Message not provided"):
        await _unpack(profile, b"")
    with pytest.raises(WalletError, match="Invalid packed message"):
        await _unpack(profile, b'{"protected": "not a DIDComm envelope"}')
