"""Validators and fields for the plugins' admin API schemas, each defined once.

Like ACA-Py's ``acapy_agent.messaging.valid``, each validator carries its ``PATTERN`` (when it is
a regular expression) and an ``EXAMPLE``; apispec turns them into ``pattern``, ``minimum`` /
``maximum``, ``maxLength`` and ``enum`` in the OpenAPI document, so bad input is refused (422)
before a handler runs.
"""

from __future__ import annotations

from typing import Any

from acapy_agent.messaging.valid import UUIDFour
from marshmallow import fields, validate

from ler_chain import DID_PATTERN

UINT64_MAX = 2**64 - 1
UINT256_MAX = 2**256 - 1


class LerDid(validate.Regexp):
    """A did:ler DID: ``did:ler:<network>:<base58 id>``."""

    PATTERN = rf"^{DID_PATTERN}$"
    EXAMPLE = "did:ler:local:WgWxqztrNooG92RXvxSTWv"

    def __init__(self) -> None:
        super().__init__(
            self.PATTERN,
            error=f"Not a did:ler DID: use did:ler:<network>:<base58 id>, e.g. {self.EXAMPLE}.",
        )


class AnyDid(validate.Regexp):
    """A DID of any method (W3C DID syntax), e.g. did:key or did:ler."""

    PATTERN = r"^did:[a-z0-9]+:[A-Za-z0-9._:%-]*[A-Za-z0-9._-]$"
    EXAMPLE = "did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"

    def __init__(self) -> None:
        super().__init__(
            self.PATTERN, error=f"Not a DID: use did:<method>:<id>, e.g. {self.EXAMPLE}."
        )


class RecordId(validate.Regexp):
    """An ACA-Py record id: a UUID4, the whole value (ACA-Py's own pattern is not anchored)."""

    PATTERN = rf"^{UUIDFour.PATTERN}$"
    EXAMPLE = UUIDFour.EXAMPLE

    def __init__(self) -> None:
        super().__init__(
            self.PATTERN, error=f"Not a record id: use a UUID4 such as {self.EXAMPLE}."
        )


class EvmAddress(validate.Regexp):
    """An EVM account address: 0x and 40 hex digits."""

    PATTERN = r"^0x[0-9a-fA-F]{40}$"
    EXAMPLE = "0x9a243fC4878616F1f9F52807EFb5DaA915a8d09E"

    def __init__(self) -> None:
        super().__init__(self.PATTERN, error="Not an account address: use 0x and 40 hex digits.")


class Uri(validate.Regexp):
    """An absolute URI without spaces or control characters (e.g. urn:uuid:..., https://...)."""

    PATTERN = r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s\x00-\x1f\x7f]+$"
    EXAMPLE = "urn:uuid:7e1d6c1e-7b1a-4a8e-9c59-0a1f6f1c2b3d"

    def __init__(self) -> None:
        super().__init__(self.PATTERN, error="Not an absolute URI, e.g. " + self.EXAMPLE + ".")


class Endpoint(validate.Regexp):
    """A DIDComm endpoint URL (http, https, ws or wss), or '' for none."""

    PATTERN = r"^(?:(?:https?|wss?)://[^\s\x00-\x1f\x7f]{1,1000})?$"
    EXAMPLE = "https://college.example/didcomm"

    def __init__(self) -> None:
        super().__init__(
            self.PATTERN, error="Not an endpoint: use an http(s) or ws(s) URL, or '' for none."
        )


LER_DID_VALIDATE = LerDid()
ANY_DID_VALIDATE = AnyDid()
RECORD_ID_VALIDATE = RecordId()
ADDRESS_VALIDATE = EvmAddress()
URI_VALIDATE = Uri()
ENDPOINT_VALIDATE = Endpoint()
UINT64_VALIDATE = validate.Range(0, UINT64_MAX, error="Must be an integer from 0 to 2**64-1.")
UINT256_VALIDATE = validate.Range(0, UINT256_MAX, error="Must be an integer from 0 to 2**256-1.")


def ler_did(*, required: bool = True, **metadata: Any) -> fields.Str:
    """A did:ler DID field."""
    return fields.Str(
        required=required,
        validate=LER_DID_VALIDATE,
        metadata={"example": LerDid.EXAMPLE, **metadata},
    )


def uuid4(*, required: bool = True, **metadata: Any) -> fields.Str:
    """An ACA-Py record id (UUID4) field."""
    return fields.Str(
        required=required,
        validate=RECORD_ID_VALIDATE,
        metadata={"example": RecordId.EXAMPLE, **metadata},
    )


def uint64(*, required: bool = False, strict: bool = True, **metadata: Any) -> fields.Int:
    """An unsigned 64-bit integer field (Unix times, as the contracts store them).

    ``strict=False`` for query strings, whose values are text.
    """
    return fields.Int(
        required=required,
        strict=strict,
        validate=UINT64_VALIDATE,
        metadata={"example": 0, **metadata},
    )


def text(
    *, required: bool = True, min_length: int = 0, max_length: int = 1000, **metadata: Any
) -> fields.Str:
    """A bounded string field."""
    return fields.Str(
        required=required, validate=validate.Length(min_length, max_length), metadata=metadata
    )


def one_of(choices: list[str], *, required: bool = True, **metadata: Any) -> fields.Str:
    """A string field taking one of ``choices``."""
    return fields.Str(
        required=required,
        validate=validate.OneOf(choices),
        metadata={"example": choices[0], **metadata},
    )
