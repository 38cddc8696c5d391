// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {EndorsedWrites} from "./EndorsedWrites.sol";
import {IAnonCredsRegistry} from "./interfaces/IAnonCredsRegistry.sol";
import {IDidRegistry} from "./interfaces/IDidRegistry.sol";

/// @title AnonCreds registry for did:ler issuers; see {IAnonCredsRegistry}.
contract AnonCredsRegistry is EndorsedWrites, IAnonCredsRegistry {
    using Checkpoints for Checkpoints.Trace208;

    uint256 public constant MAX_PAYLOAD_LENGTH = 65_536;
    uint256 public constant MAX_NAME_LENGTH = 128;
    uint256 public constant MAX_ACCUMULATOR_LENGTH = 2048;

    bytes32 public constant REGISTER_SCHEMA_TYPEHASH = keccak256(
        "RegisterSchema(bytes16 issuer,string name,string version,bytes32 payloadHash,address author,uint256 nonce,uint256 deadline)"
    );
    bytes32 public constant REGISTER_CRED_DEF_TYPEHASH = keccak256(
        "RegisterCredentialDefinition(bytes16 issuer,bytes32 schemaKey,string tag,bytes32 payloadHash,address author,uint256 nonce,uint256 deadline)"
    );
    bytes32 public constant REGISTER_REV_REG_DEF_TYPEHASH = keccak256(
        "RegisterRevocationRegistryDefinition(bytes16 issuer,bytes32 credDefKey,string tag,uint32 maxCredNum,bytes32 payloadHash,address author,uint256 nonce,uint256 deadline)"
    );
    bytes32 public constant STATUS_LIST_ENTRY_TYPEHASH = keccak256(
        "StatusListEntry(bytes32 revRegKey,uint32 previousEntries,bytes32 accumulatorHash,bytes32 changedHash,address author,uint256 nonce,uint256 deadline)"
    );

    struct CredDefRecord {
        Anchor anchor;
        string tag;
    }

    struct RevRegRecord {
        Anchor anchor;
        uint32 maxCredNum;
        bytes32 credDefKey;
        bytes32[] heads;
        Checkpoints.Trace208 timeline; // block timestamp => packed (timestamp, block number, entries)
    }

    IDidRegistry private immutable _dids;
    uint32 private _schemaCount;
    mapping(bytes32 key => Anchor) private _schemas;
    mapping(bytes32 key => CredDefRecord) private _credDefs;
    mapping(bytes32 key => RevRegRecord) private _revRegs;

    constructor(IAccessControl roles_, IDidRegistry dids_) EndorsedWrites(roles_, "LerAnonCredsRegistry", "1") {
        _dids = dids_;
    }

    /// @dev The DID registry that decides who controls an issuer DID.
    function didRegistry() public view virtual returns (address) {
        return address(_dids);
    }

    /// @inheritdoc IAnonCredsRegistry
    function registerSchema(
        bytes16 issuer,
        string calldata name,
        string calldata version,
        bytes calldata payload,
        Endorsement calldata endorsement
    ) public virtual returns (bytes32 key) {
        _checkName(name);
        _checkName(version);
        _checkPayload(payload);
        key = keyOfSchema(issuer, name, version);
        if (_schemas[key].blockNumber != 0) revert AnonCredsAlreadyExists(key);
        bytes32 structHash = keccak256(
            abi.encode(
                REGISTER_SCHEMA_TYPEHASH,
                issuer,
                keccak256(bytes(name)),
                keccak256(bytes(version)),
                keccak256(payload),
                endorsement.author,
                endorsement.nonce,
                endorsement.deadline
            )
        );
        _checkIssuer(issuer, _authorize(structHash, endorsement));
        uint32 seqNo = ++_schemaCount;
        _schemas[key] = _anchor(issuer, seqNo, payload);
        emit SchemaRegistered(key, issuer, name, version, seqNo, payload);
    }

    /// @inheritdoc IAnonCredsRegistry
    function registerCredentialDefinition(
        bytes16 issuer,
        bytes32 schemaKey,
        string calldata tag,
        bytes calldata payload,
        Endorsement calldata endorsement
    ) public virtual returns (bytes32 key) {
        _checkName(tag);
        _checkPayload(payload);
        uint32 schemaSeqNo = schema(schemaKey).seqNo;
        key = keyOfCredentialDefinition(issuer, schemaSeqNo, tag);
        CredDefRecord storage record = _credDefs[key];
        if (record.anchor.blockNumber != 0) revert AnonCredsAlreadyExists(key);
        bytes32 structHash = keccak256(
            abi.encode(
                REGISTER_CRED_DEF_TYPEHASH,
                issuer,
                schemaKey,
                keccak256(bytes(tag)),
                keccak256(payload),
                endorsement.author,
                endorsement.nonce,
                endorsement.deadline
            )
        );
        _checkIssuer(issuer, _authorize(structHash, endorsement));
        record.anchor = _anchor(issuer, schemaSeqNo, payload);
        record.tag = tag;
        emit CredentialDefinitionRegistered(key, issuer, schemaKey, schemaSeqNo, tag, payload);
    }

    /// @inheritdoc IAnonCredsRegistry
    function registerRevocationRegistryDefinition(
        bytes16 issuer,
        bytes32 credDefKey,
        string calldata tag,
        uint32 maxCredNum,
        bytes calldata payload,
        Endorsement calldata endorsement
    ) public virtual returns (bytes32 key) {
        _checkName(tag);
        if (maxCredNum == 0) revert AnonCredsInvalidRegistrySize(maxCredNum);
        _checkPayload(payload);
        CredDefRecord storage credDef = _credDefs[credDefKey];
        if (credDef.anchor.blockNumber == 0) revert AnonCredsNotFound(credDefKey);
        if (credDef.anchor.issuer != issuer) revert AnonCredsIssuerMismatch(issuer, credDef.anchor.issuer);
        key = keyOfRevocationRegistry(issuer, credDef.anchor.seqNo, credDef.tag, tag);
        RevRegRecord storage record = _revRegs[key];
        if (record.anchor.blockNumber != 0) revert AnonCredsAlreadyExists(key);
        bytes32 structHash = keccak256(
            abi.encode(
                REGISTER_REV_REG_DEF_TYPEHASH,
                issuer,
                credDefKey,
                keccak256(bytes(tag)),
                maxCredNum,
                keccak256(payload),
                endorsement.author,
                endorsement.nonce,
                endorsement.deadline
            )
        );
        _checkIssuer(issuer, _authorize(structHash, endorsement));
        record.anchor = _anchor(issuer, credDef.anchor.seqNo, payload);
        record.maxCredNum = maxCredNum;
        record.credDefKey = credDefKey;
        emit RevocationRegistryDefinitionRegistered(key, issuer, credDefKey, tag, maxCredNum, payload);
    }

    /// @inheritdoc IAnonCredsRegistry
    function registerRevocationStatusList(
        bytes32 revRegKey,
        bytes calldata accumulator,
        bytes calldata changed,
        Endorsement calldata endorsement
    ) public virtual {
        RevRegRecord storage record = _checkStatusListEntry(revRegKey, accumulator, changed);
        if (record.heads.length != 0) revert AnonCredsStatusListExists(revRegKey);
        _authorizeStatusList(revRegKey, record, 0, accumulator, changed, endorsement);
        _appendStatusListEntry(revRegKey, record, accumulator, changed);
    }

    /// @inheritdoc IAnonCredsRegistry
    function updateRevocationStatusList(
        bytes32 revRegKey,
        uint32 previousEntries,
        bytes calldata accumulator,
        bytes calldata changed,
        Endorsement calldata endorsement
    ) public virtual {
        RevRegRecord storage record = _checkStatusListEntry(revRegKey, accumulator, changed);
        uint32 entries = uint32(record.heads.length);
        if (entries == 0 || entries != previousEntries) {
            revert AnonCredsStaleStatusList(revRegKey, previousEntries, entries);
        }
        _authorizeStatusList(revRegKey, record, previousEntries, accumulator, changed, endorsement);
        _appendStatusListEntry(revRegKey, record, accumulator, changed);
    }

    /// @inheritdoc IAnonCredsRegistry
    function keyOfSchema(bytes16 issuer, string memory name, string memory version) public pure virtual returns (bytes32) {
        return keccak256(abi.encode("SCHEMA", issuer, name, version));
    }

    /// @inheritdoc IAnonCredsRegistry
    function keyOfCredentialDefinition(bytes16 issuer, uint32 schemaSeqNo, string memory tag)
        public
        pure
        virtual
        returns (bytes32)
    {
        return keccak256(abi.encode("CLAIM_DEF", issuer, schemaSeqNo, tag));
    }

    /// @inheritdoc IAnonCredsRegistry
    function keyOfRevocationRegistry(bytes16 issuer, uint32 schemaSeqNo, string memory credDefTag, string memory tag)
        public
        pure
        virtual
        returns (bytes32)
    {
        return keccak256(abi.encode("REV_REG_DEF", issuer, schemaSeqNo, credDefTag, tag));
    }

    /// @inheritdoc IAnonCredsRegistry
    function schema(bytes32 key) public view virtual returns (Anchor memory anchor) {
        anchor = _schemas[key];
        if (anchor.blockNumber == 0) revert AnonCredsNotFound(key);
    }

    /// @inheritdoc IAnonCredsRegistry
    function credentialDefinition(bytes32 key) public view virtual returns (Anchor memory anchor) {
        anchor = _credDefs[key].anchor;
        if (anchor.blockNumber == 0) revert AnonCredsNotFound(key);
    }

    /// @inheritdoc IAnonCredsRegistry
    function revocationRegistryDefinition(bytes32 key) public view virtual returns (Anchor memory, uint32) {
        RevRegRecord storage record = _existingRevReg(key);
        return (record.anchor, record.maxCredNum);
    }

    /// @inheritdoc IAnonCredsRegistry
    function revocationStatusListAt(bytes32 revRegKey, uint48 timestamp)
        public
        view
        virtual
        returns (StatusListState memory)
    {
        RevRegRecord storage record = _existingRevReg(revRegKey);
        return _unpackState(record, record.timeline.upperLookupRecent(timestamp));
    }

    /// @inheritdoc IAnonCredsRegistry
    function revocationStatusListLatest(bytes32 revRegKey) public view virtual returns (StatusListState memory) {
        RevRegRecord storage record = _existingRevReg(revRegKey);
        return _unpackState(record, record.timeline.latest());
    }

    /// @dev The registry of an entry whose accumulator and index list are well formed.
    function _checkStatusListEntry(bytes32 revRegKey, bytes calldata accumulator, bytes calldata changed)
        internal
        view
        virtual
        returns (RevRegRecord storage record)
    {
        record = _existingRevReg(revRegKey);
        if (accumulator.length == 0 || accumulator.length > MAX_ACCUMULATOR_LENGTH) {
            revert AnonCredsInvalidAccumulator(accumulator.length);
        }
        _checkIndices(changed, record.maxCredNum);
    }

    function _authorizeStatusList(
        bytes32 revRegKey,
        RevRegRecord storage record,
        uint32 previousEntries,
        bytes calldata accumulator,
        bytes calldata changed,
        Endorsement calldata endorsement
    ) internal virtual {
        bytes32 structHash = keccak256(
            abi.encode(
                STATUS_LIST_ENTRY_TYPEHASH,
                revRegKey,
                previousEntries,
                keccak256(accumulator),
                keccak256(changed),
                endorsement.author,
                endorsement.nonce,
                endorsement.deadline
            )
        );
        _checkIssuer(record.anchor.issuer, _authorize(structHash, endorsement));
    }

    function _appendStatusListEntry(
        bytes32 revRegKey,
        RevRegRecord storage record,
        bytes calldata accumulator,
        bytes calldata changed
    ) internal virtual {
        bytes32 previous = record.heads.length == 0 ? bytes32(0) : record.heads[record.heads.length - 1];
        bytes32 head = keccak256(abi.encodePacked(previous, keccak256(accumulator), keccak256(changed)));
        record.heads.push(head);
        uint32 entries = SafeCast.toUint32(record.heads.length);
        uint48 timestamp = SafeCast.toUint48(block.timestamp);
        uint208 packed = (uint208(timestamp) << 80) | (uint208(SafeCast.toUint48(block.number)) << 32) | entries;
        record.timeline.push(timestamp, packed);
        emit RevocationStatusListEntry(revRegKey, entries, timestamp, accumulator, changed, head);
    }

    function _checkIssuer(bytes16 issuer, address author) internal view virtual {
        if (!_dids.isActive(issuer)) revert AnonCredsIssuerInactive(issuer);
        if (_dids.controllerOf(issuer) != author) revert AnonCredsNotController(issuer, author);
    }

    function _checkName(string calldata value) internal pure virtual {
        bytes calldata raw = bytes(value);
        if (raw.length == 0 || raw.length > MAX_NAME_LENGTH) revert AnonCredsInvalidName(value);
        for (uint256 i = 0; i < raw.length; ++i) {
            if (raw[i] == "/" || raw[i] <= 0x20) revert AnonCredsInvalidName(value);
        }
    }

    /// @dev `changed` holds big-endian uint32 indices, each below `maxCredNum`.
    function _checkIndices(bytes calldata changed, uint32 maxCredNum) internal pure virtual {
        if (changed.length % 4 != 0) revert AnonCredsInvalidIndexList(changed.length);
        for (uint256 offset = 0; offset < changed.length; offset += 4) {
            uint32 index = uint32(bytes4(changed[offset:offset + 4]));
            if (index >= maxCredNum) revert AnonCredsIndexOutOfRange(index, maxCredNum);
        }
    }

    function _checkPayload(bytes calldata payload) internal pure virtual {
        if (payload.length == 0) revert AnonCredsEmptyPayload();
        if (payload.length > MAX_PAYLOAD_LENGTH) revert AnonCredsPayloadTooLarge(payload.length, MAX_PAYLOAD_LENGTH);
    }

    function _anchor(bytes16 issuer, uint32 seqNo, bytes calldata payload) internal view virtual returns (Anchor memory) {
        return Anchor({
            issuer: issuer,
            blockNumber: SafeCast.toUint48(block.number),
            timestamp: SafeCast.toUint48(block.timestamp),
            seqNo: seqNo,
            payloadHash: keccak256(payload)
        });
    }

    function _existingRevReg(bytes32 key) internal view virtual returns (RevRegRecord storage record) {
        record = _revRegs[key];
        if (record.anchor.blockNumber == 0) revert AnonCredsNotFound(key);
    }

    function _unpackState(RevRegRecord storage record, uint208 packed)
        internal
        view
        virtual
        returns (StatusListState memory state)
    {
        if (packed == 0) return state;
        state.entries = uint32(packed);
        state.blockNumber = uint48(packed >> 32);
        state.timestamp = uint48(packed >> 80);
        state.head = record.heads[state.entries - 1];
    }
}
