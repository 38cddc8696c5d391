"""Sessions in encrypted cookies (Fernet), and the CSRF token every form carries.

The session middleware is added directly (not with ``aiohttp_session.setup``, whose string app
key warns under aiohttp 3.14). The key lives in a file of its own, created with mode 0600.
"""

from __future__ import annotations

import hmac
import os
import secrets
import warnings
from pathlib import Path

from aiohttp import web
from aiohttp.web_exceptions import NotAppKeyWarning
from aiohttp_session import Session, get_session, new_session, session_middleware
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography.fernet import Fernet

from .user_accounts import Account

COOKIE = "ler_web"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def session_key(path: Path) -> bytes:
    """The Fernet key in ``path``, made (mode 0600) if the file does not exist yet."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(Fernet.generate_key())
    return path.read_bytes().strip()


def sessions(key: bytes, *, secure: bool, minutes: int) -> web.Middleware:
    """The encrypted-cookie session middleware.

    aiohttp-session 2.12 keeps its state under string request keys, which aiohttp 3.14 warns
    about on every request (``NotAppKeyWarning``); that one warning, from that one package, is
    silenced here.
    """
    warnings.filterwarnings("ignore", category=NotAppKeyWarning, module="aiohttp_session")
    storage = EncryptedCookieStorage(
        Fernet(key),
        cookie_name=COOKIE,
        max_age=minutes * 60,
        secure=secure,
        httponly=True,
        samesite="Lax",
    )
    return session_middleware(storage)


async def csrf_token(request: web.Request) -> str:
    """This session's CSRF token (made on first use)."""
    session = await get_session(request)
    if not session.get(CSRF_FIELD):
        session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return session[CSRF_FIELD]


@web.middleware
async def csrf_guard(request: web.Request, handler: web.Handler) -> web.StreamResponse:
    """Refuse a form sent without this session's CSRF token (403)."""
    if request.method in UNSAFE and request.match_info.http_exception is None:
        session = await get_session(request)
        expected = session.get(CSRF_FIELD)
        sent = request.headers.get(CSRF_HEADER)
        if sent is None:
            sent = (await request.post()).get(CSRF_FIELD)
        if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
            raise CsrfRefused()
    return await handler(request)


class CsrfRefused(web.HTTPForbidden):
    """A form without the right CSRF token."""


async def signed_in(request: web.Request) -> Account | None:
    """The account of this session, if someone signed in."""
    session = await get_session(request)
    user = session.get("user")
    if not isinstance(user, dict):
        return None
    return Account(user["username"], user["name"], user["role"])


async def start_session(request: web.Request, account: Account) -> Session:
    """A fresh session for ``account`` (a new cookie and CSRF token: no fixation)."""
    session = await new_session(request)
    session["user"] = {"username": account.username, "name": account.name, "role": account.role}
    session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return session
