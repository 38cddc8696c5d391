"""Tenants of a state-hosted agent, through its admin API only (ACA-Py multitenancy + ler_tenants).

The operator's calls take the agent's admin API key; a tenant's own calls take its JWT
(:class:`TenantClient`). Tokens are kept in ``<data dir>/secrets/tenants/<wallet id>.json``
(mode 0600), never printed.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import base58

from ..errors import LerNodeError
from ..postgres import Connection
from ..private_files import write_private
from .admin import AdminClient, AdminError
from .agents import AgentHome
from .launcher import connect, public_did
from .spec import AgentSpec, NetworkSpec, TenantStore
from .store_rekey import SecretsFileKeys, rekey_stores

TenantKind = Literal["learner", "organisation"]


class TenantClient(AdminClient):
    """Calls a hosted agent's admin API as one tenant (``Authorization: Bearer <token>``)."""

    def __init__(self, name: str, base_url: str, token: str, timeout: float = 60.0) -> None:
        super().__init__(name, base_url, "", timeout)
        self._headers = {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class Tenant:
    """A tenant: its wallet id, label and kind, and its current token."""

    wallet_id: str
    label: str
    kind: str
    token: str


def hosted_agent(spec: NetworkSpec, agent_id: str | None = None) -> AgentSpec:
    """The hosted (multitenant) agent named, or the network's only one."""
    hosted = [a for a in spec.agents if a.multitenant]
    if agent_id is not None:
        hosted = [a for a in hosted if a.id == agent_id]
    if len(hosted) != 1:
        raise LerNodeError(
            "the network has no hosted agent" + (f" {agent_id}" if agent_id else "")
            if not hosted
            else "the network has several hosted agents",
            hint="add an agent with `multitenant: true` to the network file, or pass --agent ID",
        )
    return hosted[0]


def token_file(data_dir: Path, wallet_id: str) -> Path:
    """Where a tenant's token is kept."""
    return data_dir / "secrets" / "tenants" / f"{wallet_id}.json"


def save_token(data_dir: Path, tenant: Tenant) -> Path:
    """Keep a tenant's token (mode 0600)."""
    path = token_file(data_dir, tenant.wallet_id)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    token = {"wallet_id": tenant.wallet_id, "label": tenant.label, "token": tenant.token}
    write_private(path, json.dumps(token))
    return path


def load_token(data_dir: Path, wallet_id: str) -> str:
    """A kept token."""
    try:
        return json.loads(token_file(data_dir, wallet_id).read_text("utf-8"))["token"]
    except FileNotFoundError:
        raise LerNodeError(
            f"no token kept for tenant {wallet_id}",
            hint=f"issue one: ler-node tenants rotate-token {wallet_id}",
        ) from None


class Hosting:
    """The operator's handle on one hosted agent: its admin API URL and key."""

    def __init__(
        self,
        admin_url: str,
        api_key: str,
        tenant_store: TenantStore = "shared",
        timeout: float = 60.0,
    ) -> None:
        self.admin_url = admin_url
        self.tenant_store = tenant_store
        self.admin = AdminClient("hosted", admin_url, api_key, timeout)

    @classmethod
    def of(cls, home: AgentHome, timeout: float = 60.0) -> Hosting:
        """The hosted agent of a network ``ler-node network up`` started."""
        return cls(home.admin_url, home.secrets()["api_key"], home.spec.tenant_store, timeout)

    async def __aenter__(self) -> Hosting:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.admin.close()

    def as_tenant(self, tenant: Tenant | str, token: str | None = None) -> TenantClient:
        """A client acting as the tenant."""
        if isinstance(tenant, Tenant):
            name, token = tenant.label, tenant.token
        else:
            name = tenant
        assert token, "a token is needed"
        return TenantClient(name, self.admin_url, token)

    async def create(self, label: str, kind: TenantKind = "learner") -> Tenant:
        """A new tenant with a managed wallet (for its own store: a RAW key, no argon2 cost)."""
        body: dict[str, Any] = {
            "label": label,
            "wallet_type": "askar-anoncreds",
            "wallet_name": f"{kind}-{secrets.token_hex(8)}",
            "key_management_mode": "managed",
            "wallet_dispatch_type": "default",
        }
        if self.tenant_store == "per-tenant":
            body["wallet_key"] = base58.b58encode(os.urandom(32)).decode()
            body["wallet_key_derivation"] = "RAW"
        else:
            body["wallet_key"] = secrets.token_urlsafe(16)  # unused: the shared store's key
        created = await self.admin.post("/multitenancy/wallet", body)
        return Tenant(created["wallet_id"], label, kind, created["token"])

    async def join_endorser(self, tenant: Tenant, state: AdminClient) -> str:
        """An organisation tenant: connect it to the state's endorser, anchor its public DID.

        Returns the DID. Its ledger account is the tenant's own (created on first use).
        """
        async with self.as_tenant(tenant) as client:
            state_conn, own_conn = await connect(state, client, tenant.label)
            await state.post(f"/ler/endorsement/connections/{state_conn}", {"their_role": "author"})
            await client.post(
                f"/ler/endorsement/connections/{own_conn}", {"their_role": "endorser"}
            )
            return (await client.post("/ler/did/create", {"public": True}))["did"]

    async def list(self) -> list[dict[str, Any]]:
        """Every tenant: wallet id, label, created, suspended."""
        wallets = (await self.admin.get("/multitenancy/wallets"))["results"]
        suspended = set((await self.admin.get("/ler/tenants/suspended"))["results"])
        return [
            {
                "wallet_id": w["wallet_id"],
                "label": w.get("settings", {}).get("default_label", ""),
                "name": w.get("settings", {}).get("wallet.name", ""),
                "created_at": w.get("created_at", ""),
                "suspended": w["wallet_id"] in suspended,
            }
            for w in wallets
        ]

    async def suspend(self, wallet_id: str) -> dict[str, Any]:
        """Suspend a tenant."""
        return await self.admin.post(f"/ler/tenants/{wallet_id}/suspend")

    async def resume(self, wallet_id: str) -> dict[str, Any]:
        """Resume a tenant (its old tokens stay refused: :meth:`rotate_token`)."""
        return await self.admin.post(f"/ler/tenants/{wallet_id}/resume")

    async def rotate_token(self, wallet_id: str) -> str:
        """A new token for the tenant; every earlier one is refused from now on.

        ACA-Py's token is ``{wallet_id, iat}`` with ``iat`` the time rounded to a second, so a
        token issued in the same rounded second as an earlier one would be that very token: wait
        until the rounded time is past any earlier token's.
        """
        now = time.time()
        await asyncio.sleep(math.floor(now) + 1.51 - now)
        return (await self.admin.post(f"/multitenancy/wallet/{wallet_id}/token"))["token"]

    async def rotate_key(self, tenant: Tenant, did: str | None = None) -> dict[str, Any]:
        """Rotate the signing key of the tenant's did:ler DID (its public DID unless named).

        Called as the tenant (its token) on ler_ledger's ``/ler/did/{did}/rotate-key``: the
        ledger accepts the new key only from the DID's controller, the tenant's own account.
        Returns ``{did, verkey, state, ...}`` once the new key is on the ledger.
        """
        async with self.as_tenant(tenant) as client:
            did = did or await public_did(client)
            if not did or not did.startswith("did:ler:"):
                raise LerNodeError(
                    f"tenant {tenant.wallet_id} has no public did:ler DID to rotate",
                    hint="an organisation tenant gets one when created with --kind organisation",
                )
            return await client.post(f"/ler/did/{did}/rotate-key", {"wait": True})

    async def delete(self, wallet_id: str) -> None:
        """Delete a tenant and its wallet."""
        await self.admin.post(f"/multitenancy/wallet/{wallet_id}/remove")

    async def backup(self, wallet_id: str, passphrase: str) -> bytes:
        """The tenant's wallet, encrypted under ``passphrase`` (an askar SQLite store)."""
        answer = await self.admin.post(
            f"/ler/tenants/{wallet_id}/backup", {"passphrase": passphrase}
        )
        return base64.b64decode(answer["backup"])

    async def restore(self, wallet_id: str, data: bytes, passphrase: str) -> dict[str, Any]:
        """Write a backup into a tenant (a fresh one: :meth:`create` first)."""
        return await self.admin.post(
            f"/ler/tenants/{wallet_id}/restore",
            {"backup": base64.b64encode(data).decode("ascii"), "passphrase": passphrase},
        )


async def rekey_hosted_stores(home: AgentHome, postgres: Connection) -> list[str]:
    """Re-encrypt a stopped hosted agent's stores under a new key; returns the databases.

    The agent's own store and, in the shared layout, its tenants' store (which ACA-Py opens with
    the same key); the key is kept in the agent's secrets file (:mod:`.store_rekey`).
    """
    if home.spec.tenant_store != "shared":
        raise LerNodeError(
            "each tenant store of the per-tenant layout has its own key: not rekeyed here",
            hint="only the shared layout (tenant_store: shared) has one store key",
        )
    for instance in home.spec.instances():
        running = AgentHome(home.data_dir, instance)
        if running.process.pid() is not None:
            raise _running(running.label)
        await refuse_if_running(running.admin_url, running.label)
    databases = [home.spec.id, f"{home.spec.id}-tenants"]
    await rekey_stores(SecretsFileKeys(home.secrets_file), postgres, databases)
    return databases


def _running(label: str) -> LerNodeError:
    return LerNodeError(
        f"agent {label} is running: a store is rekeyed in a maintenance window only",
        hint="stop the agent (ler-node network down, or docker compose stop), rekey, start it",
    )


async def refuse_if_running(admin_url: str, label: str) -> None:
    """Raise if anything answers at the agent's admin URL (only no answer means stopped)."""
    async with AdminClient(label, admin_url, "", timeout=3) as admin:
        try:
            await admin.get("/status/live")
        except AdminError as exc:
            if exc.status == 0:
                return
    raise _running(label)


def hosting(spec: NetworkSpec, data_dir: Path, agent_id: str | None = None) -> Hosting:
    """The operator's handle on the network's hosted agent."""
    return Hosting.of(AgentHome(Path(data_dir), hosted_agent(spec, agent_id)))
