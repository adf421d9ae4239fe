// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Allocation, Issuance, ProjectRegistration} from "../interfaces/RegistryTypes.sol";
import {BatchAuthorization, FirstTransferRule} from "../interfaces/IJCMArticle6.sol";

/// @dev A correction decided by a joint committee: the named serials of one account go to cancellation.
struct Correction {
    bytes32 decisionId;
    address account;
    uint256 batchId;
    uint64 firstSerial;
    uint64 lastSerial;
}

/// @dev A new membership of a joint committee; thresholds count distinct members of each side.
struct MembershipChange {
    address[] japanMembers;
    address[] partnerMembers;
    uint8 japanThreshold;
    uint8 partnerThreshold;
}

/// @title DecisionTypes: the EIP-712 types of joint-committee decisions
/// @notice The one place where the Solidity side defines what members sign. `registry_client/decisions.py`
/// mirrors these type strings, and a test checks both compute the same digest for every kind.
/// @dev Every decision type ends with `uint256 nonce,uint256 deadline`; the committee's EIP-712 domain binds
/// the chain id and the committee contract's address.
/// @dev A joint committee's decision to hand its country over to `successor`.
struct CommitteeReplacement {
    address successor;
}

library DecisionTypes {
    bytes32 internal constant REGISTER_PROJECT_TYPEHASH = keccak256(
        "RegisterProject(string ref,bytes2 country,string title,string methodology,bytes32 pddHash,"
        "bytes32 validationReportHash,uint256 nonce,uint256 deadline)"
    );

    bytes32 internal constant ALLOCATION_TYPEHASH = keccak256("Allocation(address account,uint64 amount)");

    bytes32 internal constant ISSUE_CREDITS_TYPEHASH = keccak256(
        "IssueCredits(bytes32 decisionId,string decisionRef,string projectRef,uint64 monitoringStart,uint64 monitoringEnd,"
        "uint16 vintage,uint64 quantity,uint64 verifiedReductions,bytes32 verificationReportHash,"
        "uint8 authorization,string authorizationId,uint64 authorizationDate,Allocation[] allocations,"
        "uint256 nonce,uint256 deadline)Allocation(address account,uint64 amount)"
    );

    bytes32 internal constant CORRECT_CREDITS_TYPEHASH = keccak256(
        "CorrectCredits(bytes32 decisionId,address account,uint256 batchId,uint64 firstSerial,"
        "uint64 lastSerial,uint256 nonce,uint256 deadline)"
    );

    bytes32 internal constant CHANGE_MEMBERS_TYPEHASH = keccak256(
        "ChangeMembers(address[] japanMembers,address[] partnerMembers,uint8 japanThreshold,"
        "uint8 partnerThreshold,uint256 nonce,uint256 deadline)"
    );

    bytes32 internal constant REPLACE_COMMITTEE_TYPEHASH =
        keccak256("ReplaceCommittee(address successor,uint256 nonce,uint256 deadline)");

    bytes32 internal constant SET_AUTHORIZATION_TYPEHASH = keccak256(
        "SetAuthorization(uint256 batchId,uint8 authorization,string authorizationId,uint64 authorizationDate,"
        "uint256 nonce,uint256 deadline)"
    );

    bytes32 internal constant SET_FIRST_TRANSFER_DEFINITION_TYPEHASH =
        keccak256("SetFirstTransferDefinition(uint8 definition,uint256 nonce,uint256 deadline)");

    function hashRegisterProject(ProjectRegistration calldata p, uint256 nonce, uint256 deadline)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(
            abi.encode(
                REGISTER_PROJECT_TYPEHASH,
                keccak256(bytes(p.ref)),
                p.country,
                keccak256(bytes(p.title)),
                keccak256(bytes(p.methodology)),
                p.pddHash,
                p.validationReportHash,
                nonce,
                deadline
            )
        );
    }

    function hashIssueCredits(Issuance calldata i, uint256 nonce, uint256 deadline) internal pure returns (bytes32) {
        // Two encodings of static words concatenated equal one encoding, and keep the stack shallow.
        return keccak256(
            bytes.concat(
                abi.encode(
                    ISSUE_CREDITS_TYPEHASH,
                    i.decisionId,
                    keccak256(bytes(i.decisionRef)),
                    keccak256(bytes(i.projectRef)),
                    i.monitoringStart,
                    i.monitoringEnd,
                    i.vintage,
                    i.quantity,
                    i.verifiedReductions
                ),
                abi.encode(
                    i.verificationReportHash,
                    uint8(i.authorization),
                    keccak256(bytes(i.authorizationId)),
                    i.authorizationDate,
                    _hashAllocations(i.allocations),
                    nonce,
                    deadline
                )
            )
        );
    }

    function hashCorrectCredits(Correction calldata c, uint256 nonce, uint256 deadline)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(
            abi.encode(
                CORRECT_CREDITS_TYPEHASH,
                c.decisionId,
                c.account,
                c.batchId,
                c.firstSerial,
                c.lastSerial,
                nonce,
                deadline
            )
        );
    }

    function hashChangeMembers(MembershipChange calldata m, uint256 nonce, uint256 deadline)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(
            abi.encode(
                CHANGE_MEMBERS_TYPEHASH,
                keccak256(abi.encodePacked(m.japanMembers)),
                keccak256(abi.encodePacked(m.partnerMembers)),
                m.japanThreshold,
                m.partnerThreshold,
                nonce,
                deadline
            )
        );
    }

    function hashReplaceCommittee(CommitteeReplacement calldata r, uint256 nonce, uint256 deadline)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(REPLACE_COMMITTEE_TYPEHASH, r.successor, nonce, deadline));
    }

    function hashSetAuthorization(BatchAuthorization calldata a, uint256 nonce, uint256 deadline)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(
            abi.encode(
                SET_AUTHORIZATION_TYPEHASH,
                a.batchId,
                uint8(a.authorization),
                keccak256(bytes(a.authorizationId)),
                a.authorizationDate,
                nonce,
                deadline
            )
        );
    }

    function hashSetFirstTransferDefinition(FirstTransferRule calldata r, uint256 nonce, uint256 deadline)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(SET_FIRST_TRANSFER_DEFINITION_TYPEHASH, uint8(r.definition), nonce, deadline));
    }

    function _hashAllocations(Allocation[] calldata allocations) private pure returns (bytes32) {
        bytes32[] memory hashes = new bytes32[](allocations.length);
        for (uint256 k = 0; k < allocations.length; k++) {
            hashes[k] = keccak256(abi.encode(ALLOCATION_TYPEHASH, allocations[k].account, allocations[k].amount));
        }
        return keccak256(abi.encodePacked(hashes));
    }
}
