"""``ler-node tenants``: the tenants of the state-hosted agent (learners, small organisations)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from ..console import console, step
from ..errors import LerNodeError
from ..network.agents import AgentHome
from ..network.hosting import (
    Hosting,
    Tenant,
    hosted_agent,
    hosting,
    load_token,
    refuse_if_running,
    rekey_hosted_stores,
    save_token,
)
from ..network.store_rekey import CREDS_VAR, EnvFileKeys, rekey_stores
from ..postgres import Connection, EmbeddedPostgres
from ..private_files import write_private
from . import run_async
from .network import load_spec
from .options import agent_options, data_dir_option, remote_agent

PASSPHRASE_ENV = "LER_BACKUP_PASSPHRASE"

agent_option = agent_options("hosted agent")
passphrase_option = click.option(
    "--passphrase-file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help=f"File holding the backup passphrase (else ${PASSPHRASE_ENV}, else a prompt).",
)


def _passphrase(path: Path | None, confirm: bool) -> str:
    if path is not None:
        return path.read_text("utf-8").strip()
    if os.environ.get(PASSPHRASE_ENV):
        return os.environ[PASSPHRASE_ENV]
    return click.prompt("backup passphrase", hide_input=True, confirmation_prompt=confirm)


def _handle(data_dir: Path, options: dict) -> tuple[Path, Hosting]:
    """The data dir (tokens are kept there) and the hosted agent the options name."""
    data_dir = data_dir.resolve()
    if remote := remote_agent(options):
        return data_dir, Hosting(*remote)
    return data_dir, hosting(load_spec(None, data_dir), data_dir, options.get("agent_id"))


@click.group()
def tenants() -> None:
    """Tenants of the state-hosted agent: create, list, suspend, back up, restore."""


@tenants.command()
@click.argument("label")
@click.option(
    "--kind",
    type=click.Choice(["learner", "organisation"]),
    default="learner",
    show_default=True,
    help="organisation: also connect it to the state's endorser and anchor its public DID.",
)
@data_dir_option
@agent_option
@run_async
async def create(label: str, kind: str, data_dir: Path, **agent: Any) -> None:
    """Create a tenant; its token is kept in the secrets folder (mode 0600)."""
    data_dir, handle = _handle(data_dir, agent)
    async with handle:
        tenant = await handle.create(label, kind)  # type: ignore[arg-type]
        path = save_token(data_dir, tenant)
        step(f"created tenant {tenant.wallet_id} ({kind}); token in {path}")
        if kind == "organisation":
            spec = load_spec(None, data_dir)
            async with AgentHome(data_dir, spec.endorser).admin() as state:
                did = await handle.join_endorser(tenant, state)
            step(f"connected it to the state's endorser; its public DID is {did}")
    console.print(tenant.wallet_id)


@tenants.command(name="list")
@data_dir_option
@agent_option
@run_async
async def list_tenants(data_dir: Path, **agent: Any) -> None:
    """Every tenant, with whether it is suspended."""
    _data_dir, handle = _handle(data_dir, agent)
    async with handle:
        rows = await handle.list()
    table = Table("wallet id", "label", "created", "suspended")
    for row in rows:
        table.add_row(
            row["wallet_id"], row["label"], row["created_at"], "yes" if row["suspended"] else ""
        )
    console.print(table)


@tenants.command()
@click.argument("wallet_id")
@data_dir_option
@agent_option
@run_async
async def suspend(wallet_id: str, data_dir: Path, **agent: Any) -> None:
    """Suspend a tenant: its tokens are refused and its inbound messages are not processed."""
    _data_dir, handle = _handle(data_dir, agent)
    async with handle:
        await handle.suspend(wallet_id)
    step(f"suspended {wallet_id}; `ler-node tenants resume {wallet_id}` undoes it")


@tenants.command()
@click.argument("wallet_id")
@data_dir_option
@agent_option
@run_async
async def resume(wallet_id: str, data_dir: Path, **agent: Any) -> None:
    """Resume a suspended tenant and issue it a new token."""
    data_dir, handle = _handle(data_dir, agent)
    async with handle:
        await handle.resume(wallet_id)
        token = await handle.rotate_token(wallet_id)
    path = save_token(data_dir, Tenant(wallet_id, "", "", token))
    step(f"resumed {wallet_id}; its new token is in {path}")


@tenants.command(name="rotate-token")
@click.argument("wallet_id")
@data_dir_option
@agent_option
@run_async
async def rotate_token(wallet_id: str, data_dir: Path, **agent: Any) -> None:
    """Issue a tenant a new token (its key to the API); every earlier token is refused."""
    data_dir, handle = _handle(data_dir, agent)
    async with handle:
        token = await handle.rotate_token(wallet_id)
    path = save_token(data_dir, Tenant(wallet_id, "", "", token))
    step(f"new token for {wallet_id} in {path}; the old one no longer works")


@tenants.command(name="rotate-key")
@click.argument("wallet_id")
@click.option("--did", help="The tenant's did:ler DID to rotate (default: its public DID).")
@data_dir_option
@agent_option
@run_async
async def rotate_key(wallet_id: str, did: str | None, data_dir: Path, **agent: Any) -> None:
    """Rotate the signing key of a tenant's DID on the ledger, acting as the tenant (its token)."""
    data_dir, handle = _handle(data_dir, agent)
    tenant = Tenant(wallet_id, wallet_id, "", load_token(data_dir, wallet_id))
    async with handle:
        result = await handle.rotate_key(tenant, did)
    step(f"{result['did']} now has the key {result['verkey']} on the ledger")
    console.print(result["verkey"])


@tenants.command(name="rekey-store")
@click.option("--agent", "agent_id", help="The hosted agent (default: the only one).")
@data_dir_option
@click.option(
    "--env-file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Production: the hosted agent's env file (docker/secrets/hosted-agent.env); its "
    "ACAPY_WALLET_KEY is replaced, the PostgreSQL account read from ACAPY_WALLET_STORAGE_CREDS.",
)
@click.option("--postgres", "server", help="Production: PostgreSQL's host:port (postgres:5432).")
@click.option(
    "--wallet-name", default="hosted", show_default=True, help="Production: the agent's wallet."
)
@click.option("--admin-url", help="Production: the agent's admin API, checked to be stopped.")
@run_async
async def rekey_store(
    agent_id: str | None,
    data_dir: Path,
    env_file: Path | None,
    server: str | None,
    wallet_name: str,
    admin_url: str | None,
) -> None:
    """Re-encrypt the hosted agent's stores under a new key (maintenance window: agent stopped).

    On a local network: stop the agents first (`ler-node network down`); the embedded
    PostgreSQL is started if needed and the new key goes to the agent's secrets file. In
    production: stop the hosted agent and pass --env-file, --postgres and --admin-url. A run
    stopped half-way is finished by running it again.
    """
    if env_file is not None:
        if not (server and admin_url):
            raise click.UsageError("--env-file needs --postgres and --admin-url")
        await refuse_if_running(admin_url, f"at {admin_url}")
        keys = EnvFileKeys(env_file)
        databases = [wallet_name, f"{wallet_name}-tenants"]
        await rekey_stores(
            keys, Connection.from_storage_creds(server, keys.value(CREDS_VAR)), databases
        )
        step(f"rekeyed {', '.join(databases)}; the new key is in {env_file}")
        return
    data_dir = data_dir.resolve()
    spec = load_spec(None, data_dir)
    home = AgentHome(data_dir, hosted_agent(spec, agent_id))
    if spec.postgres.connection_file:
        postgres = Connection.load(Path(spec.postgres.connection_file))
    else:
        postgres = await EmbeddedPostgres(data_dir).start(lambda _m: None)
    databases = await rekey_hosted_stores(home, postgres)
    step(f"rekeyed {', '.join(databases)}; the new key is in {home.secrets_file}")


@tenants.command()
@click.argument("wallet_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@data_dir_option
@agent_option
@run_async
async def delete(wallet_id: str, yes: bool, data_dir: Path, **agent: Any) -> None:
    """Delete a tenant and its wallet (back it up first)."""
    if not yes:
        click.confirm(f"delete tenant {wallet_id} and every credential in it?", abort=True)
    data_dir, handle = _handle(data_dir, agent)
    async with handle:
        await handle.delete(wallet_id)
    (data_dir / "secrets" / "tenants" / f"{wallet_id}.json").unlink(missing_ok=True)
    step(f"deleted {wallet_id}")


@tenants.command()
@click.argument("wallet_id")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Backup file."
)
@passphrase_option
@data_dir_option
@agent_option
@run_async
async def backup(
    wallet_id: str, out: Path, passphrase_file: Path | None, data_dir: Path, **agent: Any
) -> None:
    """Back up a tenant's wallet to a file, encrypted under a passphrase."""
    passphrase = _passphrase(passphrase_file, confirm=True)
    _data_dir, handle = _handle(data_dir, agent)
    async with handle:
        data = await handle.backup(wallet_id, passphrase)
    write_private(out, data)
    step(f"backed up {wallet_id} to {out} ({len(data)} bytes); keep the passphrase apart from it")


@tenants.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--label", help="Restore into a new tenant with this label.")
@click.option("--into", "wallet_id", help="Restore into this (fresh) tenant instead.")
@passphrase_option
@data_dir_option
@agent_option
@run_async
async def restore(
    file: Path,
    label: str | None,
    wallet_id: str | None,
    passphrase_file: Path | None,
    data_dir: Path,
    **agent: Any,
) -> None:
    """Restore a backup into a new tenant (--label) or a fresh one (--into)."""
    if (label is None) == (wallet_id is None):
        raise LerNodeError("pass either --label (a new tenant) or --into WALLET_ID")
    if not file.is_file():
        raise LerNodeError(f"no backup at {file}", hint="pass the file `tenants backup` wrote")
    passphrase = _passphrase(passphrase_file, confirm=False)
    data_dir, handle = _handle(data_dir, agent)
    async with handle:
        created = wallet_id is None
        if wallet_id is None:
            tenant = await handle.create(label or "restored")
            wallet_id = tenant.wallet_id
        try:
            result = await handle.restore(wallet_id, file.read_bytes(), passphrase)
        except LerNodeError:
            if created:  # leave no empty tenant behind
                await handle.delete(wallet_id)
            raise
        if created:
            save_token(data_dir, tenant)
    step(
        f"restored {result['records']} records and {result['keys']} keys into {wallet_id} "
        f"({result['routed']} keys routed to it)"
    )
    console.print(wallet_id)
