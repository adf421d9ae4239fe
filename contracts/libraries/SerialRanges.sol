// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {SerialRange} from "../interfaces/RegistryTypes.sol";

/// @title SerialRanges: a holding of serial numbers kept as sorted, disjoint, non-adjacent ranges
/// @notice All serial arithmetic of the registry lives here. A holding stores its ranges ascending; adjacent
/// ranges are always merged, so the number of ranges only grows when serials arrive out of order. Every
/// function is bounded by the caller-supplied maximum number of ranges. Functions report a refusal through
/// their return value, so the caller can revert with an error that names the account and batch.
/// @dev The balance and the range count share one storage slot so a movement reads and writes it once.
library SerialRanges {
    /// @dev An added range overlaps serials already held. Unreachable while serials are unique; checked
    /// because a silent overlap would double count.
    error SerialRangesOverlap(uint128 first, uint128 last);

    struct Holding {
        uint128 balance;
        uint32 rangeCount;
        bool listed; // whether the (account, batch) pair was ever recorded in the enumeration lists
        mapping(uint256 index => SerialRange) ranges;
    }

    /// @dev The number of serials in `r`.
    function size(SerialRange memory r) internal pure returns (uint256) {
        return uint256(r.last) - uint256(r.first) + 1;
    }

    /// @dev Removes the `quantity` lowest serials from `h` and returns them as ascending ranges, or returns
    /// `ok = false` when that would take more than `maxRanges` ranges (the caller must then revert).
    /// The caller has checked `h.balance >= quantity > 0`.
    function takeLowest(Holding storage h, uint256 quantity, uint256 maxRanges)
        internal
        returns (SerialRange[] memory taken, bool ok)
    {
        // First pass: how many ranges the quantity spans, so the result is allocated exactly.
        uint256 used;
        uint256 covered;
        while (covered < quantity) {
            if (used == maxRanges) return (taken, false);
            covered += size(h.ranges[used]);
            used++;
        }
        taken = new SerialRange[](used);
        uint256 remaining = quantity;
        uint256 consumed; // ranges removed entirely from the holding
        for (uint256 i = 0; i < used; i++) {
            SerialRange memory r = h.ranges[i];
            uint256 rangeSize = size(r);
            if (rangeSize <= remaining) {
                taken[i] = r;
                remaining -= rangeSize;
                consumed++;
            } else {
                uint128 newFirst = r.first + uint128(remaining);
                taken[i] = SerialRange(r.first, newFirst - 1);
                h.ranges[i].first = newFirst;
                remaining = 0;
            }
        }
        if (consumed > 0) _shiftLeft(h, consumed, h.rangeCount);
        h.balance -= uint128(quantity);
        ok = true;
    }

    /// @dev Removes exactly the serials `[first, last]`. Returns `notHeld` when they do not all lie inside one
    /// held range (adjacent ranges are merged, so held consecutive serials always do), and `full` when the
    /// split would leave more than `maxRanges` ranges.
    function takeExact(Holding storage h, uint128 first, uint128 last, uint256 maxRanges)
        internal
        returns (bool notHeld, bool full)
    {
        (bool found, uint256 i) = find(h, first);
        if (!found || first > last || h.ranges[i].last < last) return (true, false);
        SerialRange memory r = h.ranges[i];
        uint256 count = h.rangeCount;
        if (r.first == first && r.last == last) {
            _shiftLeftFrom(h, i, count);
        } else if (r.first == first) {
            h.ranges[i].first = last + 1;
        } else if (r.last == last) {
            h.ranges[i].last = first - 1;
        } else {
            if (count + 1 > maxRanges) return (false, true);
            _shiftRight(h, i + 1, count);
            h.ranges[i].last = first - 1;
            h.ranges[i + 1] = SerialRange(last + 1, r.last);
        }
        h.balance -= uint128(uint256(last) - uint256(first) + 1);
    }

    /// @dev Adds `r` to `h`, merging with adjacent neighbours. Returns false, changing nothing, when a new
    /// range would make more than `maxRanges`.
    function add(Holding storage h, SerialRange memory r, uint256 maxRanges) internal returns (bool ok) {
        uint256 count = h.rangeCount;
        uint256 p = _firstAbove(h, r.last, count); // ranges [0, p) start at or below r.last
        bool mergeLeft;
        bool mergeRight;
        if (p > 0) {
            uint128 leftLast = h.ranges[p - 1].last;
            if (leftLast >= r.first) revert SerialRangesOverlap(r.first, r.last);
            mergeLeft = leftLast + 1 == r.first;
        }
        if (p < count) mergeRight = h.ranges[p].first == r.last + 1;

        if (mergeLeft && mergeRight) {
            h.ranges[p - 1].last = h.ranges[p].last;
            _shiftLeftFrom(h, p, count);
        } else if (mergeLeft) {
            h.ranges[p - 1].last = r.last;
        } else if (mergeRight) {
            h.ranges[p].first = r.first;
        } else {
            if (count + 1 > maxRanges) return false;
            _shiftRight(h, p, count);
            h.ranges[p] = r;
        }
        h.balance += uint128(size(r));
        return true;
    }

    /// @dev Whether `serial` is held, and the index of the range holding it (binary search).
    function find(Holding storage h, uint128 serial) internal view returns (bool found, uint256 index) {
        uint256 p = _firstAbove(h, serial, h.rangeCount);
        if (p == 0) return (false, 0);
        if (h.ranges[p - 1].last >= serial) return (true, p - 1);
        return (false, 0);
    }

    /// @dev The ranges of `h`, ascending.
    function toArray(Holding storage h) internal view returns (SerialRange[] memory out) {
        uint256 count = h.rangeCount;
        out = new SerialRange[](count);
        for (uint256 i = 0; i < count; i++) {
            out[i] = h.ranges[i];
        }
    }

    /// @dev Index of the first range whose first serial is above `serial` (binary search).
    function _firstAbove(Holding storage h, uint128 serial, uint256 count) private view returns (uint256 lo) {
        uint256 hi = count;
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            if (h.ranges[mid].first > serial) hi = mid;
            else lo = mid + 1;
        }
    }

    /// @dev Drops the first `n` ranges.
    function _shiftLeft(Holding storage h, uint256 n, uint256 count) private {
        for (uint256 j = n; j < count; j++) {
            h.ranges[j - n] = h.ranges[j];
        }
        for (uint256 j = count - n; j < count; j++) {
            delete h.ranges[j];
        }
        h.rangeCount = uint32(count - n);
    }

    /// @dev Drops the range at `index`.
    function _shiftLeftFrom(Holding storage h, uint256 index, uint256 count) private {
        for (uint256 j = index + 1; j < count; j++) {
            h.ranges[j - 1] = h.ranges[j];
        }
        delete h.ranges[count - 1];
        h.rangeCount = uint32(count - 1);
    }

    /// @dev Opens a gap at `index`.
    function _shiftRight(Holding storage h, uint256 index, uint256 count) private {
        for (uint256 j = count; j > index; j--) {
            h.ranges[j] = h.ranges[j - 1];
        }
        h.rangeCount = uint32(count + 1);
    }
}
