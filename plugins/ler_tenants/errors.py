"""Errors of tenant operations, and the HTTP status and code each becomes."""

from __future__ import annotations

from ler_ledger.http_errors import ErrorKind


class TenantError(Exception):
    """Root of tenant operation errors; the message says what to do next."""


class TenantSuspendedError(TenantError):
    """The tenant is suspended."""


class BackupPassphraseError(TenantError):
    """The passphrase does not open the backup, or is too weak to protect one."""


class BackupFormatError(TenantError):
    """The data is not a wallet backup."""


class RestoreConflictError(TenantError):
    """The backup's keys are routed to another tenant that still exists."""


class NotShareableError(TenantError):
    """A proof request cannot be answered as asked: not waiting, or the wallet lacks something."""


ERROR_KINDS: dict[type[BaseException], ErrorKind] = {
    TenantError: ErrorKind(400, "invalid-input"),
    TenantSuspendedError: ErrorKind(403, "tenant-suspended"),
    BackupPassphraseError: ErrorKind(400, "wrong-passphrase"),
    BackupFormatError: ErrorKind(400, "not-a-backup"),
    RestoreConflictError: ErrorKind(409, "conflict"),
    NotShareableError: ErrorKind(409, "not-shareable"),
}
