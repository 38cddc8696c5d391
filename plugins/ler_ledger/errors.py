"""Errors of the ACA-Py ledger plugin, under one root.

::

    LerPluginError
    ├── LerConfigError           the plugin configuration is missing or wrong
    ├── LerInputError            a request asks for something that cannot be done as given
    │   └── WrongNetworkError        a did:ler DID of another network
    └── EndorsementError         an endorsement request could not be made, was refused or failed
        ├── EndorsementRefused       the endorser refused the write (``reason``)
        └── EndorsementTimeout       the endorser did not answer in time

``ler_ledger.http_errors.ERROR_TABLE`` gives each its HTTP status.
"""

from __future__ import annotations

from acapy_agent.core.error import BaseError


class LerPluginError(BaseError):
    """Root of the plugin's errors."""


class LerConfigError(LerPluginError):
    """The plugin configuration is missing or wrong."""


class LerInputError(LerPluginError, ValueError):
    """A request cannot be done as given; the message says what to change."""


class WrongNetworkError(LerInputError):
    """A did:ler DID names another network than the one this agent's ledger serves."""

    def __init__(self, did: str, network: str) -> None:
        super().__init__(
            f"{did} is a DID of another network; this agent serves the {network!r} network: "
            f"use a DID of the form did:ler:{network}:<base58 id>"
        )
        self.did = did
        self.network = network


class EndorsementError(LerPluginError):
    """An endorsement request could not be made, was refused or failed."""


class EndorsementRefused(EndorsementError):
    """The endorser refused the write; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the endorser refused the write: {reason}")
        self.reason = reason


class EndorsementTimeout(EndorsementError):
    """The endorser did not answer in time; the request stays open."""


class WriteUndetermined(LerPluginError):
    """A direct write was sent and may still land; it is settled from the chain."""
