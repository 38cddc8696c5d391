// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title The state's accreditation (trust) registry.
 * @dev A TRUSTEE or ENDORSER accredits an issuer DID for a named credential type or schema id
 * with a validity window, and may suspend, reinstate or withdraw it. Every change is kept with its
 * block time, so anyone can ask whether a DID was accredited for a type at any time.
 */
interface IAccreditationRegistry {
    enum Status {
        None,
        Active,
        Suspended,
        Withdrawn
    }

    /// @dev An accreditation's terms as of some time.
    struct Accreditation {
        string credentialType;
        Status status;
        uint64 validFrom;
        uint64 validUntil;
        uint64 changedAt;
    }

    error AccreditationUnauthorized(address account);
    error AccreditationUnknownIssuer(bytes16 issuer);
    error AccreditationInvalidWindow(uint64 validFrom, uint64 validUntil);
    error AccreditationInvalidType(string credentialType);
    error AccreditationNotFound(bytes16 issuer, string credentialType);
    error AccreditationInvalidTransition(bytes16 issuer, string credentialType, Status from, Status to);

    event IssuerAccredited(
        bytes16 indexed issuer,
        bytes32 indexed typeKey,
        address indexed by,
        string credentialType,
        uint64 validFrom,
        uint64 validUntil
    );
    event IssuerSuspended(bytes16 indexed issuer, bytes32 indexed typeKey, address indexed by, string reason);
    event IssuerReinstated(bytes16 indexed issuer, bytes32 indexed typeKey, address indexed by);
    event IssuerWithdrawn(bytes16 indexed issuer, bytes32 indexed typeKey, address indexed by, string reason);

    /**
     * @dev Accredits `issuer` for `credentialType` from `validFrom` until `validUntil` (exclusive;
     * 0 means open-ended). Accrediting again replaces the window and makes it active.
     *
     * Requirements: the caller is a TRUSTEE or ENDORSER; the DID exists and is active.
     */
    function accredit(bytes16 issuer, string calldata credentialType, uint64 validFrom, uint64 validUntil) external;

    /// @dev Suspends an active accreditation. Requirements: TRUSTEE or ENDORSER; it is active.
    function suspend(bytes16 issuer, string calldata credentialType, string calldata reason) external;

    /// @dev Lifts a suspension. Requirements: TRUSTEE or ENDORSER; it is suspended.
    function reinstate(bytes16 issuer, string calldata credentialType) external;

    /// @dev Withdraws an active or suspended accreditation. Requirements: TRUSTEE or ENDORSER.
    function withdraw(bytes16 issuer, string calldata credentialType, string calldata reason) external;

    /// @dev Whether `issuer` was accredited (active and inside its window) for the type at `timestamp`.
    function isAccredited(bytes16 issuer, string calldata credentialType, uint64 timestamp)
        external
        view
        returns (bool);

    /// @dev The accreditation's terms as of `timestamp` (status None if there were none yet).
    function accreditationAt(bytes16 issuer, string calldata credentialType, uint64 timestamp)
        external
        view
        returns (Accreditation memory);

    /// @dev Every credential type ever accredited for `issuer`, with its current terms.
    function accreditationsOf(bytes16 issuer) external view returns (Accreditation[] memory);
}
