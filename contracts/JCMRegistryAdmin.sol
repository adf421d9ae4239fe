// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IJCMRegistry} from "./interfaces/IJCMRegistry.sol";
import {
    AccountKind,
    AccountStatus,
    Cancellation,
    Retirement,
    SerialLocation,
    SerialRange,
    SerialWhereabouts
} from "./interfaces/RegistryTypes.sol";
import {SerialRanges} from "./libraries/SerialRanges.sol";
import {JCMRegistryState} from "./JCMRegistryState.sol";

/// @title JCMRegistryAdmin: the ledger's rarely called functions
/// @notice Account administration (registrars open, freeze, unfreeze and close accounts), governance wiring
/// (`addCountry`, `setCommittee`) and the record views (holdings' ranges, enumeration lists, `locateSerial`,
/// the retirement and cancellation commitments and their verification). `JCMRegistry` runs them here by `delegatecall`: in the ledger's
/// storage, with the original `msg.sender`, emitting the ledger's events from the ledger's address (views go
/// through a static call of `JCMRegistry.adminView`, so they can change nothing). Keeping them apart keeps
/// `JCMRegistry` under the 24 KiB code-size limit that consortium chains enforce, while the movements that run
/// all day stay in one contract.
/// @dev Created by `JCMRegistry`'s constructor. Both contracts inherit `JCMRegistryState`, so they agree on
/// the storage layout. Called directly (not through the ledger) every function reverts: this contract's own
/// storage is never used.
contract JCMRegistryAdmin is JCMRegistryState {
    using SerialRanges for SerialRanges.Holding;

    /// @dev A function of the module was called directly instead of through the ledger.
    error RegistryAdminNotDelegated();

    address private immutable _self = address(this);

    modifier onlyDelegated() {
        if (address(this) == _self) revert RegistryAdminNotDelegated();
        _;
    }

    /// @notice See `IJCMRegistry.openAccount`.
    /// @dev Requirements: caller has `registrarRole(side)`; the address never had an account; `kind` is not
    /// `None`; a side has at most one retirement and one cancellation account; the holder name is 1-256 bytes.
    function openAccount(address account, bytes2 side, AccountKind kind, string calldata holderName)
        external
        onlyDelegated
    {
        if (!_sides[side].exists) revert IJCMRegistry.RegistryUnknownSide(side);
        _checkRole(_registrarRole(side));
        if (account == address(0)) revert IJCMRegistry.RegistryZeroAddress();
        if (_accounts[account].status != AccountStatus.None) revert IJCMRegistry.RegistryAccountAlreadyExists(account);
        if (kind == AccountKind.None) revert IJCMRegistry.RegistryInvalidAccountKind(account, kind);
        _checkText(holderName, true);
        // Numbered so that holding lists link accounts in 24 bits (SerialRanges.END marks a list's end).
        uint256 index = ++_accountCount;
        if (index >= SerialRanges.END) revert IJCMRegistry.RegistryTooManyAccounts(SerialRanges.END - 1);
        _accountAt[index] = account;
        if (kind == AccountKind.Retirement) {
            address existing = _sides[side].retirementAccount;
            if (existing != address(0)) revert IJCMRegistry.RegistrySideAccountExists(side, kind, existing);
            (_sides[side].retirementAccount, _sides[side].retirementIndex) = (account, uint24(index));
        } else if (kind == AccountKind.Cancellation) {
            address existing = _sides[side].cancellationAccount;
            if (existing != address(0)) revert IJCMRegistry.RegistrySideAccountExists(side, kind, existing);
            (_sides[side].cancellationAccount, _sides[side].cancellationIndex) = (account, uint24(index));
        }
        _accounts[account] = StoredAccount({
            kind: kind,
            status: AccountStatus.Active,
            side: side,
            openedAt: uint64(block.timestamp),
            nonEmptyHoldings: 0,
            index: uint24(index),
            firstBatch: 0,
            holderName: holderName
        });
        emit IJCMRegistry.AccountOpened(account, side, kind, holderName, msg.sender);
    }

    /// @notice See `IJCMRegistry.freezeAccount`.
    /// @dev Requirements: caller is the registrar of the account's side; the account is an active holding or
    /// government holding account (retirement and cancellation accounts are never frozen).
    function freezeAccount(address account) external onlyDelegated {
        StoredAccount storage info = _managedAccount(account);
        if (info.status != AccountStatus.Active) revert IJCMRegistry.RegistryAccountNotActive(account, info.status);
        info.status = AccountStatus.Frozen;
        emit IJCMRegistry.AccountFrozen(account, msg.sender);
    }

    /// @notice See `IJCMRegistry.unfreezeAccount`.
    /// @dev Requirements: caller is the registrar of the account's side; the account is frozen.
    function unfreezeAccount(address account) external onlyDelegated {
        StoredAccount storage info = _managedAccount(account);
        if (info.status != AccountStatus.Frozen) revert IJCMRegistry.RegistryAccountNotFrozen(account, info.status);
        info.status = AccountStatus.Active;
        emit IJCMRegistry.AccountUnfrozen(account, msg.sender);
    }

    /// @notice See `IJCMRegistry.closeAccount`.
    /// @dev Requirements: caller is the registrar of the account's side; the account is active or frozen and
    /// holds no credits. A closed account never reopens.
    function closeAccount(address account) external onlyDelegated {
        StoredAccount storage info = _managedAccount(account);
        if (info.status == AccountStatus.Closed) revert IJCMRegistry.RegistryAccountNotActive(account, info.status);
        if (info.nonEmptyHoldings != 0) revert IJCMRegistry.RegistryAccountNotEmpty(account, info.nonEmptyHoldings);
        info.status = AccountStatus.Closed;
        emit IJCMRegistry.AccountClosed(account, msg.sender);
    }

    /// @dev The account, after checking the caller is the registrar of its side and it is not a sink.
    function _managedAccount(address account) private view returns (StoredAccount storage info) {
        info = _accounts[account];
        if (info.status == AccountStatus.None) revert IJCMRegistry.RegistryUnknownAccount(account);
        _checkRole(_registrarRole(info.side));
        if (!_isHoldingKind(info.kind)) revert IJCMRegistry.RegistryInvalidAccountKind(account, info.kind);
    }

    /// @notice See `IJCMRegistry`.
    /// @dev Requirements: the ledger checked the caller is `governance`, which checked both authorities'
    /// consent and the committee.
    function addCountry(bytes2 country, address committee, address authority) external onlyDelegated {
        _sides[country] = Side({
            exists: true,
            committee: committee,
            retirementAccount: address(0),
            retirementIndex: 0,
            cancellationAccount: address(0),
            cancellationIndex: 0
        });
        _countries.push(country);
        _setUpAuthority(country, authority);
        emit IJCMRegistry.CountryAdded(country, committee);
    }

    /// @notice See `IJCMRegistry`.
    /// @dev Requirements: the ledger checked the caller is `governance`, which checked the current
    /// committee's decision.
    function setCommittee(bytes2 country, address committee) external onlyDelegated {
        address previous = _sides[country].committee;
        _sides[country].committee = committee;
        emit IJCMRegistry.CommitteeSet(country, previous, committee);
    }

    /// @notice See `IJCMRegistry`.
    function holdingRanges(address account, uint256 batchId)
        external
        view
        onlyDelegated
        returns (SerialRange[] memory)
    {
        SerialRanges.Holding storage h = _holdings[batchId][account];
        return h.toArray(h.load());
    }

    /// @notice See `IJCMRegistry`.
    /// @dev Walks the account's batch list (newest first, ending at `SerialRanges.END`) and answers it in the
    /// order the account first received each batch.
    function accountBatches(address account) external view onlyDelegated returns (uint64[] memory batches) {
        if (!_isHoldingKind(_accounts[account].kind)) return _sinkBatches(account);
        uint256 first = _accounts[account].firstBatch;
        uint256 count = 0;
        for (uint256 b = first; b != 0 && b != SerialRanges.END; b = _holdings[b][account].load().nextBatch) {
            count++;
        }
        batches = new uint64[](count);
        for (uint256 b = first; count > 0; b = _holdings[b][account].load().nextBatch) {
            batches[--count] = uint64(b);
        }
    }

    /// @dev The batches a retirement or cancellation account (or an address without an account: none) has
    /// received, ascending: it keeps no batch list (it never closes, and deposits into it stay cheap), and its
    /// balances never fall, so every batch it ever held has a balance. Reads every batch's holding twice.
    function _sinkBatches(address account) private view returns (uint64[] memory batches) {
        uint256 batchCount = _counters.batchCount;
        uint256 count = 0;
        for (uint256 b = 1; b <= batchCount; b++) {
            if (_holdings[b][account].balanceOf() != 0) count++;
        }
        batches = new uint64[](count);
        count = 0;
        for (uint256 b = 1; count < batches.length; b++) {
            if (_holdings[b][account].balanceOf() != 0) batches[count++] = uint64(b);
        }
    }

    /// @notice See `IJCMRegistry`.
    /// @dev Walks the batch's holder list from its first holder to `SerialRanges.END`.
    function batchHolders(uint256 batchId) external view onlyDelegated returns (address[] memory holders) {
        uint256 first = _batches[batchId].firstHolder;
        uint256 count = 0;
        for (uint256 i = first; i != 0 && i != SerialRanges.END; i = _nextHolder(batchId, i)) {
            count++;
        }
        holders = new address[](count);
        uint256 index = first;
        for (uint256 n = 0; n < count; n++) {
            holders[n] = _accountAt[index];
            index = _nextHolder(batchId, index);
        }
    }

    /// @dev The holder listed after the account numbered `index` in the batch's holder list.
    function _nextHolder(uint256 batchId, uint256 index) private view returns (uint256) {
        return _holdings[batchId][_accountAt[index]].load().nextHolder;
    }

    /// @notice See `IJCMRegistry`.
    /// @dev Finds the batch by binary search over the global serial counter, then the holding by binary search
    /// in each holder's ranges; a serial of the batch no holding has is `Consumed`.
    function locateSerial(uint64 serial) external view onlyDelegated returns (SerialWhereabouts memory where) {
        if (serial == 0 || serial > _counters.lastSerial) return where;
        uint256 batchId = _batchOfSerial(serial);
        where.batchId = batchId;
        uint256 index = _batches[batchId].firstHolder;
        while (index != 0 && index != SerialRanges.END) {
            address holder = _accountAt[index];
            SerialRanges.Holding storage holding = _holdings[batchId][holder];
            SerialRanges.Loaded memory loaded = holding.load();
            // slither-disable-next-line unused-return (only whether the holder has it matters here)
            (bool found,) = holding.find(loaded, serial);
            if (found) {
                where.location = SerialLocation.Held;
                where.account = holder;
                return where;
            }
            index = loaded.nextHolder;
        }
        // No holding has it, so a retirement or cancellation consumed it; the ledger keeps those records as
        // hashes, and the batch's CreditsRetired / CreditsCancelled events say which one.
        where.location = SerialLocation.Consumed;
    }

    /// @notice See `IJCMRegistry`.
    function retirementHash(uint256 retirementId) external view onlyDelegated returns (bytes32) {
        if (retirementId == 0 || retirementId > _counters.retirementCount) {
            revert IJCMRegistry.RegistryUnknownRetirement(retirementId);
        }
        return _retirementHashes[retirementId];
    }

    /// @notice See `IJCMRegistry`.
    /// @dev An unknown id has no commitment (zero), which no record's hash equals.
    function verifyRetirement(Retirement calldata record) external view onlyDelegated returns (bool) {
        return _retirementHashes[record.id] == _retirementDigest(record);
    }

    /// @notice See `IJCMRegistry`.
    function cancellationHash(uint256 cancellationId) external view onlyDelegated returns (bytes32) {
        if (cancellationId == 0 || cancellationId > _counters.cancellationCount) {
            revert IJCMRegistry.RegistryUnknownCancellation(cancellationId);
        }
        return _cancellationHashes[cancellationId];
    }

    /// @notice See `IJCMRegistry`.
    /// @dev An unknown id has no commitment (zero), which no record's hash equals.
    function verifyCancellation(Cancellation calldata record) external view onlyDelegated returns (bool) {
        return _cancellationHashes[record.id] == _cancellationDigest(record);
    }

    function _batchOfSerial(uint64 serial) private view returns (uint256 batchId) {
        uint256 lo = 1;
        uint256 hi = _counters.batchCount;
        while (lo < hi) {
            uint256 mid = (lo + hi + 1) / 2;
            if (_batches[mid].firstSerial <= serial) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }
}
