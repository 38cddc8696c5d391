"""``python -m ler_web``: serve the web pages, or add an account.

    python -m ler_web serve --config web.yml        (or LER_WEB_CONFIG=web.yml)
    python -m ler_web add-user --config web.yml NAME --role registrar --full-name "..."

A password is read from standard input, never from the command line.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from pathlib import Path

from aiohttp import web

from .server import create_app
from .user_accounts import ROLES, AccountError, AccountStore
from .web_settings import WebSettings, WebSettingsError


async def serve(settings: WebSettings) -> None:
    """Serve until stopped; the URL bound is printed and written to ``url_file``."""
    runner = web.AppRunner(create_app(settings), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    host, port = runner.addresses[0][:2]
    url = f"http://{host}:{port}"
    if settings.url_file is not None:
        settings.url_file.write_text(url + "\n", "utf-8")
    print(f"ler_web serving at {url}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def _password() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("Password (12 characters or more): ")
    return sys.stdin.readline().rstrip("\n")


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="python -m ler_web", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["serve", "add-user"])
    parser.add_argument("username", nargs="?")
    parser.add_argument("--config", type=Path, help="settings file (default: $LER_WEB_CONFIG)")
    parser.add_argument("--role", choices=sorted(ROLES))
    parser.add_argument("--full-name", default="")
    args = parser.parse_intermixed_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        settings = WebSettings.load(args.config)
        if args.command == "add-user":
            if not args.username or not args.role:
                parser.error("add-user needs a user name and --role")
            AccountStore(settings.accounts_file).add(
                args.username, args.full_name or args.username, args.role, _password()
            )
            print(f"account {args.username} ({args.role}) saved in {settings.accounts_file}")
            return 0
        asyncio.run(serve(settings))
    except (WebSettingsError, AccountError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
