"""Signing in and out, and the role a console needs.

Local accounts sign in with a password (:class:`PasswordSignIn`). Another method, such as the
state's OpenID Connect provider, plugs in at :func:`open_session`: it proves who the person is,
finds their :class:`Account`, and calls it.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from aiohttp import web
from aiohttp_session import get_session

from .app_keys import ACCOUNTS, SIGNED_IN
from .cookie_sessions import signed_in, start_session
from .error_pages import error_page
from .page_rendering import page
from .user_accounts import ROLES, Account

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _safe_next(value: object) -> str | None:
    """A local path to go to after signing in (never another site)."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return None


async def open_session(request: web.Request, account: Account, next_path: str | None) -> None:
    """Sign ``account`` in and send them on: the seam every sign-in method ends at."""
    await start_session(request, account)
    target = next_path if next_path and next_path.startswith(account.home) else account.home
    raise web.HTTPSeeOther(target)


async def sign_in_form(request: web.Request) -> web.Response:
    """The sign-in page."""
    account = await signed_in(request)
    if account is not None:
        raise web.HTTPSeeOther(account.home)
    return await page(request, "sign_in.html", {"next": _safe_next(request.query.get("next"))})


async def sign_in(request: web.Request) -> web.Response:
    """Check the user name and password; a wrong one gets the form again (401)."""
    form = await request.post()
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    next_path = _safe_next(form.get("next"))
    account = None
    if username and password:
        account = request.app[ACCOUNTS].verify(username, password)
    if account is None:
        message = (
            "Enter your user name and password"
            if not (username and password)
            else ("The user name or password is not right. Check them and try again.")
        )
        return await page(
            request,
            "sign_in.html",
            {"errors": {"username": message}, "username": username, "next": next_path},
            status=400 if not (username and password) else 401,
        )
    await open_session(request, account, next_path)
    raise AssertionError("open_session always redirects")  # pragma: no cover


async def sign_out(request: web.Request) -> web.Response:
    """End the session."""
    session = await get_session(request)
    session.invalidate()
    raise web.HTTPSeeOther("/")


def requires(role: str) -> Callable[[Handler], Handler]:
    """Only a signed-in person with ``role`` may use the handler; others are told why."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            account = await signed_in(request)
            if account is not None:
                account = request.app[ACCOUNTS].get(account.username)  # still there, same role?
            if account is None:
                raise web.HTTPSeeOther("/sign-in?next=" + quote(request.path_qs, safe="/"))
            if account.role != role:
                return await error_page(
                    request,
                    403,
                    "This page is for " + ROLES[role].people,
                    [
                        f"You are signed in as {account.name}, a "
                        f"{ROLES[account.role].person}. Your own console has what your role "
                        "can do."
                    ],
                    next_step=(account.home, "Go to your console"),
                )
            request[SIGNED_IN] = account
            return await handler(request)

        return guarded

    return decorate
