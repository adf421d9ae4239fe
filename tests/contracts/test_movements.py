"""Transfer, retirement, cancellation, pause, serial look-up.

See docs/design.md §2 rules 1-3, 7 and 8.
"""

from __future__ import annotations

import ape
import eth_abi
import pytest
from eth_utils import keccak

from registry_client import decisions as d
from registry_client.domain import (
    AccountKind,
    AccountStatus,
    Authorization,
    CancellationReason,
    RetirementPurpose,
    SerialLocation,
)
from support.contracts import (
    CANCELLATION_TYPE,
    ID,
    JP,
    RETIREMENT_TYPE,
    TH,
    VN,
    World,
    addr,
    events,
    forgeries,
    ranges,
    reverts,
    view_reverts,
    whole_list,
)
from support.invariants import assert_registry_invariants, cancellation_struct, retirement_struct

# --- transfer ---------------------------------------------------------------------------------


def test_transfer_within_a_side(world: World) -> None:
    registry, a, b = world.registry, world.jp.companies[0], world.jp.companies[1]
    batch = world.issue("ID012", [(a, 100)])
    receipt = registry.transfer(b, batch, 30, sender=a)
    assert events(receipt, "TransferSingle") == [
        {"operator": addr(a), "from": addr(a), "to": addr(b), "id": batch, "value": 30}
    ]
    (moved,) = events(receipt, "CreditsTransferred")
    assert moved["batchId"] == batch and moved["from"] == addr(a) and moved["to"] == addr(b)
    assert [tuple(r) for r in moved["ranges"]] == [(1, 30)]
    assert not moved["international"] and not moved["firstInternational"]
    assert ranges(registry.holdingRanges(a, batch)) == [(31, 100)]
    assert ranges(registry.holdingRanges(b, batch)) == [(1, 30)]
    assert registry.balanceOf(a, batch) == 70 and registry.balanceOf(b, batch) == 30
    assert whole_list(registry.batchHolders, batch) == [addr(a), addr(b)]
    assert whole_list(registry.accountBatches, b) == [batch]
    assert registry.accountInfo(b).nonEmptyHoldings == 1
    assert not world.article6.batchArticle6(batch).internationallyTransferred


def test_transfer_takes_lowest_serials_first_and_merges_adjacent_ranges(world: World) -> None:
    registry, jp = world.registry, world.jp
    a, b, c = jp.companies
    batch = world.issue("ID012", [(a, 10), (c, 10), (a, 10)])  # a: 1-10, 21-30; c: 11-20
    assert ranges(registry.holdingRanges(a, batch)) == [(1, 10), (21, 30)]
    receipt = registry.transfer(b, batch, 15, sender=a)
    (moved,) = events(receipt, "CreditsTransferred")
    assert [tuple(r) for r in moved["ranges"]] == [(1, 10), (21, 25)]
    assert ranges(registry.holdingRanges(a, batch)) == [(26, 30)]
    assert ranges(registry.holdingRanges(b, batch)) == [(1, 10), (21, 25)]
    # c's serials 11-20 fill b's gap: three ranges merge into one.
    registry.transfer(b, batch, 10, sender=c)
    assert ranges(registry.holdingRanges(b, batch)) == [(1, 25)]
    # Sent back piece by piece, a's holding merges again.
    registry.transfer(a, batch, 5, sender=b)  # 1-5
    assert ranges(registry.holdingRanges(a, batch)) == [(1, 5), (26, 30)]
    registry.transfer(a, batch, 20, sender=b)  # 6-25
    assert ranges(registry.holdingRanges(a, batch)) == [(1, 30)]
    assert registry.balanceOf(b, batch) == 0 and ranges(registry.holdingRanges(b, batch)) == []
    assert registry.accountInfo(b).nonEmptyHoldings == 0
    assert registry.accountInfo(c).nonEmptyHoldings == 0


def test_international_transfer_only_for_authorized_batches_first_marked(world: World) -> None:
    registry = world.registry
    jp_a, id_a, th_a = world.jp.companies[0], world.id.companies[0], world.th.companies[0]
    authorized = world.issue(
        "ID012",
        [(id_a, 100)],
        authorization=Authorization.NDC_AND_OTHER_PURPOSES,
        authorization_id="ID-A6-1",
    )
    receipt = registry.transfer(jp_a, authorized, 10, sender=id_a)
    (first,) = events(receipt, "CreditsTransferred")
    assert first["international"] and first["firstInternational"]
    assert world.article6.batchArticle6(authorized).internationallyTransferred
    # First transfer is per serial: the next serials leaving the host's registry are first
    # transferred by this second transfer, as the per-batch flag of old did not record.
    (second,) = events(registry.transfer(jp_a, authorized, 10, sender=id_a), "CreditsTransferred")
    assert second["international"] and second["firstInternational"]
    # Back to the partner side, and on to another partner: still international, not first.
    (back,) = events(registry.transfer(th_a, authorized, 5, sender=jp_a), "CreditsTransferred")
    assert back["international"] and not back["firstInternational"]

    unauthorized = world.issue("ID012", [(id_a, 10), (world.id.companies[1], 10)])
    for recipient, side in ((jp_a, JP), (th_a, TH), (world.vn.companies[0], VN)):
        with reverts(
            "Article6TransferNotAuthorized",
            batchId=unauthorized,
            fromSide=ID,
            toSide=side,
        ):
            registry.transfer(recipient, unauthorized, 1, sender=id_a)
    # Within the partner's own registry it moves freely.
    registry.transfer(world.id.companies[1], unauthorized, 10, sender=id_a)
    assert not world.article6.batchArticle6(unauthorized).internationallyTransferred


def test_transfer_refusals(world: World) -> None:
    registry, jp = world.registry, world.jp
    a, b = jp.companies[0], jp.companies[1]
    batch = world.issue("ID012", [(a, 10)])
    with reverts("RegistryZeroQuantity"):
        registry.transfer(b, batch, 0, sender=a)
    with reverts("RegistryInsufficientCredits", account=a, batchId=batch, balance=10, needed=11):
        registry.transfer(b, batch, 11, sender=a)
    with reverts("RegistryInsufficientCredits", account=b, batchId=batch, balance=0, needed=1):
        registry.transfer(a, batch, 1, sender=b)
    with reverts("RegistryUnknownBatch", batchId=batch + 1):
        registry.transfer(b, batch + 1, 1, sender=a)
    with reverts("RegistryUnknownBatch", batchId=0):
        registry.transfer(world.id.companies[0], 0, 1, sender=a)
    with reverts("RegistrySelfTransfer", account=a):
        registry.transfer(a, batch, 1, sender=a)
    # Only registered holding accounts send and receive.
    with reverts("RegistryUnknownAccount", account=world.outsider):
        registry.transfer(b, batch, 1, sender=world.outsider)
    with reverts("RegistryUnknownAccount", account=world.spare[0]):
        registry.transfer(world.spare[0], batch, 1, sender=a)
    for sink, kind in (
        (jp.retirement, AccountKind.RETIREMENT),
        (jp.cancellation, AccountKind.CANCELLATION),
    ):
        with reverts("RegistryInvalidAccountKind", account=sink, kind=kind):
            registry.transfer(sink, batch, 1, sender=a)


def test_frozen_accounts_neither_send_nor_receive(world: World) -> None:
    registry, jp = world.registry, world.jp
    a, b = jp.companies[0], jp.companies[1]
    batch = world.issue("ID012", [(a, 10), (b, 10)])
    registry.freezeAccount(a, sender=jp.registrar)
    frozen = AccountStatus.FROZEN
    with reverts("RegistryAccountNotActive", account=a, status=frozen):
        registry.transfer(b, batch, 1, sender=a)
    with reverts("RegistryAccountNotActive", account=a, status=frozen):
        registry.transfer(a, batch, 1, sender=b)
    with reverts("RegistryAccountNotActive", account=a, status=frozen):
        registry.retire(batch, 1, JP, RetirementPurpose.VOLUNTARY_OFFSET, "", "", sender=a)
    with reverts("RegistryAccountNotActive", account=a, status=frozen):
        registry.cancel(batch, 1, CancellationReason.VOLUNTARY_CANCELLATION, "", sender=a)
    with reverts("RegistryAccountNotEmpty", account=a, holdings=1):
        registry.closeAccount(a, sender=jp.registrar)
    registry.unfreezeAccount(a, sender=jp.registrar)
    registry.transfer(b, batch, 10, sender=a)
    assert registry.balanceOf(b, batch) == 20


# --- retirement and cancellation --------------------------------------------------------------


def test_retirement_is_recorded_with_its_serials(world: World) -> None:
    registry, jp = world.registry, world.jp
    a = jp.companies[0]
    # Authorized for NDC use, so Japan's share was first transferred to Japan at issuance.
    batch = world.issue(
        "ID012", [(a, 100)], authorization=Authorization.NDC, authorization_id="ID-LoA-1"
    )
    beneficiary, note = "東京都 (Tokyo Metropolitan Government)", "FY2023 NDC use"
    receipt = registry.retire(batch, 40, JP, RetirementPurpose.NDC, beneficiary, note, sender=a)
    assert events(receipt, "TransferSingle") == [
        {"operator": addr(a), "from": addr(a), "to": addr(jp.retirement), "id": batch, "value": 40}
    ]
    (retired,) = events(receipt, "CreditsRetired")
    record = retirement_struct(retired)
    assert [tuple(r) for r in retired.pop("ranges")] == [(1, 40)]
    retired_at = world.registry.provider.get_block(receipt.block_number).timestamp
    assert retired == {
        "retirementId": 1,
        "batchId": batch,
        "account": addr(a),
        "quantity": 40,
        "usingParty": JP,
        "purpose": RetirementPurpose.NDC,
        "beneficiary": beneficiary,
        "note": note,
        "retirementAccount": addr(jp.retirement),
        "retiredAt": retired_at,
    }
    # The ledger keeps the record's hash; the event is the record, and the view proves it.
    assert registry.retirementHash(1) == keccak(eth_abi.encode([RETIREMENT_TYPE], [record]))
    assert registry.verifyRetirement(record) is True
    assert registry.retirementCount() == 1
    assert registry.balanceOf(jp.retirement, batch) == 40
    assert ranges(registry.holdingRanges(jp.retirement, batch)) == []
    assert tuple(registry.batchTotals(batch)) == (100, 60, 40, 0)
    # A voluntary offset for another party, with empty texts.
    receipt = registry.retire(batch, 10, ID, RetirementPurpose.VOLUNTARY_OFFSET, "", "", sender=a)
    (second,) = events(receipt, "CreditsRetired")
    assert (second["retirementId"], bytes(second["usingParty"])) == (2, ID)
    assert second["purpose"] == RetirementPurpose.VOLUNTARY_OFFSET
    assert (second["beneficiary"], second["note"]) == ("", "")
    assert ranges(second["ranges"]) == [(41, 50)]
    assert registry.verifyRetirement(retirement_struct(second)) is True
    view_reverts(registry, "retirementHash", 0, error="RegistryUnknownRetirement", retirementId=0)
    view_reverts(registry, "retirementHash", 3, error="RegistryUnknownRetirement", retirementId=3)


def test_a_forged_record_fails_verification(world: World) -> None:
    """Any field of a record changed, one at a time (ranges shifted, split or cut), fails
    ``verifyRetirement`` / ``verifyCancellation``; the genuine record passes, and so does nothing
    of another id or an id never recorded."""
    registry, (a, _, c) = world.registry, world.jp.companies
    batch = world.issue("ID012", [(a, 10), (c, 10), (a, 10)])  # a: 1-10, 21-30
    receipt = registry.retire(batch, 15, JP, RetirementPurpose.VOLUNTARY_OFFSET, "B", "N", sender=a)
    retirement = retirement_struct(events(receipt, "CreditsRetired")[0])
    assert ranges(retirement[10]) == [(1, 10), (21, 25)]
    receipt = registry.cancel(batch, 5, CancellationReason.OVERALL_MITIGATION, "why", sender=a)
    cancellation = cancellation_struct(events(receipt, "CreditsCancelled")[0])
    assert registry.verifyRetirement(retirement) and registry.verifyCancellation(cancellation)
    checked = set()
    for verify, record in (
        (registry.verifyRetirement, retirement),
        (registry.verifyCancellation, cancellation),
    ):
        for field_index, forged in forgeries(record):
            assert verify(forged) is False, (record, field_index, forged)
            checked.add((len(record), field_index))
    assert len(checked) == len(retirement) + len(cancellation)  # every field of both was forged


def test_retirement_refusals(world: World) -> None:
    registry, jp = world.registry, world.jp
    a = jp.companies[0]
    batch = world.issue("ID012", [(a, 10)])
    with reverts("RegistryUnknownUsingParty", usingParty=b"MN"):
        registry.retire(batch, 1, b"MN", RetirementPurpose.VOLUNTARY_OFFSET, "", "", sender=a)
    with reverts("RegistryUnknownUsingParty", usingParty=b"\x00\x00"):
        registry.retire(batch, 1, b"\x00\x00", RetirementPurpose.VOLUNTARY_OFFSET, "", "", sender=a)
    with reverts("RegistryTextTooLong", length=257, max=256):
        registry.retire(batch, 1, JP, RetirementPurpose.VOLUNTARY_OFFSET, "b" * 257, "", sender=a)
    with reverts("RegistryTextTooLong", length=258, max=256):
        registry.retire(batch, 1, JP, RetirementPurpose.VOLUNTARY_OFFSET, "", "註" * 86, sender=a)
    with reverts("RegistryZeroQuantity"):
        registry.retire(batch, 0, JP, RetirementPurpose.VOLUNTARY_OFFSET, "", "", sender=a)
    with reverts("RegistryInsufficientCredits", account=a, batchId=batch, balance=10, needed=11):
        registry.retire(batch, 11, JP, RetirementPurpose.VOLUNTARY_OFFSET, "", "", sender=a)
    with reverts("RegistryUnknownAccount", account=world.outsider):
        registry.retire(
            batch, 1, JP, RetirementPurpose.VOLUNTARY_OFFSET, "", "", sender=world.outsider
        )
    # A side without a retirement account (TH) cannot retire yet.
    th_batch = world.issue("TH001", [(world.th.companies[0], 5)])
    with reverts("RegistryNoSideAccount", side=TH, kind=AccountKind.RETIREMENT):
        registry.retire(
            th_batch,
            1,
            TH,
            RetirementPurpose.VOLUNTARY_OFFSET,
            "",
            "",
            sender=world.th.companies[0],
        )
    registry.retire(
        batch, 1, JP, RetirementPurpose.VOLUNTARY_OFFSET, "b" * 256, "n" * 256, sender=a
    )


def test_cancellation_is_recorded_with_its_reason(world: World) -> None:
    registry, idn = world.registry, world.id
    a = idn.companies[0]
    # OIMP use needs an OIMP authorization and a first transfer: here, at the cancellation.
    world.article6.setFirstTransferDefinition(ID, 3, sender=world.committees[ID])
    batch = world.issue(
        "ID012", [(a, 30)], authorization=Authorization.OTHER_PURPOSES, authorization_id="L"
    )
    for reason in (
        CancellationReason.VOLUNTARY_CANCELLATION,
        CancellationReason.OTHER_INTERNATIONAL_MITIGATION_PURPOSES,
        CancellationReason.OVERALL_MITIGATION,
    ):
        receipt = registry.cancel(batch, 10, reason, f"reason {int(reason)}", sender=a)
        (cancelled,) = events(receipt, "CreditsCancelled")
        assert cancelled["reason"] == reason and cancelled["decisionId"] == bytes(32)
        assert cancelled["account"] == addr(a) and cancelled["quantity"] == 10
        (moved,) = events(receipt, "TransferSingle")
        assert moved["to"] == addr(idn.cancellation) and moved["value"] == 10
    record = cancellation_struct(cancelled)
    assert record[:9] == (
        3, batch, addr(a), addr(idn.cancellation), CancellationReason.OVERALL_MITIGATION, 10,
        world.registry.provider.get_block(receipt.block_number).timestamp, bytes(32), "reason 2",
    )  # fmt: skip
    assert ranges(record[9]) == [(21, 30)]
    assert registry.cancellationHash(3) == keccak(eth_abi.encode([CANCELLATION_TYPE], [record]))
    assert registry.verifyCancellation(record) is True
    assert registry.cancellationCount() == 3
    assert tuple(registry.batchTotals(batch)) == (30, 0, 0, 30)
    assert registry.accountInfo(a).nonEmptyHoldings == 0
    view_reverts(
        registry, "cancellationHash", 4, error="RegistryUnknownCancellation", cancellationId=4
    )


def test_cancellation_refusals(world: World) -> None:
    registry, a = world.registry, world.jp.companies[0]
    batch = world.issue("ID012", [(a, 10)])
    with reverts("RegistryReservedCancellationReason", reason=CancellationReason.CORRECTION):
        registry.cancel(batch, 1, CancellationReason.CORRECTION, "", sender=a)
    with reverts("RegistryTextTooLong", length=257, max=256):
        registry.cancel(batch, 1, CancellationReason.VOLUNTARY_CANCELLATION, "x" * 257, sender=a)
    with reverts("RegistryZeroQuantity"):
        registry.cancel(batch, 0, CancellationReason.VOLUNTARY_CANCELLATION, "", sender=a)
    with reverts("RegistryInsufficientCredits", account=a, batchId=batch, balance=10, needed=11):
        registry.cancel(batch, 11, CancellationReason.VOLUNTARY_CANCELLATION, "", sender=a)
    th_batch = world.issue("TH001", [(world.th.companies[0], 5)])
    with reverts("RegistryNoSideAccount", side=TH, kind=AccountKind.CANCELLATION):
        registry.cancel(
            th_batch, 1, CancellationReason.VOLUNTARY_CANCELLATION, "", sender=world.th.companies[0]
        )


def test_sinks_never_send_and_retired_credits_never_move(world: World) -> None:
    registry, jp = world.registry, world.jp
    a, b = jp.companies[0], jp.companies[1]
    batch = world.issue("ID012", [(a, 10)])
    registry.retire(batch, 5, JP, RetirementPurpose.VOLUNTARY_OFFSET, "", "", sender=a)
    registry.cancel(batch, 5, CancellationReason.VOLUNTARY_CANCELLATION, "", sender=a)
    for sink, kind in (
        (jp.retirement, AccountKind.RETIREMENT),
        (jp.cancellation, AccountKind.CANCELLATION),
    ):
        assert registry.balanceOf(sink, batch) == 5
        with reverts("RegistryInvalidAccountKind", account=sink, kind=kind):
            registry.transfer(b, batch, 1, sender=sink)
        with reverts("RegistryInvalidAccountKind", account=sink, kind=kind):
            registry.retire(batch, 1, JP, RetirementPurpose.VOLUNTARY_OFFSET, "", "", sender=sink)
        with reverts("RegistryInvalidAccountKind", account=sink, kind=kind):
            registry.cancel(batch, 1, CancellationReason.VOLUNTARY_CANCELLATION, "", sender=sink)
    # The holder has nothing left; the serials stay in their records.
    with reverts("RegistryInsufficientCredits", account=a, batchId=batch, balance=0, needed=1):
        registry.transfer(b, batch, 1, sender=a)
    assert world.registry.retirementCount() == world.registry.cancellationCount() == 1
    snapshot = assert_registry_invariants(registry, world.projects)
    assert snapshot.retirements[1].ranges == ((1, 5),)
    assert snapshot.cancellations[1].ranges == ((6, 10),)


# --- locating serials -------------------------------------------------------------------------


def test_locate_serial(world: World) -> None:
    registry, jp = world.registry, world.jp
    a, b = jp.companies[0], jp.companies[1]
    first = world.issue("ID012", [(a, 100)])
    second = world.issue("TH001", [(world.th.companies[0], 50)])
    registry.transfer(b, first, 10, sender=a)  # b: 1-10
    registry.retire(first, 20, JP, RetirementPurpose.VOLUNTARY_OFFSET, "", "", sender=a)  # 11-30
    registry.cancel(first, 5, CancellationReason.VOLUNTARY_CANCELLATION, "", sender=a)  # 31-35

    def where(serial: int) -> tuple[int, int, str]:
        w = registry.locateSerial(serial)
        return (w.location, w.batchId, w.account)

    zero = "0x0000000000000000000000000000000000000000"
    assert where(1) == (SerialLocation.HELD, first, addr(b))
    assert where(10) == (SerialLocation.HELD, first, addr(b))
    # Retired (11-30) and cancelled (31-35) alike: the records say which (kept as hashes).
    for serial in (11, 30, 31, 35):
        assert where(serial) == (SerialLocation.CONSUMED, first, zero)
    assert where(36) == (SerialLocation.HELD, first, addr(a))
    assert where(100) == (SerialLocation.HELD, first, addr(a))
    assert where(101) == (SerialLocation.HELD, second, addr(world.th.companies[0]))
    assert where(150) == (SerialLocation.HELD, second, addr(world.th.companies[0]))
    assert where(151) == (SerialLocation.UNISSUED, 0, zero)
    assert where(0) == (SerialLocation.UNISSUED, 0, zero)
    assert where(2**64 - 1) == (SerialLocation.UNISSUED, 0, zero)


# --- pause ------------------------------------------------------------------------------------


def test_pause_stops_holders_movements_but_not_signed_decisions(world: World) -> None:
    """A pause stops transfer, retirement and cancellation; issuances and corrections decided by
    both governments still execute, so no signed decision can lapse because of a pause."""
    registry, jp = world.registry, world.jp
    a, b = jp.companies[0], jp.companies[1]
    batch = world.issue("ID012", [(a, 100)])
    world.governance.pause(JP, 3600, sender=world.admin)
    until = int(registry.pauseState()[0])
    with reverts("RegistryPaused", until=until, side=JP):
        registry.transfer(b, batch, 1, sender=a)
    with reverts("RegistryPaused", until=until, side=JP):
        registry.retire(batch, 1, JP, RetirementPurpose.VOLUNTARY_OFFSET, "", "", sender=a)
    with reverts("RegistryPaused", until=until, side=JP):
        registry.cancel(batch, 1, CancellationReason.VOLUNTARY_CANCELLATION, "", sender=a)
    world.issue("ID012", [(a, 1)])
    world.projects.correct(d.decision_id("paused fix"), a, batch, 1, 1, sender=world.committees[ID])
    decision = world.vn_issuance_decision([(world.vn.companies[0], 1)])
    world.submit(decision, _sign_vn(world, decision))
    # Accounts are still managed while movements are paused.
    registry.freezeAccount(b, sender=jp.registrar)
    registry.unfreezeAccount(b, sender=jp.registrar)
    world.governance.unpause(sender=world.admin)
    registry.transfer(b, batch, 1, sender=a)
    registry.retire(batch, 1, JP, RetirementPurpose.VOLUNTARY_OFFSET, "", "", sender=a)
    registry.cancel(batch, 1, CancellationReason.VOLUNTARY_CANCELLATION, "", sender=a)
    assert tuple(registry.batchTotals(batch)) == (100, 97, 1, 2)


def test_a_pause_ends_by_itself(world: World) -> None:
    a, b = world.jp.companies[0], world.jp.companies[1]
    batch = world.issue("ID012", [(a, 10)])
    world.governance.pause(ID, 3600, sender=world.authorities[ID])
    assert world.registry.paused()
    ape.chain.pending_timestamp = int(world.registry.pauseState()[0])
    ape.chain.mine()
    assert not world.registry.paused()
    world.registry.transfer(b, batch, 1, sender=a)


def _sign_vn(world: World, decision: d.Decision) -> list[d.MemberSignature]:
    members = (world.japan_members[0], world.japan_members[1], world.partner_members[0])
    return d.sort_signatures(decision.sign(m) for m in members)


@pytest.mark.parametrize("holder_index", [0, 1])
def test_government_and_company_accounts_hold_alike(world: World, holder_index: int) -> None:
    registry = world.registry
    holder = world.jp.government if holder_index else world.jp.companies[0]
    batch = world.issue("ID012", [(holder, 10)])
    registry.transfer(world.jp.companies[1], batch, 2, sender=holder)
    registry.retire(batch, 3, JP, RetirementPurpose.VOLUNTARY_OFFSET, "", "", sender=holder)
    registry.cancel(batch, 4, CancellationReason.VOLUNTARY_CANCELLATION, "", sender=holder)
    assert registry.balanceOf(holder, batch) == 1
