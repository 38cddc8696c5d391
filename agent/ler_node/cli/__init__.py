"""The ``ler-node`` command line."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any

import click

from ler_chain import LedgerError

from .. import __version__
from ..console import fail
from ..errors import LerNodeError


def run_async[T](func: Callable[..., Coroutine[Any, Any, T]]) -> Callable[..., T]:
    """Run an async click command, turning ler-node and ledger errors into clean exits."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return asyncio.run(func(*args, **kwargs))
        except LerNodeError as exc:
            fail(exc.message, exc.hint, exc.log)
        except LedgerError as exc:
            fail(str(exc))
        raise AssertionError("unreachable")

    return wrapper


@click.group()
@click.version_option(__version__, prog_name="ler-node")
def main() -> None:
    """Run a state's Learning and Employment Record trust network."""


def _register() -> None:
    from .genesis import genesis
    from .jobs import jobs
    from .ledger import ledger
    from .network import demo, network
    from .tenants import tenants

    ledger.add_command(genesis)
    main.add_command(ledger)
    main.add_command(network)
    main.add_command(demo)
    main.add_command(tenants)
    main.add_command(jobs)


_register()
