"""Errors of the ACA-Py side of ler_badges, under one root (ACA-Py's ``BaseError``).

::

    BadgesPluginError
    ├── BadgesConfigError        plugin_config.ler_badges is wrong (names the key)
    ├── IssuanceRefused          a credential cannot be issued as asked (4xx, says why)
    ├── StatusUpdateError        a status change is not allowed or could not be anchored
    └── PresentationError        a presentation cannot be built, sent or verified

Errors of the library (:mod:`ler_badges.errors`) and of the ledger client pass through as they
are; the routes turn each into an HTTP status with its message.
"""

from __future__ import annotations

from acapy_agent.core.error import BaseError


class BadgesPluginError(BaseError):
    """Root of the plugin's errors."""


class BadgesConfigError(BadgesPluginError):
    """The plugin configuration is wrong."""


class IssuanceRefused(BadgesPluginError):
    """A credential cannot be issued as asked."""


class StatusUpdateError(BadgesPluginError):
    """A status change is not allowed, or its anchoring on the ledger failed."""


class PresentationError(BadgesPluginError):
    """A presentation cannot be built, sent or verified."""
