"""Run the resolver: ``python -m ler_resolver --descriptor network.json [--host H] [--port N]``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from aiohttp import web

from ler_chain import LedgerConfigError, NetworkDescriptor

from .app import create_app

LOGGER = logging.getLogger("ler_resolver")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m ler_resolver",
        description="DIF Universal Resolver driver for did:ler DIDs on a state's LER ledger.",
    )
    parser.add_argument("--descriptor", required=True, help="the network descriptor (network.json)")
    parser.add_argument("--rpc-url", default="", help="reach the ledger here instead")
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: %(default)s)"
    )
    parser.add_argument("--port", type=int, default=8080, help="port (default: %(default)s)")
    parser.add_argument(
        "--log-level",
        default="INFO",
        type=str.upper,
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="(default: %(default)s)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until SIGINT or SIGTERM; returns the exit status."""
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        descriptor = NetworkDescriptor.load(args.descriptor)
    except LedgerConfigError as error:
        LOGGER.error("%s", error)
        return 2
    if args.rpc_url:
        descriptor = descriptor.with_rpc_url(args.rpc_url)
    LOGGER.info(
        "did:ler resolver for network %s (%s) on http://%s:%d/1.0/identifiers/",
        descriptor.network,
        descriptor.rpc_url,
        args.host,
        args.port,
    )
    try:
        web.run_app(create_app(descriptor), host=args.host, port=args.port, print=None)
    except OSError as error:
        LOGGER.error("cannot listen on %s:%d: %s", args.host, args.port, error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
