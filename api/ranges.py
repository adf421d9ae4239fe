"""Serial-range arithmetic of the index, mirroring ``contracts/libraries/SerialRanges.sol``.

A holding is a list of inclusive ``(first, last)`` ranges, sorted, disjoint and non-adjacent
(adjacent
ranges merged), exactly as the contract keeps it, so the index's holdings compare equal to
``holdingRanges``. The indexer never decides *which* serials move (the events say so); it only adds
and removes the ranges the events carry.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence

Range = tuple[int, int]


class RangeError(ValueError):
    """Ranges that cannot be added or removed: an overlap, or serials not held."""


def normalize(ranges: Iterable[Range]) -> list[Range]:
    """Sort ``ranges`` and merge adjacent ones.

    Raises:
        RangeError: two ranges overlap (a serial would be counted twice).
    """
    merged: list[Range] = []
    for first, last in sorted(ranges):
        if first > last:
            raise RangeError(f"empty range [{first}, {last}]")
        if merged and first <= merged[-1][1]:
            raise RangeError(f"range [{first}, {last}] overlaps [{merged[-1][0]}, {merged[-1][1]}]")
        if merged and first == merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], last)
        else:
            merged.append((first, last))
    return merged


def add(held: list[Range], added: Sequence[Range]) -> list[Range]:
    """The holding ``held`` after receiving ``added``.

    Raises:
        RangeError: an added serial is already held.
    """
    if len(added) != 1:
        return normalize([*held, *added])
    # One range, the usual movement: placed by bisection and merged with its neighbours, rather
    # than the whole holding sorted again (this runs for every movement of a long history).
    first, last = added[0]
    if first > last:
        raise RangeError(f"empty range [{first}, {last}]")
    at = bisect_left(held, (first,))
    if at > 0 and held[at - 1][1] >= first:
        before = held[at - 1]
        raise RangeError(f"range [{first}, {last}] overlaps [{before[0]}, {before[1]}]")
    if at < len(held) and held[at][0] <= last:
        after = held[at]
        raise RangeError(f"range [{after[0]}, {after[1]}] overlaps [{first}, {last}]")
    start, end = at, at
    if at > 0 and held[at - 1][1] + 1 == first:
        start, first = at - 1, held[at - 1][0]
    if at < len(held) and held[at][0] == last + 1:
        end, last = at + 1, held[at][1]
    return [*held[:start], (first, last), *held[end:]]


def subtract(held: list[Range], removed: Iterable[Range]) -> list[Range]:
    """The holding ``held`` after giving away ``removed``.

    Raises:
        RangeError: a removed serial is not held.
    """
    result = list(held)
    for first, last in sorted(removed):
        for i, (held_first, held_last) in enumerate(result):
            if held_first <= first and last <= held_last:
                pieces = []
                if held_first < first:
                    pieces.append((held_first, first - 1))
                if last < held_last:
                    pieces.append((last + 1, held_last))
                result[i : i + 1] = pieces
                break
        else:
            raise RangeError(f"serials [{first}, {last}] are not held")
    return result


def size(ranges: Sequence[Range]) -> int:
    """The number of serials in ``ranges``."""
    if len(ranges) == 1:
        return ranges[0][1] - ranges[0][0] + 1
    return sum(last - first + 1 for first, last in ranges)


def clip(ranges: Iterable[Range], first: int, last: int) -> list[Range]:
    """The parts of ``ranges`` inside ``[first, last]``."""
    return [(max(a, first), min(b, last)) for a, b in ranges if a <= last and b >= first]
