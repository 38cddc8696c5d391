"""Rekeying a hosted agent's askar stores in PostgreSQL, in a maintenance window.

With the shared layout, the agent's own store and its tenants' store are both encrypted under the
agent's store key. :func:`rekey_stores` re-encrypts them under a new key kept where the agent
reads its key: the secrets file of a network ``ler-node network up`` runs
(:class:`SecretsFileKeys`), or the production env file ``docker/secrets/hosted-agent.env``
(:class:`EnvFileKeys`). The new key is written there as *pending* before any store changes, so
a run that stops half-way is finished by running it again.

Never while an instance of the agent runs: a running ACA-Py keeps the old key in memory and
would write a new tenant's profile key under it. The callers check that first.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from aries_askar import AskarError, AskarErrorCode, Store

from ..errors import LerNodeError
from ..postgres import Connection
from ..private_files import write_private

#: ACA-Py's ``--wallet-key-derivation-method`` values, as askar names them.
KEY_METHODS = {"ARGON2I_MOD": "kdf:argon2i:mod", "ARGON2I_INT": "kdf:argon2i:int", "RAW": "raw"}
#: ACA-Py's default, which a hosted agent's store key uses.
STORE_KEY_METHOD = KEY_METHODS["ARGON2I_MOD"]


@dataclass(frozen=True)
class StoreKey:
    """The store key in use, the new one if a run is under way, and its derivation method."""

    current: str
    pending: str | None
    method: str = STORE_KEY_METHOD


class KeyFile(Protocol):
    """Where an agent reads its store key."""

    path: Path

    def read(self) -> StoreKey:
        """The keys as kept now."""

    def write(self, key: StoreKey) -> None:
        """Keep ``key`` (mode 0600, everything else in the file unchanged)."""


@dataclass(frozen=True)
class SecretsFileKeys:
    """``<data dir>/secrets/<agent>.json`` of a local network (``wallet_key``)."""

    path: Path

    def read(self) -> StoreKey:
        """``wallet_key`` and ``pending_wallet_key``."""
        keys = json.loads(self.path.read_text("utf-8"))
        if "wallet_key_method" in keys:
            raise LerNodeError(f"{self.path.name} holds a RAW store key: not a hosted agent's")
        return StoreKey(keys["wallet_key"], keys.get("pending_wallet_key"))

    def write(self, key: StoreKey) -> None:
        """The same keys, the other entries unchanged."""
        keys = json.loads(self.path.read_text("utf-8"))
        keys["wallet_key"] = key.current
        keys.pop("pending_wallet_key", None)
        if key.pending is not None:
            keys["pending_wallet_key"] = key.pending
        write_private(self.path, json.dumps(keys) + "\n")


KEY_VAR = "ACAPY_WALLET_KEY"
METHOD_VAR = "ACAPY_WALLET_KEY_DERIVATION_METHOD"
PENDING_VAR = "LER_PENDING_WALLET_KEY"  # ACA-Py ignores it; only a half-done rekey leaves it
CREDS_VAR = "ACAPY_WALLET_STORAGE_CREDS"


@dataclass(frozen=True)
class EnvFileKeys:
    """A compose env file (``KEY=value`` lines) with ``ACAPY_WALLET_KEY``."""

    path: Path

    def _lines(self) -> list[str]:
        try:
            return self.path.read_text("utf-8").splitlines()
        except FileNotFoundError:
            raise LerNodeError(
                f"no env file {self.path}", hint="pass the hosted agent's env file (--env-file)"
            ) from None

    def _values(self) -> dict[str, str]:
        pairs = (line.partition("=") for line in self._lines() if not line.startswith("#"))
        return {name.strip(): value for name, sep, value in pairs if sep}

    def value(self, name: str, values: dict[str, str] | None = None) -> str:
        """One variable (from ``values`` if read already); a LerNodeError names it if absent."""
        if not (found := (values if values is not None else self._values()).get(name)):
            raise LerNodeError(f"{self.path} has no {name}", hint="see docker/secrets/README.md")
        return found

    def read(self) -> StoreKey:
        """``ACAPY_WALLET_KEY``, its derivation method and a pending key."""
        values = self._values()
        key = self.value(KEY_VAR, values)
        method = values.get(METHOD_VAR, "ARGON2I_MOD").upper()
        if method not in KEY_METHODS:
            raise LerNodeError(f"{self.path}: {METHOD_VAR}={method} is not one ACA-Py knows")
        return StoreKey(key, values.get(PENDING_VAR) or None, KEY_METHODS[method])

    def write(self, key: StoreKey) -> None:
        """The key lines replaced in place, every other line kept."""
        lines = [
            f"{KEY_VAR}={key.current}" if line.startswith(f"{KEY_VAR}=") else line
            for line in self._lines()
            if not line.startswith(f"{PENDING_VAR}=")
        ]
        if key.pending is not None:
            lines.append(f"{PENDING_VAR}={key.pending}")
        write_private(self.path, "\n".join(lines) + "\n")


async def rekey_stores(keys: KeyFile, postgres: Connection, databases: list[str]) -> None:
    """Re-encrypt ``databases`` under a new key and keep it in ``keys`` (agent stopped)."""
    key = keys.read()
    if key.pending is None:
        key = StoreKey(key.current, secrets.token_urlsafe(48), key.method)
        keys.write(key)
    assert key.pending is not None
    for database in databases:
        await _rekey(postgres.askar_uri(database), key)
    keys.write(StoreKey(key.pending, None, key.method))


async def _rekey(uri: str, key: StoreKey) -> None:
    """Rekey one store, unless a run before this one did (it opens with the new key)."""
    assert key.pending is not None
    try:
        store = await Store.open(uri, key.method, key.current)
    except AskarError as exc:
        name = uri.rsplit("/", 1)[1]
        if exc.code != AskarErrorCode.ENCRYPTION:
            raise LerNodeError(f"cannot open the store {name}: {exc}") from exc
        try:
            await (await Store.open(uri, key.method, key.pending)).close()  # rekeyed already
        except AskarError as again:
            raise LerNodeError(
                f"the store {name} opens with neither the key in use nor the pending one",
                hint="check that the key file belongs to this agent and database",
            ) from again
        return
    try:
        await store.rekey(key.method, key.pending)
    finally:
        await store.close()
