"""Which tails hashes the ledger's revocation registry definitions refer to.

The AnonCreds registry anchors each revocation registry definition with its JSON payload in a
``RevocationRegistryDefinitionRegistered`` event. The index reads those events once, in block
ranges, from the contracts' deployment block on, and remembers ``tailsHash -> rev_reg_def_id``;
later lookups read only the blocks added since.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from ler_chain import CredDefId, LedgerClient, LedgerError, RevRegDefId, parse_anoncreds_id
from ler_chain.transactions import rpc_errors

LOGGER = logging.getLogger(__name__)

EVENT = "RevocationRegistryDefinitionRegistered"
#: Blocks per ``eth_getLogs`` call (nodes limit the range one call may span).
BLOCK_RANGE = 5_000


class LedgerTailsIndex:
    """Finds the revocation registry definition on the ledger that names a tails hash."""

    def __init__(self, ledger: LedgerClient) -> None:
        self.ledger = ledger
        self._by_hash: dict[str, str] = {}
        self._next_block = ledger.descriptor.deployed_block
        self._lock = asyncio.Lock()

    async def find(self, tails_hash: str) -> str | None:
        """The id of a registry on the ledger whose ``tailsHash`` is ``tails_hash``, or None.

        Raises :class:`ler_chain.LedgerError` when the ledger cannot be read.
        """
        if (found := self._by_hash.get(tails_hash)) is not None:
            return found
        await self.refresh()
        return self._by_hash.get(tails_hash)

    async def refresh(self) -> None:
        """Read the registrations added since the last refresh."""
        async with self._lock:
            latest = await self.ledger.block_number()
            event = getattr(self.ledger.contracts["anoncreds"].events, EVENT)
            while self._next_block <= latest:
                to_block = min(self._next_block + BLOCK_RANGE - 1, latest)
                async with rpc_errors(self.ledger.descriptor.rpc_url):
                    logs = await event.get_logs(from_block=self._next_block, to_block=to_block)
                for log in logs:
                    self._remember(log["args"]["payload"])
                self._next_block = to_block + 1

    def _remember(self, payload: bytes) -> None:
        definition = _json_object(payload)
        value = definition.get("value")
        tails_hash = value.get("tailsHash") if isinstance(value, dict) else None
        if not isinstance(tails_hash, str):
            return
        rev_reg_id = _rev_reg_id(definition)
        self._by_hash.setdefault(tails_hash, rev_reg_id)
        LOGGER.debug("ledger registry %s uses tails %s", rev_reg_id, tails_hash)


def _json_object(payload: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _rev_reg_id(definition: dict[str, Any]) -> str:
    """The registry's id, rebuilt from its credential definition id and tag."""
    cred_def, tag = str(definition.get("credDefId")), str(definition.get("tag"))
    try:
        parsed = parse_anoncreds_id(cred_def)
    except LedgerError:
        parsed = None
    if isinstance(parsed, CredDefId):
        return str(RevRegDefId(parsed.issuer, parsed.schema_seq_no, parsed.tag, tag))
    return f"registry {tag!r} of {cred_def}"
