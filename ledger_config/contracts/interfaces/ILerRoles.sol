// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControlEnumerable} from "@openzeppelin/contracts/access/extensions/IAccessControlEnumerable.sol";

/**
 * @title Indy-compatible roles of a state LER network.
 * @dev TRUSTEE governs the network, STEWARD operates validators, ENDORSER submits ledger writes
 * (its own or endorsed ones for authors without a role). Trustees grant and revoke STEWARD and
 * ENDORSER directly; granting or revoking TRUSTEE needs approval by more than half of the
 * current trustees, through {proposeTrusteeChange} and {approveTrusteeChange}.
 */
interface ILerRoles is IAccessControlEnumerable {
    /// @dev TRUSTEE cannot be granted or revoked directly; use a trustee proposal.
    error RolesTrusteeChangeNeedsVote();
    /// @dev No proposal with this id.
    error RolesUnknownProposal(uint256 proposalId);
    /// @dev The proposal was already carried out.
    error RolesProposalAlreadyExecuted(uint256 proposalId);
    /// @dev This trustee already approved the proposal.
    error RolesAlreadyApproved(uint256 proposalId, address trustee);
    /// @dev The proposal would not change anything (grant to a trustee, revoke of a non-trustee).
    error RolesNoChange(address account, bool grant);
    /// @dev The network must keep at least one trustee.
    error RolesLastTrustee(address account);
    /// @dev No one controls this account (the zero address), so it cannot hold or lose a role.
    error RolesInvalidAccount(address account);

    /**
     * @dev Emitted when a trustee proposes to grant (`grant`) or revoke TRUSTEE for `account`.
     */
    event TrusteeChangeProposed(uint256 indexed proposalId, address indexed proposer, address indexed account, bool grant);

    /**
     * @dev Emitted for every approval, with the approvals counted among current trustees and the
     * number needed (more than half of the current trustees).
     */
    event TrusteeChangeApproved(uint256 indexed proposalId, address indexed trustee, uint256 approvals, uint256 needed);

    /// @dev Emitted when a proposal reached a majority and its role change took effect.
    event TrusteeChangeExecuted(uint256 indexed proposalId, address indexed account, bool grant);

    /**
     * @dev Proposes a TRUSTEE change; the proposer's approval is counted at once.
     *
     * Requirements: the caller is a TRUSTEE; `account` is not the zero address; the change would
     * change something.
     */
    function proposeTrusteeChange(address account, bool grant) external returns (uint256 proposalId);

    /**
     * @dev Approves a proposal; carries it out when approvals from current trustees exceed half
     * of the current trustees. Returns whether it was carried out.
     *
     * Requirements: the caller is a TRUSTEE and has not approved this proposal yet.
     */
    function approveTrusteeChange(uint256 proposalId) external returns (bool executed);

    /// @dev A proposal's account, direction, approvals among current trustees and state.
    function trusteeProposal(uint256 proposalId)
        external
        view
        returns (address account, bool grant, uint256 approvals, uint256 needed, bool executed);

    /// @dev Number of proposals made so far; ids run from 1 to this number.
    function trusteeProposalCount() external view returns (uint256);
}
