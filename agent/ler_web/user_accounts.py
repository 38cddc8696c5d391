"""Local accounts: a JSON file of people, their role and an argon2 hash of their password.

The role decides which console a person sees. Another sign-in method (the state's OpenID Connect
provider) only has to produce an :class:`Account`; see :mod:`ler_web.sign_in`.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

#: Roles and the console each one opens.
ROLES = {"state_officer": "/state", "registrar": "/registrar"}
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MIN_PASSWORD = 12


class AccountError(ValueError):
    """An account cannot be created as asked."""


@dataclass(frozen=True)
class Account:
    """A person who may sign in."""

    username: str
    name: str
    role: str

    @property
    def home(self) -> str:
        """The console this person's role opens."""
        return ROLES[self.role]


class AccountStore:
    """The accounts file (mode 0600): read on every sign-in, so changes apply at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._hasher = PasswordHasher()
        self._dummy: str | None = None  # verified for unknown names, so they take as long

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            raw = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return {}
        users = raw.get("users", {}) if isinstance(raw, dict) else {}
        return users if isinstance(users, dict) else {}

    def get(self, username: str) -> Account | None:
        """The account named ``username``, if it exists and has a known role."""
        entry = self._read().get(username)
        if not isinstance(entry, dict) or entry.get("role") not in ROLES:
            return None
        return Account(username, str(entry.get("name") or username), entry["role"])

    def verify(self, username: str, password: str) -> Account | None:
        """The account if ``password`` is its password, else None (same work either way)."""
        entry = self._read().get(username.strip().lower())
        stored = entry.get("password_hash") if isinstance(entry, dict) else None
        if not stored and self._dummy is None:
            self._dummy = self._hasher.hash("not a password anyone has")
        try:
            self._hasher.verify(stored or self._dummy or "", password)
        except (VerificationError, InvalidHashError):
            return None
        return self.get(username.strip().lower()) if stored else None

    def add(self, username: str, name: str, role: str, password: str) -> Account:
        """Create or replace an account."""
        if not USERNAME.match(username):
            raise AccountError("a user name is lower-case letters, digits, '.', '_' or '-'")
        if role not in ROLES:
            raise AccountError(f"the role must be one of {', '.join(ROLES)}")
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")
        users = self._read()
        users[username] = {"name": name, "role": role, "password_hash": self._hasher.hash(password)}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"users": users}, out, indent=2)
        os.chmod(self.path, 0o600)
        return Account(username, name, role)
