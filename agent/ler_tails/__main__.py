"""Run the tails server.

``python -m ler_tails --descriptor network.json --port N --storage DIR [--max-size B] ...``
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

from ler_chain import LedgerConfigError, NetworkDescriptor

from .admission import DEFAULT_MAX_PENDING, DEFAULT_PENDING_TTL
from .app import DEFAULT_MAX_SIZE, DEFAULT_UPLOAD_TIMEOUT, STORE, create_app

LOGGER = logging.getLogger("ler_tails")
#: After refusing an upload, read (and discard) the rest of its body this long, so the client
#: receives the refusal instead of a reset connection.
LINGERING_TIME = 15.0
#: On SIGTERM, requests in flight (and lingering refusals) get this long before they are cut.
SHUTDOWN_TIMEOUT = 5.0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m ler_tails", description="The state's AnonCreds tails server."
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: %(default)s)"
    )
    parser.add_argument("--port", type=int, required=True, help="port to listen on")
    parser.add_argument("--storage", type=Path, required=True, help="directory for tails files")
    parser.add_argument(
        "--descriptor",
        type=Path,
        required=True,
        help="the network descriptor (network.json): only tails files of revocation "
        "registries on this ledger are served",
    )
    parser.add_argument("--rpc-url", default="", help="reach the ledger here instead")
    parser.add_argument(
        "--max-size",
        type=int,
        default=DEFAULT_MAX_SIZE,
        metavar="BYTES",
        help="largest tails file accepted (default: %(default)s)",
    )
    parser.add_argument(
        "--max-pending",
        type=int,
        default=DEFAULT_MAX_PENDING,
        metavar="N",
        help="uploads held while no registry on the ledger uses them yet; 0 refuses them "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--pending-ttl",
        type=float,
        default=DEFAULT_PENDING_TTL,
        metavar="SECONDS",
        help="how long such an upload waits for its registry (default: %(default)s)",
    )
    parser.add_argument(
        "--public-url",
        default="",
        help="base of the download URLs returned after uploads (default: the request's host)",
    )
    parser.add_argument(
        "--upload-timeout",
        type=float,
        default=DEFAULT_UPLOAD_TIMEOUT,
        metavar="SECONDS",
        help="time allowed to receive one upload (default: %(default)s)",
    )
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
        level=args.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        descriptor = NetworkDescriptor.load(args.descriptor)
    except LedgerConfigError as exc:
        LOGGER.error("%s", exc)
        return 2
    if args.rpc_url:
        descriptor = descriptor.with_rpc_url(args.rpc_url)
    try:
        app = create_app(
            args.storage,
            descriptor,
            max_size=args.max_size,
            max_pending=args.max_pending,
            pending_ttl=args.pending_ttl,
            public_url=args.public_url,
            upload_timeout=args.upload_timeout,
        )
        stale = app[STORE].remove_stale_uploads()
    except OSError as exc:
        LOGGER.error("cannot use storage %s: %s", args.storage, exc)
        return 2
    except ValueError as exc:
        LOGGER.error("invalid option: %s", exc)
        return 2
    if stale:
        LOGGER.info("removed %d abandoned partial uploads", stale)
    LOGGER.info(
        "tails server on http://%s:%d storing in %s for network %s (max upload %d bytes, "
        "at most %d pending)",
        args.host,
        args.port,
        args.storage.resolve(),
        descriptor.network,
        args.max_size,
        args.max_pending,
    )
    try:
        web.run_app(
            app,
            host=args.host,
            port=args.port,
            print=None,
            handle_signals=True,
            lingering_time=LINGERING_TIME,
            shutdown_timeout=SHUTDOWN_TIMEOUT,
        )
    except OSError as exc:
        LOGGER.error("cannot listen on %s:%d: %s", args.host, args.port, exc)
        return 1
    LOGGER.info("tails server stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
