"""Plain-language error pages: a person is told what happened and what to do next.

A fault of the caller is a 4xx page; an agent that does not answer is a 503 page; only a fault
of ours is a 500, logged, and its page shows no detail.
"""

from __future__ import annotations

import logging

from aiohttp import web

from .agent_calls import AgentCallError
from .cookie_sessions import CsrfRefused
from .page_rendering import page
from .rate_limit import TooManyChecks

LOGGER = logging.getLogger(__name__)

PAGES: dict[int, tuple[str, list[str]]] = {
    400: ("We could not use what was sent", ["Go back, check what you entered and try again."]),
    403: ("You cannot open this page", ["Your account does not give you access to it."]),
    404: (
        "Page not found",
        [
            "If you typed the web address, check it is correct. If you followed a link, it may be "
            "out of date."
        ],
    ),
    405: ("That page cannot be used that way", ["Go back and use the buttons on the page."]),
    413: (
        "What you sent is too large",
        ["A credential file is at most 512 KB. Check you chose the right file."],
    ),
    429: ("Too many checks from your connection", []),
    503: (
        "A service this page needs is not answering",
        ["Nothing you entered was changed. Try again in a few minutes."],
    ),
}
CSRF = (
    "This form has expired",
    [
        "For your safety, this site only accepts a form it gave you in this browser session.",
        "Go back, reload the page, and send the form again.",
    ],
)


async def error_page(
    request: web.Request,
    status: int,
    title: str | None = None,
    explanation: list[str] | None = None,
    next_step: tuple[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """An error page with ``status``."""
    default_title, default_lines = PAGES.get(status, PAGES[400] if status < 500 else PAGES[503])
    response = await page(
        request,
        "error.html",
        {
            "title": title or default_title,
            "explanation": explanation if explanation is not None else default_lines,
            "next_step": next_step or ("/", "Go to the home page"),
        },
        status=status,
    )
    response.headers.update(headers or {})
    return response


@web.middleware
async def error_pages(request: web.Request, handler: web.Handler) -> web.StreamResponse:
    """Turn every error into a page a person can read."""
    try:
        return await handler(request)
    except CsrfRefused:
        return await error_page(request, 403, *CSRF, next_step=(request.path, "Reload the page"))
    except TooManyChecks as exc:
        return await error_page(
            request,
            429,
            explanation=[
                f"To keep this free service working for everyone, each connection can check a "
                f"few credentials a minute. Try again in {exc.retry_after} seconds.",
                "Nothing you entered was kept; paste it again then.",
            ],
            next_step=("/check", "Back to the check page"),
            headers={"Retry-After": str(exc.retry_after)},
        )
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return await error_page(request, exc.status, headers=_kept_headers(exc))
    except AgentCallError as exc:
        LOGGER.warning("agent call failed: %s", exc)
        return await error_page(request, 503)
    except Exception:
        LOGGER.exception("unexpected fault serving %s %s", request.method, request.path)
        return await error_page(
            request,
            500,
            "Sorry, something went wrong on our side",
            [
                "Nothing you entered was changed. Try again later; if it keeps happening, tell the "
                "state's help desk."
            ],
        )


def _kept_headers(exc: web.HTTPException) -> dict[str, str]:
    return {k: v for k, v in exc.headers.items() if k in ("Allow", "Retry-After")}
