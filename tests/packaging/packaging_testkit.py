"""Helpers of the packaging tests: paths and running the CLI."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from ler_node.cli import main

REPO = Path(__file__).resolve().parents[2]
DOCKER = REPO / "docker"
AGENT_ENV_FILES = (
    "state-agent.env",
    "college-agent.env",
    "employer-agent.env",
    "hosted-agent.env",
)
#: each agent's admin API key alone, the web app's docker secrets
API_KEY_FILES = tuple(name.replace(".env", ".api-key") for name in AGENT_ENV_FILES)


def run_cli(*args: str) -> Result:
    """``ler-node`` through click's runner."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)
