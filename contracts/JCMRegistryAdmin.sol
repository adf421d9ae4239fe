// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IJCMRegistry} from "./interfaces/IJCMRegistry.sol";
import {
    AccountKind,
    AccountStatus,
    BatchTotals,
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

    /// @dev `batchHolders`' cursor of the first home sink (`_homeSinks`): above every account number.
    uint256 private constant _HOME_SINKS = SerialRanges.END + 1;

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
    /// @dev Walks the account's batch list (newest first, ending at `SerialRanges.END`) from `cursor`, a batch
    /// on it; a listed holding's link is never 0, which tells a cursor on the list from any other number.
    function accountBatches(address account, uint256 cursor, uint256 limit)
        external
        view
        onlyDelegated
        returns (uint64[] memory batches, uint256 next)
    {
        _checkLimit(cursor, limit);
        AccountKind kind = _accounts[account].kind;
        if (!_isHoldingKind(kind)) return _sinkBatches(account, kind, cursor, limit);
        uint256 batchId = cursor == 0 ? _accounts[account].firstBatch : cursor;
        if (cursor != 0 && (cursor >= SerialRanges.END || _holdings[cursor][account].load().nextBatch == 0)) {
            revert IJCMRegistry.RegistryInvalidPage(cursor, limit, MAX_PAGE_SIZE);
        }
        batches = new uint64[](limit);
        uint256 count = 0;
        while (batchId != 0 && batchId != SerialRanges.END && count < limit) {
            batches[count++] = uint64(batchId);
            batchId = _holdings[batchId][account].load().nextBatch;
        }
        next = batchId == SerialRanges.END ? 0 : batchId;
        assembly ("memory-safe") {
            mstore(batches, count) // the page's length: fewer than `limit` on the last page
        }
    }

    /// @dev A page of the batches a retirement or cancellation account (or an address without an account:
    /// none) has received, ascending. It keeps no batch list (it never closes, and deposits into it stay
    /// cheap), and its balances never fall, so every batch it ever held has a balance: the page checks
    /// `limit` batch ids from `cursor` (0: the first batch).
    function _sinkBatches(address account, AccountKind kind, uint256 cursor, uint256 limit)
        private
        view
        returns (uint64[] memory batches, uint256 next)
    {
        bytes2 side = _accounts[account].side;
        uint256 batchCount = _counters.batchCount;
        uint256 from = cursor == 0 ? 1 : cursor;
        if (from > batchCount + 1) revert IJCMRegistry.RegistryInvalidPage(cursor, limit, MAX_PAGE_SIZE);
        uint256 to = from + limit; // exclusive; no overflow: both are bounded (batch ids, MAX_PAGE_SIZE)
        if (to > batchCount + 1) to = batchCount + 1;
        batches = new uint64[](to - from);
        uint256 count = 0;
        for (uint256 b = from; b < to; b++) {
            if (kind != AccountKind.None && _sinkBalance(account, kind, side, b) != 0) batches[count++] = uint64(b);
        }
        next = to > batchCount ? 0 : to;
        assembly ("memory-safe") {
            mstore(batches, count)
        }
    }

    /// @notice See `IJCMRegistry`.
    /// @dev Walks the batch's holder list from `cursor` (an account number on it; 0: its first holder) to
    /// `SerialRanges.END`, then the home sinks (`_homeSinks`) that consumed any, from cursor `_HOME_SINKS`
    /// + k for the k-th of them: cursors above every account number.
    function batchHolders(uint256 batchId, uint256 cursor, uint256 limit)
        external
        view
        onlyDelegated
        returns (address[] memory holders, uint256 next)
    {
        _checkLimit(cursor, limit);
        holders = new address[](limit);
        uint256 count = 0;
        uint256 sinkFrom = 0;
        if (cursor < SerialRanges.END) {
            uint256 index = cursor == 0 ? _batches[batchId].firstHolder : cursor;
            if (cursor != 0 && _nextHolder(batchId, cursor) == 0) {
                revert IJCMRegistry.RegistryInvalidPage(cursor, limit, MAX_PAGE_SIZE);
            }
            while (index != 0 && index != SerialRanges.END && count < limit) {
                holders[count++] = _accountAt[index];
                index = _nextHolder(batchId, index);
            }
            if (index != 0 && index != SerialRanges.END) next = index;
        } else if (cursor >= _HOME_SINKS && cursor < _HOME_SINKS + 4) {
            sinkFrom = cursor - _HOME_SINKS;
        } else {
            revert IJCMRegistry.RegistryInvalidPage(cursor, limit, MAX_PAGE_SIZE);
        }
        if (next == 0) {
            (address[4] memory sinks, uint256[4] memory balances) = _homeSinks(batchId);
            for (uint256 k = sinkFrom; k < 4; k++) {
                if (balances[k] == 0) continue;
                if (count == limit) {
                    next = _HOME_SINKS + k;
                    break;
                }
                holders[count++] = sinks[k];
            }
        }
        assembly ("memory-safe") {
            mstore(holders, count)
        }
    }

    /// @dev The retirement and cancellation accounts of Japan's and the batch's host's registries (Japan's
    /// retirement, the host's retirement, Japan's cancellation, the host's cancellation account) and what each
    /// consumed of the batch, from the batch's slot (see `StoredBatch`).
    function _homeSinks(uint256 batchId) private view returns (address[4] memory sinks, uint256[4] memory balances) {
        StoredBatch storage batch = _batches[batchId];
        (Side storage japan, Side storage host) = (_sides[JAPAN], _sides[batch.country]);
        sinks = [japan.retirementAccount, host.retirementAccount, japan.cancellationAccount, host.cancellationAccount];
        balances = [
            uint256(batch.retiredInJapan),
            batch.retiredInHost,
            batch.cancelledInJapan,
            batch.cancelledInHost
        ];
    }

    /// @notice See `IJCMRegistry`.
    /// @dev Japan's and the host's sinks are counted in the batch's slot; a third registry's sink only when
    /// `consumedElsewhere` says one has any, then each partner's (at most one retirement and one cancellation
    /// account per partner, so the loop is bounded by the partner countries governance admitted).
    function batchTotals(uint256 batchId) external view onlyDelegated returns (BatchTotals memory totals) {
        if (batchId == 0 || batchId > _counters.batchCount) revert IJCMRegistry.RegistryUnknownBatch(batchId);
        StoredBatch storage batch = _batches[batchId];
        totals.issued = batch.quantity;
        totals.retired = uint256(batch.retiredInJapan) + batch.retiredInHost;
        totals.cancelled = uint256(batch.cancelledInJapan) + batch.cancelledInHost;
        if (batch.consumedElsewhere) {
            bytes2 host = batch.country;
            for (uint256 i = 0; i < _countries.length; i++) {
                if (_countries[i] == host) continue;
                Side storage third = _sides[_countries[i]];
                totals.retired += _holdings[batchId][third.retirementAccount].balanceOf();
                totals.cancelled += _holdings[batchId][third.cancellationAccount].balanceOf();
            }
        }
        totals.held = totals.issued - totals.retired - totals.cancelled;
    }

    /// @dev A page's `limit` is 1 .. `MAX_PAGE_SIZE`.
    function _checkLimit(uint256 cursor, uint256 limit) private pure {
        if (limit == 0 || limit > MAX_PAGE_SIZE) revert IJCMRegistry.RegistryInvalidPage(cursor, limit, MAX_PAGE_SIZE);
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
