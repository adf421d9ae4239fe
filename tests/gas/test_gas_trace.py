"""What a retirement's gas pays for (``bench.trace``, on the same scenario as the snapshot).

The storage layout's promise, checked where it is paid: a batch's first retirement into Japan's or
the host's retirement account fills exactly one new storage slot in any contract, its record's
commitment (the sink counts in the batch's slot, written anyway); a third registry's sink fills its
own holding slot too. An issuance's monitoring period takes half a slot of JCMProjects: the
project's issuance at one position opens the slot, the next fills it. The breakdown adds up to the
receipt's ``gasUsed``.
"""

from __future__ import annotations

import pytest

from bench.gas import OTHER_PERIOD_POSITION
from bench.trace import Traced, trace

ISSUANCE = "committee.issue_credits.2+2_signatures.4_allocations"
RETIREMENTS = (
    "retire.first_of_batch",
    "retire.next",
    "cancel.first_of_batch",
    "retire.third_registry.first_of_batch",
)
TRACED = (*RETIREMENTS, ISSUANCE, OTHER_PERIOD_POSITION)


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


def test_an_issuances_period_opens_a_pair_slot_or_fills_its_other_half(
    traced: dict[str, Traced],
) -> None:
    """The measured target fills a pair's second half; the same issuance at the other position
    opens a new slot: one new slot more in JCMProjects, and in no other contract."""
    filling, opening = traced[ISSUANCE], traced[OTHER_PERIOD_POSITION]
    assert opening.parts["JCMProjects"].new_slots == filling.parts["JCMProjects"].new_slots + 1
    assert _new_slots(opening) == _new_slots(filling) + 1
    # 4 holdings, the batch in the ledger and in JCMArticle6, and in JCMProjects the verification
    # report's marker, which holds the batch record's commitment (one report, one issuance)
    assert _new_slots(filling) == 7
    assert filling.parts["JCMProjects"].new_slots == 1


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
