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
    console.print(f"[dim]•[/dim] {message}")


def fail(message: str, hint: str = "", log: str | None = None) -> None:
    """Print an error with its log and next step, then exit 1."""
    err_console.print(f"[bold red]error:[/bold red] {message}")
    if log:
        err_console.print(f"[dim]log:[/dim] {log}")
    if hint:
        err_console.print(f"[bold]next:[/bold] {hint}")
    sys.exit(1)
