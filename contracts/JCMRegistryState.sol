// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

import {IJCMRegistry} from "./interfaces/IJCMRegistry.sol";
import {
    AccountKind,
    AccountStatus,
    CancellationReason,
    RetirementPurpose,
    SerialRange
} from "./interfaces/RegistryTypes.sol";
import {SerialRanges} from "./libraries/SerialRanges.sol";
import {TextChecks} from "./libraries/TextChecks.sol";

/// @title JCMRegistryState: the storage layout of the ledger, shared by `JCMRegistry` and its module
/// @notice Holds every state variable of `JCMRegistry` and the checks both the ledger and
/// `JCMRegistryAdmin` run. `JCMRegistryAdmin` executes by `delegatecall` in the ledger's storage, so both
/// inherit this contract and nothing else that declares state: their layouts are the same by construction.
/// @dev Add state variables only here, and only at the end, never in a contract that inherits this one.
abstract contract JCMRegistryState is AccessControl {
    /// @notice Longest text (names, notes) stored, in bytes.
    uint256 public constant MAX_TEXT_BYTES = 256;

    bytes private constant REGISTRAR_ROLE_PREFIX = "JCM_REGISTRAR_";
    bytes private constant AUTHORITY_ROLE_PREFIX = "JCM_AUTHORITY_";

    struct Side {
        bool exists;
        address committee;
        address retirementAccount;
        address cancellationAccount;
    }

    /// @dev An account as stored: `AccountInfo` and the account's place in the holding lists, all but the
    /// name in one slot, which every movement reads (checks) and a first deposit of a batch writes (count,
    /// list head).
    struct StoredAccount {
        AccountKind kind;
        AccountStatus status;
        bytes2 side;
        uint64 openedAt;
        uint32 nonEmptyHoldings;
        // The account's number in `_accountAt` (1 .. SerialRanges.END - 1): how holdings link to it.
        uint24 index;
        // The batch the account first held last: the head of its batch list, linked through its holdings'
        // `nextBatch` (SerialRanges); 0 before its first credits.
        uint24 firstBatch;
        string holderName;
    }

    struct StoredBatch {
        uint64 firstSerial;
        uint64 quantity;
        bytes2 country;
        uint64 retired;
        // The account index of the batch's first holder: the head of its holder list, linked through the
        // holdings' `nextHolder` (SerialRanges); written with the batch, at its first allocation.
        uint24 firstHolder;
        uint64 cancelled;
    }

    /// @dev The batch, time and serial ranges of a retirement or cancellation record: one slot for a
    /// record of one range (most are), one more slot per further range.
    struct RecordSerials {
        uint40 batchId;
        uint40 timestamp;
        uint24 rangeCount;
        uint40 first; // range 0, inline
        uint40 last;
        mapping(uint256 index => SerialRange) more; // ranges 1 .. rangeCount-1
    }

    /// @dev A retirement as stored: one slot, the serials' slot, and the texts when not empty; its id and
    /// retirement account are derived when read.
    struct StoredRetirement {
        address account;
        uint64 quantity;
        bytes2 usingParty;
        RetirementPurpose purpose;
        RecordSerials serials;
        string beneficiary;
        string note;
    }

    /// @dev A cancellation as stored (see `StoredRetirement`); the decision id only when not zero.
    struct StoredCancellation {
        address account;
        uint64 quantity;
        CancellationReason reason;
        RecordSerials serials;
        bytes32 decisionId;
        string note;
    }

    /// @dev The ledger's counters and its pause, in one storage slot: every movement reads the pause, and a
    /// retirement or cancellation then counts its record in the same (warm) slot; an issuance writes both
    /// its counters with one store.
    struct Counters {
        uint64 pausedUntil;
        bytes2 pausedBy;
        // Every batch, retirement and cancellation takes at least one serial, so each count stays below
        // lastSerial, which issuance keeps at most SerialRanges.MAX_SERIAL (40 bits).
        uint40 batchCount;
        uint40 lastSerial;
        uint40 retirementCount;
        uint40 cancellationCount;
    }

    // Slither reads each contract alone: the ledger writes what only the admin module reads, and the other way
    // round (addCountry in the module, _countries read by the ledger), through delegatecall on this one layout.
    // slither-disable-start uninitialized-state
    string internal _uri;
    mapping(bytes2 side => Side) internal _sides;
    bytes2[] internal _countries;
    mapping(address account => StoredAccount) internal _accounts;
    Counters internal _counters;
    mapping(uint256 batchId => StoredBatch) internal _batches;
    mapping(uint256 batchId => mapping(address account => SerialRanges.Holding)) internal _holdings;
    mapping(uint256 retirementId => StoredRetirement) internal _retirements;
    mapping(uint256 batchId => uint64[]) internal _batchRetirements;
    mapping(uint256 cancellationId => StoredCancellation) internal _cancellations;
    mapping(uint256 batchId => uint64[]) internal _batchCancellations;
    // Every account by its index (`StoredAccount.index`), so 24-bit list links name accounts.
    uint256 internal _accountCount;
    mapping(uint256 index => address account) internal _accountAt;
    // slither-disable-end uninitialized-state

    /// @dev Stores a record's batch, time (now) and ranges. Serials and batch ids fit 40 bits (issuance
    /// keeps them at most SerialRanges.MAX_SERIAL); the ranges of one movement are at most
    /// `MAX_RANGES_PER_MOVE`.
    function _storeSerials(RecordSerials storage serials, uint256 batchId, SerialRange[] memory ranges) internal {
        serials.batchId = uint40(batchId);
        serials.timestamp = uint40(block.timestamp);
        serials.rangeCount = uint24(ranges.length);
        (serials.first, serials.last) = (uint40(ranges[0].first), uint40(ranges[0].last));
        for (uint256 i = 1; i < ranges.length; i++) {
            serials.more[i] = ranges[i];
        }
    }

    /// @dev A record's ranges, ascending as stored.
    function _loadRanges(RecordSerials storage serials) internal view returns (SerialRange[] memory ranges) {
        uint256 count = serials.rangeCount;
        ranges = new SerialRange[](count);
        ranges[0] = SerialRange(serials.first, serials.last);
        for (uint256 i = 1; i < count; i++) {
            ranges[i] = serials.more[i];
        }
    }

    /// @dev The role of `side`'s registrars.
    function _registrarRole(bytes2 side) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(REGISTRAR_ROLE_PREFIX, side));
    }

    /// @dev The role of `side`'s authority.
    function _authorityRole(bytes2 side) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(AUTHORITY_ROLE_PREFIX, side));
    }

    /// @dev Makes `authority` the holder of `side`'s authority role and that role the admin of itself and of
    /// `side`'s registrar role, so no other side's authority can grant either.
    function _setUpAuthority(bytes2 side, address authority) internal {
        bytes32 role = _authorityRole(side);
        _setRoleAdmin(role, role);
        _setRoleAdmin(_registrarRole(side), role);
        _grantRole(role, authority);
    }

    /// @dev Length bounds, then `TextChecks`: well-formed UTF-8 without control characters.
    function _checkText(string calldata text, bool required) internal pure {
        uint256 length = bytes(text).length;
        if (required && length == 0) revert IJCMRegistry.RegistryEmptyText();
        if (length > MAX_TEXT_BYTES) revert IJCMRegistry.RegistryTextTooLong(length, MAX_TEXT_BYTES);
        uint256 offset = TextChecks.firstInvalid(text);
        if (offset != TextChecks.NONE) revert IJCMRegistry.RegistryInvalidText(offset);
    }

    function _isHoldingKind(AccountKind kind) internal pure returns (bool) {
        return kind == AccountKind.Holding || kind == AccountKind.GovernmentHolding;
    }
}
