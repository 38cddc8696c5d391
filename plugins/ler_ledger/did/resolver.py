"""Native ACA-Py resolver for did:ler: reads DID documents from the state ledger."""

from __future__ import annotations

import re
from re import Pattern
from typing import Any

from acapy_agent.config.injection_context import InjectionContext
from acapy_agent.core.profile import Profile
from acapy_agent.resolver.base import BaseDIDResolver, DIDNotFound, ResolverError, ResolverType

from ler_chain import DID_PATTERN, LedgerError, LedgerNotFoundError, LerDid
from ler_chain.did_document import build_did_document

from ..ledger import LedgerService


class LerDIDResolver(BaseDIDResolver):
    """Resolves ``did:ler:<network>:<id>`` from the DID registry contract."""

    # DID documents change (rotation, deactivation); keep them briefly.
    DEFAULT_TTL = 30

    def __init__(self, ttl: int = DEFAULT_TTL) -> None:
        super().__init__(ResolverType.NATIVE)
        self.DEFAULT_TTL = ttl  # read by BaseDIDResolver.resolve

    async def setup(self, context: InjectionContext) -> None:
        """Nothing to set up: the ledger service is bound by the plugin."""

    @property
    def supported_did_regex(self) -> Pattern:
        """did:ler DIDs (any network name; the ledger decides)."""
        return re.compile(f"^{DID_PATTERN}$")

    async def _resolve(
        self, profile: Profile, did: str, service_accept: list[str] | None = None
    ) -> dict[str, Any]:
        ledger = profile.inject(LedgerService)
        try:
            record = await ledger.chain.dids.resolve(LerDid.parse(did))
        except LedgerNotFoundError as exc:
            raise DIDNotFound(f"{did} is not on the ledger") from exc
        except LedgerError as exc:
            raise ResolverError(f"could not resolve {did}: {exc}") from exc
        return build_did_document(record)
