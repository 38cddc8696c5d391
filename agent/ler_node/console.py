"""Terminal output for the CLI: progress lines, tables, errors with what to do next."""

from __future__ import annotations

import shutil
import sys

from rich.console import Console

# Logs and CI are not terminals: give tables room instead of rich's 80-column default there.
WIDTH = None if sys.stdout.isatty() else max(shutil.get_terminal_size((140, 24)).columns, 140)
console = Console(highlight=False, width=WIDTH)
err_console = Console(stderr=True, highlight=False, width=WIDTH)


def step(message: str) -> None:
    """One progress line."""
    console.print(f"[dim]•[/dim] {message}", soft_wrap=True)


def fail(message: str, hint: str = "", log: str | None = None) -> None:
    """Print an error with its log and next step, then exit 1.

    Lines are not broken (``soft_wrap``): a path or message stays whole for whoever searches or
    copies it; a terminal wraps it for the eye.
    """
    err_console.print(f"[bold red]error:[/bold red] {message}", soft_wrap=True)
    if log:
        err_console.print(f"[dim]log:[/dim] {log}", soft_wrap=True)
    if hint:
        err_console.print(f"[bold]next:[/bold] {hint}", soft_wrap=True)
    sys.exit(1)
