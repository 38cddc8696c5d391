// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {AccessControlEnumerable} from "@openzeppelin/contracts/access/extensions/AccessControlEnumerable.sol";
import {ILerRoles} from "./interfaces/ILerRoles.sol";
import {LerRoleIds} from "./LerRoleIds.sol";

/**
 * @title Roles of a state LER network (TRUSTEE, STEWARD, ENDORSER).
 * @dev Role ids are in {LerRoleIds}. TRUSTEE administers STEWARD and ENDORSER. TRUSTEE itself
 * changes only through a majority vote of the current trustees.
 */
contract LerRoles is AccessControlEnumerable, ILerRoles {
    struct Proposal {
        address account;
        bool grant;
        bool executed;
        address[] approvers;
    }

    bytes32 public constant TRUSTEE = LerRoleIds.TRUSTEE;
    bytes32 public constant STEWARD = LerRoleIds.STEWARD;
    bytes32 public constant ENDORSER = LerRoleIds.ENDORSER;

    mapping(uint256 proposalId => Proposal) private _proposals;
    uint256 private _proposalCount;

    constructor(address firstTrustee) {
        _setRoleAdmin(TRUSTEE, TRUSTEE);
        _setRoleAdmin(STEWARD, TRUSTEE);
        _setRoleAdmin(ENDORSER, TRUSTEE);
        _grantRole(TRUSTEE, firstTrustee);
    }

    /// @inheritdoc ILerRoles
    function proposeTrusteeChange(address account, bool grant)
        public
        virtual
        onlyRole(TRUSTEE)
        returns (uint256 proposalId)
    {
        if (account == address(0)) revert RolesInvalidAccount(account);
        if (hasRole(TRUSTEE, account) == grant) revert RolesNoChange(account, grant);
        proposalId = ++_proposalCount;
        Proposal storage proposal = _proposals[proposalId];
        proposal.account = account;
        proposal.grant = grant;
        emit TrusteeChangeProposed(proposalId, _msgSender(), account, grant);
        _approve(proposalId, proposal);
    }

    /// @inheritdoc ILerRoles
    function approveTrusteeChange(uint256 proposalId) public virtual onlyRole(TRUSTEE) returns (bool executed) {
        Proposal storage proposal = _proposals[proposalId];
        if (proposal.account == address(0)) revert RolesUnknownProposal(proposalId);
        return _approve(proposalId, proposal);
    }

    /// @inheritdoc ILerRoles
    function trusteeProposal(uint256 proposalId)
        public
        view
        virtual
        returns (address account, bool grant, uint256 approvals, uint256 needed, bool executed)
    {
        Proposal storage proposal = _proposals[proposalId];
        if (proposal.account == address(0)) revert RolesUnknownProposal(proposalId);
        return (proposal.account, proposal.grant, _currentApprovals(proposal), _needed(), proposal.executed);
    }

    /// @inheritdoc ILerRoles
    function trusteeProposalCount() public view virtual returns (uint256) {
        return _proposalCount;
    }

    /// @dev TRUSTEE changes go through proposals; other roles follow {AccessControl}. Nobody
    /// controls the zero address, so it can neither hold nor lose a role.
    function grantRole(bytes32 role, address account) public virtual override(AccessControl, IAccessControl) {
        if (role == TRUSTEE) revert RolesTrusteeChangeNeedsVote();
        if (account == address(0)) revert RolesInvalidAccount(account);
        super.grantRole(role, account);
    }

    /// @dev TRUSTEE changes go through proposals; other roles follow {AccessControl}. Refuses the
    /// zero address, as {grantRole} does.
    function revokeRole(bytes32 role, address account) public virtual override(AccessControl, IAccessControl) {
        if (role == TRUSTEE) revert RolesTrusteeChangeNeedsVote();
        if (account == address(0)) revert RolesInvalidAccount(account);
        super.revokeRole(role, account);
    }

    /// @dev A trustee may step down, but never the last one.
    function renounceRole(bytes32 role, address callerConfirmation)
        public
        virtual
        override(AccessControl, IAccessControl)
    {
        if (role == TRUSTEE && getRoleMemberCount(TRUSTEE) == 1 && hasRole(TRUSTEE, callerConfirmation)) {
            revert RolesLastTrustee(callerConfirmation);
        }
        super.renounceRole(role, callerConfirmation);
    }

    function _approve(uint256 proposalId, Proposal storage proposal) internal virtual returns (bool) {
        if (proposal.executed) revert RolesProposalAlreadyExecuted(proposalId);
        address trustee = _msgSender();
        for (uint256 i = 0; i < proposal.approvers.length; ++i) {
            if (proposal.approvers[i] == trustee) revert RolesAlreadyApproved(proposalId, trustee);
        }
        proposal.approvers.push(trustee);
        uint256 approvals = _currentApprovals(proposal);
        uint256 needed = _needed();
        emit TrusteeChangeApproved(proposalId, trustee, approvals, needed);
        if (approvals < needed) return false;

        // State may have changed since the proposal was made (e.g. another proposal ran).
        if (hasRole(TRUSTEE, proposal.account) == proposal.grant) revert RolesNoChange(proposal.account, proposal.grant);
        if (!proposal.grant && getRoleMemberCount(TRUSTEE) == 1) revert RolesLastTrustee(proposal.account);
        proposal.executed = true;
        if (proposal.grant) {
            _grantRole(TRUSTEE, proposal.account);
        } else {
            _revokeRole(TRUSTEE, proposal.account);
        }
        emit TrusteeChangeExecuted(proposalId, proposal.account, proposal.grant);
        return true;
    }

    /// @dev Approvals that still count: those of accounts that are trustees now.
    function _currentApprovals(Proposal storage proposal) internal view virtual returns (uint256 count) {
        for (uint256 i = 0; i < proposal.approvers.length; ++i) {
            if (hasRole(TRUSTEE, proposal.approvers[i])) ++count;
        }
    }

    /// @dev More than half of the current trustees.
    function _needed() internal view virtual returns (uint256) {
        return getRoleMemberCount(TRUSTEE) / 2 + 1;
    }
}
