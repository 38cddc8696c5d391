"""Why a wallet's call to an exchange is refused: an HTTP status, a short code, a plain reason."""

from __future__ import annotations

from typing import Any


class ExchangeRefused(Exception):
    """A wallet's call cannot be honoured; answered as ``{"error", "code"}`` with ``status``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def as_json(self) -> dict[str, Any]:
        """The JSON error body."""
        return {"error": self.message, "code": self.code}


def not_found() -> ExchangeRefused:
    """The exchange does not exist (or is not this server's)."""
    return ExchangeRefused(
        404,
        "exchange-not-found",
        "no such exchange: ask the college or employer for a new link",
    )
