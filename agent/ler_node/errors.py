"""Errors of the ler-node CLI and launcher; each says what failed and what to do next."""

from __future__ import annotations


class LerNodeError(Exception):
    """Root of launcher errors: ``message`` says what failed, ``hint`` what to do next."""

    def __init__(self, message: str, hint: str = "", log: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.log = log

    def __str__(self) -> str:
        parts = [self.message]
        if self.log:
            parts.append(f"log: {self.log}")
        if self.hint:
            parts.append(f"next: {self.hint}")
        return "\n".join(parts)


class PortInUseError(LerNodeError):
    """A port we need is taken."""


class MissingDependencyError(LerNodeError):
    """A program we need is not installed."""


class ProcessStartError(LerNodeError):
    """A process we started did not become healthy."""
