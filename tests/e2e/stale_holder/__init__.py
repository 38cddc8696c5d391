"""Test-only ACA-Py plugin that makes a holder dishonest: it answers every revocation status
list request with the list as of a pinned time (read from $LER_TEST_STALE_PIN), as a holder
hiding its revocation would. Loaded after ler_ledger with ``--plugin stale_holder``.

Its admin route (:mod:`.routes`) sends any revocation notice, as a forger would."""

from __future__ import annotations

import os
from pathlib import Path

from acapy_agent.anoncreds.registry import AnonCredsRegistry
from acapy_agent.config.injection_context import InjectionContext

from ler_ledger import LerAnonCredsRegistry


async def setup(context: InjectionContext) -> None:
    """Wrap the did:ler resolver's status list reads."""
    pin_file = Path(os.environ["LER_TEST_STALE_PIN"])
    registry = context.inject(AnonCredsRegistry)
    for resolver in registry.resolvers:
        if isinstance(resolver, LerAnonCredsRegistry):
            honest = resolver.get_revocation_list

            async def stale(
                profile, rev_reg_id, timestamp_from=0, timestamp_to=None, _honest=honest
            ):
                if pin_file.exists():
                    timestamp_to = int(pin_file.read_text())
                return await _honest(profile, rev_reg_id, timestamp_from, timestamp_to)

            resolver.get_revocation_list = stale
