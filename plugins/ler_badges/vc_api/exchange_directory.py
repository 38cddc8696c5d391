"""Which wallet owns each open exchange, kept in the agent's own (root) wallet across restarts.

A wallet calls ``<public base>/exchanges/<id>`` without saying whose exchange it is. The agent's
own exchanges are in its root wallet; a tenant's (multitenant agent) are in the tenant's wallet,
so when a tenant opens one, an :class:`ExchangeOwnerRecord` (exchange id -> wallet id, and when
the exchange expires) is saved in the root wallet, *before* the exchange itself, ``open`` until
the exchange ends (then ``ended``: its link still answers "finished" or "expired"). After a
restart the tenant's wallet is opened again from that record, and the expiry sweep
(:mod:`.expiry_sweep`) finds every tenant's open exchanges through it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from acapy_agent.core.profile import Profile
from acapy_agent.messaging.models.base_record import BaseRecord, BaseRecordSchema
from acapy_agent.storage.error import StorageNotFoundError
from marshmallow import EXCLUDE, fields

from ler_ledger import open_tenant, tenant_wallet_id

LOGGER = logging.getLogger(__name__)


class ExchangeOwnerRecord(BaseRecord):
    """In the root wallet: the tenant wallet that owns an open exchange."""

    class Meta:
        """Record metadata."""

        schema_class = "ExchangeOwnerRecordSchema"

    RECORD_TYPE = "ler_badges_vc_api_exchange_owner"
    RECORD_ID_NAME = "exchange_id"
    TAG_NAMES = {"wallet_id", "state"}
    STATE_OPEN = "open"
    STATE_ENDED = "ended"

    def __init__(
        self,
        *,
        exchange_id: str | None = None,
        wallet_id: str | None = None,
        expires_at: str | None = None,
        state: str | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(exchange_id, state or self.STATE_OPEN, **kwargs)
        self.wallet_id = wallet_id
        self.expires_at = expires_at

    @property
    def exchange_id(self) -> str:
        """The exchange's id."""
        return self._id

    @property
    def record_value(self) -> dict[str, str | None]:
        """What is stored."""
        return {"wallet_id": self.wallet_id, "expires_at": self.expires_at}


class ExchangeOwnerRecordSchema(BaseRecordSchema):
    """Schema of :class:`ExchangeOwnerRecord`."""

    class Meta:
        """Schema metadata."""

        model_class = ExchangeOwnerRecord
        unknown = EXCLUDE

    exchange_id = fields.Str(required=False)
    wallet_id = fields.Str(required=False)
    expires_at = fields.Str(required=False)


class ExchangeDirectory:
    """Which profile owns each exchange: the root's, or a tenant's found through its record."""

    def __init__(self) -> None:
        self.root: Profile | None = None

    async def add(self, exchange_id: str, profile: Profile, expires_at: str) -> None:
        """Remember the owner of a new exchange (call before saving the exchange)."""
        wallet_id = tenant_wallet_id(profile)
        if wallet_id is None or self.root is None:
            return
        owner = ExchangeOwnerRecord(
            exchange_id=exchange_id, wallet_id=wallet_id, expires_at=expires_at, new_with_id=True
        )
        async with self.root.session() as session:
            await owner.save(session, reason="a tenant opened a VC-API exchange")

    async def discard(self, exchange_id: str, profile: Profile) -> None:
        """Mark a tenant's exchange ended (the sweep no longer looks at it)."""
        if tenant_wallet_id(profile) is None or self.root is None:
            return
        async with self.root.session() as session:
            try:
                owner = await ExchangeOwnerRecord.retrieve_by_id(session, exchange_id)
            except StorageNotFoundError:
                return
            if owner.state != owner.STATE_ENDED:
                owner.state = owner.STATE_ENDED
                await owner.save(session, reason="the tenant's VC-API exchange ended")

    async def owner(self, exchange_id: str) -> Profile | None:
        """The profile to ask about ``exchange_id`` (``None``: its tenant is gone)."""
        if self.root is None:
            return None
        async with self.root.session() as session:
            try:
                owner = await ExchangeOwnerRecord.retrieve_by_id(session, exchange_id)
            except StorageNotFoundError:
                return self.root
        return await self.tenant(owner.wallet_id or "")

    async def tenant(self, wallet_id: str) -> Profile | None:
        """A tenant's profile (:func:`ler_ledger.tenants.open_tenant`); ``None``: it is gone."""
        return None if self.root is None else await open_tenant(self.root, wallet_id)

    async def due(self, now: datetime) -> list[ExchangeOwnerRecord]:
        """Tenants' open exchanges past their end, to be ended by the sweep."""
        if self.root is None:
            return []
        async with self.root.session() as session:
            owners = await ExchangeOwnerRecord.query(
                session, {"state": ExchangeOwnerRecord.STATE_OPEN}
            )
        return [
            o for o in owners if not o.expires_at or datetime.fromisoformat(o.expires_at) <= now
        ]

    async def forget(self, owner: ExchangeOwnerRecord) -> None:
        """Delete an owner record whose tenant is gone or whose exchange was never saved."""
        assert self.root is not None
        async with self.root.session() as session:
            try:
                current = await ExchangeOwnerRecord.retrieve_by_id(session, owner.exchange_id)
            except StorageNotFoundError:
                return
            await current.delete_record(session)
