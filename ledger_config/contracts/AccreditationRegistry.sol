// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Context} from "@openzeppelin/contracts/utils/Context.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {IAccreditationRegistry} from "./interfaces/IAccreditationRegistry.sol";
import {IDidRegistry} from "./interfaces/IDidRegistry.sol";
import {LerRoleIds} from "./LerRoleIds.sol";

/// @title Accreditation of issuer DIDs by the state; see {IAccreditationRegistry}.
contract AccreditationRegistry is Context, IAccreditationRegistry {
    using Checkpoints for Checkpoints.Trace208;

    uint256 public constant MAX_TYPE_LENGTH = 256;

    struct Record {
        string credentialType;
        Checkpoints.Trace208 timeline; // block timestamp => packed (status, validFrom, validUntil)
    }

    IAccessControl private immutable _roles;
    IDidRegistry private immutable _dids;
    mapping(bytes16 issuer => mapping(bytes32 typeKey => Record)) private _records;
    mapping(bytes16 issuer => bytes32[]) private _typesOf;

    modifier onlyAccreditor() {
        address account = _msgSender();
        if (!_roles.hasRole(LerRoleIds.TRUSTEE, account) && !_roles.hasRole(LerRoleIds.ENDORSER, account)) {
            revert AccreditationUnauthorized(account);
        }
        _;
    }

    constructor(IAccessControl roles_, IDidRegistry dids_) {
        _roles = roles_;
        _dids = dids_;
    }

    function roles() public view virtual returns (address) {
        return address(_roles);
    }

    function didRegistry() public view virtual returns (address) {
        return address(_dids);
    }

    /// @inheritdoc IAccreditationRegistry
    function accredit(bytes16 issuer, string calldata credentialType, uint64 validFrom, uint64 validUntil)
        public
        virtual
        onlyAccreditor
    {
        if (!_dids.isActive(issuer)) revert AccreditationUnknownIssuer(issuer);
        uint256 typeLength = bytes(credentialType).length;
        if (typeLength == 0 || typeLength > MAX_TYPE_LENGTH) revert AccreditationInvalidType(credentialType);
        if (validUntil != 0 && validUntil <= validFrom) revert AccreditationInvalidWindow(validFrom, validUntil);
        bytes32 typeKey = keccak256(bytes(credentialType));
        Record storage record = _records[issuer][typeKey];
        if (record.timeline.length() == 0) {
            record.credentialType = credentialType;
            _typesOf[issuer].push(typeKey);
        }
        _record(record, Status.Active, validFrom, validUntil);
        emit IssuerAccredited(issuer, typeKey, _msgSender(), credentialType, validFrom, validUntil);
    }

    /// @inheritdoc IAccreditationRegistry
    function suspend(bytes16 issuer, string calldata credentialType, string calldata reason)
        public
        virtual
        onlyAccreditor
    {
        _transition(issuer, credentialType, Status.Active, Status.Suspended);
        emit IssuerSuspended(issuer, keccak256(bytes(credentialType)), _msgSender(), reason);
    }

    /// @inheritdoc IAccreditationRegistry
    function reinstate(bytes16 issuer, string calldata credentialType) public virtual onlyAccreditor {
        _transition(issuer, credentialType, Status.Suspended, Status.Active);
        emit IssuerReinstated(issuer, keccak256(bytes(credentialType)), _msgSender());
    }

    /// @inheritdoc IAccreditationRegistry
    function withdraw(bytes16 issuer, string calldata credentialType, string calldata reason)
        public
        virtual
        onlyAccreditor
    {
        (Record storage record, Accreditation memory current) = _current(issuer, credentialType);
        if (current.status != Status.Active && current.status != Status.Suspended) {
            revert AccreditationInvalidTransition(issuer, credentialType, current.status, Status.Withdrawn);
        }
        _record(record, Status.Withdrawn, current.validFrom, current.validUntil);
        emit IssuerWithdrawn(issuer, keccak256(bytes(credentialType)), _msgSender(), reason);
    }

    /// @inheritdoc IAccreditationRegistry
    function isAccredited(bytes16 issuer, string calldata credentialType, uint64 timestamp)
        public
        view
        virtual
        returns (bool)
    {
        Accreditation memory terms = accreditationAt(issuer, credentialType, timestamp);
        return terms.status == Status.Active && terms.validFrom <= timestamp
            && (terms.validUntil == 0 || timestamp < terms.validUntil);
    }

    /// @inheritdoc IAccreditationRegistry
    function accreditationAt(bytes16 issuer, string calldata credentialType, uint64 timestamp)
        public
        view
        virtual
        returns (Accreditation memory terms)
    {
        Record storage record = _records[issuer][keccak256(bytes(credentialType))];
        terms = _unpack(record, record.timeline.upperLookupRecent(SafeCast.toUint48(timestamp)));
    }

    /// @inheritdoc IAccreditationRegistry
    function accreditationsOf(bytes16 issuer) public view virtual returns (Accreditation[] memory list) {
        bytes32[] storage typeKeys = _typesOf[issuer];
        list = new Accreditation[](typeKeys.length);
        for (uint256 i = 0; i < typeKeys.length; ++i) {
            Record storage record = _records[issuer][typeKeys[i]];
            list[i] = _unpack(record, record.timeline.latest());
        }
    }

    function _transition(bytes16 issuer, string calldata credentialType, Status from, Status to) internal virtual {
        (Record storage record, Accreditation memory current) = _current(issuer, credentialType);
        if (current.status != from) revert AccreditationInvalidTransition(issuer, credentialType, current.status, to);
        _record(record, to, current.validFrom, current.validUntil);
    }

    function _current(bytes16 issuer, string calldata credentialType)
        internal
        view
        virtual
        returns (Record storage record, Accreditation memory current)
    {
        record = _records[issuer][keccak256(bytes(credentialType))];
        if (record.timeline.length() == 0) revert AccreditationNotFound(issuer, credentialType);
        current = _unpack(record, record.timeline.latest());
    }

    function _record(Record storage record, Status status, uint64 validFrom, uint64 validUntil) internal virtual {
        uint48 timestamp = SafeCast.toUint48(block.timestamp);
        uint208 packed = (uint208(timestamp) << 136) | (uint208(validFrom) << 72) | (uint208(validUntil) << 8)
            | uint208(uint8(status));
        record.timeline.push(timestamp, packed);
    }

    function _unpack(Record storage record, uint208 packed) internal view virtual returns (Accreditation memory terms) {
        if (packed == 0) return terms;
        terms.credentialType = record.credentialType;
        terms.status = Status(uint8(packed));
        terms.validUntil = uint64(packed >> 8);
        terms.validFrom = uint64(packed >> 72);
        terms.changedAt = uint64(packed >> 136);
    }
}
