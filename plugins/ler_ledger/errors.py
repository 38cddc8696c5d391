"""Errors of the ACA-Py ledger plugin, under one root."""

from __future__ import annotations

from acapy_agent.core.error import BaseError


class LerPluginError(BaseError):
    """Root of the plugin's errors."""


class LerConfigError(LerPluginError):
    """The plugin configuration is missing or wrong."""


class EndorsementError(LerPluginError):
    """An endorsement request could not be made, was refused or failed."""


class EndorsementRefused(EndorsementError):
    """The endorser refused the write; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the endorser refused the write: {reason}")
        self.reason = reason
