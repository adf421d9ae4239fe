// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {SerialRange} from "../interfaces/RegistryTypes.sol";

/// @title SerialRanges: a holding of serial numbers kept as sorted, disjoint, non-adjacent ranges
/// @notice All serial arithmetic of the registry lives here. A holding stores its ranges ascending; adjacent
/// ranges are always merged, so the number of ranges only grows when serials arrive out of order. Every
/// function is bounded by the caller-supplied maximum number of ranges, and reports a refusal through its
/// return value so the caller can revert with an error naming the account and batch.
/// @dev A holding is worked on in memory: `load` reads its head slot, the range functions read each further
/// slot at most once, and `save` writes the head and only the slots that changed, each once. Serials are
/// 40-bit numbers (up to 1.1e12; the ledger refuses to issue beyond), so the head slot holds the balance, the
/// range count, the first two ranges and the holding's two list links (the next holder of the batch, the
/// account's next batch), and each further slot holds three ranges. Most holdings are one or two ranges: a
/// movement then reads and writes one slot per side, and a new holder's listing rides on slots written anyway.
library SerialRanges {
    /// @dev An added range overlaps serials already held. Unreachable while serials are unique; checked
    /// because a silent overlap would count credits twice.
    error SerialRangesOverlap(uint64 first, uint64 last);

    /// @dev Highest serial a holding can store.
    uint64 internal constant MAX_SERIAL = type(uint40).max;
    /// @dev Most ranges a holding can store (its count is 8 bits).
    uint256 internal constant MAX_RANGES = type(uint8).max;
    /// @dev A list link naming no next element: the holding is the last of its list. A zero link means the
    /// holding was never listed, so list members (account indexes, batch ids) are 1 .. END - 1.
    uint256 internal constant END = type(uint24).max;

    uint256 private constant MASK40 = type(uint40).max;
    uint256 private constant MASK160 = type(uint160).max;
    uint256 private constant COUNT_SHIFT = 40;
    uint256 private constant RANGES_SHIFT = 48;
    uint256 private constant NEXT_HOLDER_SHIFT = 208;
    uint256 private constant NEXT_BATCH_SHIFT = 232;

    /// @dev One (account, batch) holding in storage.
    struct Holding {
        // bits 0-39 balance, 40-47 range count, 48-207 ranges 0 and 1 (first, last, first, last; 40 bits
        // each), 208-231 next holder of the batch (account index), 232-255 the account's next batch
        uint256 head;
        // ranges 3k - 1, 3k and 3k + 1 in tail[k], k >= 1 (bits 0-79, 80-159, 160-239; first, last)
        mapping(uint256 slot => uint256) tail;
    }

    /// @dev A holding read into memory by `load`, written back by `save`.
    struct Loaded {
        uint256 balance;
        uint256 count;
        uint256 nextHolder;
        uint256 nextBatch;
        uint256 pair0; // ranges 0 and 1, as in the head
        uint256[] tail; // tail[k] once read (bit k of `read`); allocated when a range beyond 1 is touched
        // the tail slots read and changed (at most 255 ranges: slots 1 .. 85)
        uint256 read;
        uint256 changed; // bit k: tail[k] must be written back
    }

    /// @dev The number of serials in `r`.
    function size(SerialRange memory r) internal pure returns (uint256) {
        return uint256(r.last) - uint256(r.first) + 1;
    }

    /// @dev The balance of `h`: one read, for `balanceOf`.
    function balanceOf(Holding storage h) internal view returns (uint256) {
        return h.head & MASK40;
    }

    /// @dev Reads the head of `h` (one slot; further ranges are read when first needed).
    function load(Holding storage h) internal view returns (Loaded memory m) {
        uint256 head = h.head;
        m.balance = head & MASK40;
        m.count = (head >> COUNT_SHIFT) & 0xff;
        m.pair0 = (head >> RANGES_SHIFT) & MASK160;
        m.nextHolder = (head >> NEXT_HOLDER_SHIFT) & END;
        m.nextBatch = head >> NEXT_BATCH_SHIFT;
    }

    /// @dev Whether `h` was never written: no credits and no list links (a holding of a new batch until its
    /// first allocation). Its reading is paid for anyway when the caller then writes the cold slot.
    function isBlank(Holding storage h) internal view returns (bool) {
        return h.head == 0;
    }

    /// @dev Writes a blank holding (`isBlank`) as the one range `[first, last]` (at most `MAX_SERIAL`) with its
    /// list links: one store, and nothing loaded or built in memory (an issuance's new holdings).
    function initialize(Holding storage h, uint256 first, uint256 last, uint256 nextHolder, uint256 nextBatch)
        internal
    {
        h.head = (last - first + 1) | (1 << COUNT_SHIFT) | ((first | (last << 40)) << RANGES_SHIFT)
            | (nextHolder << NEXT_HOLDER_SHIFT) | (nextBatch << NEXT_BATCH_SHIFT);
    }

    /// @dev Sets the holding that follows `h` in its batch's holder list, keeping the rest of its head.
    function setNextHolder(Holding storage h, uint256 nextHolder) internal {
        h.head = (h.head & ~(END << NEXT_HOLDER_SHIFT)) | (nextHolder << NEXT_HOLDER_SHIFT);
    }

    /// @dev Writes back what changed in `m`: the head, and each changed further slot once.
    function save(Holding storage h, Loaded memory m) internal {
        h.head = m.balance | (m.count << COUNT_SHIFT) | (m.pair0 << RANGES_SHIFT)
            | (m.nextHolder << NEXT_HOLDER_SHIFT) | (m.nextBatch << NEXT_BATCH_SHIFT);
        uint256 changed = m.changed;
        for (uint256 k = 1; changed != 0; k++) {
            changed >>= 1;
            if (changed & 1 == 1) h.tail[k] = m.tail[k];
        }
    }

    /// @dev Removes the `quantity` lowest serials from `m` and returns them as ascending ranges, or returns
    /// `ok = false` when that would take more than `maxRanges` ranges (the caller must then revert).
    /// The caller has checked `m.balance >= quantity > 0`.
    function takeLowest(Holding storage h, Loaded memory m, uint256 quantity, uint256 maxRanges)
        internal
        view
        returns (SerialRange[] memory taken, bool ok)
    {
        // The usual movement: part of the lowest range.
        uint256 first0 = m.pair0 & MASK40;
        if (m.count > 0 && ((m.pair0 >> 40) & MASK40) - first0 >= quantity) {
            taken = new SerialRange[](1);
            unchecked {
                // 0 < quantity <= last0 - first0 < 2^40 <= balance's bound: no overflow, no underflow.
                taken[0] = SerialRange(uint64(first0), uint64(first0 + quantity - 1));
                m.pair0 += quantity; // range 0 now starts `quantity` serials later, still at or below its last
                m.balance -= quantity; // the caller checked balance >= quantity
            }
            return (taken, true);
        }
        // One pass, lowest range first; the balance covers the quantity, so it ends within `m.count` ranges.
        uint256 count = m.count;
        taken = new SerialRange[](count < maxRanges ? count : maxRanges);
        uint256 remaining = quantity;
        uint256 used = 0;
        uint256 consumed = 0; // ranges removed entirely
        while (remaining > 0) {
            if (used == maxRanges) return (taken, false); // nothing changed yet: only the last range is cut
            (uint256 first, uint256 last) = _get(h, m, used);
            uint256 rangeSize = last - first + 1;
            if (rangeSize <= remaining) {
                taken[used] = SerialRange(uint64(first), uint64(last));
                remaining -= rangeSize;
                consumed++;
            } else {
                taken[used] = SerialRange(uint64(first), uint64(first + remaining - 1));
                _set(h, m, used, first + remaining, last);
                remaining = 0;
            }
            used++;
        }
        assembly ("memory-safe") {
            mstore(taken, used) // shorten to the ranges taken (used <= the length allocated)
        }
        if (consumed > 0) _shiftLeft(h, m, 0, consumed);
        m.balance -= quantity;
        ok = true;
    }

    /// @dev Adds `ranges` (ascending, disjoint and non-adjacent, as `takeLowest` returns them) to `m`, or
    /// returns false when that would make more than `maxRanges` ranges (the caller must then revert).
    function addAll(Holding storage h, Loaded memory m, SerialRange[] memory ranges, uint256 maxRanges)
        internal
        view
        returns (bool ok)
    {
        uint256 n = ranges.length;
        if (n == 1) return add(h, m, ranges[0], maxRanges);
        uint256 count = m.count;
        if (count > 0) {
            (uint256 lastFirst, uint256 last) = _get(h, m, count - 1);
            // The usual arrival of several ranges: above every held range, so they append (the first may
            // extend the last held range) without searching or shifting.
            if (ranges[0].first > last) {
                uint256 i = 0;
                uint256 added = 0;
                if (ranges[0].first == last + 1) {
                    _set(h, m, count - 1, lastFirst, ranges[0].last);
                    added = size(ranges[0]);
                    i = 1;
                }
                if (count + n - i > maxRanges) return false;
                for (; i < n; i++) {
                    SerialRange memory r = ranges[i];
                    _set(h, m, count, r.first, r.last);
                    added += size(r);
                    count++;
                }
                m.count = count;
                m.balance += added;
                return true;
            }
        }
        for (uint256 i = 0; i < n; i++) {
            if (!add(h, m, ranges[i], maxRanges)) return false;
        }
        return true;
    }

    /// @dev Removes exactly the serials `[first, last]`. Returns `held = false` when they do not all lie
    /// inside one held range (adjacent ranges are merged, so held consecutive serials always do), and
    /// `ok = false` when splitting a range would exceed `MAX_RANGES`; either way nothing changed. Splitting
    /// beyond the receiving bound is otherwise allowed: only joint-committee corrections take exact serials,
    /// and a holder must not be able to block one by fragmenting its own holding.
    function takeExact(Holding storage h, Loaded memory m, uint64 first, uint64 last)
        internal
        view
        returns (bool held, bool ok)
    {
        (bool found, uint256 i) = find(h, m, first);
        if (!found || first > last) return (false, true);
        SerialRange memory r = at(h, m, i);
        if (r.last < last) return (false, true);
        if (r.first == first && r.last == last) {
            _shiftLeft(h, m, i, 1);
        } else if (r.first == first) {
            _put(h, m, i, SerialRange(last + 1, r.last));
        } else if (r.last == last) {
            _put(h, m, i, SerialRange(r.first, first - 1));
        } else {
            if (m.count == MAX_RANGES) return (true, false);
            _shiftRight(h, m, i + 1);
            _put(h, m, i, SerialRange(r.first, first - 1));
            _put(h, m, i + 1, SerialRange(last + 1, r.last));
        }
        m.balance -= uint256(last) - uint256(first) + 1;
        return (true, true);
    }

    /// @dev Adds `r` to `m`, merging with adjacent neighbours. Returns false, changing nothing, when a new
    /// range would make more than `maxRanges` (at most `MAX_RANGES`).
    function add(Holding storage h, Loaded memory m, SerialRange memory r, uint256 maxRanges)
        internal
        view
        returns (bool ok)
    {
        uint256 count = m.count;
        // The usual arrival: above every held range, with the last range in the head.
        if (count <= 2) {
            uint256 shift = count == 2 ? 80 : 0;
            uint256 last = (m.pair0 >> (shift + 40)) & MASK40;
            // Serials and balances stay below 2^40 (unique serials, at most MAX_SERIAL): nothing overflows.
            unchecked {
                if (count == 0 || (count == 1 && r.first > last + 1)) {
                    m.pair0 |= (uint256(r.first) | (uint256(r.last) << 40)) << (count * 80);
                    m.count = count + 1;
                    m.balance += uint256(r.last) - r.first + 1;
                    return true;
                }
                if (r.first == last + 1) {
                    m.pair0 = (m.pair0 & ~(MASK40 << (shift + 40))) | (uint256(r.last) << (shift + 40));
                    m.balance += uint256(r.last) - r.first + 1;
                    return true;
                }
            }
        }
        uint256 p = _firstAbove(h, m, r.last, count); // ranges [0, p) start at or below r.last
        bool mergeLeft = false;
        bool mergeRight = false;
        // slither-disable-next-line uninitialized-local (read only when mergeLeft, set with it, is true)
        SerialRange memory left;
        // slither-disable-next-line uninitialized-local (read only when mergeRight, set with it, is true)
        SerialRange memory right;
        if (p > 0) {
            left = at(h, m, p - 1);
            if (left.last >= r.first) revert SerialRangesOverlap(r.first, r.last);
            mergeLeft = left.last + 1 == r.first;
        }
        if (p < count) {
            right = at(h, m, p);
            mergeRight = right.first == r.last + 1;
        }

        if (mergeLeft && mergeRight) {
            _put(h, m, p - 1, SerialRange(left.first, right.last));
            _shiftLeft(h, m, p, 1);
        } else if (mergeLeft) {
            _put(h, m, p - 1, SerialRange(left.first, r.last));
        } else if (mergeRight) {
            _put(h, m, p, SerialRange(r.first, right.last));
        } else {
            if (count + 1 > maxRanges) return false;
            _shiftRight(h, m, p);
            _put(h, m, p, r);
        }
        m.balance += size(r);
        return true;
    }

    /// @dev Whether `serial` is held, and the index of the range holding it (binary search).
    function find(Holding storage h, Loaded memory m, uint64 serial) internal view returns (bool found, uint256 index) {
        uint256 p = _firstAbove(h, m, serial, m.count);
        if (p == 0) return (false, 0);
        if (at(h, m, p - 1).last >= serial) return (true, p - 1);
        return (false, 0);
    }

    /// @dev The ranges of `m`, ascending.
    function toArray(Holding storage h, Loaded memory m) internal view returns (SerialRange[] memory out) {
        uint256 count = m.count;
        out = new SerialRange[](count);
        for (uint256 i = 0; i < count; i++) {
            out[i] = at(h, m, i);
        }
    }

    /// @dev Range `i` of `m`, reading its slot from storage the first time.
    function at(Holding storage h, Loaded memory m, uint256 i) internal view returns (SerialRange memory) {
        (uint256 first, uint256 last) = _get(h, m, i);
        return SerialRange(uint64(first), uint64(last));
    }

    /// @dev The slot of range `i` (0: the head) and the range's bit offset in it.
    function _position(uint256 i) private pure returns (uint256 k, uint256 shift) {
        if (i < 2) return (0, i * 80);
        unchecked {
            // i >= 2: no underflow
            return ((i + 1) / 3, ((i + 1) % 3) * 80);
        }
    }

    /// @dev First and last serial of range `i`.
    function _get(Holding storage h, Loaded memory m, uint256 i) private view returns (uint256 first, uint256 last) {
        (uint256 k, uint256 shift) = _position(i);
        uint256 word = _slot(h, m, k) >> shift;
        return (word & MASK40, (word >> 40) & MASK40);
    }

    /// @dev Slot `k` of `m` (0: the head's ranges), read from storage the first time it is needed.
    function _slot(Holding storage h, Loaded memory m, uint256 k) private view returns (uint256 word) {
        if (k == 0) return m.pair0;
        // Ranges never exceed MAX_RANGES (255), so tail slots are 1 .. 85.
        if (m.tail.length == 0) m.tail = new uint256[](86);
        if ((m.read >> k) & 1 == 0) {
            m.tail[k] = h.tail[k];
            m.read |= 1 << k;
        }
        return m.tail[k];
    }

    /// @dev Stores `r` as range `i`; its serials are at most `MAX_SERIAL` (the ledger never issues beyond).
    function _put(Holding storage h, Loaded memory m, uint256 i, SerialRange memory r) private view {
        _set(h, m, i, r.first, r.last);
    }

    /// @dev Stores `[first, last]` (at most `MAX_SERIAL`) as range `i`.
    function _set(Holding storage h, Loaded memory m, uint256 i, uint256 first, uint256 last) private view {
        (uint256 k, uint256 shift) = _position(i);
        uint256 word = _slot(h, m, k) & ~(((1 << 80) - 1) << shift);
        word |= (first | (last << 40)) << shift;
        if (k == 0) {
            m.pair0 = word;
        } else {
            m.tail[k] = word;
            m.changed |= 1 << k;
        }
    }

    /// @dev Index of the first range whose first serial is above `serial` (binary search). The last range is
    /// checked first: serials usually arrive in ascending order, and then one read answers.
    function _firstAbove(Holding storage h, Loaded memory m, uint64 serial, uint256 count)
        private
        view
        returns (uint256 lo)
    {
        if (count == 0) return 0;
        (uint256 lastFirst,) = _get(h, m, count - 1);
        if (lastFirst <= serial) return count;
        uint256 hi = count - 1;
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            (uint256 first,) = _get(h, m, mid);
            if (first > serial) hi = mid;
            else lo = mid + 1;
        }
    }

    /// @dev Removes `n` ranges starting at `index`, shifting later ones down and clearing the freed ones, so a
    /// removed range leaves no stale serials in state.
    function _shiftLeft(Holding storage h, Loaded memory m, uint256 index, uint256 n) private view {
        uint256 count = m.count;
        for (uint256 j = index + n; j < count; j++) {
            (uint256 first, uint256 last) = _get(h, m, j);
            _set(h, m, j - n, first, last);
        }
        for (uint256 j = count - n; j < count; j++) {
            (uint256 k, uint256 shift) = _position(j);
            if (k > 0 && shift == 0) {
                // A tail slot whose first range goes: every range in it goes, so clear it without reading.
                if (m.tail.length == 0) m.tail = new uint256[](86);
                m.tail[k] = 0;
                m.read |= 1 << k;
                m.changed |= 1 << k;
                j += 2;
            } else {
                _set(h, m, j, 0, 0);
            }
        }
        m.count = count - n;
    }

    /// @dev Opens a gap at `index`, shifting later ranges up; the caller has checked the count stays within
    /// `MAX_RANGES`.
    function _shiftRight(Holding storage h, Loaded memory m, uint256 index) private view {
        uint256 count = m.count;
        for (uint256 j = count; j > index; j--) {
            (uint256 first, uint256 last) = _get(h, m, j - 1);
            _set(h, m, j, first, last);
        }
        m.count = count + 1;
    }
}
