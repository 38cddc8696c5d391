// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title Writes submitted by an ENDORSER, either its own or endorsed for an author.
 * @dev Every write takes an {Endorsement}. With an empty `signature` the submitter writes as
 * itself (`author` must be the submitter). Otherwise `author` signed the write as EIP-712 typed
 * data (the write's fields plus `author`, `nonce` and `deadline`) and any ENDORSER may submit it.
 * Nonces are keyed (ERC-4337 style: the top 192 bits pick an independent sequence), so writes to
 * different objects can be endorsed in any order while each object's writes stay ordered and no
 * signature can be replayed.
 *
 * Checks run in this order, so a refusal names the first thing wrong: the write's own arguments
 * and the target object's state (already exists, stale, deactivated), then the submitter's
 * role, the deadline, the nonce and the signature, and last whether the author may write to
 * that object. Concurrent endorsements of the same write therefore fail as "already exists",
 * not as a nonce clash.
 */
interface IEndorsedWrites {
    struct Endorsement {
        address author;
        uint256 nonce;
        uint256 deadline;
        bytes signature;
    }

    /// @dev The submitter does not hold the ENDORSER role.
    error EndorsementSubmitterNotEndorser(address submitter);
    /// @dev A direct write (no signature) must name the submitter as its author.
    error EndorsementAuthorNotSubmitter(address author, address submitter);
    /// @dev The author's signature is past its deadline (as ERC2612ExpiredSignature).
    error EndorsementExpiredSignature(uint256 deadline);
    /// @dev An endorsed write must name its author; the zero address signs nothing.
    error EndorsementInvalidAuthor(address author);
    /// @dev The signature was not made by `author` over this write.
    error EndorsementInvalidSignature(address author);

    /// @dev Emitted for every endorsed write (not for direct ones).
    event WriteEndorsed(address indexed author, address indexed endorser, uint256 nonce);

    /// @dev The roles contract that decides who is an ENDORSER.
    function roles() external view returns (address);
}
