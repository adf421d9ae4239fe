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

    /// @dev `ISSUE_CREDITS_TYPEHASH` lists `Issuance`'s members in their declaration order, so the struct's
    /// ABI head in calldata (13 words) is the typed-data encoding's words 1-13 except for the four dynamic
    /// members, whose offsets are overwritten with their hashes: one copy instead of decoding each member.
    /// Static members are hashed as given; with dirty high bits (no standard encoder produces them) the digest
    /// is one no member signed, and `JCMProjects` refuses to decode them anyway.
    function hashIssueCredits(Issuance calldata i, uint256 nonce, uint256 deadline)
        internal
        pure
        returns (bytes32 structHash)
    {
        bytes32 decisionRefHash = _hashCalldata(bytes(i.decisionRef));
        bytes32 projectRefHash = _hashCalldata(bytes(i.projectRef));
        bytes32 authorizationIdHash = _hashCalldata(bytes(i.authorizationId));
        bytes32 allocationsHash = _hashAllocations(i.allocations);
        bytes32 typeHash = ISSUE_CREDITS_TYPEHASH;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, typeHash)
            calldatacopy(add(m, 0x20), i, 0x1a0)
            mstore(add(m, 0x40), decisionRefHash)
            mstore(add(m, 0x60), projectRefHash)
            mstore(add(m, 0x160), authorizationIdHash)
            mstore(add(m, 0x1a0), allocationsHash)
            mstore(add(m, 0x1c0), nonce)
            mstore(add(m, 0x1e0), deadline)
            structHash := keccak256(m, 0x200)
        }
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

    /// @dev `keccak256` of the concatenated `Allocation` struct hashes. An allocation's two static words are
    /// its encoding after the type hash, copied as given (see `hashIssueCredits`). Scratch memory past the free
    /// pointer holds the hashes, then one allocation's encoding.
    function _hashAllocations(Allocation[] calldata allocations) private pure returns (bytes32 result) {
        bytes32 typeHash = ALLOCATION_TYPEHASH;
        assembly ("memory-safe") {
            let hashes := mload(0x40)
            let size := shl(5, allocations.length)
            let encoding := add(hashes, size)
            mstore(encoding, typeHash)
            for { let k := 0 } lt(k, size) { k := add(k, 0x20) } {
                calldatacopy(add(encoding, 0x20), add(allocations.offset, shl(1, k)), 0x40)
                mstore(add(hashes, k), keccak256(encoding, 0x60))
            }
            result := keccak256(hashes, size)
        }
    }

    /// @dev `keccak256` of bytes in calldata, hashed in scratch memory without allocating a copy.
    function _hashCalldata(bytes calldata data) private pure returns (bytes32 result) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            calldatacopy(m, data.offset, data.length)
            result := keccak256(m, data.length)
        }
    }
}
