// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Context} from "@openzeppelin/contracts/utils/Context.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {NoncesKeyed} from "@openzeppelin/contracts/utils/NoncesKeyed.sol";
import {IEndorsedWrites} from "./interfaces/IEndorsedWrites.sol";
import {LerRoleIds} from "./LerRoleIds.sol";

/**
 * @title Base for registries whose writes are submitted by ENDORSERs.
 * @dev Follows ERC20Permit: a private struct type hash per write, the deadline checked first,
 * the keyed nonce consumed, then {SignatureChecker} against `author`.
 */
abstract contract EndorsedWrites is IEndorsedWrites, Context, EIP712, NoncesKeyed {
    IAccessControl private immutable _roles;

    constructor(IAccessControl roles_, string memory name, string memory version) EIP712(name, version) {
        _roles = roles_;
    }

    /// @inheritdoc IEndorsedWrites
    function roles() public view virtual returns (address) {
        return address(_roles);
    }

    /**
     * @dev Checks who may make this write and returns its author. `structHash` must hash the
     * write's own fields together with the endorsement's author, nonce and deadline. Callers check
     * their arguments and the target's state before this, since it consumes the nonce.
     */
    function _authorize(bytes32 structHash, Endorsement calldata endorsement) internal virtual returns (address) {
        address submitter = _msgSender();
        if (!_roles.hasRole(LerRoleIds.ENDORSER, submitter)) revert EndorsementSubmitterNotEndorser(submitter);
        if (endorsement.signature.length == 0) {
            if (endorsement.author != submitter) revert EndorsementAuthorNotSubmitter(endorsement.author, submitter);
            return submitter;
        }
        if (endorsement.author == address(0)) revert EndorsementInvalidAuthor(endorsement.author);
        if (block.timestamp > endorsement.deadline) revert EndorsementExpiredSignature(endorsement.deadline);
        _useCheckedNonce(endorsement.author, endorsement.nonce);
        bytes32 digest = _hashTypedDataV4(structHash);
        if (!SignatureChecker.isValidSignatureNow(endorsement.author, digest, endorsement.signature)) {
            revert EndorsementInvalidSignature(endorsement.author);
        }
        emit WriteEndorsed(endorsement.author, submitter, endorsement.nonce);
        return endorsement.author;
    }

    function _hasRole(bytes32 role, address account) internal view virtual returns (bool) {
        return _roles.hasRole(role, account);
    }
}
