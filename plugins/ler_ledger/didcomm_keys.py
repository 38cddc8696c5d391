"""A wallet's DIDComm keys, read from askar once and then held: packing and unpacking reuse them.

ACA-Py reads the agent's own key from askar for every DIDComm message it packs (the sender's
key) and unpacks (the recipient's): a storage round trip per message, for a key that cannot
change (a key is named by its public key) and that ACA-Py never removes. Here, per wallet (an
askar store and profile: a tenant's keys are never another's), the last :data:`KEYS_PER_WALLET`
keys read are held as askar key handles, for the last :data:`WALLETS_PER_STORE` wallets of a
store used. A key that is not found is not remembered, so a key added later is found.
Unpacking is ACA-Py's own algorithm, given the held keys; packing holds keys only when
:mod:`.inline_pack` packs (ACA-Py's worker-thread packing reads the key itself).

Plugin config ``ler.didcomm_key_cache: false`` reads the key for every message.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from acapy_agent.askar.didcomm.v1 import unpack_message
from acapy_agent.core.profile import ProfileSession
from acapy_agent.wallet.askar import AskarWallet
from acapy_agent.wallet.error import WalletError
from aries_askar import AskarError, Key, Store

from .acapy_patches import Patch, install_all, replaced, restore_all

KEYS_PER_WALLET = 1024  # an agent's own keys in use: one per connection, and its public DID's
WALLETS_PER_STORE = 1024  # a hosted agent's tenants sharing one store

#: store -> askar profile (a wallet) -> key name -> key; least recently used first
_held: WeakKeyDictionary[Store, OrderedDict[str | None, OrderedDict[str, Key]]]
_held = WeakKeyDictionary()


@dataclass(frozen=True)
class HeldKey:
    """What ACA-Py's unpacking reads of a key entry: the key."""

    key: Key


class HeldKeys:
    """The ``fetch_key`` of an askar session, answered from the wallet's held keys first."""

    def __init__(self, session: ProfileSession) -> None:
        """Keys of ``session``'s wallet."""
        self.session = session

    async def fetch_key(self, name: str, for_update: bool = False) -> HeldKey | None:
        """The wallet's key ``name``, or None if it has none."""
        key = await own_key(self.session, name)
        return HeldKey(key) if key is not None else None


async def own_key(session: ProfileSession, verkey: str) -> Key | None:
    """The key named ``verkey`` of ``session``'s wallet (None if none), read once when held."""
    if not replaced(AskarWallet, "unpack_message"):
        entry = await session.handle.fetch_key(verkey)
        return entry.key if entry else None
    keys = _wallet_keys(session)
    key = keys.get(verkey)
    if key is not None:
        keys.move_to_end(verkey)
        return key
    entry = await session.handle.fetch_key(verkey)
    if not entry:
        return None
    keys[verkey] = key = entry.key
    while len(keys) > KEYS_PER_WALLET:
        keys.popitem(last=False)
    return key


def _wallet_keys(session: ProfileSession) -> OrderedDict[str, Key]:
    """The keys held for ``session``'s wallet (its store's and askar profile's)."""
    profile: Any = session.profile
    wallets = _held.setdefault(profile.store, OrderedDict())
    keys = wallets.setdefault(profile.profile_id, OrderedDict())
    wallets.move_to_end(profile.profile_id)
    while len(wallets) > WALLETS_PER_STORE:
        wallets.popitem(last=False)
    return keys


async def unpack_with_held_keys(wallet: AskarWallet, enc_message: bytes) -> tuple[str, str, str]:
    """``AskarWallet.unpack_message``, the recipient's key read through the held keys."""
    if not enc_message:
        raise WalletError("Message not provided")
    try:
        message, recipient, sender = await unpack_message(HeldKeys(wallet._session), enc_message)
    except AskarError as err:
        raise WalletError("Exception when unpacking message") from err
    return message.decode("utf-8"), sender, recipient


PATCHES: tuple[Patch, ...] = ((AskarWallet, "unpack_message", lambda _: unpack_with_held_keys),)


def install(on: bool = True) -> bool:
    """Hold DIDComm keys (ACA-Py patched once per process) if ``on``; whether it does."""
    return install_all(PATCHES, on, "DIDComm keys are read from the wallet for every message")


def uninstall() -> None:
    """Put ACA-Py's method back and forget the held keys (tests compare both)."""
    restore_all(PATCHES)
    _held.clear()
