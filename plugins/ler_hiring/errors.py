"""The errors of ``ler_hiring``, and how the shared admin-API error contract answers them."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ERRORS",
    "AtsConfigError",
    "AtsSigningError",
    "HiringError",
    "HiringInputError",
    "Problem",
]


@dataclass(frozen=True)
class Problem:
    """One thing to fix in a document: where (a JSON path) and what."""

    path: str
    message: str


class HiringError(Exception):
    """Something ``ler_hiring`` could not do."""


class HiringInputError(HiringError, ValueError):
    """A job, résumé or evidence that is not acceptable; ``problems`` lists each thing to fix."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class AtsConfigError(HiringError):
    """``plugin_config.ler_hiring.ats`` is wrong or missing (names the key to fix)."""


class AtsSigningError(HiringError):
    """The hand-off is to be signed by the employer's DID (``signing: vp``) and cannot be."""


#: Status and code of each error, added to ``ler_ledger``'s one table by the plugin's setup.
ERRORS: dict[type[Exception], tuple[int, str]] = {
    HiringInputError: (400, "invalid-input"),
    AtsConfigError: (503, "not-configured"),
    AtsSigningError: (409, "no-signing-did"),
}
