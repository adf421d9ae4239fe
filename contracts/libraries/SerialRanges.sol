// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {SerialRange} from "../interfaces/RegistryTypes.sol";

/// @title SerialRanges: a holding of serial numbers kept as sorted, disjoint, non-adjacent ranges
/// @notice All serial arithmetic of the registry lives here. A holding stores its ranges ascending; adjacent
/// ranges are always merged, so the number of ranges only grows when serials arrive out of order. Every
/// function is bounded by the caller-supplied maximum number of ranges, and reports a refusal through its
/// return value so the caller can revert with an error naming the account and batch.
/// @dev Serials are stored as 40-bit numbers (up to 1.1e12; the ledger refuses to issue beyond). The balance,
/// the range count and the first two ranges share one storage slot, and each further slot holds two ranges:
/// most holdings are one or two ranges, and a movement then reads and writes one slot per side, and a range
/// that arrives out of order usually costs no new slot.
library SerialRanges {
    /// @dev An added range overlaps serials already held. Unreachable while serials are unique; checked
    /// because a silent overlap would count credits twice.
    error SerialRangesOverlap(uint64 first, uint64 last);

    /// @dev Highest serial a holding can store.
    uint64 internal constant MAX_SERIAL = type(uint40).max;

    struct Holding {
        uint64 balance;
        uint24 rangeCount;
        bool listed; // whether the (account, batch) pair was ever recorded in the enumeration lists
        uint40 first0; // range 0, inline
        uint40 last0;
        uint40 first1; // range 1, inline
        uint40 last1;
        mapping(uint256 pair => Pair) tail; // ranges 2k and 2k + 1 in tail[k], k >= 1
    }

    /// @dev Two ranges in one slot.
    struct Pair {
        uint40 firstA;
        uint40 lastA;
        uint40 firstB;
        uint40 lastB;
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
        uint256 used = 0;
        uint256 covered = 0;
        while (covered < quantity) {
            if (used == maxRanges) return (taken, false);
            covered += size(at(h, used));
            used++;
        }
        taken = new SerialRange[](used);
        uint256 remaining = quantity;
        for (uint256 i = 0; i < used; i++) {
            SerialRange memory r = at(h, i);
            uint256 rangeSize = size(r);
            if (rangeSize <= remaining) {
                taken[i] = r;
                remaining -= rangeSize;
            } else {
                uint64 newFirst = r.first + uint64(remaining);
                taken[i] = SerialRange(r.first, newFirst - 1);
                _put(h, i, SerialRange(newFirst, r.last));
                remaining = 0;
            }
        }
        uint256 consumed = covered == quantity ? used : used - 1; // ranges removed entirely
        if (consumed > 0) _shiftLeft(h, 0, consumed);
        h.balance -= uint64(quantity);
        ok = true;
    }

    /// @dev Removes exactly the serials `[first, last]`, or returns false when they do not all lie inside one
    /// held range (adjacent ranges are merged, so held consecutive serials always do). Splitting a range adds
    /// one range without a bound: only joint-committee corrections take exact serials, and a holder must not
    /// be able to block one by fragmenting its own holding.
    function takeExact(Holding storage h, uint64 first, uint64 last) internal returns (bool held) {
        (bool found, uint256 i) = find(h, first);
        if (!found || first > last) return false;
        SerialRange memory r = at(h, i);
        if (r.last < last) return false;
        if (r.first == first && r.last == last) {
            _shiftLeft(h, i, 1);
        } else if (r.first == first) {
            _put(h, i, SerialRange(last + 1, r.last));
        } else if (r.last == last) {
            _put(h, i, SerialRange(r.first, first - 1));
        } else {
            _shiftRight(h, i + 1);
            _put(h, i, SerialRange(r.first, first - 1));
            _put(h, i + 1, SerialRange(last + 1, r.last));
        }
        h.balance -= uint64(uint256(last) - uint256(first) + 1);
        return true;
    }

    /// @dev Adds `r` to `h`, merging with adjacent neighbours. Returns false, changing nothing, when a new
    /// range would make more than `maxRanges`.
    function add(Holding storage h, SerialRange memory r, uint256 maxRanges) internal returns (bool ok) {
        uint256 count = h.rangeCount;
        uint256 p = _firstAbove(h, r.last, count); // ranges [0, p) start at or below r.last
        bool mergeLeft = false;
        bool mergeRight = false;
        SerialRange memory left = SerialRange(0, 0);
        SerialRange memory right = SerialRange(0, 0);
        if (p > 0) {
            left = at(h, p - 1);
            if (left.last >= r.first) revert SerialRangesOverlap(r.first, r.last);
            mergeLeft = left.last + 1 == r.first;
        }
        if (p < count) {
            right = at(h, p);
            mergeRight = right.first == r.last + 1;
        }

        if (mergeLeft && mergeRight) {
            _put(h, p - 1, SerialRange(left.first, right.last));
            _shiftLeft(h, p, 1);
        } else if (mergeLeft) {
            _put(h, p - 1, SerialRange(left.first, r.last));
        } else if (mergeRight) {
            _put(h, p, SerialRange(r.first, right.last));
        } else {
            if (count + 1 > maxRanges) return false;
            _shiftRight(h, p);
            _put(h, p, r);
        }
        h.balance += uint64(size(r));
        return true;
    }

    /// @dev Whether `serial` is held, and the index of the range holding it (binary search).
    function find(Holding storage h, uint64 serial) internal view returns (bool found, uint256 index) {
        uint256 p = _firstAbove(h, serial, h.rangeCount);
        if (p == 0) return (false, 0);
        if (at(h, p - 1).last >= serial) return (true, p - 1);
        return (false, 0);
    }

    /// @dev The ranges of `h`, ascending.
    function toArray(Holding storage h) internal view returns (SerialRange[] memory out) {
        uint256 count = h.rangeCount;
        out = new SerialRange[](count);
        for (uint256 i = 0; i < count; i++) {
            out[i] = at(h, i);
        }
    }

    /// @dev Range `i` of `h`.
    function at(Holding storage h, uint256 i) internal view returns (SerialRange memory) {
        if (i == 0) return SerialRange(h.first0, h.last0);
        if (i == 1) return SerialRange(h.first1, h.last1);
        Pair storage pair = h.tail[i / 2];
        return i % 2 == 0 ? SerialRange(pair.firstA, pair.lastA) : SerialRange(pair.firstB, pair.lastB);
    }

    /// @dev Stores `r` as range `i`; its serials are at most `MAX_SERIAL` (the ledger never issues beyond).
    function _put(Holding storage h, uint256 i, SerialRange memory r) private {
        (uint40 first, uint40 last) = (uint40(r.first), uint40(r.last));
        if (i == 0) {
            (h.first0, h.last0) = (first, last);
        } else if (i == 1) {
            (h.first1, h.last1) = (first, last);
        } else if (i % 2 == 0) {
            Pair storage pair = h.tail[i / 2];
            (pair.firstA, pair.lastA) = (first, last);
        } else {
            Pair storage pair = h.tail[i / 2];
            (pair.firstB, pair.lastB) = (first, last);
        }
    }

    /// @dev Clears range `i` (no longer used), so a removed range leaves no stale serials in state.
    function _clear(Holding storage h, uint256 i) private {
        _put(h, i, SerialRange(0, 0));
    }

    /// @dev Index of the first range whose first serial is above `serial` (binary search). The last range is
    /// checked first: serials usually arrive in ascending order, and then one read answers.
    function _firstAbove(Holding storage h, uint64 serial, uint256 count) private view returns (uint256 lo) {
        if (count == 0 || at(h, count - 1).first <= serial) return count;
        uint256 hi = count - 1;
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            if (at(h, mid).first > serial) hi = mid;
            else lo = mid + 1;
        }
    }

    /// @dev Removes `n` ranges starting at `index`, shifting later ones down.
    function _shiftLeft(Holding storage h, uint256 index, uint256 n) private {
        uint256 count = h.rangeCount;
        for (uint256 j = index + n; j < count; j++) {
            _put(h, j - n, at(h, j));
        }
        for (uint256 j = count - n; j < count; j++) {
            _clear(h, j);
        }
        h.rangeCount = uint24(count - n);
    }

    /// @dev Opens a gap at `index`, shifting later ranges up.
    function _shiftRight(Holding storage h, uint256 index) private {
        uint256 count = h.rangeCount;
        for (uint256 j = count; j > index; j--) {
            _put(h, j, at(h, j - 1));
        }
        // Only corrections add ranges beyond the holding bound, one per bilateral decision: 2^24 is out of reach,
        // and the checked increment reverts rather than wrap if it ever were reached.
        h.rangeCount = uint24(count) + 1;
    }
}
