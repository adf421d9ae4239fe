// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {MemberSide} from "../interfaces/IJointCommittee.sol";

/// @title MemberRoster: a joint committee's members kept as the code of a contract of their own
/// @notice Every decision checks each signer's side. Kept in storage, that is a cold slot per signer (2,100
/// gas each, four in a 2+2 decision); kept as code, it is one cold account access for the whole roster
/// (`EXTCODECOPY`, 2,600 gas plus 3 a word) and a scan in memory. A membership change writes a new roster,
/// which costs less than writing each member's side into storage did.
/// @dev The roster contract's code is `0x00` (STOP: calling it does nothing), then the number of Japan's members
/// (one byte), then every member's address (20 bytes each): Japan's members in the order the decision gave
/// them, then the partner's. It is created with the ten-byte constructor `PUSH2 len DUP1 PUSH1 10
/// RETURNDATASIZE CODECOPY RETURNDATASIZE RETURN`, which returns the bytes that follow it as the code
/// (no PUSH0: the chain runs `paris`). Code cannot change, so a roster never changes; a new membership is a new
/// roster whose address replaces the old one.
library MemberRoster {
    /// @dev Bytes before the first address: the STOP byte and the count of Japan's members.
    uint256 private constant _HEADER = 2;
    /// @dev The roster's constructor before its two length bytes (`PUSH2`), and after them.
    bytes1 private constant _PUSH2 = 0x61;
    bytes7 private constant _DEPLOY = 0x80600a3d393df3;

    /// @notice Creation of a roster contract failed.
    error MemberRosterNotCreated();

    /// @notice Creates the roster of `japanMembers` and `partnerMembers` (each at most 255, checked by the
    /// caller) and returns its address.
    function create(address[] memory japanMembers, address[] memory partnerMembers)
        internal
        returns (address roster)
    {
        uint256 japanCount = japanMembers.length;
        uint256 count = japanCount + partnerMembers.length;
        bytes memory code = new bytes(_HEADER + 20 * count);
        code[1] = bytes1(uint8(japanCount));
        for (uint256 i = 0; i < count; i++) {
            address member = i < japanCount ? japanMembers[i] : partnerMembers[i - japanCount];
            bytes20 word = bytes20(member);
            assembly ("memory-safe") {
                // Writes 32 bytes: the address, then 12 zero bytes that the next address overwrites or that lie
                // past the end of `code` within the free memory `new bytes` rounded up to.
                mstore(add(add(code, 0x20), add(_HEADER, mul(20, i))), word)
            }
        }
        bytes memory init = abi.encodePacked(_PUSH2, uint16(code.length), _DEPLOY, code);
        assembly ("memory-safe") {
            roster := create(0, add(init, 0x20), mload(init))
        }
        if (roster == address(0)) revert MemberRosterNotCreated();
    }

    /// @notice The `count` members' addresses of `roster` (read with one `EXTCODECOPY`) and how many of the first
    /// are Japan's.
    function load(address roster, uint256 count) internal view returns (bytes memory members, uint256 japanCount) {
        uint256 size = 20 * count;
        members = new bytes(size);
        assembly ("memory-safe") {
            // One copy: the Japan count byte lands just before the addresses, in the length word's last byte,
            // which is read and then restored.
            let data := add(members, 0x20)
            extcodecopy(roster, sub(data, 1), 1, add(size, 1))
            japanCount := byte(31, mload(members))
            mstore(members, size)
        }
    }

    /// @notice The side of `account` in `members` as `load` returned them (`None` for a non-member).
    function sideOf(bytes memory members, uint256 japanCount, address account) internal pure returns (MemberSide) {
        uint256 end = members.length;
        uint256 found = end;
        assembly ("memory-safe") {
            // A word-by-word scan in assembly: each signer of each decision runs it.
            let data := add(members, 0x20)
            for { let at := 0 } lt(at, end) { at := add(at, 20) } {
                if eq(shr(96, mload(add(data, at))), account) {
                    found := at
                    break
                }
            }
        }
        if (found == end) return MemberSide.None;
        return found < 20 * japanCount ? MemberSide.Japan : MemberSide.Partner;
    }

    /// @notice The members of `members` (as `load` returned them) as two lists, in the order they were given.
    function lists(bytes memory members, uint256 japanCount)
        internal
        pure
        returns (address[] memory japanMembers, address[] memory partnerMembers)
    {
        uint256 count = members.length / 20;
        japanMembers = new address[](japanCount);
        partnerMembers = new address[](count - japanCount);
        for (uint256 i = 0; i < count; i++) {
            address member;
            assembly ("memory-safe") {
                member := shr(96, mload(add(add(members, 0x20), mul(20, i))))
            }
            if (i < japanCount) japanMembers[i] = member;
            else partnerMembers[i - japanCount] = member;
        }
    }
}
