"""A hosted (multitenant) agent's tenants as seen from its own (root) wallet."""

from __future__ import annotations

from acapy_agent.core.profile import Profile
from acapy_agent.multitenant.base import BaseMultitenantManager
from acapy_agent.storage.error import StorageNotFoundError
from acapy_agent.wallet.models.wallet_record import WalletRecord


def tenant_wallet_id(profile: Profile) -> str | None:
    """The tenant wallet id of ``profile``; ``None`` for the agent's own wallet."""
    wallet_id = profile.settings.get("wallet.id")  # set by ACA-Py on tenants' profiles only
    return str(wallet_id) if wallet_id else None


async def open_tenant(root: Profile, wallet_id: str) -> Profile | None:
    """A tenant's profile, opened (or found in its cache) by the multitenant manager.

    ``None`` if the agent is not multitenant, the tenant is gone, or its wallet key is not kept
    by the agent (an unmanaged wallet).
    """
    manager = root.inject_or(BaseMultitenantManager)
    if manager is None:
        return None
    try:
        async with root.session() as session:
            record = await WalletRecord.retrieve_by_id(session, wallet_id)
    except StorageNotFoundError:
        return None
    if record.requires_external_key:
        return None
    return await manager.get_wallet_profile(root.context, record)
