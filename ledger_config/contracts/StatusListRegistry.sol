// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {EndorsedWrites} from "./EndorsedWrites.sol";
import {IDidRegistry} from "./interfaces/IDidRegistry.sol";
import {IStatusListRegistry} from "./interfaces/IStatusListRegistry.sol";

/// @title Bitstring status lists of did:ler issuers; see {IStatusListRegistry}.
contract StatusListRegistry is EndorsedWrites, IStatusListRegistry {
    using Checkpoints for Checkpoints.Trace208;

    uint256 public constant MAX_LIST_LENGTH = 65_536;
    uint256 public constant MAX_LIST_ID_LENGTH = 512;

    bytes32 public constant PUBLISH_STATUS_LIST_TYPEHASH = keccak256(
        "PublishStatusList(bytes16 issuer,string listId,uint32 previousVersion,bytes32 listHash,address author,uint256 nonce,uint256 deadline)"
    );

    struct Version {
        bytes32 listHash;
        uint48 timestamp;
        uint48 blockNumber;
    }

    struct Record {
        bytes16 issuer;
        Version[] versions;
        Checkpoints.Trace208 timeline; // block timestamp => version number
    }

    IDidRegistry private immutable _dids;
    mapping(bytes32 key => Record) private _lists;

    constructor(IAccessControl roles_, IDidRegistry dids_) EndorsedWrites(roles_, "LerStatusListRegistry", "1") {
        _dids = dids_;
    }

    /// @dev The DID registry that decides who controls an issuer DID.
    function didRegistry() public view virtual returns (address) {
        return address(_dids);
    }

    /// @inheritdoc IStatusListRegistry
    function publishStatusList(
        bytes16 issuer,
        string calldata listId,
        uint32 previousVersion,
        bytes calldata list,
        Endorsement calldata endorsement
    ) public virtual returns (bytes32 key, uint32 version) {
        key = _checkPublish(issuer, listId, previousVersion, list);
        bytes32 structHash = keccak256(
            abi.encode(
                PUBLISH_STATUS_LIST_TYPEHASH,
                issuer,
                keccak256(bytes(listId)),
                previousVersion,
                keccak256(list),
                endorsement.author,
                endorsement.nonce,
                endorsement.deadline
            )
        );
        _checkIssuer(issuer, _authorize(structHash, endorsement));
        version = _publish(key, issuer, listId, list);
    }

    /// @inheritdoc IStatusListRegistry
    function keyOf(bytes16 issuer, string memory listId) public pure virtual returns (bytes32) {
        return keccak256(abi.encode("STATUS_LIST", issuer, listId));
    }

    /// @inheritdoc IStatusListRegistry
    function statusListLatest(bytes32 key) public view virtual returns (StatusListState memory) {
        Record storage record = _existing(key);
        return _state(key, record, SafeCast.toUint32(record.versions.length));
    }

    /// @inheritdoc IStatusListRegistry
    function statusListAt(bytes32 key, uint48 timestamp) public view virtual returns (StatusListState memory) {
        Record storage record = _existing(key);
        uint32 version = uint32(record.timeline.upperLookupRecent(timestamp));
        if (version == 0) revert StatusListRegistryNoVersionAt(key, timestamp);
        return _state(key, record, version);
    }

    /// @inheritdoc IStatusListRegistry
    function statusListVersion(bytes32 key, uint32 version) public view virtual returns (StatusListState memory) {
        return _state(key, _existing(key), version);
    }

    /// @dev The list's key, if `listId` and `list` are well formed and `previousVersion` is its latest.
    function _checkPublish(bytes16 issuer, string calldata listId, uint32 previousVersion, bytes calldata list)
        internal
        view
        virtual
        returns (bytes32 key)
    {
        uint256 idLength = bytes(listId).length;
        if (idLength == 0 || idLength > MAX_LIST_ID_LENGTH) revert StatusListRegistryInvalidId(listId);
        if (list.length == 0 || list.length > MAX_LIST_LENGTH) {
            revert StatusListRegistryInvalidList(list.length, MAX_LIST_LENGTH);
        }
        key = keyOf(issuer, listId);
        uint32 latest = SafeCast.toUint32(_lists[key].versions.length);
        if (latest != previousVersion) revert StatusListRegistryStale(key, previousVersion, latest);
    }

    function _publish(bytes32 key, bytes16 issuer, string calldata listId, bytes calldata list)
        internal
        virtual
        returns (uint32 version)
    {
        Record storage record = _lists[key];
        uint32 latest = SafeCast.toUint32(record.versions.length);
        if (latest == 0) record.issuer = issuer;
        bytes32 listHash = keccak256(list);
        uint48 timestamp = SafeCast.toUint48(block.timestamp);
        record.versions.push(
            Version({listHash: listHash, timestamp: timestamp, blockNumber: SafeCast.toUint48(block.number)})
        );
        version = latest + 1;
        record.timeline.push(timestamp, version);
        emit StatusListPublished(key, issuer, version, listId, list, listHash);
    }

    function _checkIssuer(bytes16 issuer, address author) internal view virtual {
        if (!_dids.isActive(issuer)) revert StatusListRegistryIssuerInactive(issuer);
        if (_dids.controllerOf(issuer) != author) revert StatusListRegistryNotController(issuer, author);
    }

    function _existing(bytes32 key) internal view virtual returns (Record storage record) {
        record = _lists[key];
        if (record.versions.length == 0) revert StatusListRegistryNotFound(key);
    }

    function _state(bytes32 key, Record storage record, uint32 version)
        internal
        view
        virtual
        returns (StatusListState memory state)
    {
        if (version == 0 || version > record.versions.length) revert StatusListRegistryUnknownVersion(key, version);
        Version storage entry = record.versions[version - 1];
        state = StatusListState({
            issuer: record.issuer,
            version: version,
            timestamp: entry.timestamp,
            blockNumber: entry.blockNumber,
            listHash: entry.listHash
        });
    }
}
