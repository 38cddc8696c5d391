"""Signers: who signs transactions and endorsement requests.

The client only needs an address and two signing operations, so keys can live anywhere: in a
keystore file (the CLI), in an ACA-Py askar wallet (the plugin) or in an HSM.
"""

from __future__ import annotations

from typing import Any, Protocol

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount


class Signer(Protocol):
    """Signs for one EVM account."""

    @property
    def address(self) -> str:
        """Checksummed EVM address."""
        ...

    def sign_transaction(self, transaction: dict[str, Any]) -> bytes:
        """Return the raw signed transaction."""
        ...

    def sign_typed_data(self, typed_data: dict[str, Any]) -> bytes:
        """Return a 65-byte EIP-712 signature over a full typed-data message."""
        ...


class LocalSigner:
    """A signer holding a secp256k1 private key in memory (eth-account, coincurve backed)."""

    def __init__(self, private_key: bytes | str) -> None:
        self._account: LocalAccount = Account.from_key(private_key)

    @classmethod
    def generate(cls) -> LocalSigner:
        """A signer with a fresh random key."""
        return cls(Account.create().key)

    @property
    def address(self) -> str:
        """Checksummed EVM address."""
        return self._account.address

    @property
    def private_key(self) -> bytes:
        """The raw 32-byte key, for storing it encrypted."""
        return bytes(self._account.key)

    def sign_transaction(self, transaction: dict[str, Any]) -> bytes:
        """Return the raw signed transaction."""
        return bytes(self._account.sign_transaction(transaction).raw_transaction)

    def sign_typed_data(self, typed_data: dict[str, Any]) -> bytes:
        """Return a 65-byte EIP-712 signature."""
        return bytes(
            self._account.sign_message(encode_typed_data(full_message=typed_data)).signature
        )

    def __repr__(self) -> str:
        return f"LocalSigner({self.address})"


def recover_typed_data_signer(typed_data: dict[str, Any], signature: bytes) -> str:
    """The address that made ``signature`` over ``typed_data``."""
    return Account.recover_message(encode_typed_data(full_message=typed_data), signature=signature)
