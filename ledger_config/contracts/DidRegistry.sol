// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {EndorsedWrites} from "./EndorsedWrites.sol";
import {IDidRegistry} from "./interfaces/IDidRegistry.sol";

/// @title Registry of did:ler DIDs with version history.
contract DidRegistry is EndorsedWrites, IDidRegistry {
    using Checkpoints for Checkpoints.Trace208;

    uint256 public constant MAX_ENDPOINT_LENGTH = 512;

    bytes32 public constant CREATE_DID_TYPEHASH =
        keccak256("CreateDid(bytes32 verkey,string endpoint,address author,uint256 nonce,uint256 deadline)");
    bytes32 public constant UPDATE_DID_TYPEHASH = keccak256(
        "UpdateDid(bytes16 id,bytes32 verkey,string endpoint,address author,uint256 nonce,uint256 deadline)"
    );
    bytes32 public constant DEACTIVATE_DID_TYPEHASH =
        keccak256("DeactivateDid(bytes16 id,address author,uint256 nonce,uint256 deadline)");
    bytes32 public constant SET_ALSO_KNOWN_AS_TYPEHASH = keccak256(
        "SetAlsoKnownAs(bytes16 id,string alsoKnownAs,address author,uint256 nonce,uint256 deadline)"
    );
    bytes32 public constant CHANGE_CONTROLLER_TYPEHASH = keccak256(
        "ChangeController(bytes16 id,address newController,address author,uint256 nonce,uint256 deadline)"
    );

    struct DidRecord {
        address controller;
        DidVersion[] versions;
        Checkpoints.Trace208 timeline; // block timestamp => version number
    }

    string private _network;
    mapping(bytes16 id => DidRecord) private _dids;

    constructor(IAccessControl roles_, string memory network_) EndorsedWrites(roles_, "LerDidRegistry", "1") {
        _network = network_;
    }

    /// @inheritdoc IDidRegistry
    function network() public view virtual returns (string memory) {
        return _network;
    }

    /// @inheritdoc IDidRegistry
    function createDid(bytes32 verkey, string calldata endpoint, Endorsement calldata endorsement)
        public
        virtual
        returns (bytes16 id)
    {
        id = bytes16(verkey);
        if (verkey == bytes32(0)) revert DidRegistryInvalidVerkey(id, verkey);
        _checkEndpoint(endpoint);
        DidRecord storage record = _dids[id];
        if (record.controller != address(0)) revert DidRegistryAlreadyExists(id);
        address author = _authorize(
            keccak256(
                abi.encode(
                    CREATE_DID_TYPEHASH,
                    verkey,
                    keccak256(bytes(endpoint)),
                    endorsement.author,
                    endorsement.nonce,
                    endorsement.deadline
                )
            ),
            endorsement
        );
        record.controller = author;
        _pushVersion(record, verkey, endpoint, false, "");
        emit DidCreated(id, author, verkey, endpoint);
    }

    /// @inheritdoc IDidRegistry
    function updateDid(bytes16 id, bytes32 verkey, string calldata endpoint, Endorsement calldata endorsement)
        public
        virtual
    {
        if (verkey == bytes32(0)) revert DidRegistryInvalidVerkey(id, verkey);
        _checkEndpoint(endpoint);
        DidRecord storage record = _active(id);
        bytes32 structHash = keccak256(
            abi.encode(
                UPDATE_DID_TYPEHASH,
                id,
                verkey,
                keccak256(bytes(endpoint)),
                endorsement.author,
                endorsement.nonce,
                endorsement.deadline
            )
        );
        _checkController(id, record, _authorize(structHash, endorsement));
        uint32 versionId = _pushVersion(record, verkey, endpoint, false, _last(record).alsoKnownAs);
        emit DidUpdated(id, versionId, verkey, endpoint);
    }

    /// @inheritdoc IDidRegistry
    function setAlsoKnownAs(bytes16 id, string calldata alsoKnownAs, Endorsement calldata endorsement)
        public
        virtual
    {
        if (bytes(alsoKnownAs).length > MAX_ENDPOINT_LENGTH) {
            revert DidRegistryAlsoKnownAsTooLong(bytes(alsoKnownAs).length, MAX_ENDPOINT_LENGTH);
        }
        DidRecord storage record = _active(id);
        bytes32 structHash = keccak256(
            abi.encode(
                SET_ALSO_KNOWN_AS_TYPEHASH,
                id,
                keccak256(bytes(alsoKnownAs)),
                endorsement.author,
                endorsement.nonce,
                endorsement.deadline
            )
        );
        _checkController(id, record, _authorize(structHash, endorsement));
        DidVersion storage last = _last(record);
        uint32 versionId = _pushVersion(record, last.verkey, last.endpoint, false, alsoKnownAs);
        emit DidAlsoKnownAsChanged(id, versionId, alsoKnownAs);
    }

    /// @inheritdoc IDidRegistry
    function deactivateDid(bytes16 id, Endorsement calldata endorsement) public virtual {
        DidRecord storage record = _active(id);
        bytes32 structHash = keccak256(
            abi.encode(DEACTIVATE_DID_TYPEHASH, id, endorsement.author, endorsement.nonce, endorsement.deadline)
        );
        _checkController(id, record, _authorize(structHash, endorsement));
        DidVersion storage last = _last(record);
        uint32 versionId = _pushVersion(record, last.verkey, last.endpoint, true, last.alsoKnownAs);
        emit DidDeactivated(id, versionId);
    }

    /// @inheritdoc IDidRegistry
    function changeController(bytes16 id, address newController, Endorsement calldata endorsement) public virtual {
        if (newController == address(0)) revert DidRegistryInvalidController(newController);
        DidRecord storage record = _active(id);
        bytes32 structHash = keccak256(
            abi.encode(
                CHANGE_CONTROLLER_TYPEHASH,
                id,
                newController,
                endorsement.author,
                endorsement.nonce,
                endorsement.deadline
            )
        );
        _checkController(id, record, _authorize(structHash, endorsement));
        address previous = record.controller;
        record.controller = newController;
        emit DidControllerChanged(id, previous, newController);
    }

    /// @inheritdoc IDidRegistry
    function exists(bytes16 id) public view virtual returns (bool) {
        return _dids[id].controller != address(0);
    }

    /// @inheritdoc IDidRegistry
    function controllerOf(bytes16 id) public view virtual returns (address) {
        return _existing(id).controller;
    }

    /// @inheritdoc IDidRegistry
    function isActive(bytes16 id) public view virtual returns (bool) {
        DidRecord storage record = _dids[id];
        return record.controller != address(0) && !record.versions[record.versions.length - 1].deactivated;
    }

    /// @inheritdoc IDidRegistry
    function resolve(bytes16 id) public view virtual returns (DidState memory) {
        DidRecord storage record = _existing(id);
        return _state(record, SafeCast.toUint32(record.versions.length));
    }

    /// @inheritdoc IDidRegistry
    function resolveAt(bytes16 id, uint64 timestamp) public view virtual returns (DidState memory) {
        DidRecord storage record = _existing(id);
        uint32 versionId = uint32(record.timeline.upperLookupRecent(SafeCast.toUint48(timestamp)));
        if (versionId == 0) revert DidRegistryNoVersionAt(id, timestamp);
        return _state(record, versionId);
    }

    /// @inheritdoc IDidRegistry
    function resolveVersion(bytes16 id, uint32 versionId) public view virtual returns (DidState memory) {
        DidRecord storage record = _existing(id);
        if (versionId == 0 || versionId > record.versions.length) revert DidRegistryNotFound(id);
        return _state(record, versionId);
    }

    function _pushVersion(
        DidRecord storage record,
        bytes32 verkey,
        string memory endpoint,
        bool deactivated,
        string memory alsoKnownAs
    ) internal virtual returns (uint32 versionId) {
        record.versions.push(
            DidVersion({
                verkey: verkey,
                endpoint: endpoint,
                timestamp: uint64(block.timestamp),
                blockNumber: uint64(block.number),
                deactivated: deactivated,
                alsoKnownAs: alsoKnownAs
            })
        );
        versionId = SafeCast.toUint32(record.versions.length);
        record.timeline.push(SafeCast.toUint48(block.timestamp), versionId);
    }

    function _last(DidRecord storage record) internal view virtual returns (DidVersion storage) {
        return record.versions[record.versions.length - 1];
    }

    function _existing(bytes16 id) internal view virtual returns (DidRecord storage record) {
        record = _dids[id];
        if (record.controller == address(0)) revert DidRegistryNotFound(id);
    }

    /// @dev The record of an existing DID that is not deactivated.
    function _active(bytes16 id) internal view virtual returns (DidRecord storage record) {
        record = _existing(id);
        if (record.versions[record.versions.length - 1].deactivated) revert DidRegistryDeactivated(id);
    }

    function _checkController(bytes16 id, DidRecord storage record, address author) internal view virtual {
        if (record.controller != author) revert DidRegistryNotController(id, author);
    }

    function _checkEndpoint(string calldata endpoint) internal pure virtual {
        if (bytes(endpoint).length > MAX_ENDPOINT_LENGTH) {
            revert DidRegistryEndpointTooLong(bytes(endpoint).length, MAX_ENDPOINT_LENGTH);
        }
    }

    function _state(DidRecord storage record, uint32 versionId) internal view virtual returns (DidState memory) {
        return DidState({
            controller: record.controller,
            version: record.versions[versionId - 1],
            versionId: versionId,
            created: record.versions[0].timestamp,
            updated: record.versions[versionId - 1].timestamp
        });
    }
}
