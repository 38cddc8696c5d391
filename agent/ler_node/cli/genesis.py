"""``ler-node ledger genesis``: the files a state needs to start its Besu QBFT validators."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import click
from rich.table import Table

from ..console import console, fail, step
from ..errors import LerNodeError
from ..ledger.genesis import (
    DEFAULT_BLOCK_PERIOD,
    DEFAULT_CHAIN_ID,
    DEFAULT_REQUEST_TIMEOUT,
    VALIDATOR_PREFIX,
    NetworkFiles,
    NodeKey,
    checksum_addresses,
    qbft_genesis,
    write_network,
)
from ..ledger.keystore import load_or_create_key
from ..paths import default_data_dir

BFT_MIN_VALIDATORS = 4


def _default_out() -> Path:
    return default_data_dir() / "besu"


def refuse_unignored_repo_path(path: Path) -> None:
    """Fail if ``path`` lies in a git work tree that does not ignore it: secrets stay uncommitted.

    Only reads git state (``git check-ignore``); outside a repository, or without git, it passes.
    """
    git = shutil.which("git")
    if git is None:
        return
    existing = path.resolve().parent
    while not existing.exists():
        existing = existing.parent
    result = subprocess.run(
        [git, "-C", str(existing), "check-ignore", "-q", "--no-index", str(path.resolve())],
        capture_output=True,
        check=False,
    )
    if result.returncode == 1:
        raise LerNodeError(
            f"{path} is inside a git repository and not ignored, so a secret could be committed",
            hint="write it outside the repository, or into a git-ignored directory such as "
            "docker/secrets/",
        )


def _trustee_address(key_file: Path, password_file: Path | None) -> str:
    signer, created = load_or_create_key(key_file, password_file)
    step(f"{'created' if created else 'loaded'} trustee key {signer.address} in {key_file}")
    return signer.address


def _report(files: NetworkFiles, nodes: list[NodeKey], accounts: list[str]) -> None:
    table = Table("validator", "address")
    for node in nodes:
        table.add_row(node.name, node.address)
    console.print(table)
    console.print(f"allowed accounts: {', '.join(accounts)}", soft_wrap=True)
    for path in (files.genesis, files.permissions, files.static_nodes):
        console.print(f"[green]wrote[/green] {path.resolve()}", soft_wrap=True)
    console.print(
        "[bold]node keys (secrets, mode 0600)[/bold]: keep them out of version control, "
        "back them up, and give each validator only its own:"
    )
    for key_file in files.key_files:
        console.print(f"  {key_file.resolve()}", soft_wrap=True)


@click.command()
@click.option(
    "--validators",
    "count",
    type=click.IntRange(1, 99),
    required=True,
    help="Number of QBFT validators (4 or more tolerate one faulty node).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=_default_out,
    show_default="<data dir>/besu",
    help="Directory for genesis.json, allowlists and one key directory per validator.",
)
@click.option("--chain-id", type=click.IntRange(1), default=DEFAULT_CHAIN_ID, show_default=True)
@click.option(
    "--block-period",
    type=click.IntRange(1),
    default=DEFAULT_BLOCK_PERIOD,
    show_default=True,
    help="Minimum seconds between blocks.",
)
@click.option(
    "--request-timeout",
    type=click.IntRange(1),
    default=DEFAULT_REQUEST_TIMEOUT,
    show_default=True,
    help="Seconds before a QBFT round change.",
)
@click.option(
    "--trustee",
    "trustees",
    multiple=True,
    metavar="ADDRESS",
    help="Trustee (deployer) account allowed to send transactions; repeatable.",
)
@click.option(
    "--account",
    "accounts",
    multiple=True,
    metavar="ADDRESS",
    help="Another account allowed to send transactions; repeatable.",
)
@click.option(
    "--trustee-key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Keystore of the first trustee, created if missing; its address is allowed too.",
)
@click.option(
    "--password-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Password file of --trustee-key-file (else $LER_KEY_PASSWORD; created if missing).",
)
def genesis(
    count: int,
    out: Path,
    chain_id: int,
    block_period: int,
    request_timeout: int,
    trustees: tuple[str, ...],
    accounts: tuple[str, ...],
    trustee_key_file: Path | None,
    password_file: Path | None,
) -> None:
    """Generate a Besu QBFT genesis, validator node keys and permissioning files."""
    try:
        refuse_unignored_repo_path(out / f"{VALIDATOR_PREFIX}1" / "key")
        for secret in (trustee_key_file, password_file):
            if secret is not None:
                refuse_unignored_repo_path(secret)
        nodes = [NodeKey.generate(f"{VALIDATOR_PREFIX}{i}") for i in range(1, count + 1)]
        document = qbft_genesis(
            [node.address for node in nodes],
            chain_id=chain_id,
            block_period=block_period,
            request_timeout=request_timeout,
        )
        allowed = checksum_addresses([*trustees, *accounts])
        if trustee_key_file is not None:
            allowed = checksum_addresses(
                [_trustee_address(trustee_key_file, password_file), *allowed]
            )
        if not allowed:
            raise LerNodeError(
                "no account would be allowed to send transactions, so nobody could deploy",
                hint="pass --trustee ADDRESS or --trustee-key-file FILE",
            )
        files = write_network(out, nodes, document, allowed)
    except LerNodeError as exc:
        fail(exc.message, exc.hint, exc.log)
        return
    if count < BFT_MIN_VALIDATORS:
        step(f"[yellow]{count} validator(s) tolerate no faulty node; use 4 or more in production")
    _report(files, nodes, allowed)
