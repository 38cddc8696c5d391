"""Each wallet's ledger account: a secp256k1 key kept encrypted in the wallet's askar store.

The key is created on first use, lives only in the askar store (encrypted with the wallet key),
and is never written to a config file or log. With multitenancy each tenant's profile is its own
askar profile, so each tenant gets its own account.
"""

from __future__ import annotations

import logging

from acapy_agent.core.profile import Profile
from aries_askar import AskarError, AskarErrorCode, Key, KeyAlg

from ler_chain import LocalSigner

LOGGER = logging.getLogger(__name__)

ACCOUNT_KEY_NAME = "ler-ledger-account"


async def ledger_account(profile: Profile) -> LocalSigner:
    """The wallet's ledger account, created on first use."""
    async with profile.session() as session:
        handle = session.handle
        entry = await handle.fetch_key(ACCOUNT_KEY_NAME)
        if entry is None:
            key = Key.generate(KeyAlg.K256)
            try:
                await handle.insert_key(
                    ACCOUNT_KEY_NAME, key, metadata="ledger account of the ler plugin (secp256k1)"
                )
                LOGGER.info("created a ledger account for wallet %s", profile.name)
            except AskarError as err:
                if err.code != AskarErrorCode.DUPLICATE:
                    raise
            entry = await handle.fetch_key(ACCOUNT_KEY_NAME)
        return LocalSigner(entry.key.get_secret_bytes())
