// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IEndorsedWrites} from "./IEndorsedWrites.sol";

/**
 * @title AnonCreds objects of did:ler issuers.
 * @dev Schemas, credential definitions, revocation registry definitions and revocation status
 * lists, each owned by the issuer DID that wrote it; only that DID's controller may write them.
 * Objects are keyed by their did:indy style identifiers, which are deterministic:
 * `<did>/anoncreds/v0/SCHEMA/<name>/<version>`,
 * `<did>/anoncreds/v0/CLAIM_DEF/<schema seqNo>/<tag>`,
 * `<did>/anoncreds/v0/REV_REG_DEF/<schema seqNo>/<cred def tag>/<tag>`,
 * where the schema seqNo is assigned here (1, 2, ...). The key is the hash of the identifier's
 * parts ({keyOfSchema}, {keyOfCredentialDefinition}, {keyOfRevocationRegistry}); clients format the
 * text form from the same parts. Payloads (the objects' JSON) travel in events; the
 * ledger keeps their keccak256 hash and block number, so a resolver reads the event of that block
 * and checks it against the hash. A status list is a chain of entries: each carries the new
 * accumulator and the packed big-endian uint32 indices whose bit flipped, plus the running hash
 * `head = keccak256(previous head ++ keccak256(accumulator) ++ keccak256(changed))`. Entries are
 * indexed by block time, so the list as of any time can be rebuilt and verified.
 */
interface IAnonCredsRegistry is IEndorsedWrites {
    /// @dev Where an object's payload is anchored.
    struct Anchor {
        bytes16 issuer;
        uint48 blockNumber;
        uint48 timestamp;
        uint32 seqNo;
        bytes32 payloadHash;
    }

    /// @dev A status list as of a time: how many entries to replay and what they must hash to.
    struct StatusListState {
        uint32 entries;
        uint48 timestamp;
        uint48 blockNumber;
        bytes32 head;
    }

    error AnonCredsNotController(bytes16 issuer, address author);
    error AnonCredsIssuerInactive(bytes16 issuer);
    error AnonCredsAlreadyExists(bytes32 key);
    error AnonCredsNotFound(bytes32 key);
    error AnonCredsInvalidName(string value);
    error AnonCredsPayloadTooLarge(uint256 length, uint256 maxLength);
    /// @dev An object needs its JSON; an empty payload anchors nothing.
    error AnonCredsEmptyPayload();
    error AnonCredsIssuerMismatch(bytes16 issuer, bytes16 owner);
    error AnonCredsInvalidRegistrySize(uint32 maxCredNum);
    error AnonCredsStatusListExists(bytes32 revRegKey);
    error AnonCredsStaleStatusList(bytes32 revRegKey, uint32 expectedEntries, uint32 entries);
    error AnonCredsInvalidIndexList(uint256 length);
    error AnonCredsInvalidAccumulator(uint256 length);
    error AnonCredsIndexOutOfRange(uint32 index, uint32 maxCredNum);

    event SchemaRegistered(
        bytes32 indexed key, bytes16 indexed issuer, string name, string version, uint32 seqNo, bytes payload
    );
    event CredentialDefinitionRegistered(
        bytes32 indexed key,
        bytes16 indexed issuer,
        bytes32 indexed schemaKey,
        uint32 schemaSeqNo,
        string tag,
        bytes payload
    );
    event RevocationRegistryDefinitionRegistered(
        bytes32 indexed key, bytes16 indexed issuer, bytes32 indexed credDefKey, string tag, uint32 maxCredNum, bytes payload
    );
    event RevocationStatusListEntry(
        bytes32 indexed revRegKey, uint32 indexed entry, uint48 timestamp, bytes accumulator, bytes changed, bytes32 head
    );

    /**
     * @dev Registers a schema `<did>/anoncreds/v0/SCHEMA/<name>/<version>`.
     *
     * Requirements: the author controls the active DID `issuer`; `name` and `version` are
     * non-empty and contain no `/`; `payload` is 1 to 65,536 bytes; the schema does not exist yet.
     */
    function registerSchema(
        bytes16 issuer,
        string calldata name,
        string calldata version,
        bytes calldata payload,
        Endorsement calldata endorsement
    ) external returns (bytes32 key);

    /**
     * @dev Registers a credential definition for an existing schema (of any issuer).
     *
     * Requirements: the author controls the active DID `issuer`; the schema exists; the id is new.
     */
    function registerCredentialDefinition(
        bytes16 issuer,
        bytes32 schemaKey,
        string calldata tag,
        bytes calldata payload,
        Endorsement calldata endorsement
    ) external returns (bytes32 key);

    /**
     * @dev Registers a revocation registry definition for one of the issuer's credential
     * definitions, for `maxCredNum` credentials.
     *
     * Requirements: the author controls the active DID `issuer`, which owns the credential
     * definition; the id is new; `maxCredNum` is positive.
     */
    function registerRevocationRegistryDefinition(
        bytes16 issuer,
        bytes32 credDefKey,
        string calldata tag,
        uint32 maxCredNum,
        bytes calldata payload,
        Endorsement calldata endorsement
    ) external returns (bytes32 key);

    /**
     * @dev Writes a registry's first status list entry; `changed` lists the indices set to 1.
     *
     * Requirements: the author controls the registry's issuer DID; the registry has no list yet;
     * every index is below the registry size.
     */
    function registerRevocationStatusList(
        bytes32 revRegKey,
        bytes calldata accumulator,
        bytes calldata changed,
        Endorsement calldata endorsement
    ) external;

    /**
     * @dev Appends a status list entry: `changed` lists the indices whose bit flipped since the
     * entry number `previousEntries`, which must be the latest (so no update is lost).
     *
     * Requirements: as {registerRevocationStatusList}, and the list exists.
     */
    function updateRevocationStatusList(
        bytes32 revRegKey,
        uint32 previousEntries,
        bytes calldata accumulator,
        bytes calldata changed,
        Endorsement calldata endorsement
    ) external;

    /// @dev Key of `<did>/anoncreds/v0/SCHEMA/<name>/<version>`.
    function keyOfSchema(bytes16 issuer, string memory name, string memory version) external pure returns (bytes32);

    /// @dev Key of `<did>/anoncreds/v0/CLAIM_DEF/<schemaSeqNo>/<tag>`.
    function keyOfCredentialDefinition(bytes16 issuer, uint32 schemaSeqNo, string memory tag)
        external
        pure
        returns (bytes32);

    /// @dev Key of `<did>/anoncreds/v0/REV_REG_DEF/<schemaSeqNo>/<credDefTag>/<tag>`.
    function keyOfRevocationRegistry(bytes16 issuer, uint32 schemaSeqNo, string memory credDefTag, string memory tag)
        external
        pure
        returns (bytes32);

    function schema(bytes32 key) external view returns (Anchor memory);
    function credentialDefinition(bytes32 key) external view returns (Anchor memory);
    function revocationRegistryDefinition(bytes32 key) external view returns (Anchor memory, uint32 maxCredNum);

    /// @dev The status list as of `timestamp` (entries 0 if it had none yet).
    function revocationStatusListAt(bytes32 revRegKey, uint48 timestamp) external view returns (StatusListState memory);

    /// @dev The status list's latest state (entries 0 if none).
    function revocationStatusListLatest(bytes32 revRegKey) external view returns (StatusListState memory);
}
