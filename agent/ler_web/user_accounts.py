"""Local accounts: a JSON file of people, their role and an argon2 hash of their password.

The role decides which console a person sees. Another sign-in method (the state's OpenID Connect
provider) only has to produce an :class:`Account`; see :mod:`ler_web.sign_in`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .private_files import write_private_json


@dataclass(frozen=True)
class Role:
    """What a role opens, and what the pages call it and the people who have it."""

    home: str
    console: str
    people: str
    person: str


#: Roles, each with its console.
ROLES = {
    "state_officer": Role("/state", "State console", "state officers", "state officer"),
    "registrar": Role("/registrar", "Registrar console", "college registrars", "college registrar"),
    "learner": Role("/wallet", "My wallet", "learners", "learner"),
    "employer": Role("/employer", "Ask for a credential", "employers", "employer"),
}
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
    wallet_id: str = ""  # a learner's tenant wallet on the state's hosted agent

    @property
    def home(self) -> str:
        """The console this person's role opens."""
        return ROLES[self.role].home

    @property
    def console(self) -> str:
        """The name of that console."""
        return ROLES[self.role].console


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
        """The account ``username``, if it exists with a known role (a learner's with a wallet)."""
        entry = self._read().get(username)
        if not isinstance(entry, dict) or entry.get("role") not in ROLES:
            return None
        name, wallet_id = str(entry.get("name") or username), str(entry.get("wallet_id") or "")
        if (entry["role"] == "learner") != bool(wallet_id):
            return None
        return Account(username, name, entry["role"], wallet_id)

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

    def add(
        self, username: str, name: str, role: str, password: str, wallet_id: str = ""
    ) -> Account:
        """Create or replace an account."""
        if not USERNAME.match(username):
            raise AccountError("a user name is lower-case letters, digits, '.', '_' or '-'")
        if role not in ROLES:
            raise AccountError(f"the role must be one of {', '.join(ROLES)}")
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")
        if (role == "learner") != bool(wallet_id):
            raise AccountError("a learner's account, and only a learner's, names a wallet id")
        users = self._read()
        users[username] = {"name": name, "role": role, "password_hash": self._hasher.hash(password)}
        if wallet_id:
            users[username]["wallet_id"] = wallet_id
        write_private_json(self.path, {"users": users})
        return Account(username, name, role, wallet_id)
