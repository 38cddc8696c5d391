"""A per-address limit on anonymous work (the check page): so many requests a minute."""

from __future__ import annotations

import time
from collections import OrderedDict, deque

from aiohttp import web

MAX_CLIENTS = 10_000  # addresses remembered; the oldest is forgotten first


class TooManyChecks(web.HTTPTooManyRequests):
    """The client asked too often; ``retry_after`` seconds until it may again."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


class RateLimit:
    """At most ``per_minute`` requests from one address in any 60 seconds."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()

    def take(self, client: str) -> None:
        """Count one request from ``client``; raise :class:`TooManyChecks` over the limit."""
        now = time.monotonic()
        times = self._seen.pop(client, deque())
        while times and now - times[0] >= 60:
            times.popleft()
        self._seen[client] = times
        if len(self._seen) > MAX_CLIENTS:
            self._seen.popitem(last=False)
        if len(times) >= self.per_minute:
            raise TooManyChecks(max(1, int(60 - (now - times[0])) + 1))
        times.append(now)
