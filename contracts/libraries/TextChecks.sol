// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title TextChecks: the one rule for text stored on chain
/// @notice Text kept in state (holder names, project titles, methodologies, authorization ids, retirement
/// beneficiaries and notes) must be well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
/// above U+10FFFF, no truncated sequence) and free of control characters: C0 (U+0000-U+001F), DEL (U+007F),
/// C1 (U+0080-U+009F), the line and paragraph separators (U+2028, U+2029) and the bidirectional overrides
/// and isolates (U+202A-U+202E, U+2066-U+2069), which let a name display as something it is not.
/// @dev One pass over calldata, no allocation. Printable ASCII, the common case, is checked 32 bytes at a
/// time; the first word holding anything else is walked byte by byte. Callers revert with their own error
/// carrying the offset.
library TextChecks {
    /// @dev Returned by `firstInvalid` when the text is acceptable.
    uint256 internal constant NONE = type(uint256).max;

    uint256 private constant _ONES = 0x0101010101010101010101010101010101010101010101010101010101010101;
    uint256 private constant _HIGHS = 0x8080808080808080808080808080808080808080808080808080808080808080;
    uint256 private constant _FILL = 0x4141414141414141414141414141414141414141414141414141414141414141;

    /// @notice The byte offset of the first character that is not valid UTF-8 or is a control character,
    /// or `NONE`.
    function firstInvalid(string calldata text) internal pure returns (uint256) {
        bytes calldata b = bytes(text);
        uint256 n = b.length;
        uint256 i = _printableAsciiPrefix(b);
        while (i < n) {
            uint8 c = uint8(b[i]);
            if (c < 0x80) {
                if (c < 0x20 || c == 0x7f) return i;
                i += 1;
                continue;
            }
            uint256 size = _size(c);
            if (size == 0 || i + size > n) return i;
            (uint8 low, uint8 high) = _secondRange(c);
            uint8 second = uint8(b[i + 1]);
            if (second < low || second > high) return i;
            for (uint256 k = 2; k < size; k++) {
                uint8 next = uint8(b[i + k]);
                if (next < 0x80 || next > 0xbf) return i;
            }
            // U+2028-U+202E is E2 80 A8-AE; U+2066-U+2069 is E2 81 A6-A9.
            if (c == 0xe2) {
                uint8 third = uint8(b[i + 2]);
                if (second == 0x80 && third >= 0xa8 && third <= 0xae) return i;
                if (second == 0x81 && third >= 0xa6 && third <= 0xa9) return i;
            }
            i += size;
        }
        return NONE;
    }

    /// @dev How many leading bytes are printable ASCII, counted in whole 32-byte words (a word holding
    /// anything else stops the count at its start). Per word, with the bytes past the end filled with
    /// `A`: a set high bit is non-ASCII; `(w - 0x20..) & ~w & 0x80..` is non-zero iff some byte is below
    /// 0x20 (exact when no high bit is set); the same test on `w ^ 0x7f..` against 1 finds DEL.
    function _printableAsciiPrefix(bytes calldata b) private pure returns (uint256 i) {
        uint256 n = b.length;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let start := b.offset
            for {} lt(i, n) {} {
                let w := calldataload(add(start, i))
                let left := sub(n, i)
                if lt(left, 32) {
                    let pad := shr(mul(8, left), not(0)) // the low 32 - left bytes
                    w := or(and(w, not(pad)), and(_FILL, pad))
                }
                let control := and(and(sub(w, mul(_ONES, 0x20)), not(w)), _HIGHS)
                let del := xor(w, mul(_ONES, 0x7f))
                control := or(control, and(and(sub(del, _ONES), not(del)), _HIGHS))
                if or(and(w, _HIGHS), control) { break }
                i := add(i, 32)
            }
            if gt(i, n) { i := n }
        }
    }

    /// @dev The length of the sequence a lead byte starts (0: not a lead byte; `C0`, `C1` and `F5`-`FF`
    /// only start overlong or out-of-range forms).
    function _size(uint8 c) private pure returns (uint256) {
        if (c >= 0xc2 && c <= 0xdf) return 2;
        if (c >= 0xe0 && c <= 0xef) return 3;
        if (c >= 0xf0 && c <= 0xf4) return 4;
        return 0;
    }

    /// @dev The range a lead byte's second byte must fall in: narrower after `C2` (`C2 80-9F` are the C1
    /// controls), `E0` and `F0` (overlong forms), `ED` (surrogates) and `F4` (above U+10FFFF).
    function _secondRange(uint8 c) private pure returns (uint8 low, uint8 high) {
        if (c == 0xc2 || c == 0xe0) return (0xa0, 0xbf);
        if (c == 0xed) return (0x80, 0x9f);
        if (c == 0xf0) return (0x90, 0xbf);
        if (c == 0xf4) return (0x80, 0x8f);
        return (0x80, 0xbf);
    }
}
