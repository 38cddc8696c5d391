"""did:ler DIDs and the did:indy-style AnonCreds identifiers minted under them.

A DID is ``did:ler:<network>:<id>`` where ``id`` is the base58 form of the first 16 bytes of the
DID's Ed25519 verification key, as Indy derives its DIDs. AnonCreds objects are named::

    <did>/anoncreds/v0/SCHEMA/<name>/<version>
    <did>/anoncreds/v0/CLAIM_DEF/<schema seqNo>/<tag>
    <did>/anoncreds/v0/REV_REG_DEF/<schema seqNo>/<cred def tag>/<tag>

and keyed on chain by the hash of their parts (the same formula as the contract's ``*Key``
functions, checked by the tests).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import base58
from eth_abi import encode as abi_encode
from eth_utils import keccak

from .errors import LedgerInputError

NETWORK_PATTERN = r"[a-z0-9]+(?:-[a-z0-9]+)*"
ID_PATTERN = r"[1-9A-HJ-NP-Za-km-z]{21,22}"
DID_PATTERN = rf"did:ler:{NETWORK_PATTERN}:{ID_PATTERN}"
NAME_PATTERN = r"[^/\s]{1,128}"

_DID_RE = re.compile(rf"^did:ler:(?P<network>{NETWORK_PATTERN}):(?P<id>{ID_PATTERN})$")
_OBJECT_RE = re.compile(
    rf"^(?P<did>{DID_PATTERN})/anoncreds/v0/(?:"
    rf"SCHEMA/(?P<name>{NAME_PATTERN})/(?P<version>{NAME_PATTERN})"
    rf"|CLAIM_DEF/(?P<cd_seq>[1-9][0-9]{{0,9}})/(?P<cd_tag>{NAME_PATTERN})"
    rf"|REV_REG_DEF/(?P<rr_seq>[1-9][0-9]{{0,9}})/(?P<rr_cd_tag>{NAME_PATTERN})/(?P<rr_tag>{NAME_PATTERN})"
    r")$"
)


@dataclass(frozen=True)
class LerDid:
    """A ``did:ler`` DID."""

    network: str
    id_bytes: bytes

    @classmethod
    def parse(cls, did: str) -> LerDid:
        """Parse and validate ``did:ler:<network>:<id>``."""
        match = _DID_RE.match(did)
        if not match:
            raise LedgerInputError(f"{did!r} is not a did:ler DID (did:ler:<network>:<base58 id>)")
        raw = base58.b58decode(match["id"])
        if len(raw) != 16:
            raise LedgerInputError(f"{did!r}: the id must encode 16 bytes, not {len(raw)}")
        return cls(match["network"], raw)

    @classmethod
    def from_verkey(cls, network: str, verkey: bytes) -> LerDid:
        """The DID of an Ed25519 verification key (32 bytes) on ``network``."""
        if len(verkey) != 32:
            raise LedgerInputError(f"an Ed25519 verification key has 32 bytes, not {len(verkey)}")
        if not re.fullmatch(NETWORK_PATTERN, network):
            raise LedgerInputError(f"{network!r} is not a valid network name")
        return cls(network, verkey[:16])

    @classmethod
    def from_id(cls, network: str, id_bytes: bytes) -> LerDid:
        """The DID of a 16-byte on-chain id."""
        return cls(network, bytes(id_bytes))

    @property
    def method_specific_id(self) -> str:
        """The base58 id."""
        return base58.b58encode(self.id_bytes).decode()

    def __str__(self) -> str:
        return f"did:ler:{self.network}:{self.method_specific_id}"


@dataclass(frozen=True)
class SchemaId:
    """``<did>/anoncreds/v0/SCHEMA/<name>/<version>``."""

    issuer: LerDid
    name: str
    version: str

    @property
    def key(self) -> bytes:
        """On-chain key (``AnonCredsRegistry.schemaKey``)."""
        return keccak(
            abi_encode(
                ["string", "bytes16", "string", "string"],
                ["SCHEMA", self.issuer.id_bytes, self.name, self.version],
            )
        )

    def __str__(self) -> str:
        return f"{self.issuer}/anoncreds/v0/SCHEMA/{self.name}/{self.version}"


@dataclass(frozen=True)
class CredDefId:
    """``<did>/anoncreds/v0/CLAIM_DEF/<schema seqNo>/<tag>``."""

    issuer: LerDid
    schema_seq_no: int
    tag: str

    @property
    def key(self) -> bytes:
        """On-chain key (``AnonCredsRegistry.credentialDefinitionKey``)."""
        return keccak(
            abi_encode(
                ["string", "bytes16", "uint32", "string"],
                ["CLAIM_DEF", self.issuer.id_bytes, self.schema_seq_no, self.tag],
            )
        )

    def __str__(self) -> str:
        return f"{self.issuer}/anoncreds/v0/CLAIM_DEF/{self.schema_seq_no}/{self.tag}"


@dataclass(frozen=True)
class RevRegDefId:
    """``<did>/anoncreds/v0/REV_REG_DEF/<schema seqNo>/<cred def tag>/<tag>``."""

    issuer: LerDid
    schema_seq_no: int
    cred_def_tag: str
    tag: str

    @property
    def cred_def_id(self) -> CredDefId:
        """The credential definition this registry belongs to."""
        return CredDefId(self.issuer, self.schema_seq_no, self.cred_def_tag)

    @property
    def key(self) -> bytes:
        """On-chain key (``AnonCredsRegistry.revocationRegistryKey``)."""
        return keccak(
            abi_encode(
                ["string", "bytes16", "uint32", "string", "string"],
                [
                    "REV_REG_DEF",
                    self.issuer.id_bytes,
                    self.schema_seq_no,
                    self.cred_def_tag,
                    self.tag,
                ],
            )
        )

    def __str__(self) -> str:
        return (
            f"{self.issuer}/anoncreds/v0/REV_REG_DEF/"
            f"{self.schema_seq_no}/{self.cred_def_tag}/{self.tag}"
        )


AnonCredsId = SchemaId | CredDefId | RevRegDefId


def parse_anoncreds_id(value: str) -> AnonCredsId:
    """Parse a did:ler AnonCreds identifier into its typed form."""
    match = _OBJECT_RE.match(value)
    if not match:
        raise LedgerInputError(
            f"{value!r} is not a did:ler AnonCreds id "
            "(<did>/anoncreds/v0/SCHEMA|CLAIM_DEF|REV_REG_DEF/...)"
        )
    issuer = LerDid.parse(match["did"])
    if match["name"] is not None:
        return SchemaId(issuer, match["name"], match["version"])
    if match["cd_seq"] is not None:
        return CredDefId(issuer, int(match["cd_seq"]), match["cd_tag"])
    return RevRegDefId(issuer, int(match["rr_seq"]), match["rr_cd_tag"], match["rr_tag"])


def check_name(value: str, what: str) -> str:
    """Check a schema name, version or tag as the contract will."""
    if not re.fullmatch(NAME_PATTERN, value) or len(value.encode()) > 128:
        raise LedgerInputError(
            f"{what} {value!r} is invalid: use 1-128 characters without '/' or whitespace"
        )
    return value
