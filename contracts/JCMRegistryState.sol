// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

import {IJCMRegistry} from "./interfaces/IJCMRegistry.sol";
import {AccountKind, AccountStatus, Cancellation, Retirement} from "./interfaces/RegistryTypes.sol";
import {SerialRanges} from "./libraries/SerialRanges.sol";
import {TextChecks} from "./libraries/TextChecks.sol";

/// @title JCMRegistryState: the storage layout of the ledger, shared by `JCMRegistry` and its module
/// @notice Holds every state variable of `JCMRegistry` and the checks both the ledger and
/// `JCMRegistryAdmin` run. `JCMRegistryAdmin` executes by `delegatecall` in the ledger's storage, so both
/// inherit this contract and nothing else that declares state: their layouts are the same by construction.
/// @dev Add state variables only here, and only at the end, never in a contract that inherits this one.
abstract contract JCMRegistryState is AccessControl {
    using SerialRanges for SerialRanges.Holding;

    /// @notice Registry side code of Japan's JCM registry.
    bytes2 public constant JAPAN = "JP";
    /// @notice Most credits one batch may hold (2^32 - 1): what a batch's sinks consumed is counted in 32 bits
    /// (`StoredBatch`). `JCMProjects` allows far fewer per issuance.
    uint256 public constant MAX_BATCH_QUANTITY = 4_294_967_295;
    /// @notice Longest text (names, notes) stored, in bytes.
    uint256 public constant MAX_TEXT_BYTES = 256;
    /// @notice Most items one page of a list view (`batchHolders`, `accountBatches`) answers: each costs a
    /// few storage reads, so a page stays far below a node's gas cap for `eth_call`.
    uint256 public constant MAX_PAGE_SIZE = 512;

    bytes private constant REGISTRAR_ROLE_PREFIX = "JCM_REGISTRAR_";
    bytes private constant AUTHORITY_ROLE_PREFIX = "JCM_AUTHORITY_";

    struct Side {
        bool exists;
        address committee;
        address retirementAccount;
        // The sinks' account numbers beside their addresses: a deposit that lists a sink among a batch's
        // holders reads no more than the address it deposits to.
        uint24 retirementIndex;
        address cancellationAccount;
        uint24 cancellationIndex;
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

    /// @dev One storage slot (248 bits): serials and the quantity fit 40 bits, as issuance keeps every serial at
    /// most `SerialRanges.MAX_SERIAL`.
    /// What the retirement and cancellation accounts of the batch's two registries (Japan's and the host's)
    /// consumed of it is kept here, as their balances of the batch: a retirement or cancellation writes this
    /// slot anyway (it must count its credits), so a sink's first credits of a batch fill no slot of their own.
    /// Such an account cannot change (a side has one of each kind, opened once, never closed), so the counters
    /// are its balances. A sink of any third registry (credits transferred there) keeps a holding slot of its
    /// own, and `consumedElsewhere` says one exists. The counters take 32 bits: a batch holds at most
    /// `MAX_BATCH_QUANTITY` serials, and conservation keeps every sum of them within its quantity.
    struct StoredBatch {
        uint40 firstSerial;
        uint40 quantity;
        bytes2 country;
        // The account index of the batch's first holder: the head of its holder list, linked through the
        // holdings' `nextHolder` (SerialRanges); written with the batch, at its first allocation.
        uint24 firstHolder;
        uint32 retiredInJapan;
        uint32 retiredInHost;
        uint32 cancelledInJapan;
        uint32 cancelledInHost;
        bool consumedElsewhere;
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

    // Where `StoredAccount`'s count of non-empty holdings, number and batch-list head sit in its first slot,
    // after kind (8 bits), status (8), side (16) and openedAt (64): see `_countFirstHolding`.
    uint256 private constant ACCOUNT_HOLDINGS_SHIFT = 96;
    uint256 private constant ACCOUNT_INDEX_SHIFT = 128;
    uint256 private constant ACCOUNT_FIRST_BATCH_SHIFT = 152;

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
    // A record is one slot, its hash: the event carries the record (DESIGN §4), the ledger binds it to state.
    mapping(uint256 retirementId => bytes32) internal _retirementHashes;
    mapping(uint256 cancellationId => bytes32) internal _cancellationHashes;
    // Every account by its index (`StoredAccount.index`), so 24-bit list links name accounts.
    uint256 internal _accountCount;
    mapping(uint256 index => address account) internal _accountAt;
    // slither-disable-end uninitialized-state

    /// @dev The commitment to a retirement record: the hash of its ABI encoding (the rule clients and auditors
    /// rebuild from the `CreditsRetired` event; written once here for the ledger and its verifying view).
    function _retirementDigest(Retirement memory record) internal pure returns (bytes32) {
        return keccak256(abi.encode(record));
    }

    /// @dev The commitment to a cancellation record (see `_retirementDigest`).
    function _cancellationDigest(Cancellation memory record) internal pure returns (bytes32) {
        return keccak256(abi.encode(record));
    }

    /// @dev The balance of batch `batchId` of the retirement or cancellation account `sink` (of `kind`, on
    /// registry `side`): the batch's counter for Japan's or the host's sinks, else the sink's holding.
    function _sinkBalance(address sink, AccountKind kind, bytes2 side, uint256 batchId)
        internal
        view
        returns (uint256)
    {
        StoredBatch storage batch = _batches[batchId];
        bool retirement = kind == AccountKind.Retirement;
        // slither-disable-next-line incorrect-equality (registry side codes, not balances)
        if (side == JAPAN) return retirement ? batch.retiredInJapan : batch.cancelledInJapan;
        // slither-disable-next-line incorrect-equality (registry side codes, not balances)
        if (side == batch.country) return retirement ? batch.retiredInHost : batch.cancelledInHost;
        return _holdings[batchId][sink].balanceOf();
    }

    /// @dev Counts the first holding of batch `batchId` of `info`'s account, which now heads the account's batch
    /// list: its count of non-empty holdings grows by one and `batchId` becomes its first batch. Returns the
    /// account's number and the batch its list continues with (`SerialRanges.END`: none). One read and one
    /// write of the account's slot, where assigning the two fields reads it three times and writes it twice (an
    /// issuance does this once per new holder). The count stays far below 2^32: at most one per batch (2^24).
    function _countFirstHolding(StoredAccount storage info, uint256 batchId)
        internal
        returns (uint256 index, uint256 nextBatch)
    {
        uint256 word;
        assembly ("memory-safe") {
            word := sload(info.slot)
        }
        index = (word >> ACCOUNT_INDEX_SHIFT) & type(uint24).max;
        nextBatch = (word >> ACCOUNT_FIRST_BATCH_SHIFT) & type(uint24).max;
        if (nextBatch == 0) nextBatch = SerialRanges.END;
        uint256 count = ((word >> ACCOUNT_HOLDINGS_SHIFT) & type(uint32).max) + 1;
        word &= ~((uint256(type(uint32).max) << ACCOUNT_HOLDINGS_SHIFT)
                | (uint256(type(uint24).max) << ACCOUNT_FIRST_BATCH_SHIFT));
        word |= (count << ACCOUNT_HOLDINGS_SHIFT) | (batchId << ACCOUNT_FIRST_BATCH_SHIFT);
        assembly ("memory-safe") {
            sstore(info.slot, word)
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
