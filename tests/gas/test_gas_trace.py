"""What a retirement's gas pays for (``bench.trace``, on the same scenario as the snapshot).

The storage layout's promise, checked where it is paid: a batch's first retirement into Japan's or
the host's retirement account fills exactly one new storage slot in any contract, its record's
commitment (the sink counts in the batch's slot, written anyway); a third registry's sink fills its
own holding slot too. An issuance whose monitoring period follows the previous one (the next day)
keeps nothing of its period in a slot of its own; one after a gap of more than a day keeps the gap
in one new slot of JCMProjects. The breakdown adds up to the receipt's ``gasUsed``.
"""

from __future__ import annotations

import pytest

from bench.gas import AFTER_A_GAP
from bench.trace import Traced, trace

ISSUANCE = "committee.issue_credits.2+2_signatures.4_allocations"
RETIREMENTS = (
    "retire.first_of_batch",
    "retire.next",
    "cancel.first_of_batch",
    "retire.third_registry.first_of_batch",
)
TRACED = (*RETIREMENTS, ISSUANCE, AFTER_A_GAP)


@pytest.fixture(scope="module")
def traced() -> dict[str, Traced]:
    """The traced operations, measured once on a private anvil with --steps-tracing."""
    return trace(TRACED)


def _new_slots(traced: Traced) -> int:
    return sum(part.new_slots for part in traced.parts.values())


def test_each_breakdown_adds_up_to_the_receipt(traced: dict[str, Traced]) -> None:
    for name, t in traced.items():
        assert t.intrinsic + t.executed == t.gas_used, name
    for name in RETIREMENTS:
        t = traced[name]
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


def test_a_consecutive_period_fills_no_slot_and_a_gap_one(traced: dict[str, Traced]) -> None:
    """The measured target's period starts the day after the previous one ends: JCMProjects
    fills one new slot, the verification report's marker. The same issuance a week later keeps
    the space between the periods in one new slot more of JCMProjects, and in no other contract."""
    consecutive, after_gap = traced[ISSUANCE], traced[AFTER_A_GAP]
    assert after_gap.parts["JCMProjects"].new_slots == 2
    assert _new_slots(after_gap) == _new_slots(consecutive) + 1
    # 4 holdings, the batch in the ledger and in JCMArticle6, and in JCMProjects the verification
    # report's marker, which holds the batch record's commitment (one report, one issuance)
    assert _new_slots(consecutive) == 7
    assert consecutive.parts["JCMProjects"].new_slots == 1


def test_an_issuance_logs_only_each_allocations_mint_on_the_ledger(
    traced: dict[str, Traced],
) -> None:
    """The ledger's part of the 2+2/4 issuance: one ERC-1155 mint per allocation and no other log
    (the allocations' serials follow from ``BatchIssued``), and its new slots are the batch and the
    four holdings."""
    ledger = traced[ISSUANCE].parts["JCMRegistry"]
    assert ledger.logs == 4
    assert ledger.new_slots == 5


def test_an_authorized_issuance_logs_nothing_in_article6(traced: dict[str, Traced]) -> None:
    """``JCMArticle6``'s part of the 2+2/4 issuance (authorized, two allocations to Japan's
    registry): Japan's share is first transferred into the batch's one new slot, and no event
    announces it (the issuance's mints and ``BatchIssued`` state it)."""
    article6 = traced[ISSUANCE].parts["JCMArticle6"]
    assert article6.logs == 0
    assert article6.new_slots == 1
