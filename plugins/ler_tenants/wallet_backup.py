"""A tenant's wallet as an encrypted backup, and back: every record and key of its askar profile.

The backup is an askar SQLite store holding one profile, ``tenant``, encrypted under a
passphrase (argon2i key derivation), so it can be kept anywhere and opened by any askar tool
with the passphrase. It does not depend on how the agent stores tenants (one shared store or a
store per tenant): records and keys are copied one by one through askar sessions.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from acapy_agent.core.profile import Profile
from acapy_agent.protocols.routing.v1_0.manager import RoutingManager
from acapy_agent.protocols.routing.v1_0.models.route_record import RouteRecord
from acapy_agent.storage.error import StorageNotFoundError
from acapy_agent.wallet.util import bytes_to_b58
from aries_askar import AskarError, AskarErrorCode, Entry, KeyEntry, Store

from .errors import BackupFormatError, BackupPassphraseError, RestoreConflictError

BACKUP_PROFILE = "tenant"
KEY_METHOD = "kdf:argon2i:mod"
MIN_PASSPHRASE = 12
SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True)
class Contents:
    """What a backup holds (or what a restore wrote)."""

    records: int
    keys: int
    routed: int = 0


def check_passphrase(passphrase: object) -> str:
    """The passphrase, if it is a string of at least :data:`MIN_PASSPHRASE` characters."""
    if not isinstance(passphrase, str) or len(passphrase) < MIN_PASSPHRASE:
        raise BackupPassphraseError(
            f"the passphrase must be a string of at least {MIN_PASSPHRASE} characters; "
            "keep it apart from the backup: without it the backup cannot be opened"
        )
    return passphrase


async def _read_all(session) -> tuple[list[Entry], list[KeyEntry]]:
    return list(await session.fetch_all()), list(await session.fetch_all_keys())


async def backup(profile: Profile, passphrase: str) -> tuple[bytes, Contents]:
    """The encrypted backup of ``profile``'s wallet."""
    check_passphrase(passphrase)
    async with profile.session() as session:
        entries, keys = await _read_all(session.handle)
    with tempfile.TemporaryDirectory(prefix="ler-backup-") as folder:
        path = Path(folder) / "wallet.db"
        store = await Store.provision(
            f"sqlite://{path}", KEY_METHOD, passphrase, profile=BACKUP_PROFILE
        )
        try:
            async with store.transaction(BACKUP_PROFILE) as txn:
                for entry in entries:
                    await txn.insert(entry.category, entry.name, entry.value, entry.tags)
                for key in keys:
                    await txn.insert_key(key.name, key.key, metadata=key.metadata, tags=key.tags)
                await txn.commit()
        finally:
            await store.close()
        return path.read_bytes(), Contents(len(entries), len(keys))


async def restore(root: Profile, profile: Profile, data: bytes, passphrase: str) -> Contents:
    """Write a backup's records and keys into ``profile`` (a tenant) and route its keys to it.

    A record the tenant already has is replaced. Refused with :class:`RestoreConflictError` if
    a key of the backup is routed to another tenant (the original still exists: delete it, or
    restore into it).
    """
    check_passphrase(passphrase)
    if not data.startswith(SQLITE_MAGIC):
        raise BackupFormatError("this is not a wallet backup (an askar SQLite store)")
    wallet_id = profile.settings.get_str("wallet.id")
    with tempfile.TemporaryDirectory(prefix="ler-restore-") as folder:
        path = Path(folder) / "wallet.db"
        path.write_bytes(data)
        try:
            store = await Store.open(
                f"sqlite://{path}", KEY_METHOD, passphrase, profile=BACKUP_PROFILE
            )
        except AskarError as exc:
            if exc.code == AskarErrorCode.ENCRYPTION:
                raise BackupPassphraseError("the passphrase does not open this backup") from exc
            raise BackupFormatError(f"this backup cannot be opened ({exc})") from exc
        try:
            async with store.session(BACKUP_PROFILE) as session:
                entries, keys = await _read_all(session)
        except AskarError as exc:
            raise BackupFormatError(f"this backup has no tenant wallet in it ({exc})") from exc
        finally:
            await store.close()
    verkeys = [bytes_to_b58(k.key.get_public_bytes()) for k in keys if k.algorithm == "ed25519"]
    unrouted = await _unrouted(root, verkeys, wallet_id)
    async with profile.transaction() as txn:
        handle = txn.handle
        for entry in entries:
            try:
                await handle.insert(entry.category, entry.name, entry.value, entry.tags)
            except AskarError as exc:
                if exc.code != AskarErrorCode.DUPLICATE:
                    raise
                await handle.replace(entry.category, entry.name, entry.value, entry.tags)
        for key in keys:
            try:
                await handle.insert_key(key.name, key.key, metadata=key.metadata, tags=key.tags)
            except AskarError as exc:
                if exc.code != AskarErrorCode.DUPLICATE:
                    raise
        await txn.commit()
    routing = RoutingManager(root)
    for verkey in unrouted:
        await routing.create_route_record(recipient_key=verkey, internal_wallet_id=wallet_id)
    return Contents(len(entries), len(keys), len(unrouted))


async def _unrouted(root: Profile, verkeys: list[str], wallet_id: str) -> list[str]:
    """The keys not routed yet; :class:`RestoreConflictError` if one goes to another tenant."""
    missing = []
    async with root.session() as session:
        for verkey in verkeys:
            try:
                route = await RouteRecord.retrieve_by_recipient_key(session, verkey)
            except StorageNotFoundError:
                missing.append(verkey)
                continue
            if route.wallet_id != wallet_id:
                raise RestoreConflictError(
                    f"the backup's key {verkey} is routed to tenant {route.wallet_id}, which "
                    "still exists: delete that tenant first, or restore into it"
                )
    return missing
