"""What a retirement's gas pays for (``bench.trace``, on the same scenario as the snapshot).

The storage layout's promise, checked where it is paid: a batch's first retirement into Japan's or
the host's retirement account fills exactly one new storage slot in any contract, its record's
commitment (the sink counts in the batch's slot, written anyway); a third registry's sink fills its
own holding slot too. The breakdown adds up to the receipt's ``gasUsed``.
"""

from __future__ import annotations

import pytest

from bench.trace import Traced, trace

TRACED = (
    "retire.first_of_batch",
    "retire.next",
    "cancel.first_of_batch",
    "retire.third_registry.first_of_batch",
)


@pytest.fixture(scope="module")
def traced() -> dict[str, Traced]:
    """The traced operations, measured once on a private anvil with --steps-tracing."""
    return trace(TRACED)


def _new_slots(traced: Traced) -> int:
    return sum(part.new_slots for part in traced.parts.values())


def test_each_breakdown_adds_up_to_the_receipt(traced: dict[str, Traced]) -> None:
    for name, t in traced.items():
        assert t.refund == 0, f"{name}: a retirement clears no slot, so nothing is refunded"
        assert t.intrinsic > 21_000, name
        assert t.intrinsic + t.executed == t.gas_used, name
        assert t.parts["JCMRegistry"].logs == 2, name  # TransferSingle and the record


def test_a_batchs_first_retirement_or_cancellation_fills_only_its_records_slot(
    traced: dict[str, Traced],
) -> None:
    for name in ("retire.first_of_batch", "retire.next", "cancel.first_of_batch"):
        assert _new_slots(traced[name]) == 1, name
    assert traced["retire.first_of_batch"].gas_used == traced["retire.next"].gas_used


def test_a_third_registrys_first_retirement_of_a_batch_fills_its_sinks_slot_too(
    traced: dict[str, Traced],
) -> None:
    assert _new_slots(traced["retire.third_registry.first_of_batch"]) == 2
