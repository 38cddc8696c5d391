"""``ler-node network`` and ``ler-node demo``: a whole LER network on this machine."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click
from rich.table import Table

from ..console import console, step
from ..demo import run_story
from ..network.launcher import NetworkInfo, network_down, network_status, network_up
from ..network.spec import DEFAULT_NETWORK_FILE, NetworkSpec
from ..network.web_process import accounts_note
from . import run_async
from .options import data_dir_option

SPEC_COPY = "network-spec.yml"

config_option = click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help=f"Network file (default: the one `up` used, else {DEFAULT_NETWORK_FILE.name}).",
)


def load_spec(config: Path | None, data_dir: Path) -> NetworkSpec:
    """The network file given, else the copy `up` saved, else the default local network."""
    saved = data_dir / SPEC_COPY
    return NetworkSpec.load(config or (saved if saved.exists() else None))


def print_agents(info: NetworkInfo, data_dir: Path) -> None:
    """The table of agents: name, role, DID, admin URL, log."""
    table = Table("agent", "name", "role", "DID", "admin API", "log")
    for agent in info.agents:
        table.add_row(
            agent.id,
            agent.name,
            agent.role,
            agent.did or "-",
            agent.admin_url,
            str(Path(agent.log).relative_to(data_dir)),
        )
    console.print(table)
    console.print(
        f"OpenAPI pages: <admin API>/api/doc; admin API keys: {data_dir / 'secrets'} "
        f"(one file per agent, mode 0600); details: {data_dir / 'network.json'}"
    )
    if info.web_url:
        console.print(
            f"web pages: {info.web_url} (check a credential, state and registrar consoles; "
            f"first accounts' passwords: {accounts_note(data_dir)})"
        )


async def bring_up(config: Path | None, data_dir: Path) -> tuple[NetworkSpec, NetworkInfo]:
    """Start the network and save the network file it used."""
    data_dir = data_dir.resolve()
    spec = load_spec(config, data_dir)
    info = await network_up(spec, data_dir, progress=step)
    if config is not None:
        shutil.copyfile(config, data_dir / SPEC_COPY)
    elif not (data_dir / SPEC_COPY).exists():
        shutil.copyfile(DEFAULT_NETWORK_FILE, data_dir / SPEC_COPY)
    return spec, info


@click.group()
def network() -> None:
    """A whole LER network: ledger, tails server, state, colleges, learner, employer."""


@network.command()
@config_option
@data_dir_option
@run_async
async def up(config: Path | None, data_dir: Path) -> None:
    """Bring the network up (or resume it), wait until healthy, show its agents."""
    _spec, info = await bring_up(config, data_dir)
    console.print("[green]network up[/green]")
    print_agents(info, data_dir.resolve())


@network.command()
@config_option
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@run_async
async def status(config: Path | None, data_dir: Path, as_json: bool) -> None:
    """Health of every part, ledger height, pending endorsements."""
    report = await network_status(load_spec(config, data_dir.resolve()), data_dir)
    if as_json:
        console.print_json(json.dumps(report))
    else:
        _print_status(report)
    if not report["healthy"]:
        raise SystemExit(1)


def _print_status(report: dict) -> None:
    table = Table("part", "healthy", "detail")
    for part in report["parts"]:
        table.add_row(
            part["part"],
            "[green]yes[/green]" if part["healthy"] else "[red]no[/red]",
            part["detail"],
        )
    console.print(table)
    if not report["healthy"]:
        console.print(
            "some parts are down: `ler-node network up` restarts them; logs are in the data dir"
        )


@network.command()
@config_option
@data_dir_option
def down(config: Path | None, data_dir: Path) -> None:
    """Stop everything the network runs; wallets and ledger state are kept."""
    network_down(load_spec(config, data_dir.resolve()), data_dir, progress=step)
    console.print("network down; `ler-node network up` resumes it with all credentials intact")


@click.command()
@config_option
@data_dir_option
@run_async
async def demo(config: Path | None, data_dir: Path) -> None:
    """Bring up the local network and tell the LER story, step by step."""
    spec, info = await bring_up(config, data_dir)
    print_agents(info, data_dir.resolve())
    console.print("\n[bold]The LER story[/bold]")
    await run_story(spec, data_dir.resolve(), narrate=console.print)
    console.print("\n[green]every step behaved as described[/green]")
    console.print(
        "explore: each agent's admin API and its OpenAPI page are listed above "
        "(send the x-api-key header from the agent's file in the secrets folder)"
    )
    console.print("stop: `.venv/bin/ler-node network down` (state is kept for the next `up`)")
