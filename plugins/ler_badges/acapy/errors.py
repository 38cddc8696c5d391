"""Errors of the ACA-Py side of ler_badges, under one root (ACA-Py's ``BaseError``).

::

    BadgesPluginError
    ├── BadgesConfigError        plugin_config.ler_badges is wrong (names the key)
    ├── BadgesInputError         a request is malformed (says what to change)
    ├── IssuanceRefused          a credential cannot be issued as asked (4xx, says why)
    ├── StatusUpdateError        a status change is not allowed or could not be anchored
    └── PresentationError        a presentation cannot be built, sent or verified

Errors of the library (:mod:`ler_badges.errors`) and of the ledger client pass through as they
are. Importing this module adds the plugin's classes to the one table of HTTP statuses shared
with ``ler_ledger`` (:data:`ler_ledger.http_errors.ERROR_TABLE`).
"""

from __future__ import annotations

from acapy_agent.core.error import BaseError

from ler_ledger import ErrorKind, register_errors

from ..errors import BadgesError, SchemaValidationError


class BadgesPluginError(BaseError):
    """Root of the plugin's errors."""


class BadgesConfigError(BadgesPluginError):
    """The plugin configuration is wrong."""


class BadgesInputError(BadgesPluginError, ValueError):
    """A request is malformed; the message says what to change."""


class IssuanceRefused(BadgesPluginError):
    """A credential cannot be issued as asked."""


class StatusUpdateError(BadgesPluginError):
    """A status change is not allowed, or its anchoring on the ledger failed."""


class PresentationError(BadgesPluginError):
    """A presentation cannot be built, sent or verified."""


#: The plugin's rows of the shared error table.
HTTP_ERRORS: dict[type[BaseException], ErrorKind] = {
    BadgesPluginError: ErrorKind(400, "invalid-request"),
    BadgesInputError: ErrorKind(400, "invalid-input"),
    BadgesConfigError: ErrorKind(503, "not-configured"),
    IssuanceRefused: ErrorKind(422, "issuance-refused"),
    StatusUpdateError: ErrorKind(409, "status-conflict"),
    PresentationError: ErrorKind(422, "presentation-refused"),
    BadgesError: ErrorKind(422, "invalid-credential"),
    SchemaValidationError: ErrorKind(422, "schema-invalid"),
}

register_errors(HTTP_ERRORS)
