"""The endorser's policy: configured at start, changeable at run time through the admin API."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace

from acapy_agent.core.profile import Profile
from acapy_agent.storage.base import BaseStorage
from acapy_agent.storage.error import StorageNotFoundError
from acapy_agent.storage.record import StorageRecord

from ..ledger import LedgerService

RECORD_TYPE = "ler_endorsement_policy"
RECORD_ID = "policy"


@dataclass(frozen=True)
class EndorsementPolicy:
    """Whether requests are approved without a person, and whether issuers must be accredited."""

    auto_approve: bool
    require_accreditation: bool


async def load_policy(profile: Profile) -> EndorsementPolicy:
    """The wallet's stored policy, else the plugin configuration's."""
    config = profile.inject(LedgerService).config.endorsement
    policy = EndorsementPolicy(config.auto_approve, config.require_accreditation)
    async with profile.session() as session:
        try:
            record = await session.inject(BaseStorage).get_record(RECORD_TYPE, RECORD_ID)
        except StorageNotFoundError:
            return policy
    return replace(policy, **json.loads(record.value))


async def save_policy(profile: Profile, **changes: bool) -> EndorsementPolicy:
    """Change the policy (persisted in the wallet)."""
    policy = replace(await load_policy(profile), **changes)
    value = json.dumps(asdict(policy))
    async with profile.session() as session:
        storage = session.inject(BaseStorage)
        try:
            record = await storage.get_record(RECORD_TYPE, RECORD_ID)
            await storage.update_record(record, value, {})
        except StorageNotFoundError:
            await storage.add_record(StorageRecord(RECORD_TYPE, value, id=RECORD_ID))
    return policy
