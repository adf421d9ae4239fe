// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {
    Article6Movement,
    BatchArticle6,
    BatchAuthorization,
    FirstTransferDefinition,
    FirstTransferRecord,
    IJCMArticle6
} from "./interfaces/IJCMArticle6.sol";
import {IJCMRegistry} from "./interfaces/IJCMRegistry.sol";
import {Authorization, BatchState, SerialRange} from "./interfaces/RegistryTypes.sol";
import {TextChecks} from "./libraries/TextChecks.sol";

/// @title JCMArticle6: Article 6.2 authorizations and first transfers of JCM credits
/// @notice Enforces docs/design.md §2 rule 9 on the movements `JCMRegistry` reports (see `IJCMArticle6` for
/// the rules, the treatment of Japan's share at issuance and why only the host party's members sign
/// authorizations). First transfer is a property of each serial: the serials a movement first-transfers are
/// recorded with when, from which party and to which, and emitted as exactly those ranges (Japan's share at
/// issuance excepted: the issuance's own logs state it, see `IJCMArticle6.recordIssuance`).
/// @dev Created by `JCMRegistry`'s constructor, so `registry` and `projects` are immutable and trusted; it calls
/// back into the registry only to read a country's current committee and a batch's serials. Per batch, first-transfer records are kept sorted by
/// serial and disjoint, at most `MAX_FIRST_TRANSFER_RANGES` of them: a lookup is a binary search, and one
/// movement inserts all its new records in one merge from the back, so a movement costs O(records after its
/// serials + its ranges), and a first transfer at the batch's end (the usual case) shifts nothing.
contract JCMArticle6 is IJCMArticle6 {
    /// @notice Registry side code of Japan: the registry allocates issuances only to Japan's registry or the
    /// host's, so every unit leaving the host at issuance enters Japan's.
    bytes2 public constant JAPAN = "JP";
    /// @notice Most first-transfer records one batch keeps (a movement adds one per range it first-transfers).
    uint256 public constant MAX_FIRST_TRANSFER_RANGES = 1024;
    /// @notice Longest authorization id stored, in bytes.
    uint256 public constant MAX_TEXT_BYTES = 256;

    /// @dev Bits of `Authorization`: NDC = 1, OtherPurposes = 2, NDCAndOtherPurposes = 3.
    uint8 private constant _NDC = 1;
    uint8 private constant _OIMP = 2;

    /// @dev One storage slot, plus the authorization id's; the serials are the ledger's (`batchState`). The
    /// count of first-transfer records lives here rather than in an array's length slot, so the batch's first
    /// record writes no slot of its own for it. Times, dates and counts of serials take 40 bits (serials do in
    /// the ledger), which leaves room for the issuance's record: Japan's share of an authorized batch is the
    /// batch's lowest serials (`IJCMRegistry.mint`), first transferred to Japan at issuance, so that record is
    /// its last serial and its time, kept here while the batch has no other record (`issuedToJapanLast`
    /// non-zero, `recordCount` zero) and written out as record 0 when another is added (`_materialize`).
    struct StoredBatch {
        bytes2 country;
        Authorization authorization;
        bool anyFirstTransferred; // locks revocation and dropping a purpose
        bool internationallyTransferred;
        uint40 wholeBatchFirstTransferredAt;
        uint40 hostNdcUse;
        uint40 authorizationDate;
        uint16 recordCount; // at most MAX_FIRST_TRANSFER_RANGES
        uint40 issuedToJapanLast; // the issuance's record, while not in `_records`: its last serial (0: none)
        uint40 issuedAt; // and its time
        string authorizationId; // set by authorization decisions only (never empty then)
    }

    IJCMRegistry private immutable _registry;
    address private immutable _projects;
    mapping(uint256 batchId => StoredBatch) private _batches;
    // slither-disable-next-line uninitialized-state (written through storage pointers: `_insert`)
    mapping(uint256 batchId => mapping(uint256 index => FirstTransferRecord)) private _records;
    /// @dev A country's first-transfer definition and whether any of its units was first transferred (which
    /// locks the definition), in one slot: a first transfer reads the definition, so its lock check is warm.
    struct CountryState {
        FirstTransferDefinition definition;
        bool anyFirstTransferred;
    }

    mapping(bytes2 country => CountryState) private _countries;

    /// @param registry_ the ledger that creates this contract (and then its projects contract)
    /// @param projects_ the projects contract the ledger creates next, whose address it knows in advance: the only
    /// caller of `recordIssuance`, kept here so that an issuance does not ask the ledger for it
    constructor(IJCMRegistry registry_, address projects_) {
        _registry = registry_;
        _projects = projects_;
    }

    // ------------------------------------------------------------------------------------------------
    // Movements reported by the registry
    // ------------------------------------------------------------------------------------------------

    /// @inheritdoc IJCMArticle6
    /// @dev Requirements: caller is `projects`; the authorization date fits 40 bits. For an authorized batch,
    /// its allocations to Japan's registry (the batch's `toJapan` lowest serials, as the registry credited them)
    /// are first transferred to Japan now, as one record kept in the batch's slot and announced by no event of
    /// its own (its range, time and parties follow from the issuance's `BatchIssued` and mints), or, for an
    /// OIMP-authorized batch of a country whose definition is `Authorization` or `Issuance`, every serial is
    /// (announced by `SerialsFirstTransferred`, before `BatchIssued`). The issuance's
    /// authorization id is not stored (a slot per batch): the batch's issuance record carries it
    /// (`IJCMProjects.BatchIssued`, verified by `verifyBatch`).
    function recordIssuance(
        uint256 batchId,
        bytes2 country,
        Authorization authorization,
        uint64 authorizationDate,
        uint64 firstSerial,
        uint64 toJapan
    ) external {
        if (msg.sender != _projects) revert Article6NotProjects(msg.sender);
        if (authorizationDate > type(uint40).max) {
            revert Article6InvalidAuthorizationDate(authorizationDate, block.timestamp);
        }
        StoredBatch storage b = _batches[batchId];
        bool batchLevel = _batchLevel(country, authorization);
        if (authorization == Authorization.None || batchLevel || toJapan == 0) {
            _storeIssuance(b, country, authorization, authorizationDate, 0);
            if (batchLevel) _firstTransferWholeBatch(batchId, b, _countries[country].definition);
            return;
        }
        // The ledger keeps every serial within 40 bits, and the batch has no record yet: Japan's share is kept
        // in the batch's slot (see `StoredBatch`). No `SerialsFirstTransferred` is emitted for it: the
        // issuance's own logs state it whole (see `IJCMArticle6.recordIssuance`).
        _storeIssuance(b, country, authorization, authorizationDate, uint40(firstSerial + toJapan - 1));
        CountryState storage host = _countries[country];
        if (!host.anyFirstTransferred) host.anyFirstTransferred = true;
    }

    /// @dev Writes a new batch's slot in at most two stores (one tuple of six fields is too deep for the
    /// stack): its country and authorization, then, when `issuedToJapanLast` is not zero, Japan's share first
    /// transferred now (the issuance's record; the batch is first-transferred).
    function _storeIssuance(
        StoredBatch storage b,
        bytes2 country,
        Authorization authorization,
        uint64 authorizationDate,
        uint40 issuedToJapanLast
    ) private {
        // `recordIssuance` checked that the date fits 40 bits.
        (b.country, b.authorization, b.authorizationDate) = (country, authorization, uint40(authorizationDate));
        if (issuedToJapanLast != 0) {
            (b.anyFirstTransferred, b.issuedToJapanLast, b.issuedAt) =
                (true, issuedToJapanLast, uint40(block.timestamp));
        }
    }

    /// @inheritdoc IJCMArticle6
    /// @dev Requirements: caller is the registry, and per movement:
    /// - international transfer: the batch is authorized (any purpose). From the host's registry, the serials
    ///   not yet first transferred are first transferred to `counterpart` now; from any other registry every
    ///   serial must have been first transferred (units that entered it unauthorized stay there).
    /// - NDC retirement: `counterpart` (the using party) is `side`, since a party counts only what is retired
    ///   in its own registry. The host: no serial first transferred. Any other party: the batch is authorized
    ///   for NDC use and every serial was first transferred.
    /// - OIMP cancellation: the batch is authorized for OIMP; every serial was first transferred, or, cancelled
    ///   in the host's registry under `UseOrCancellation`, is first transferred by this cancellation.
    function recordMovement(
        Article6Movement movement,
        uint256 batchId,
        bytes2 side,
        bytes2 counterpart,
        SerialRange[] calldata ranges
    ) external returns (bool firstTransferred) {
        if (msg.sender != address(_registry)) revert Article6NotRegistry(msg.sender);
        StoredBatch storage b = _batches[batchId];
        if (movement == Article6Movement.InternationalTransfer) {
            if (b.authorization == Authorization.None) revert Article6TransferNotAuthorized(batchId, side, counterpart);
            if (side == b.country) {
                firstTransferred =
                    _firstTransfer(batchId, b, ranges, counterpart, FirstTransferDefinition.InternationalTransfer);
                if (firstTransferred && !b.internationallyTransferred) b.internationallyTransferred = true;
            } else {
                _requireFirstTransferred(batchId, b, ranges);
            }
        } else if (movement == Article6Movement.NdcRetirement) {
            if (counterpart != side) revert Article6UsingPartyNotHolder(batchId, counterpart, side);
            if (side == b.country) {
                _requireNeverFirstTransferred(batchId, b, ranges);
                b.hostNdcUse += uint40(_size(ranges)); // at most the batch's quantity (40 bits)
            } else {
                if (uint8(b.authorization) & _NDC == 0) revert Article6NotAuthorizedForNDC(batchId, b.authorization);
                _requireFirstTransferred(batchId, b, ranges);
            }
        } else {
            if (uint8(b.authorization) & _OIMP == 0) revert Article6NotAuthorizedForOIMP(batchId, b.authorization);
            if (side == b.country && _countries[side].definition == FirstTransferDefinition.UseOrCancellation) {
                _firstTransfer(batchId, b, ranges, bytes2(0), FirstTransferDefinition.UseOrCancellation);
            } else {
                _requireFirstTransferred(batchId, b, ranges);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Decisions of the authorizing party
    // ------------------------------------------------------------------------------------------------

    /// @inheritdoc IJCMArticle6
    /// @dev Requirements: caller is the current committee of the batch's country; the authorization id is
    /// 1-256 bytes of plain text; the date is set and not in the future; once any serial of the batch was first
    /// transferred, no purpose may be dropped (so no revocation). Authorizing a batch for OIMP under a
    /// batch-level definition first-transfers its serials now, which is refused when the host already counted
    /// some toward its NDC.
    function setAuthorization(BatchAuthorization calldata decision) external {
        uint256 batchId = decision.batchId;
        StoredBatch storage b = _existingBatch(batchId);
        _onlyCommittee(b.country);
        _checkText(decision.authorizationId);
        if (decision.authorizationDate == 0 || decision.authorizationDate > block.timestamp) {
            revert Article6InvalidAuthorizationDate(decision.authorizationDate, block.timestamp);
        }
        Authorization previous = b.authorization;
        Authorization requested = decision.authorization;
        if (b.anyFirstTransferred && uint8(requested) & uint8(previous) != uint8(previous)) {
            revert Article6AuthorizationLocked(batchId, previous, requested);
        }
        b.authorization = requested;
        b.authorizationId = decision.authorizationId;
        b.authorizationDate = uint40(decision.authorizationDate); // not in the future: fits 40 bits
        emit AuthorizationSet(
            batchId, b.country, previous, requested, decision.authorizationId, decision.authorizationDate
        );
        if (b.wholeBatchFirstTransferredAt == 0 && _batchLevel(b.country, requested)) {
            _firstTransferWholeBatch(batchId, b, _countries[b.country].definition);
        }
    }

    /// @inheritdoc IJCMArticle6
    /// @dev Requirements: caller is the current committee of `country`; none of `country`'s units was first
    /// transferred yet. It applies to what is issued, authorized or moved afterwards.
    function setFirstTransferDefinition(bytes2 country, FirstTransferDefinition definition) external {
        _onlyCommittee(country);
        if (_countries[country].anyFirstTransferred) revert Article6DefinitionLocked(country);
        _countries[country].definition = definition;
        emit FirstTransferDefinitionSet(country, definition);
    }

    // ------------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------------

    /// @inheritdoc IJCMArticle6
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc IJCMArticle6
    function projects() external view returns (address) {
        return _projects;
    }

    /// @inheritdoc IJCMArticle6
    function firstTransferDefinition(bytes2 country) external view returns (FirstTransferDefinition) {
        return _countries[country].definition;
    }

    /// @inheritdoc IJCMArticle6
    function batchArticle6(uint256 batchId) external view returns (BatchArticle6 memory info) {
        StoredBatch storage b = _existingBatch(batchId);
        info.country = b.country;
        info.authorization = b.authorization;
        info.authorizationId = b.authorizationId;
        info.authorizationDate = b.authorizationDate;
        info.wholeBatchFirstTransferredAt = b.wholeBatchFirstTransferredAt;
        BatchState memory state = _registry.batchState(batchId);
        info.firstSerial = state.firstSerial;
        info.lastSerial = state.lastSerial;
        info.hostNdcUse = b.hostNdcUse;
        info.firstTransferRecords = b.issuedToJapanLast != 0 ? 1 : b.recordCount;
        info.internationallyTransferred = b.internationallyTransferred;
    }

    /// @inheritdoc IJCMArticle6
    /// @dev Binary search for the batch (serials ascend with batch ids), then for the record.
    function firstTransferOf(uint64 serial)
        external
        view
        returns (bool transferred, uint256 batchId, FirstTransferRecord memory record)
    {
        if (serial == 0 || serial > _registry.latestSerial()) return (false, 0, record);
        batchId = _registry.locateSerial(serial).batchId;
        StoredBatch storage b = _batches[batchId];
        if (b.issuedToJapanLast != 0) {
            if (serial <= b.issuedToJapanLast) return (true, batchId, _issuanceRecord(batchId, b));
            return (false, batchId, record);
        }
        mapping(uint256 => FirstTransferRecord) storage records = _records[batchId];
        uint256 i = _firstEndingAtOrAfter(records, b.recordCount, serial);
        if (i < b.recordCount && records[i].first <= serial) return (true, batchId, records[i]);
        if (b.wholeBatchFirstTransferredAt != 0) {
            BatchState memory state = _registry.batchState(batchId);
            record = FirstTransferRecord({
                first: state.firstSerial,
                last: state.lastSerial,
                at: b.wholeBatchFirstTransferredAt,
                fromParty: b.country,
                toParty: bytes2(0),
                trigger: _countries[b.country].definition
            });
            return (true, batchId, record);
        }
    }

    /// @inheritdoc IJCMArticle6
    function firstTransfers(uint256 batchId) external view returns (FirstTransferRecord[] memory list) {
        StoredBatch storage b = _batches[batchId];
        if (b.issuedToJapanLast != 0) {
            list = new FirstTransferRecord[](1);
            list[0] = _issuanceRecord(batchId, b);
            return list;
        }
        uint256 n = b.recordCount;
        list = new FirstTransferRecord[](n);
        for (uint256 i = 0; i < n; i++) {
            list[i] = _records[batchId][i];
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------------------------------------

    /// @dev Whether `country`'s definition first-transfers a whole batch with `authorization` at once: only
    /// OIMP-authorized units may be first transferred by authorization or issuance (2/CMA.3 annex para 2).
    function _batchLevel(bytes2 country, Authorization authorization) private view returns (bool) {
        // The definition is read only for an OIMP authorization: an unauthorized or NDC-only batch reads no
        // country state for it.
        if (uint8(authorization) & _OIMP == 0) return false;
        FirstTransferDefinition definition = _countries[country].definition;
        return definition == FirstTransferDefinition.Authorization || definition == FirstTransferDefinition.Issuance;
    }

    /// @dev First-transfers the parts of `ranges` (ascending, disjoint) not first transferred yet, to `toParty`.
    function _firstTransfer(
        uint256 batchId,
        StoredBatch storage b,
        SerialRange[] calldata ranges,
        bytes2 toParty,
        FirstTransferDefinition trigger
    ) private returns (bool) {
        if (b.wholeBatchFirstTransferredAt != 0) return false;
        _materialize(batchId, b);
        mapping(uint256 => FirstTransferRecord) storage records = _records[batchId];
        uint256 n = b.recordCount;
        // Each range adds at most one part more than the records it overlaps.
        SerialRange[] memory parts = new SerialRange[](ranges.length + n);
        uint256 count = 0;
        for (uint256 k = 0; k < ranges.length; k++) {
            uint64 cursor = ranges[k].first;
            uint64 last = ranges[k].last;
            for (uint256 i = _firstEndingAtOrAfter(records, n, cursor); i < n && records[i].first <= last; i++) {
                if (records[i].first > cursor) count = _addPart(parts, count, cursor, records[i].first - 1);
                cursor = records[i].last + 1;
            }
            if (cursor <= last) count = _addPart(parts, count, cursor, last);
        }
        if (count == 0) return false;
        _shorten(parts, count);
        _record(batchId, b, parts, toParty, trigger);
        return true;
    }

    /// @dev Records `parts` (ascending, none first transferred yet) as first transferred now and emits them.
    function _record(
        uint256 batchId,
        StoredBatch storage b,
        SerialRange[] memory parts,
        bytes2 toParty,
        FirstTransferDefinition trigger
    ) private {
        uint256 n = b.recordCount;
        if (n + parts.length > MAX_FIRST_TRANSFER_RANGES) {
            revert Article6TooManyFirstTransferRanges(batchId, MAX_FIRST_TRANSFER_RANGES);
        }
        _insert(_records[batchId], n, parts, toParty, trigger, b.country);
        b.recordCount = uint16(n + parts.length);
        _markFirstTransferred(b);
        emit SerialsFirstTransferred(batchId, b.country, toParty, trigger, parts);
    }

    /// @dev Sets the length of a memory array filled up to `count` (only ever shorter than allocated).
    function _shorten(SerialRange[] memory parts, uint256 count) private pure {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(parts, count)
        }
    }

    /// @dev Appends `[first, last]` to `parts`, merging it into the previous part when adjacent.
    function _addPart(SerialRange[] memory parts, uint256 count, uint64 first, uint64 last)
        private
        pure
        returns (uint256)
    {
        if (count > 0 && parts[count - 1].last + 1 == first) {
            parts[count - 1].last = last;
            return count;
        }
        parts[count] = SerialRange(first, last);
        return count + 1;
    }

    /// @dev Merges the sorted `parts` into the sorted records from the back: records below the first part do
    /// not move.
    function _insert(
        mapping(uint256 => FirstTransferRecord) storage records,
        uint256 n,
        SerialRange[] memory parts,
        bytes2 toParty,
        FirstTransferDefinition trigger,
        bytes2 country
    ) private {
        uint256 i = n;
        uint256 j = parts.length;
        uint256 w = n + j;
        while (j > 0) {
            w--;
            if (i > 0 && records[i - 1].first > parts[j - 1].first) {
                records[w] = records[i - 1];
                i--;
            } else {
                records[w] = FirstTransferRecord({
                    first: parts[j - 1].first,
                    last: parts[j - 1].last,
                    at: uint64(block.timestamp),
                    fromParty: country,
                    toParty: toParty,
                    trigger: trigger
                });
                j--;
            }
        }
    }

    /// @dev First-transfers every serial of the batch not first transferred yet, with no acquiring party.
    function _firstTransferWholeBatch(uint256 batchId, StoredBatch storage b, FirstTransferDefinition trigger)
        private
    {
        if (b.hostNdcUse != 0) revert Article6HostAlreadyCounted(batchId, b.hostNdcUse);
        _materialize(batchId, b);
        mapping(uint256 => FirstTransferRecord) storage records = _records[batchId];
        uint256 n = b.recordCount;
        SerialRange[] memory parts = new SerialRange[](n + 1);
        uint256 count = 0;
        BatchState memory state = _registry.batchState(batchId);
        uint64 cursor = state.firstSerial;
        for (uint256 i = 0; i < n; i++) {
            if (records[i].first > cursor) count = _addPart(parts, count, cursor, records[i].first - 1);
            cursor = records[i].last + 1;
        }
        if (cursor <= state.lastSerial) count = _addPart(parts, count, cursor, state.lastSerial);
        _shorten(parts, count);
        b.wholeBatchFirstTransferredAt = uint40(block.timestamp);
        _markFirstTransferred(b);
        emit SerialsFirstTransferred(batchId, b.country, bytes2(0), trigger, parts);
    }

    /// @dev Writes the issuance's record kept in the batch's slot out as record 0, before a record is added
    /// (it is the batch's lowest range, so it stays first). Nothing is first transferred by this.
    function _materialize(uint256 batchId, StoredBatch storage b) private {
        if (b.issuedToJapanLast == 0) return;
        _records[batchId][0] = _issuanceRecord(batchId, b);
        (b.recordCount, b.issuedToJapanLast, b.issuedAt) = (1, 0, 0);
    }

    /// @dev The issuance's record kept in the batch's slot: Japan's share, from the batch's first serial.
    function _issuanceRecord(uint256 batchId, StoredBatch storage b) private view returns (FirstTransferRecord memory) {
        return FirstTransferRecord({
            first: _registry.batchState(batchId).firstSerial,
            last: b.issuedToJapanLast,
            at: b.issuedAt,
            fromParty: b.country,
            toParty: JAPAN,
            trigger: FirstTransferDefinition.InternationalTransfer
        });
    }

    function _markFirstTransferred(StoredBatch storage b) private {
        if (!b.anyFirstTransferred) {
            b.anyFirstTransferred = true;
            CountryState storage host = _countries[b.country];
            if (!host.anyFirstTransferred) host.anyFirstTransferred = true;
        }
    }

    /// @dev Reverts naming the first part of `ranges` that was never first transferred.
    function _requireFirstTransferred(uint256 batchId, StoredBatch storage b, SerialRange[] calldata ranges)
        private
        view
    {
        if (b.wholeBatchFirstTransferredAt != 0) return;
        uint64 issuedLast = b.issuedToJapanLast;
        if (issuedLast != 0) {
            // The only record: the batch's serials up to `issuedLast` (a range's first is the batch's).
            for (uint256 k = 0; k < ranges.length; k++) {
                SerialRange calldata r = ranges[k];
                if (r.last > issuedLast) revert Article6NotFirstTransferred(batchId, _max(r.first, issuedLast + 1), r.last);
            }
            return;
        }
        mapping(uint256 => FirstTransferRecord) storage records = _records[batchId];
        uint256 n = b.recordCount;
        for (uint256 k = 0; k < ranges.length; k++) {
            uint64 cursor = ranges[k].first;
            uint64 last = ranges[k].last;
            uint256 i = _firstEndingAtOrAfter(records, n, cursor);
            while (cursor <= last) {
                if (i == n || records[i].first > cursor) {
                    uint64 gapEnd = i == n || records[i].first > last ? last : records[i].first - 1;
                    revert Article6NotFirstTransferred(batchId, cursor, gapEnd);
                }
                if (records[i].last >= last) break;
                cursor = records[i].last + 1;
                i++;
            }
        }
    }

    /// @dev Reverts naming the first part of `ranges` that was first transferred.
    function _requireNeverFirstTransferred(uint256 batchId, StoredBatch storage b, SerialRange[] calldata ranges)
        private
        view
    {
        mapping(uint256 => FirstTransferRecord) storage records = _records[batchId];
        uint256 n = b.recordCount;
        uint64 issuedLast = b.issuedToJapanLast;
        for (uint256 k = 0; k < ranges.length; k++) {
            SerialRange calldata r = ranges[k];
            if (b.wholeBatchFirstTransferredAt != 0) revert Article6AlreadyFirstTransferred(batchId, r.first, r.last);
            // The issuance's record starts at the batch's first serial, so a range of the batch overlaps it
            // exactly when it starts within it.
            if (r.first <= issuedLast) revert Article6AlreadyFirstTransferred(batchId, r.first, _min(r.last, issuedLast));
            uint256 i = _firstEndingAtOrAfter(records, n, r.first);
            if (i < n && records[i].first <= r.last) {
                revert Article6AlreadyFirstTransferred(
                    batchId, _max(r.first, records[i].first), _min(r.last, records[i].last)
                );
            }
        }
    }

    /// @dev The index of the first of the `n` records whose last serial is at least `serial` (records ascend).
    function _firstEndingAtOrAfter(mapping(uint256 => FirstTransferRecord) storage records, uint256 n, uint64 serial)
        private
        view
        returns (uint256 lo)
    {
        uint256 hi = n;
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            if (records[mid].last < serial) lo = mid + 1;
            else hi = mid;
        }
    }

    function _existingBatch(uint256 batchId) private view returns (StoredBatch storage b) {
        b = _batches[batchId];
        if (b.country == bytes2(0)) revert Article6UnknownBatch(batchId);
    }

    function _onlyCommittee(bytes2 country) private view {
        address committee = _registry.committeeOf(country);
        if (committee == address(0) || msg.sender != committee) revert Article6NotCommittee(country, msg.sender);
    }

    /// @dev Length bounds, then `TextChecks`: well-formed UTF-8 without control characters.
    function _checkText(string calldata text) private pure {
        uint256 length = bytes(text).length;
        if (length == 0) revert Article6EmptyText();
        if (length > MAX_TEXT_BYTES) revert Article6TextTooLong(length, MAX_TEXT_BYTES);
        uint256 offset = TextChecks.firstInvalid(text);
        if (offset != TextChecks.NONE) revert Article6InvalidText(offset);
    }

    function _size(SerialRange[] calldata ranges) private pure returns (uint64 total) {
        for (uint256 k = 0; k < ranges.length; k++) {
            total += ranges[k].last - ranges[k].first + 1;
        }
    }

    function _max(uint64 a, uint64 b) private pure returns (uint64) {
        return a > b ? a : b;
    }

    function _min(uint64 a, uint64 b) private pure returns (uint64) {
        return a < b ? a : b;
    }
}
