"""``ler-node jobs``: an employer's job postings, through its agent's admin API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from ..console import console, step
from ..errors import LerNodeError
from ..network.admin import AdminClient
from ..network.agents import AgentHome
from . import run_async
from .network import load_spec
from .options import agent_options, data_dir_option, remote_agent

_agent_options = agent_options("employer agent", default="employer")


def _client(data_dir: Path, options: dict[str, Any]) -> AdminClient:
    if remote := remote_agent(options):
        return AdminClient("employer", *remote)
    spec = load_spec(None, data_dir.resolve())
    agent = next((a for a in spec.agents if a.id == options["agent_id"]), None)
    if agent is None:
        names = ", ".join(a.id for a in spec.agents)
        raise LerNodeError(
            f"the network has no agent {options['agent_id']!r}", f"use one of {names}"
        )
    return AgentHome(data_dir.resolve(), agent).admin()


def _skills(job: dict[str, Any], key: str) -> str:
    return ", ".join(
        f"{s['name']} ({s['onet_code']}) >= {s['min_level']}" for s in job.get(key) or []
    )


@click.group()
def jobs() -> None:
    """Job postings: the skills a job needs, matched against verified credentials."""


@jobs.command()
@click.argument("posting", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@data_dir_option
@_agent_options
@run_async
async def create(posting: Path, data_dir: Path, **agent: Any) -> None:
    """Post the job described in POSTING (JSON; schema: GET /ler/hiring/job-schema)."""
    try:
        document = json.loads(posting.read_text("utf-8"))
    except ValueError as error:
        raise LerNodeError(f"{posting} is not JSON: {error}") from None
    async with _client(data_dir, agent) as admin:
        job = await admin.post("/ler/hiring/jobs", document)
    step(f"posted {job['title']}: {_skills(job, 'required_skills')}")
    console.print(job["job_id"])


@jobs.command(name="list")
@data_dir_option
@_agent_options
@run_async
async def list_jobs(data_dir: Path, **agent: Any) -> None:
    """Every job the employer posted."""
    async with _client(data_dir, agent) as admin:
        found = (await admin.get("/ler/hiring/jobs"))["results"]
    table = Table("job id", "title", "O*NET", "required skills")
    for job in found:
        table.add_row(
            job["job_id"], job["title"], job["onet_code"], _skills(job, "required_skills")
        )
    console.print(table)


@jobs.command()
@click.argument("job_id")
@data_dir_option
@_agent_options
@run_async
async def show(job_id: str, data_dir: Path, **agent: Any) -> None:
    """One job as JSON, with the proof request derived from it."""
    async with _client(data_dir, agent) as admin:
        job = await admin.get(f"/ler/hiring/jobs/{job_id}")
        request = await admin.get(f"/ler/hiring/jobs/{job_id}/proof-request")
    console.print_json(json.dumps({"job": job, "proof_request": request}))
