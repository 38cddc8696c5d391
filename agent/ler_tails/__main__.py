"""Run the tails server: ``python -m ler_tails --host H --port N --storage DIR [--max-size B]``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

from .app import DEFAULT_MAX_SIZE, DEFAULT_UPLOAD_TIMEOUT, STORE, create_app

LOGGER = logging.getLogger("ler_tails")


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
        "--max-size",
        type=int,
        default=DEFAULT_MAX_SIZE,
        metavar="BYTES",
        help="largest tails file accepted (default: %(default)s)",
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
        app = create_app(
            args.storage,
            max_size=args.max_size,
            public_url=args.public_url,
            upload_timeout=args.upload_timeout,
        )
        stale = app[STORE].remove_stale_uploads()
    except (OSError, ValueError) as exc:
        LOGGER.error("cannot use storage %s: %s", args.storage, exc)
        return 2
    if stale:
        LOGGER.info("removed %d abandoned partial uploads", stale)
    LOGGER.info(
        "tails server on http://%s:%d storing in %s (max upload %d bytes)",
        args.host,
        args.port,
        args.storage.resolve(),
        args.max_size,
    )
    try:
        web.run_app(app, host=args.host, port=args.port, print=None, handle_signals=True)
    except OSError as exc:
        LOGGER.error("cannot listen on %s:%d: %s", args.host, args.port, exc)
        return 1
    LOGGER.info("tails server stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
