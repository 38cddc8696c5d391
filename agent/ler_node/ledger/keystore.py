"""Ledger account keys kept by the CLI: encrypted Ethereum keystore files (scrypt + AES).

The password comes from ``$LER_KEY_PASSWORD`` or a password file. For a local development
network, ``ler-node ledger up`` generates a random password file (mode 0600) beside the key;
a state's production keys should get their password from a secret store instead.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from eth_account import Account

from ler_chain import LocalSigner

from ..errors import LerNodeError
from ..private_files import write_private

PASSWORD_ENV = "LER_KEY_PASSWORD"


def _password(password_file: Path | None, create: bool) -> str:
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    if password_file is None:
        raise LerNodeError(
            "no password for the key file", hint=f"set {PASSWORD_ENV} or pass --password-file"
        )
    if password_file.exists():
        return password_file.read_text("utf-8").strip()
    if not create:
        raise LerNodeError(
            f"password file {password_file} is missing",
            hint=f"restore it from your backup, or set {PASSWORD_ENV}",
        )
    password = secrets.token_urlsafe(32)
    write_private(password_file, password + "\n")
    return password


def load_or_create_key(key_file: Path, password_file: Path | None) -> tuple[LocalSigner, bool]:
    """Load the keystore at ``key_file``, creating a fresh key if there is none.

    Returns the signer and whether it was created now.
    """
    if key_file.exists():
        return load_key(key_file, password_file), False
    signer = LocalSigner.generate()
    keystore = Account.encrypt(signer.private_key, _password(password_file, create=True))
    write_private(key_file, json.dumps(keystore, indent=2) + "\n")
    return signer, True


def load_key(key_file: Path, password_file: Path | None) -> LocalSigner:
    """Decrypt the keystore at ``key_file``."""
    try:
        keystore = json.loads(key_file.read_text("utf-8"))
    except FileNotFoundError:
        raise LerNodeError(f"no key file at {key_file}", hint="check --key-file") from None
    except json.JSONDecodeError as exc:
        raise LerNodeError(f"{key_file} is not a keystore file: {exc}") from exc
    try:
        return LocalSigner(Account.decrypt(keystore, _password(password_file, create=False)))
    except ValueError as exc:
        raise LerNodeError(
            f"cannot decrypt {key_file}: {exc}", hint=f"check {PASSWORD_ENV} or the password file"
        ) from exc
