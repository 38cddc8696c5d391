// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IEndorsedWrites} from "./IEndorsedWrites.sol";

/**
 * @title Registry of `did:ler:<network>:<id>` DIDs.
 * @dev The id is the base58 form of the first 16 bytes of the DID's Ed25519 verification key,
 * as Indy derives its DIDs, so a key always yields the same DID. Each DID has an EVM controller
 * (the author that created it); only the controller updates or deactivates it. Every change is
 * kept as a version with its block time, so the document can be resolved as of a time.
 */
interface IDidRegistry is IEndorsedWrites {
    /// @dev A DID document version as stored on the ledger.
    struct DidVersion {
        bytes32 verkey;
        string endpoint;
        uint64 timestamp;
        uint64 blockNumber;
        bool deactivated;
        string alsoKnownAs; // another DID of the same subject (e.g. its did:web), or ""
    }

    /// @dev A DID's current state, or its state as of a time.
    struct DidState {
        address controller;
        DidVersion version;
        uint32 versionId;
        uint64 created;
        uint64 updated;
    }

    error DidRegistryNotFound(bytes16 id);
    error DidRegistryAlreadyExists(bytes16 id);
    error DidRegistryNotController(bytes16 id, address account);
    error DidRegistryDeactivated(bytes16 id);
    error DidRegistryInvalidVerkey(bytes16 id, bytes32 verkey);
    error DidRegistryEndpointTooLong(uint256 length, uint256 maxLength);
    error DidRegistryNoVersionAt(bytes16 id, uint64 timestamp);
    error DidRegistryInvalidController(address controller);
    error DidRegistryAlsoKnownAsTooLong(uint256 length, uint256 maxLength);

    event DidCreated(bytes16 indexed id, address indexed controller, bytes32 verkey, string endpoint);
    event DidUpdated(bytes16 indexed id, uint32 versionId, bytes32 verkey, string endpoint);
    event DidDeactivated(bytes16 indexed id, uint32 versionId);
    event DidAlsoKnownAsChanged(bytes16 indexed id, uint32 versionId, string alsoKnownAs);
    event DidControllerChanged(bytes16 indexed id, address indexed previousController, address indexed newController);

    /// @dev The network name in `did:ler:<network>:<id>`.
    function network() external view returns (string memory);

    /**
     * @dev Creates the DID of `verkey`, controlled by the endorsement's author.
     *
     * Requirements: submitted by an ENDORSER; the DID does not exist yet; `endpoint` is at most
     * 512 bytes.
     */
    function createDid(bytes32 verkey, string calldata endpoint, Endorsement calldata endorsement)
        external
        returns (bytes16 id);

    /**
     * @dev Sets a new verification key (rotation; the id stays) and service endpoint.
     *
     * Requirements: the author is the DID's controller; the DID is not deactivated.
     */
    function updateDid(bytes16 id, bytes32 verkey, string calldata endpoint, Endorsement calldata endorsement)
        external;

    /**
     * @dev Records another identifier of the DID's subject (`alsoKnownAs`, e.g. the did:web a
     * college serves with the same keys), as a new version; "" removes it. Later versions keep it.
     *
     * Requirements: the author is the DID's controller; the DID is not deactivated;
     * `alsoKnownAs` is at most 512 bytes.
     */
    function setAlsoKnownAs(bytes16 id, string calldata alsoKnownAs, Endorsement calldata endorsement)
        external;

    /**
     * @dev Deactivates the DID for good: it resolves as deactivated and accepts no more writes.
     *
     * Requirements: the author is the DID's controller; the DID is not deactivated.
     */
    function deactivateDid(bytes16 id, Endorsement calldata endorsement) external;

    /**
     * @dev Hands control of the DID to another EVM account (for example after an account key
     * rotation).
     *
     * Requirements: the author is the DID's controller; the DID is not deactivated.
     */
    function changeController(bytes16 id, address newController, Endorsement calldata endorsement) external;

    /// @dev Whether the DID exists (deactivated DIDs exist).
    function exists(bytes16 id) external view returns (bool);

    /// @dev Current controller; reverts if the DID does not exist.
    function controllerOf(bytes16 id) external view returns (address);

    /// @dev Whether the DID exists and is not deactivated.
    function isActive(bytes16 id) external view returns (bool);

    /// @dev The DID's current state.
    function resolve(bytes16 id) external view returns (DidState memory);

    /// @dev The DID's state as of `timestamp` (the last version at or before it).
    function resolveAt(bytes16 id, uint64 timestamp) external view returns (DidState memory);

    /// @dev One version by its number (1 is the first).
    function resolveVersion(bytes16 id, uint32 versionId) external view returns (DidState memory);
}
