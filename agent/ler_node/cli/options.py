"""Options several ``ler-node`` commands share: the data directory and the agent to talk to."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..errors import LerNodeError
from ..paths import default_data_dir

data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=default_data_dir,
    show_default=".ler (or $LER_DATA_DIR)",
    help="Where the network keeps ledger state, wallets, keys and logs.",
)


def agent_options(which: str, default: str | None = None) -> Callable[[Any], Any]:
    """--agent (``which`` agent of a local network), or --admin-url and --api-key-file (any)."""

    def decorate(func: Any) -> Any:
        func = click.option(
            "--api-key-file",
            type=click.Path(dir_okay=False, exists=True, path_type=Path),
            help="With --admin-url: a file with the admin API key alone, or an env file with "
            "ACAPY_ADMIN_API_KEY=... (as docker/secrets/<agent>.env).",
        )(func)
        func = click.option("--admin-url", help=f"The {which}'s admin API (production).")(func)
        more = {"default": default, "show_default": True} if default else {}
        return click.option(
            "--agent",
            "agent_id",
            help=f"The local network's {which}" + ("." if default else " (default: the only one)."),
            **more,
        )(func)

    return decorate


def admin_key(path: Path) -> str:
    """The admin API key in ``path``: the file's content, or its ACAPY_ADMIN_API_KEY line."""
    text = path.read_text("utf-8")
    for line in text.splitlines():
        if line.startswith("ACAPY_ADMIN_API_KEY="):
            return line.split("=", 1)[1].strip()
    return text.strip()


def remote_agent(options: dict[str, Any]) -> tuple[str, str] | None:
    """The admin URL and key --admin-url and --api-key-file give, if given."""
    admin_url, key_file = options.get("admin_url"), options.get("api_key_file")
    if not admin_url:
        return None
    if key_file is None:
        raise LerNodeError("--admin-url needs --api-key-file", hint="pass both")
    return admin_url, admin_key(key_file)
