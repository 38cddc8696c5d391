"""Ledger access: one keyless client per agent (reads, builds writes), one signer per wallet."""

from __future__ import annotations

import asyncio

from acapy_agent.core.profile import Profile

from ler_chain import LedgerClient, LocalSigner

from .accounts import ledger_account
from .config import LerConfig


class LedgerService:
    """Bound once in the injector; stateless towards tenants (keys come from each profile)."""

    def __init__(self, config: LerConfig) -> None:
        self.config = config
        self.chain = LedgerClient(config.descriptor, receipt_timeout=config.endorsement.timeout)
        self._writers: dict[str, LedgerClient] = {}
        self._lock = asyncio.Lock()

    @property
    def network(self) -> str:
        """The network name in did:ler DIDs."""
        return self.config.descriptor.network

    async def account(self, profile: Profile) -> LocalSigner:
        """The wallet's ledger account."""
        return await ledger_account(profile)

    async def writer(self, profile: Profile) -> LedgerClient:
        """A client that signs transactions with the wallet's own ledger account."""
        signer = await self.account(profile)
        async with self._lock:
            client = self._writers.get(signer.address)
            if client is None:
                client = LedgerClient(
                    self.config.descriptor, signer, receipt_timeout=self.config.endorsement.timeout
                )
                self._writers[signer.address] = client
        return client

    async def close(self) -> None:
        """Close every HTTP session."""
        for client in [self.chain, *self._writers.values()]:
            await client.close()
