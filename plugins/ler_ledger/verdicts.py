"""One verification verdict for every kind of presentation the employer's agent judges.

A :class:`Verdict` names each :class:`Check` it made and why it failed: AnonCreds presentations
under the LER policy (:mod:`ler_ledger.verifier`) and Open Badges / CLR presentations
(``ler_badges``) alike. A kind of verdict may add what it found (revealed attributes, skills) as
fields of a subclass; ``verified``, ``reasons``, ``checks`` and nested ``credentials`` mean the
same everywhere. Pure Python: ``ler_badges`` imports it without loading ACA-Py.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal, Self

__all__ = ["VERDICT_TOPIC", "Check", "Outcome", "Verdict"]

#: The webhook topic of every stored verdict (AnonCreds and Open Badges presentations).
VERDICT_TOPIC = "ler_verification"

Outcome = Literal["passed", "failed", "skipped"]


@dataclass
class Check:
    """One named check: ``passed``, ``failed`` (with a ``code``) or ``skipped`` (not checked).

    ``detail`` explains the outcome in plain words; ``code`` is the short machine-readable reason
    a failed check gives (``revoked``, ``stale-status-list``, ``not-accredited``...).
    """

    name: str
    outcome: Outcome
    detail: str
    code: str | None = None

    @classmethod
    def passed(cls, name: str, detail: str) -> Check:
        """A check that passed."""
        return cls(name, "passed", detail)

    @classmethod
    def failed(cls, name: str, code: str | None, detail: str) -> Check:
        """A check that failed, with a short machine-readable ``code``."""
        return cls(name, "failed", detail, code)

    @classmethod
    def skipped(cls, name: str, detail: str) -> Check:
        """A check that does not apply or was not asked for."""
        return cls(name, "skipped", detail)

    @classmethod
    def of(cls, name: str, ok: bool, detail: str, code: str | None = None) -> Check:
        """A check that passed if ``ok``, else failed with ``code``."""
        return cls.passed(name, detail) if ok else cls.failed(name, code, detail)

    def as_dict(self) -> dict[str, Any]:
        """JSON form; ``passed`` is true or false, or null when the check was skipped."""
        return {
            "name": self.name,
            "outcome": self.outcome,
            "passed": None if self.outcome == "skipped" else self.outcome == "passed",
            "code": self.code,
            "detail": self.detail,
        }


@dataclass
class Verdict:
    """The outcome of verifying a presentation or a credential: every check and why it failed."""

    verified: bool = False
    reasons: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    credentials: list[Verdict] = field(default_factory=list)

    def check(self, name: str) -> Check:
        """The (first) check called ``name``."""
        return next(check for check in self.checks if check.name == name)

    def add(self, check: Check) -> Check:
        """Record a check."""
        self.checks.append(check)
        return check

    def finish(self) -> Self:
        """Set ``reasons`` (each failed check's code, once) and ``verified`` from the checks.

        A nested credential's reasons count too, as ``credential[i]: <reason>``.
        """
        reasons = [check.code or check.name for check in self.checks if check.outcome == "failed"]
        for index, nested in enumerate(self.credentials):
            reasons += [f"credential[{index}]: {reason}" for reason in nested.reasons]
        self.reasons = list(dict.fromkeys(reasons))
        self.verified = not self.reasons
        return self

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {item.name: _json(getattr(self, item.name)) for item in fields(self)}


def _json(value: Any) -> Any:
    if isinstance(value, Check | Verdict):
        return value.as_dict()
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    if isinstance(value, dict):
        return {key: _json(item) for key, item in value.items()}
    return value
