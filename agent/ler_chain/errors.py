"""Errors of the ledger client.

Every error derives from :class:`LedgerError`::

    LedgerError
    ├── LedgerConfigError        bad network descriptor, missing artifact, wrong chain
    ├── LedgerUnavailableError   the JSON-RPC endpoint cannot be reached
    ├── LedgerTimeoutError       a transaction was sent but no receipt came in time
    ├── LedgerIntegrityError     data read from the ledger does not match its on-chain hash
    ├── LedgerInputError         a value was refused before anything was sent
    └── LedgerRevertError        a contract refused the call; one subclass per Solidity error
        ├── LedgerPermissionError    (who may do this)
        ├── LedgerNotFoundError      (no such object)
        ├── LedgerConflictError      (already exists, stale, replayed)
        └── LedgerInvalidError       (malformed arguments)

Each Solidity custom error of the contracts has a subclass of the same name (for example
:class:`DidRegistryNotController`); :func:`revert_error_from_data` turns revert data into one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any, ClassVar

import base58
from eth_abi import decode as abi_decode
from eth_utils import function_signature_to_4byte_selector, keccak, to_checksum_address

from ler_contracts import CONTRACT_NAMES, load_artifact


class LedgerError(Exception):
    """Root of every ledger client error."""


class LedgerConfigError(LedgerError):
    """The network descriptor or contract artifacts are missing or wrong."""


class LedgerUnavailableError(LedgerError):
    """The ledger's JSON-RPC endpoint cannot be reached."""


class LedgerTimeoutError(LedgerError):
    """A transaction was sent and its outcome is undetermined: it may still land.

    Not a failure: settle it (``LedgerClient.settle``, see :mod:`ler_chain.transactions`).
    """

    def __init__(self, message: str, tx_hash: str | None = None) -> None:
        super().__init__(message)
        self.tx_hash = tx_hash


class LedgerIntegrityError(LedgerError):
    """Data read from the ledger does not match the hash anchored on chain."""


class LedgerInputError(LedgerError, ValueError):
    """A value was refused before anything was sent to the ledger."""


_ROLE_NAMES = {keccak(text=name): name for name in ("TRUSTEE", "STEWARD", "ENDORSER")}
_ROLE_NAMES[b"\x00" * 32] = "DEFAULT_ADMIN"
_STATUS_NAMES = ("none", "active", "suspended", "withdrawn")


def _show(name: str, value: Any) -> str:
    """Render one revert argument for people: ids in base58, roles by name."""
    if isinstance(value, bytes):
        if len(value) == 16:
            return base58.b58encode(value).decode()
        if value in _ROLE_NAMES:
            return _ROLE_NAMES[value]
        return "0x" + value.hex()
    if name in ("from", "to") and isinstance(value, int) and value < len(_STATUS_NAMES):
        return _STATUS_NAMES[value]
    if name == "deadline" and isinstance(value, int):
        return _show_time(value)
    return str(value)


def _show_time(timestamp: int) -> str:
    """A Unix time as ``1795915167 (2026-11-29T01:19:27Z)``, or the bare number if out of range."""
    try:
        when = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return str(timestamp)
    return f"{timestamp} ({when})"


class LedgerRevertError(LedgerError):
    """A contract refused the call.

    ``error_name`` is the Solidity error's name and ``details`` its decoded arguments.
    """

    template: ClassVar[str] = "the contract refused the call"
    hint: ClassVar[str] = ""

    def __init__(
        self,
        details: dict[str, Any] | None = None,
        *,
        error_name: str | None = None,
        message: str | None = None,
    ) -> None:
        self.details = details or {}
        self.error_name = error_name or type(self).__name__
        shown = {key: _show(key, value) for key, value in self.details.items()}
        text = message or self.template.format(**shown)
        if self.hint:
            text = f"{text}; {self.hint}"
        super().__init__(f"{text} [{self.error_name}]")


class LedgerPermissionError(LedgerRevertError):
    """The sender or author may not make this write."""


class LedgerNotFoundError(LedgerRevertError):
    """The object does not exist on the ledger."""


class LedgerConflictError(LedgerRevertError):
    """The write conflicts with the ledger's state (duplicate, stale or replayed)."""


class LedgerInvalidError(LedgerRevertError):
    """The contract found an argument malformed."""


# --- roles -------------------------------------------------------------------------------------


class AccessControlUnauthorizedAccount(LedgerPermissionError):
    """The account lacks the role this call needs."""

    template = "{account} lacks the {neededRole} role needed for this call"
    hint = "ask a trustee to grant it (ler-node ledger role grant)"


class AccessControlBadConfirmation(LedgerInvalidError):
    """renounceRole was called for another account."""

    template = "an account can only renounce its own roles"


class RolesTrusteeChangeNeedsVote(LedgerPermissionError):
    """TRUSTEE cannot be granted or revoked directly."""

    template = "TRUSTEE changes need a majority vote of the trustees"
    hint = "propose the change and have more than half of the trustees approve it"


class RolesUnknownProposal(LedgerNotFoundError):
    """No trustee proposal with this id."""

    template = "there is no trustee proposal {proposalId}"


class RolesProposalAlreadyExecuted(LedgerConflictError):
    """The trustee proposal was already carried out."""

    template = "trustee proposal {proposalId} was already carried out"


class RolesAlreadyApproved(LedgerConflictError):
    """This trustee already approved the proposal."""

    template = "{trustee} already approved trustee proposal {proposalId}"


class RolesNoChange(LedgerConflictError):
    """The proposal would change nothing."""

    template = "the TRUSTEE change for {account} (grant={grant}) would change nothing"


class RolesLastTrustee(LedgerConflictError):
    """The last trustee cannot be removed."""

    template = "{account} is the last trustee; the network must keep at least one"


class RolesInvalidAccount(LedgerInvalidError):
    """The zero address cannot hold or lose a role: nobody controls it."""

    template = "{account} (the zero address) cannot hold a role"
    hint = "give the address of an account someone controls"


# --- endorsement -------------------------------------------------------------------------------


class EndorsementSubmitterNotEndorser(LedgerPermissionError):
    """The submitter does not hold ENDORSER."""

    template = "{submitter} is not an ENDORSER, so it cannot submit ledger writes"
    hint = "send the write to the state's endorser, or ask a trustee for the ENDORSER role"


class EndorsementAuthorNotSubmitter(LedgerPermissionError):
    """A direct write named another author."""

    template = "a direct write must be authored by its submitter ({submitter}), not {author}"


class EndorsementExpiredSignature(LedgerConflictError):
    """The author's signature is past its deadline (the write itself may be fine)."""

    template = "the author's signature expired: its deadline was {deadline}"
    hint = "have the author sign the write again, with a later deadline"


EndorsementExpired = EndorsementExpiredSignature  # the name before the contracts followed ERC-2612


class EndorsementInvalidAuthor(LedgerInvalidError):
    """An endorsed write named the zero address as its author."""

    template = "{author} (the zero address) cannot author a write"
    hint = "sign the write with the author's own key"


class EndorsementInvalidSignature(LedgerPermissionError):
    """The signature was not made by the named author over this write."""

    template = "the signature is not {author}'s signature over this write"


class InvalidAccountNonce(LedgerConflictError):
    """The endorsed write's nonce was used already or is out of order."""

    template = "nonce out of order for {account} (next is {currentNonce})"
    hint = "the write was already submitted, or an earlier one is still pending; sign it again"


# --- DID registry ------------------------------------------------------------------------------


class DidRegistryNotFound(LedgerNotFoundError):
    """No such DID."""

    template = "DID id {id} is not on the ledger"


class DidRegistryAlreadyExists(LedgerConflictError):
    """The DID exists already."""

    template = "DID id {id} already exists"


class DidRegistryNotController(LedgerPermissionError):
    """The author is not the DID's controller."""

    template = "{account} does not control DID id {id}; only its controller may change it"


class DidRegistryDeactivated(LedgerConflictError):
    """The DID is deactivated."""

    template = "DID id {id} is deactivated and accepts no more writes"


class DidRegistryInvalidVerkey(LedgerInvalidError):
    """The verification key is empty."""

    template = "invalid verification key {verkey} for DID id {id}"


class DidRegistryEndpointTooLong(LedgerInvalidError):
    """The service endpoint is too long."""

    template = "the service endpoint has {length} bytes; at most {maxLength} are allowed"


class DidRegistryAlsoKnownAsTooLong(LedgerInvalidError):
    """The alsoKnownAs identifier is too long."""

    template = "alsoKnownAs has {length} bytes; at most {maxLength} are allowed"


class DidRegistryNoVersionAt(LedgerNotFoundError):
    """The DID did not exist yet at that time."""

    template = "DID id {id} had no version at time {timestamp}"


class DidRegistryInvalidController(LedgerInvalidError):
    """The new controller is the zero address."""

    template = "{controller} cannot control a DID"


# --- AnonCreds registry ------------------------------------------------------------------------


class AnonCredsNotController(LedgerPermissionError):
    """The author does not control the issuer DID."""

    template = "{author} does not control issuer DID id {issuer}, so it cannot write under it"


class AnonCredsIssuerInactive(LedgerConflictError):
    """The issuer DID does not exist or is deactivated."""

    template = "issuer DID id {issuer} does not exist or is deactivated"
    hint = "anchor the issuer's DID first"


class AnonCredsAlreadyExists(LedgerConflictError):
    """The object exists already."""

    template = "an object with key {key} already exists"


class AnonCredsNotFound(LedgerNotFoundError):
    """No such AnonCreds object."""

    template = "no AnonCreds object with key {key} on the ledger"


class AnonCredsInvalidName(LedgerInvalidError):
    """A name, version or tag is empty, too long, or has '/' or whitespace."""

    template = "{value!r} is not a valid name, version or tag (1-128 characters, no '/' or spaces)"


class AnonCredsPayloadTooLarge(LedgerInvalidError):
    """The payload is too large."""

    template = "the payload has {length} bytes; at most {maxLength} are allowed"


class AnonCredsIssuerMismatch(LedgerPermissionError):
    """The credential definition belongs to another issuer."""

    template = "the credential definition belongs to {owner}, not {issuer}"


class AnonCredsEmptyPayload(LedgerInvalidError):
    """The object's JSON payload is empty."""

    template = "the payload is empty; an AnonCreds object needs its JSON"


class AnonCredsInvalidRegistrySize(LedgerInvalidError):
    """The registry size is zero."""

    template = "a revocation registry needs a positive size, not {maxCredNum}"


class AnonCredsStatusListExists(LedgerConflictError):
    """The registry has its status list already."""

    template = "revocation registry {revRegKey} already has a status list"


class AnonCredsStaleStatusList(LedgerConflictError):
    """The update was made against an older list."""

    template = (
        "status list {revRegKey} has {entries} entries, the update expected {expectedEntries}"
    )
    hint = "read the list again and recompute the change"


class AnonCredsInvalidIndexList(LedgerInvalidError):
    """The packed index list is malformed."""

    template = "the changed-index list has {length} bytes, not a multiple of 4"


class AnonCredsInvalidAccumulator(LedgerInvalidError):
    """The accumulator is empty or too long."""

    template = "the accumulator has {length} bytes (1 to 2048 expected)"


class AnonCredsIndexOutOfRange(LedgerInvalidError):
    """A credential index is outside the registry."""

    template = "credential index {index} is outside the registry of size {maxCredNum}"


# --- accreditation -----------------------------------------------------------------------------


class AccreditationUnauthorized(LedgerPermissionError):
    """Only TRUSTEEs and ENDORSERs accredit."""

    template = "{account} is neither TRUSTEE nor ENDORSER, so it cannot change accreditations"


class AccreditationUnknownIssuer(LedgerNotFoundError):
    """The issuer DID does not exist or is deactivated."""

    template = "issuer DID id {issuer} does not exist or is deactivated"


class AccreditationInvalidWindow(LedgerInvalidError):
    """The validity window is empty."""

    template = "validity window {validFrom}..{validUntil} is empty"


class AccreditationInvalidType(LedgerInvalidError):
    """The credential type is empty or too long."""

    template = "{credentialType!r} is not a valid credential type (1-256 bytes)"


class AccreditationNotFound(LedgerNotFoundError):
    """No accreditation for this issuer and type."""

    template = "DID id {issuer} was never accredited for {credentialType!r}"


class AccreditationInvalidTransition(LedgerConflictError):
    """The accreditation is not in a state that allows this change."""

    template = "accreditation of {issuer} for {credentialType!r} is {from}, cannot become {to}"


# --- status lists ------------------------------------------------------------------------------


class StatusListRegistryNotController(LedgerPermissionError):
    """The author does not control the issuer DID."""

    template = "{author} does not control issuer DID id {issuer}, so it cannot publish its lists"


class StatusListRegistryIssuerInactive(LedgerConflictError):
    """The issuer DID does not exist or is deactivated."""

    template = "issuer DID id {issuer} does not exist or is deactivated"
    hint = "anchor the issuer's DID first"


class StatusListRegistryInvalidId(LedgerInvalidError):
    """The list id is empty or too long."""

    template = "{listId!r} is not a valid status list id (1-512 bytes)"


class StatusListRegistryInvalidList(LedgerInvalidError):
    """The list is empty or too large."""

    template = "the status list has {length} bytes (1 to {maxLength} expected)"


class StatusListRegistryStale(LedgerConflictError):
    """The update was made against an older version of the list."""

    template = "status list {key} is at version {version}, the update expected {expectedVersion}"
    hint = "read the list again and reapply the change"


class StatusListRegistryNotFound(LedgerNotFoundError):
    """No such status list."""

    template = "status list {key} was never published on the ledger"


class StatusListRegistryNoVersionAt(LedgerNotFoundError):
    """The list had no version yet at that time."""

    template = "status list {key} had no version at time {timestamp}"


class StatusListRegistryUnknownVersion(LedgerNotFoundError):
    """No such version of the list."""

    template = "status list {key} has no version {version}"


# --- OpenZeppelin internals --------------------------------------------------------------------


class CheckpointUnorderedInsertion(LedgerConflictError):
    """A history entry went back in time (the chain's clock went backwards)."""

    template = "a history entry would go back in time"


class SafeCastOverflowedUintDowncast(LedgerInvalidError):
    """A number does not fit its field."""

    template = "value {value} does not fit in {bits} bits"


class InvalidShortString(LedgerInvalidError):
    """An EIP-712 domain string is invalid."""

    template = "invalid short string"


class StringTooLong(LedgerInvalidError):
    """An EIP-712 domain string is too long."""

    template = "string too long: {str}"


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


CATEGORIES = (LedgerPermissionError, LedgerNotFoundError, LedgerConflictError, LedgerInvalidError)
REVERT_ERRORS: dict[str, type[LedgerRevertError]] = {
    cls.__name__: cls for cls in _subclasses(LedgerRevertError) if cls not in CATEGORIES
}


@cache
def _selectors() -> dict[bytes, tuple[str, list[str], list[str]]]:
    """Map each custom error selector of every contract to its name, arg names and types."""
    table: dict[bytes, tuple[str, list[str], list[str]]] = {
        function_signature_to_4byte_selector("Error(string)"): ("Error", ["reason"], ["string"]),
        function_signature_to_4byte_selector("Panic(uint256)"): ("Panic", ["code"], ["uint256"]),
    }
    for contract in CONTRACT_NAMES:
        for item in load_artifact(contract).abi:
            if item["type"] != "error":
                continue
            types = [arg["type"] for arg in item["inputs"]]
            names = [arg["name"] for arg in item["inputs"]]
            selector = function_signature_to_4byte_selector(f"{item['name']}({','.join(types)})")
            table[selector] = (item["name"], names, types)
    return table


def replay_missed_cause(error: LedgerRevertError) -> bool:
    """Whether ``error`` is a mined revert whose replay at the previous block passed.

    The sender replays a failed transaction on the state before its block to learn why it
    failed; that replay sees the earlier block's time, so it cannot catch an expired deadline.
    """
    return error.error_name == "Reverted"


def explain_endorsed_revert(
    error: LedgerRevertError, deadline: int, ledger_time: int
) -> LedgerRevertError:
    """Name the cause of an endorsed write that reverted without a replayable reason.

    If the ledger's clock is past the author's deadline, the write expired while it was on its
    way (the node's estimate ran against an older block); otherwise ``error`` stands.
    """
    if not replay_missed_cause(error) or ledger_time <= deadline:
        return error
    return EndorsementExpiredSignature(
        {"deadline": deadline},
        message=(
            f"the author's signature expired before the write was mined: its deadline was "
            f"{_show_time(deadline)}, the ledger's time is {_show_time(ledger_time)} ({error})"
        ),
    )


def revert_error_from_data(data: bytes | str | None, fallback: str = "") -> LedgerRevertError:
    """Turn revert data from a node into the matching :class:`LedgerRevertError` subclass."""
    if isinstance(data, str):
        data = bytes.fromhex(data.removeprefix("0x")) if data.startswith("0x") else b""
    if not data or len(data) < 4:
        return LedgerRevertError(
            message=f"the contract refused the call without a reason ({fallback or 'no data'})",
            error_name="Revert",
        )
    entry = _selectors().get(data[:4])
    if entry is None:
        return LedgerRevertError(
            message=f"the contract refused the call with unknown error 0x{data[:4].hex()}",
            error_name="Unknown",
        )
    name, arg_names, types = entry
    values = [
        to_checksum_address(value) if abi_type == "address" else value
        for abi_type, value in zip(types, abi_decode(types, data[4:]), strict=True)
    ]
    details = dict(zip(arg_names, values, strict=True))
    if name == "Error":
        return LedgerRevertError(details, error_name=name, message=f"reverted: {values[0]}")
    if name == "Panic":
        return LedgerRevertError(
            details, error_name=name, message=f"the contract panicked (code {values[0]:#x})"
        )
    return REVERT_ERRORS[name](details)
