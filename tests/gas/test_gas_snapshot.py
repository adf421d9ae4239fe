"""The gas snapshot: no registry or committee operation may cost more than ``gas_snapshot.json``.

Gas is deterministic (``bench.gas`` sends the same bytes from the same keys in the same order on
its own anvil), so the allowance is exact: any increase fails, and shows in review as a change of
``tests/gas/gas_snapshot.json`` once it is accepted with ``make gas-snapshot``. A decrease passes
and is marked in the table, so that the snapshot can be lowered too. Every operation ``bench.gas``
declares must be in the snapshot, and the snapshot must name no operation that is not measured.

The table of current against snapshot gas is printed on every run (``make test`` shows it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bench.gas import OPERATIONS, SNAPSHOT, GasResults, measure

TOLERANCE = 0
"""Gas an operation may use above its snapshot: none (gas does not vary between runs)."""


def _snapshot() -> dict[str, int]:
    return {str(k): int(v) for k, v in json.loads(SNAPSHOT.read_text(encoding="utf-8")).items()}


@pytest.fixture(scope="module")
def measured() -> Iterator[GasResults]:
    """Every operation measured once on a private anvil (about half a minute)."""
    yield measure()


def _gas(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _table(current: dict[str, int], snapshot: dict[str, int]) -> str:
    lines = [f"{'operation':<64} {'current':>10} {'snapshot':>10} {'change':>8}"]
    for name in sorted(set(current) | set(snapshot)):
        now, before = current.get(name), snapshot.get(name)
        if now is None or before is None:
            change = "missing" if before is None else "gone"
        else:
            change = f"{(now - before) / before:+.2%}" if now != before else "="
        lines.append(f"{name:<64} {_gas(now):>10} {_gas(before):>10} {change:>8}")
    return "\n".join(lines)


def test_snapshot_names_every_operation() -> None:
    snapshot = _snapshot()
    missing = sorted(set(OPERATIONS) - set(snapshot))
    stale = sorted(set(snapshot) - set(OPERATIONS))
    assert not missing, f"operations missing from {SNAPSHOT.name}: {missing}; run make gas-snapshot"
    assert not stale, f"{SNAPSHOT.name} names operations no longer measured: {stale}"


def test_no_operation_costs_more_than_its_snapshot(
    measured: GasResults, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot = _snapshot()
    table = _table(measured.operations, snapshot)
    with capsys.disabled():
        print(f"\ngas: current vs {SNAPSHOT.name} (allowance +{TOLERANCE} gas)\n{table}")
    problems = [
        f"{name} is not in {SNAPSHOT.name}"
        for name in sorted(set(measured.operations) - set(snapshot))
    ]
    problems += [
        f"{name} costs {gas:,} > {snapshot[name]:,} + {TOLERANCE}"
        for name, gas in measured.operations.items()
        if name in snapshot and gas > snapshot[name] + TOLERANCE
    ]
    assert not problems, (
        "; ".join(problems)
        + ". If intended, run make gas-snapshot and commit tests/gas/gas_snapshot.json"
    )


def test_transfer_gas_grows_with_ranges_touched(measured: GasResults) -> None:
    """The growth series is complete and increasing (a bounded, linear loop per range)."""
    touched = sorted(measured.growth)
    assert touched == [1, 2, 4, 8, 16, 32]
    gas = [measured.growth[k] for k in touched]
    assert gas == sorted(gas) and len(set(gas)) == len(gas)
