"""Pack outbound DIDComm messages on the event loop instead of in a worker thread.

ACA-Py's askar wallet encrypts every outbound message in a worker thread
(``run_in_executor``), though it decrypts inbound ones on the event loop. For a DIDComm
message the encryption (a key agreement per recipient and a symmetric cipher) takes a fraction
of a millisecond, less than the hop: handing the work to the thread, waking it, and waking the
event loop again with the result. Packing on the loop, as unpacking already is, saves about 1 %
of a benchmark flow's CPU. The result and the errors are ACA-Py's: the same askar call makes
the same envelope, and a missing sender key or message is refused the same way. The sender's
key comes through :mod:`.didcomm_keys` (held, unless that is off).

Plugin config ``ler.inline_pack: false`` keeps ACA-Py's worker thread.
"""

from __future__ import annotations

from collections.abc import Sequence

from acapy_agent.askar.didcomm.v1 import pack_message
from acapy_agent.wallet.askar import AskarWallet
from acapy_agent.wallet.error import WalletError, WalletNotFoundError
from aries_askar import AskarError

from .acapy_patches import Patch, install_all, restore_all
from .didcomm_keys import own_key


async def pack_inline(
    wallet: AskarWallet, message: str, to_verkeys: Sequence[str], from_verkey: str | None = None
) -> bytes:
    """``AskarWallet.pack_message``, with the encryption on the calling thread."""
    if message is None:
        raise WalletError("Message not provided")
    try:
        sender = None
        if from_verkey:
            sender = await own_key(wallet._session, from_verkey)
            if sender is None:
                raise WalletNotFoundError("Missing key for pack operation")
        return pack_message(to_verkeys, sender, message)
    except AskarError as err:
        raise WalletError("Exception when packing message") from err


PATCHES: tuple[Patch, ...] = ((AskarWallet, "pack_message", lambda _: pack_inline),)


def install(on: bool = True) -> bool:
    """Pack on the event loop (ACA-Py patched once per process) if ``on``; whether it does."""
    return install_all(PATCHES, on, "outbound DIDComm messages are packed in a worker thread")


def uninstall() -> None:
    """Put ACA-Py's method back (tests compare both)."""
    restore_all(PATCHES)
