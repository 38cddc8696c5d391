"""``ler-node ledger``: the embedded ledger, deployment on an existing chain, roles."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from ler_chain import LedgerClient, LocalSigner, NetworkDescriptor, TrusteeProposal, deploy_network

from ..console import console, fail, step
from ..errors import LerNodeError
from ..ledger.anvil import DEFAULT_PORT
from ..ledger.keystore import load_key, load_or_create_key
from ..ledger.local import LedgerHome, ledger_down, ledger_status, ledger_up
from . import run_async
from .options import data_dir_option


@click.group()
def ledger() -> None:
    """The state ledger: embedded anvil for development, deployment on Besu, roles."""


@ledger.command()
@data_dir_option
@click.option("--port", type=int, default=DEFAULT_PORT, show_default=True, help="JSON-RPC port.")
@run_async
async def up(data_dir: Path, port: int) -> None:
    """Start the embedded ledger (anvil), deploy the contracts once, write the descriptor."""
    result = await ledger_up(data_dir, port, progress=step)
    d = result.descriptor
    console.print(
        f"[green]ledger up[/green] at {d.rpc_url} (chain {d.chain_id}, network {d.network})"
    )
    console.print(f"first trustee: {result.trustee}")
    console.print(f"network descriptor: {result.descriptor_file}")


@ledger.command()
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@run_async
async def status(data_dir: Path, as_json: bool) -> None:
    """Show whether the embedded ledger runs, its height and its contracts."""
    info = await ledger_status(data_dir)
    if as_json:
        console.print_json(json.dumps(info))
        return
    table = Table(show_header=False, box=None)
    for key, value in info.items():
        table.add_row(f"[bold]{key}[/bold]", str(value))
    console.print(table)
    if not info["running"]:
        console.print("the ledger is not running; start it with `ler-node ledger up`")


@ledger.command()
@data_dir_option
def down(data_dir: Path) -> None:
    """Stop the embedded ledger; its state stays in the data directory."""
    if ledger_down(data_dir):
        console.print("ledger stopped; state kept (start it again with `ler-node ledger up`)")
    else:
        console.print("the ledger was not running")


@ledger.command()
@click.option("--rpc-url", required=True, help="JSON-RPC URL of the chain (e.g. a Besu node).")
@click.option("--network", "network", required=True, help="Network name in did:ler:<network>:...")
@click.option(
    "--key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Keystore of the first trustee (created if missing).",
)
@click.option(
    "--password-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Keystore password file (else $LER_KEY_PASSWORD).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("network.json"),
    show_default=True,
    help="Where to write the network descriptor.",
)
@click.option("--gas-price", type=int, default=0, show_default=True, help="Gas price in wei.")
@run_async
async def deploy(
    rpc_url: str,
    network: str,
    key_file: Path,
    password_file: Path | None,
    out: Path,
    gas_price: int,
) -> None:
    """Deploy the contracts on an existing chain and bootstrap the first trustee."""
    trustee, created = load_or_create_key(key_file, password_file)
    if created:
        step(f"created trustee key {trustee.address} in {key_file}")
    step(f"deploying to {rpc_url} as {trustee.address}")
    descriptor = await deploy_network(rpc_url, network, trustee, gas_price=gas_price, progress=step)
    descriptor.save(out)
    console.print(f"[green]deployed[/green]; network descriptor: {out}")


def _network(data_dir: Path, descriptor: Path | None, rpc_url: str | None) -> NetworkDescriptor:
    """The descriptor given (default: the embedded ledger's), reached at ``rpc_url`` if given."""
    network = NetworkDescriptor.load(descriptor or LedgerHome.in_data_dir(data_dir).descriptor_file)
    return network.with_rpc_url(rpc_url) if rpc_url else network


def _descriptor_and_key(
    data_dir: Path,
    descriptor: Path | None,
    key_file: Path | None,
    password_file: Path | None,
    rpc_url: str | None = None,
) -> tuple[NetworkDescriptor, LocalSigner]:
    home = LedgerHome.in_data_dir(data_dir)
    signer = (
        load_key(key_file, password_file)
        if key_file
        else load_key(home.key_file, home.password_file)
    )
    return _network(data_dir, descriptor, rpc_url), signer


rpc_url_option = click.option(
    "--rpc-url", help="Reach the ledger here instead of at the descriptor's RPC URL."
)


descriptor_option = click.option(
    "--descriptor",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Network descriptor (default: the embedded ledger's).",
)
read_options = [data_dir_option, descriptor_option, rpc_url_option]
governance_options = [
    *read_options,
    click.option(
        "--key-file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Keystore of the trustee acting (default: the embedded ledger's first trustee).",
    ),
    click.option("--password-file", type=click.Path(dir_okay=False, path_type=Path)),
]


def _with[F: Callable[..., Any]](options: list[Callable[[F], F]]) -> Callable[[F], F]:
    """A decorator adding every click option in ``options``."""

    def decorate(func: F) -> F:
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


with_read_options = _with(read_options)
with_governance_options = _with(governance_options)  # adds --key-file and --password-file too


@ledger.group()
def role() -> None:
    """Grant, revoke and list STEWARD and ENDORSER roles (as a trustee)."""


async def _change_role(
    action: str,
    role_name: str,
    account: str,
    data_dir: Path,
    descriptor: Path | None,
    key_file: Path | None,
    password_file: Path | None,
    rpc_url: str | None,
) -> None:
    network, signer = _descriptor_and_key(data_dir, descriptor, key_file, password_file, rpc_url)
    async with LedgerClient(network, signer) as client:
        change = client.roles.grant if action == "grant" else client.roles.revoke
        result = await client.send(change(role_name, account))
    done = "granted to" if action == "grant" else "revoked from"
    console.print(f"{role_name} {done} {account} (tx {result.tx_hash})")


role_arguments = [
    click.argument("role_name", metavar="ROLE", type=click.Choice(["STEWARD", "ENDORSER"])),
    click.argument("account"),
]


@role.command("grant")
@role_arguments[0]
@role_arguments[1]
@with_governance_options
@run_async
async def role_grant(role_name: str, account: str, **options: Path | None) -> None:
    """Grant ROLE to the EVM ACCOUNT."""
    await _change_role("grant", role_name, account, **options)


@role.command("revoke")
@role_arguments[0]
@role_arguments[1]
@with_governance_options
@run_async
async def role_revoke(role_name: str, account: str, **options: Path | None) -> None:
    """Revoke ROLE from the EVM ACCOUNT."""
    await _change_role("revoke", role_name, account, **options)


@role.command("list")
@with_read_options
@run_async
async def role_list(data_dir: Path, descriptor: Path | None, rpc_url: str | None) -> None:
    """List the accounts holding each role."""
    network = _network(data_dir, descriptor, rpc_url)
    table = Table("role", "accounts")
    async with LedgerClient(network) as client:
        for name in ("TRUSTEE", "STEWARD", "ENDORSER"):
            table.add_row(name, "\n".join(await client.roles.members(name)) or "-")
    console.print(table)


@ledger.group()
def trustee() -> None:
    """Add or remove trustees: a proposal that more than half of the trustees approve."""


@trustee.command("propose")
@click.argument("account")
@click.option("--remove", is_flag=True, help="Propose removing ACCOUNT instead of adding it.")
@with_governance_options
@run_async
async def trustee_propose(
    account: str,
    remove: bool,
    data_dir: Path,
    descriptor: Path | None,
    key_file: Path | None,
    password_file: Path | None,
    rpc_url: str | None,
) -> None:
    """Propose adding (or removing) ACCOUNT as a TRUSTEE; counts your approval."""
    network, signer = _descriptor_and_key(data_dir, descriptor, key_file, password_file, rpc_url)
    async with LedgerClient(network, signer) as client:
        result = await client.send(client.roles.propose_trustee_change(account, not remove))
        proposal = await client.roles.proposal(result.event("TrusteeChangeProposed")["proposalId"])
    _print_proposal(proposal)


@trustee.command("approve")
@click.argument("proposal_id", type=int)
@with_governance_options
@run_async
async def trustee_approve(
    proposal_id: int,
    data_dir: Path,
    descriptor: Path | None,
    key_file: Path | None,
    password_file: Path | None,
    rpc_url: str | None,
) -> None:
    """Approve trustee proposal PROPOSAL_ID; it takes effect on a majority."""
    network, signer = _descriptor_and_key(data_dir, descriptor, key_file, password_file, rpc_url)
    async with LedgerClient(network, signer) as client:
        await client.send(client.roles.approve_trustee_change(proposal_id))
        _print_proposal(await client.roles.proposal(proposal_id))


@trustee.command("show")
@click.argument("proposal_id", type=int)
@with_read_options
@run_async
async def trustee_show(
    proposal_id: int, data_dir: Path, descriptor: Path | None, rpc_url: str | None
) -> None:
    """Show trustee proposal PROPOSAL_ID."""
    network = _network(data_dir, descriptor, rpc_url)
    async with LedgerClient(network) as client:
        _print_proposal(await client.roles.proposal(proposal_id))


def _print_proposal(proposal: TrusteeProposal) -> None:
    verb = "add" if proposal.grant else "remove"
    state = (
        "carried out"
        if proposal.executed
        else f"{proposal.approvals} of {proposal.needed} approvals needed; waiting for approvals"
    )
    console.print(f"proposal {proposal.proposal_id}: {verb} trustee {proposal.account}; {state}")


@ledger.command()
@click.argument("issuer")
@click.argument("credential_type")
@click.option(
    "--action",
    type=click.Choice(["accredit", "suspend", "reinstate", "withdraw"]),
    default="accredit",
    show_default=True,
)
@click.option("--valid-from", type=int, default=0, help="Unix time (accredit).")
@click.option("--valid-until", type=int, default=0, help="Unix time, 0 = open-ended (accredit).")
@click.option("--reason", default="", help="Why (suspend, withdraw).")
@with_governance_options
@run_async
async def accreditation(
    issuer: str,
    credential_type: str,
    action: str,
    valid_from: int,
    valid_until: int,
    reason: str,
    data_dir: Path,
    descriptor: Path | None,
    key_file: Path | None,
    password_file: Path | None,
    rpc_url: str | None,
) -> None:
    """Accredit (or suspend, reinstate, withdraw) ISSUER's DID for CREDENTIAL_TYPE."""
    network, signer = _descriptor_and_key(data_dir, descriptor, key_file, password_file, rpc_url)
    async with LedgerClient(network, signer) as client:
        registry = client.accreditation
        did = client.dids.did(issuer)
        write = {
            "accredit": lambda: registry.accredit(did, credential_type, valid_from, valid_until),
            "suspend": lambda: registry.suspend(did, credential_type, reason),
            "reinstate": lambda: registry.reinstate(did, credential_type),
            "withdraw": lambda: registry.withdraw(did, credential_type, reason),
        }[action]()
        await client.send(write)
        terms = await registry.accreditation_at(did, credential_type, await client.ledger_time())
    console.print(f"{issuer} for {credential_type!r}: {terms.status.name.lower()}")


@ledger.command("accreditations")
@click.argument("issuer")
@with_read_options
@run_async
async def accreditations(
    issuer: str, data_dir: Path, descriptor: Path | None, rpc_url: str | None
) -> None:
    """List ISSUER's accreditations and whether each is in force now."""
    network = _network(data_dir, descriptor, rpc_url)
    async with LedgerClient(network) as client:
        did = client.dids.did(issuer)
        now = await client.ledger_time()
        table = Table("credential type", "status", "valid from", "valid until", "in force now")
        for terms in await client.accreditation.accreditations_of(did):
            table.add_row(
                terms.credential_type,
                terms.status.name.lower(),
                str(terms.valid_from),
                str(terms.valid_until or "-"),
                "yes" if terms.covers(now) else "no",
            )
    console.print(table)


@ledger.command("key")
@click.argument("key_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--password-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Password file (created with a random password if missing; else $LER_KEY_PASSWORD).",
)
def key(key_file: Path, password_file: Path | None) -> None:
    """Create a ledger account keystore at KEY_FILE (or show the address of an existing one)."""
    try:
        signer, created = load_or_create_key(key_file, password_file)
    except LerNodeError as exc:
        fail(exc.message, exc.hint)
    console.print(f"{'created' if created else 'existing'} keystore {key_file}: {signer.address}")
