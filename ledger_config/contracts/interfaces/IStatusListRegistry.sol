// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IEndorsedWrites} from "./IEndorsedWrites.sol";

/**
 * @title Bitstring status lists of did:ler issuers, anchored by hash.
 * @dev An issuer (a college) keeps W3C Bitstring Status Lists for the credentials it issues and
 * serves each list as a signed `BitstringStatusListCredential` over HTTP. Every new state of a
 * list is published here: the event carries the list itself (the multibase-decoded
 * `encodedList`, i.e. the GZIP-compressed bitstring), the ledger keeps only its keccak256 hash,
 * block time and block number. A verifier can therefore check that the list a college serves is
 * the one it anchored, and read the bits from the ledger when the college is unreachable.
 *
 * A list is named by its issuer DID and `listId` (the URL of the status list credential); its
 * key is {keyOf}. Versions are numbered 1, 2, ... and indexed by block time, so the list as of
 * any time can be looked up. Each write names the version it replaces, so concurrent updates
 * cannot silently overwrite each other. Only the controller of the issuer DID may publish.
 */
interface IStatusListRegistry is IEndorsedWrites {
    /// @dev One version of a list: who owns it, its number, when it was published and its hash.
    struct StatusListState {
        bytes16 issuer;
        uint32 version;
        uint48 timestamp;
        uint48 blockNumber;
        bytes32 listHash;
    }

    error StatusListRegistryNotController(bytes16 issuer, address author);
    error StatusListRegistryIssuerInactive(bytes16 issuer);
    error StatusListRegistryInvalidId(string listId);
    error StatusListRegistryInvalidList(uint256 length, uint256 maxLength);
    error StatusListRegistryStale(bytes32 key, uint32 expectedVersion, uint32 version);
    error StatusListRegistryNotFound(bytes32 key);
    error StatusListRegistryNoVersionAt(bytes32 key, uint48 timestamp);
    error StatusListRegistryUnknownVersion(bytes32 key, uint32 version);

    event StatusListPublished(
        bytes32 indexed key, bytes16 indexed issuer, uint32 indexed version, string listId, bytes list, bytes32 listHash
    );

    /**
     * @dev Publishes version `previousVersion + 1` of the list `listId` of `issuer`.
     *
     * Requirements: the author controls the active DID `issuer`; `listId` is 1 to 512 bytes;
     * `list` is 1 to 65,536 bytes; `previousVersion` is the list's latest version (0 for a new
     * list).
     *
     * Emits a {StatusListPublished} event carrying the list.
     */
    function publishStatusList(
        bytes16 issuer,
        string calldata listId,
        uint32 previousVersion,
        bytes calldata list,
        Endorsement calldata endorsement
    ) external returns (bytes32 key, uint32 version);

    /// @dev Key of the list `listId` of `issuer`.
    function keyOf(bytes16 issuer, string memory listId) external pure returns (bytes32);

    /// @dev The list's latest version; reverts if it was never published.
    function statusListLatest(bytes32 key) external view returns (StatusListState memory);

    /// @dev The version in force at `timestamp` (the last one published at or before it).
    function statusListAt(bytes32 key, uint48 timestamp) external view returns (StatusListState memory);

    /// @dev One version by its number (1 is the first).
    function statusListVersion(bytes32 key, uint32 version) external view returns (StatusListState memory);
}
