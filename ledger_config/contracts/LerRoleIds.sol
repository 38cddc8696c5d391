// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Role identifiers shared by every ler-node contract.
library LerRoleIds {
    bytes32 internal constant TRUSTEE = keccak256("TRUSTEE");
    bytes32 internal constant STEWARD = keccak256("STEWARD");
    bytes32 internal constant ENDORSER = keccak256("ENDORSER");
}
