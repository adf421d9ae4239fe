"""bench.trace's attribution of struct-log gas to the code that ran it (synthetic logs)."""

from __future__ import annotations

from typing import Any

from bench.trace import breakdown, own_costs

CALLER = "0x" + "aa" * 20
CALLEE = "0x" + "bb" * 20


def _step(op: str, depth: int, gas: int, cost: int = 0, stack: list[str] | None = None) -> Any:
    return {"op": op, "depth": depth, "gas": gas, "gasCost": cost, "stack": stack or []}


def _logs() -> list[dict[str, Any]]:
    # The caller stores a new slot, calls the callee (which reads a cold slot and returns), logs.
    callee = hex(int(CALLEE, 16))
    return [
        _step("SSTORE", 1, 100_000, 22_100),
        _step("CALL", 1, 77_900, 0, [hex(0), hex(0), callee, hex(50_000)]),
        _step("SLOAD", 2, 50_000, 2_100),
        _step("RETURN", 2, 47_900, 0),
        _step("LOG1", 1, 75_300, 0, [hex(64), hex(0)]),
        _step("STOP", 1, 74_000, 0),
    ]


def test_a_call_costs_its_caller_only_what_the_callee_did_not_use() -> None:
    costs = own_costs(_logs())
    # caller lost 77,900 - 75,300 = 2,600 over the call; the callee used 2,100 of it
    assert costs == [22_100, 500, 2_100, 0, 1_300, 0]


def test_each_contract_gets_its_own_slots_reads_calls_and_logs() -> None:
    parts = breakdown(_logs(), CALLER, {CALLER: "caller", CALLEE: "callee"})
    caller, callee = parts["caller"], parts["callee"]
    assert (caller.gas, caller.new_slots, caller.calls, caller.logs, caller.log_bytes) == (
        23_900,
        1,
        1,
        1,
        64,
    )
    assert (callee.gas, callee.cold_reads, callee.new_slots) == (2_100, 1, 0)
