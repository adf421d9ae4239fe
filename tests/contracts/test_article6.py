"""Article 6 claims on chain (docs/design.md §2 rule 9): ``JCMArticle6`` and its call sites.

For every rule, the allowed path and the refused path with its exact custom error and arguments:
first transfer per serial (at issuance for Japan's share, by international transfer, by each
country's definition), NDC retirements by the host and by other parties, OIMP cancellations,
authorization decisions of the host's members (recorded, amended, revoked before any first
transfer), who may call each state-changing function, and the issuance's decision reference.

World (``contract_helpers``): ID and TH have stand-in committees the tests impersonate; VN has a
real ``JointCommittee`` (Japan 2 of 3, Vietnam 1 of 2). TH has no retirement or cancellation
account, so it is used only for definitions and first transfers.
"""

from __future__ import annotations

from typing import Any

import ape

from registry_client import decisions as d
from registry_client.domain import (
    Authorization,
    CancellationReason,
    FirstTransferDefinition,
    RetirementPurpose,
)
from support.batches import BatchRecord
from support.contracts import (
    DAY,
    ID,
    JP,
    TH,
    VN,
    World,
    addr,
    events,
    ranges,
    reverts,
    sign,
)

NDC = Authorization.NDC
OIMP = Authorization.OTHER_PURPOSES
BOTH = Authorization.NDC_AND_OTHER_PURPOSES
NONE = Authorization.NONE
ZERO_SIDE = b"\x00\x00"


def _now() -> int:
    return int(ape.chain.pending_timestamp)


def _ranges(event: dict[str, Any]) -> list[tuple[int, int]]:
    return [(int(r[0]), int(r[1])) for r in event["ranges"]]


def _first_transfers(receipt: Any) -> list[tuple[bytes, bytes, int, list[tuple[int, int]]]]:
    return [
        (bytes(e["fromParty"]), bytes(e["toParty"]), int(e["trigger"]), _ranges(e))
        for e in events(receipt, "SerialsFirstTransferred")
    ]


def _first_transfer_of(world: World, serial: int) -> tuple[bool, int, dict[str, Any]]:
    """``firstTransferOf(serial)`` with the record's fields by name."""
    transferred, batch_id, raw = world.article6.firstTransferOf(serial)
    names = ("first", "last", "at", "fromParty", "toParty", "trigger")
    record = dict(zip(names, raw, strict=True))
    record["fromParty"], record["toParty"] = bytes(record["fromParty"]), bytes(record["toParty"])
    return bool(transferred), int(batch_id), record


def _authorize(world: World, batch: int, authorization: int, **kw: Any) -> Any:
    """``setAuthorization`` as the ID committee (the stand-in the tests impersonate)."""
    decision = (
        batch,
        authorization,
        kw.get("authorization_id", "ID-LoA-2026-001"),
        kw.get("date", _now() - DAY),
    )
    return world.article6.setAuthorization(decision, sender=kw.get("sender", world.committees[ID]))


def _retire_ndc(world: World, holder: Any, batch: int, quantity: int, party: bytes) -> Any:
    return world.registry.retire(
        batch, quantity, party, RetirementPurpose.NDC, "", "", sender=holder
    )


def _cancel_oimp(world: World, holder: Any, batch: int, quantity: int) -> Any:
    return world.registry.cancel(
        batch,
        quantity,
        CancellationReason.OTHER_INTERNATIONAL_MITIGATION_PURPOSES,
        "",
        sender=holder,
    )


# --- first transfer per serial ---------------------------------------------------------------


def test_japans_share_of_an_authorized_batch_is_first_transferred_at_issuance(
    world: World,
) -> None:
    jp_gov, jp_a, id_a = world.jp.government, world.jp.companies[0], world.id.companies[0]
    receipt = world.issue_receipt(
        "ID012",
        [(jp_gov, 30), (jp_a, 20), (id_a, 50)],
        authorization=NDC,
        authorization_id="ID-LoA-1",
    )
    batch = int(world.registry.batchCount())
    # No event of its own: the issuance's logs state it, BatchIssued the batch's first serial and
    # the mints Japan's share (two adjacent allocations to Japan's registry: one range).
    assert _first_transfers(receipt) == []
    (issued,) = events(receipt, "BatchIssued")
    japan = {addr(jp_gov), addr(jp_a)}
    minted = sum(e["value"] for e in events(receipt, "TransferSingle") if e["to"] in japan)
    assert (issued["batch"][8], minted) == (1, 50)  # BatchInfo.firstSerial
    transferred, batch_id, record = _first_transfer_of(world, 50)
    block_time = world.registry.provider.get_block(receipt.block_number).timestamp
    assert (transferred, batch_id) == (True, batch)
    assert (record["first"], record["last"], record["at"]) == (1, 50, block_time)
    assert (record["fromParty"], record["toParty"]) == (ID, JP)
    assert record["trigger"] == FirstTransferDefinition.INTERNATIONAL_TRANSFER
    assert _first_transfer_of(world, 51)[:2] == (False, batch)
    assert _first_transfer_of(world, 10_000)[:2] == (False, 0)  # never issued
    state = world.article6.batchArticle6(batch)
    # the issuance's authorization id is in its record (BatchIssued), not kept again
    assert (bytes(state.country), state.authorization, state.authorizationId) == (ID, NDC, "")
    assert state.firstTransferRecords == 1 and not state.internationallyTransferred


def test_japans_interleaved_allocations_take_the_lowest_serials_and_one_record(
    world: World,
) -> None:
    jp_a, jp_b = world.jp.companies[0], world.jp.companies[1]
    id_a, id_b = world.id.companies[0], world.id.companies[1]
    receipt = world.issue_receipt(
        "ID012",
        [(id_a, 7), (jp_a, 20), (id_b, 5), (jp_b, 30), (jp_a, 1)],
        authorization=NDC,
        authorization_id="ID-LoA-1",
    )
    batch = int(world.registry.batchCount())
    # Japan's allocations first, in the decision's order, then the host's: Japan's share is one
    # range.
    expected = {addr(jp_a): [(1, 20), (51, 51)], addr(jp_b): [(21, 50)]}
    expected |= {addr(id_a): [(52, 58)], addr(id_b): [(59, 63)]}
    for holder, held in expected.items():
        assert ranges(world.registry.holdingRanges(holder, batch)) == held
    assert _first_transfers(receipt) == []  # the issuance's logs state it (see above)
    issued_at = world.registry.provider.get_block(receipt.block_number).timestamp
    assert _records(world, batch) == [
        (1, 51, issued_at, ID, JP, FirstTransferDefinition.INTERNATIONAL_TRANSFER)
    ]
    assert world.article6.batchArticle6(batch).firstTransferRecords == 1
    assert _first_transfer_of(world, 51)[:2] == (True, batch)
    assert _first_transfer_of(world, 52)[:2] == (False, batch)
    # The host's units leave its registry later: their own first transfer, after Japan's record.
    world.registry.transfer(jp_b, batch, 7, sender=id_a)
    assert _first_transfer_of(world, 52)[2]["first"] == 52


def _records(world: World, batch: int) -> list[tuple[int, int, int, bytes, bytes, int]]:
    """``firstTransfers(batch)`` as (first, last, at, from, to, trigger)."""
    return [
        (int(r[0]), int(r[1]), int(r[2]), bytes(r[3]), bytes(r[4]), int(r[5]))
        for r in world.article6.firstTransfers(batch)
    ]


def test_japans_share_kept_in_the_batch_slot_answers_and_moves_like_a_record(world: World) -> None:
    registry = world.registry
    jp_a, id_a, id_b = world.jp.companies[0], world.id.companies[0], world.id.companies[1]
    receipt = world.issue_receipt(
        "ID012", [(id_a, 10), (jp_a, 10)], authorization=NDC, authorization_id="L-lazy"
    )
    batch = int(registry.batchCount())
    issued_at = registry.provider.get_block(receipt.block_number).timestamp
    transfer = FirstTransferDefinition.INTERNATIONAL_TRANSFER
    issuance = (1, 10, issued_at, ID, JP, transfer)
    assert _records(world, batch) == [issuance]
    assert world.article6.batchArticle6(batch).firstTransferRecords == 1
    # Japan's units go to the host's registry and on: they stay first transferred at issuance.
    receipt = registry.transfer(id_b, batch, 4, sender=jp_a)  # 1-4
    assert _first_transfers(receipt) == []
    transferred, _, record = _first_transfer_of(world, 4)
    assert transferred and (record["first"], record["last"], record["at"]) == (1, 10, issued_at)
    assert _first_transfer_of(world, 11)[0] is False
    with reverts("Article6AlreadyFirstTransferred", batchId=batch, first=1, last=2):
        _retire_ndc(world, id_b, batch, 2, ID)  # the host cannot count what Japan acquired
    # The host's own units are first transferred later: the issuance's record is written out first.
    receipt = registry.transfer(jp_a, batch, 5, sender=id_a)  # 11-15
    assert _first_transfers(receipt) == [(ID, JP, transfer, [(11, 15)])]
    later = registry.provider.get_block(receipt.block_number).timestamp
    assert _records(world, batch) == [issuance, (11, 15, later, ID, JP, transfer)]
    assert world.article6.batchArticle6(batch).firstTransferRecords == 2
    receipt = registry.transfer(jp_a, batch, 4, sender=id_b)  # 1-4 come back: nothing new
    assert _first_transfers(receipt) == [] and len(_records(world, batch)) == 2
    _retire_ndc(world, jp_a, batch, 15, JP)  # 1-15, all first transferred to Japan
    _retire_ndc(world, id_a, batch, 5, ID)  # 16-20, never first transferred


def _issue_under(world: World, definition: int, authorization: int) -> tuple[int, int]:
    """Under ``definition``, issue 10 to the host and 5 to Japan (serials 1-5 are Japan's share);
    the batch id and its issuance time."""
    jp_a, id_a = world.jp.companies[0], world.id.companies[0]
    world.article6.setFirstTransferDefinition(ID, definition, sender=world.committees[ID])
    receipt = world.issue_receipt(
        "ID012", [(id_a, 10), (jp_a, 5)], authorization=authorization, authorization_id="L-share"
    )
    issued_at = world.registry.provider.get_block(receipt.block_number).timestamp
    return int(world.registry.batchCount()), int(issued_at)


def test_authorizing_other_purposes_later_keeps_japans_share_as_issued(world: World) -> None:
    batch, issued_at = _issue_under(world, FirstTransferDefinition.AUTHORIZATION, NDC)
    # NDC use only: no batch-level first transfer; Japan's share 1-5 went at issuance.
    assert world.article6.batchArticle6(batch).wholeBatchFirstTransferredAt == 0
    receipt = _authorize(world, batch, BOTH)
    assert _first_transfers(receipt) == [
        (ID, ZERO_SIDE, FirstTransferDefinition.AUTHORIZATION, [(6, 15)])
    ]
    transfer = FirstTransferDefinition.INTERNATIONAL_TRANSFER
    assert _records(world, batch) == [(1, 5, issued_at, ID, JP, transfer)]
    assert _first_transfer_of(world, 3)[2]["toParty"] == JP
    whole = _first_transfer_of(world, 6)[2]
    assert (whole["toParty"], whole["trigger"]) == (
        ZERO_SIDE,
        FirstTransferDefinition.AUTHORIZATION,
    )


def test_use_or_cancellation_adds_its_record_after_japans_share(world: World) -> None:
    jp_a, id_a = world.jp.companies[0], world.id.companies[0]
    batch, issued_at = _issue_under(world, FirstTransferDefinition.USE_OR_CANCELLATION, OIMP)
    assert _first_transfers(_cancel_oimp(world, jp_a, batch, 2)) == []  # 1-2, Japan's share
    receipt = _cancel_oimp(world, id_a, batch, 3)  # 6-8 in the host's registry
    cancellation = FirstTransferDefinition.USE_OR_CANCELLATION
    assert _first_transfers(receipt) == [(ID, ZERO_SIDE, cancellation, [(6, 8)])]
    at = world.registry.provider.get_block(receipt.block_number).timestamp
    transfer = FirstTransferDefinition.INTERNATIONAL_TRANSFER
    assert _records(world, batch) == [
        (1, 5, issued_at, ID, JP, transfer),
        (6, 8, at, ID, ZERO_SIDE, cancellation),
    ]


def test_japans_share_of_an_unauthorized_batch_is_no_itmo_even_if_authorized_later(
    world: World,
) -> None:
    jp_a, id_a = world.jp.companies[0], world.id.companies[0]
    receipt = world.issue_receipt("ID012", [(jp_a, 10), (id_a, 10)], vintage=2019)
    batch = int(world.registry.batchCount())
    assert _first_transfers(receipt) == []
    with reverts("Article6NotAuthorizedForNDC", batchId=batch, authorization=NONE):
        _retire_ndc(world, jp_a, batch, 1, JP)
    # The host authorizes it afterwards: the units already in Japan's registry were not ITMOs
    # when they moved and stay out of every NDC and in Japan's registry.
    _authorize(world, batch, NDC)
    with reverts("Article6NotFirstTransferred", batchId=batch, first=1, last=1):
        _retire_ndc(world, jp_a, batch, 1, JP)
    with reverts("Article6NotFirstTransferred", batchId=batch, first=1, last=2):
        world.registry.transfer(id_a, batch, 2, sender=jp_a)
    # Voluntary use stays open, and costs no Article 6 call.
    receipt = world.registry.retire(
        batch, 2, JP, RetirementPurpose.VOLUNTARY_OFFSET, "", "", sender=jp_a
    )
    assert not [log for log in receipt.events if log.contract_address == world.article6.address]
    # The host's own units are authorized now: their first international transfer counts.
    receipt = world.registry.transfer(jp_a, batch, 4, sender=id_a)
    assert _first_transfers(receipt) == [(ID, JP, 0, [(11, 14)])]
    # Lowest serials first: 3-10 (no ITMOs) come before the acquired 11-14.
    with reverts("Article6NotFirstTransferred", batchId=batch, first=3, last=6):
        _retire_ndc(world, jp_a, batch, 4, JP)
    world.registry.retire(batch, 8, JP, RetirementPurpose.VOLUNTARY_OFFSET, "", "", sender=jp_a)
    _retire_ndc(world, jp_a, batch, 4, JP)


def test_an_international_transfer_first_transfers_exactly_the_serials_never_transferred(
    world: World,
) -> None:
    registry, article6 = world.registry, world.article6
    id_a, id_b, jp_a = world.id.companies[0], world.id.companies[1], world.jp.companies[0]
    batch = world.issue("ID012", [(id_a, 100)], authorization=BOTH, authorization_id="L-1")
    receipt = registry.transfer(jp_a, batch, 10, sender=id_a)
    assert _first_transfers(receipt) == [(ID, JP, 0, [(1, 10)])]
    # 1-5 come back to the host's registry: already first transferred, no new record.
    receipt = registry.transfer(id_b, batch, 5, sender=jp_a)
    assert _first_transfers(receipt) == []
    (moved,) = events(receipt, "CreditsTransferred")
    assert moved["international"] and not moved["firstInternational"]
    registry.transfer(id_b, batch, 10, sender=id_a)  # 11-20, within the host's registry
    # id_b holds 1-5 (first transferred) and 11-20 (never): only 11-20 are first transferred now.
    receipt = registry.transfer(jp_a, batch, 15, sender=id_b)
    assert _first_transfers(receipt) == [(ID, JP, 0, [(11, 20)])]
    assert [tuple(r)[:2] for r in article6.firstTransfers(batch)] == [(1, 10), (11, 20)]
    assert article6.batchArticle6(batch).internationallyTransferred
    # A transfer on to a third party's registry is no first transfer: the host made it already.
    receipt = registry.transfer(world.vn.companies[0], batch, 3, sender=jp_a)
    assert _first_transfers(receipt) == []
    (moved,) = events(receipt, "CreditsTransferred")
    assert moved["international"] and not moved["firstInternational"]


def test_an_international_transfer_needs_an_authorized_batch(world: World) -> None:
    id_a, jp_a = world.id.companies[0], world.jp.companies[0]
    batch = world.issue("ID012", [(id_a, 10)])
    with reverts("Article6TransferNotAuthorized", batchId=batch, fromSide=ID, toSide=JP):
        world.registry.transfer(jp_a, batch, 1, sender=id_a)
    _authorize(world, batch, OIMP)
    receipt = world.registry.transfer(jp_a, batch, 1, sender=id_a)
    assert _first_transfers(receipt) == [(ID, JP, 0, [(1, 1)])]


# --- NDC retirements -------------------------------------------------------------------------


def test_the_host_counts_only_serials_never_first_transferred(world: World) -> None:
    id_gov, jp_a = world.id.government, world.jp.companies[0]
    batch = world.issue("ID012", [(id_gov, 100)], authorization=NDC, authorization_id="L-2")
    _retire_ndc(world, id_gov, batch, 10, ID)  # 1-10, never left Indonesia's registry
    assert world.article6.batchArticle6(batch).hostNdcUse == 10
    world.registry.transfer(jp_a, batch, 20, sender=id_gov)  # 11-30 first transferred to JP
    world.registry.transfer(id_gov, batch, 5, sender=jp_a)  # 11-15 come back
    with reverts("Article6AlreadyFirstTransferred", batchId=batch, first=11, last=15):
        _retire_ndc(world, id_gov, batch, 20, ID)
    # ... but they may still be used voluntarily, or cancelled.
    world.registry.retire(batch, 5, ID, RetirementPurpose.VOLUNTARY_OFFSET, "", "", sender=id_gov)
    _retire_ndc(world, id_gov, batch, 20, ID)  # 31-50
    # Japan counts what was first transferred to it.
    _retire_ndc(world, jp_a, batch, 15, JP)


def test_an_ndc_retirement_counts_only_in_the_using_partys_own_registry(world: World) -> None:
    jp_a, id_a = world.jp.companies[0], world.id.companies[0]
    batch = world.issue("ID012", [(jp_a, 10), (id_a, 10)], authorization=NDC, authorization_id="L")
    with reverts("Article6UsingPartyNotHolder", batchId=batch, usingParty=ID, side=JP):
        _retire_ndc(world, jp_a, batch, 1, ID)
    with reverts("Article6UsingPartyNotHolder", batchId=batch, usingParty=JP, side=ID):
        _retire_ndc(world, id_a, batch, 1, JP)
    with reverts("Article6UsingPartyNotHolder", batchId=batch, usingParty=VN, side=ID):
        _retire_ndc(world, id_a, batch, 1, VN)
    _retire_ndc(world, jp_a, batch, 1, JP)
    _retire_ndc(world, id_a, batch, 1, ID)


def test_another_party_counts_only_batches_authorized_for_ndc_use(world: World) -> None:
    jp_a = world.jp.companies[0]
    oimp_only = world.issue("ID012", [(jp_a, 10)], authorization=OIMP, authorization_id="L-3")
    with reverts("Article6NotAuthorizedForNDC", batchId=oimp_only, authorization=OIMP):
        _retire_ndc(world, jp_a, oimp_only, 1, JP)
    # The host adds NDC use: widening an authorization is allowed after a first transfer.
    _authorize(world, oimp_only, BOTH, authorization_id="L-3a")
    _retire_ndc(world, jp_a, oimp_only, 1, JP)


def test_a_third_party_counts_units_moved_on_to_its_registry(world: World) -> None:
    id_a, jp_a, vn_a = world.id.companies[0], world.jp.companies[0], world.vn.companies[0]
    batch = world.issue("ID012", [(id_a, 10)], authorization=NDC, authorization_id="L-4")
    world.registry.transfer(jp_a, batch, 6, sender=id_a)
    receipt = world.registry.transfer(vn_a, batch, 3, sender=jp_a)
    assert _first_transfers(receipt) == []  # first transferred by the host to Japan, not again
    _retire_ndc(world, vn_a, batch, 3, VN)
    _retire_ndc(world, jp_a, batch, 3, JP)
    _retire_ndc(world, id_a, batch, 4, ID)  # the host's 7-10 never left


# --- OIMP cancellations ----------------------------------------------------------------------


def test_an_oimp_cancellation_needs_an_oimp_authorization_and_a_first_transfer(
    world: World,
) -> None:
    jp_a, id_a = world.jp.companies[0], world.id.companies[0]
    ndc_only = world.issue("ID012", [(jp_a, 10)], authorization=NDC, authorization_id="L-5")
    with reverts("Article6NotAuthorizedForOIMP", batchId=ndc_only, authorization=NDC):
        _cancel_oimp(world, jp_a, ndc_only, 1)
    batch = world.issue("ID012", [(jp_a, 10), (id_a, 10)], authorization=BOTH, authorization_id="L")
    _cancel_oimp(world, jp_a, batch, 4)  # Japan's share, first transferred at issuance
    with reverts("Article6NotFirstTransferred", batchId=batch, first=21, last=22):
        _cancel_oimp(world, id_a, batch, 2)  # the default definition: first international transfer
    # Voluntary and overall-mitigation cancellations stay open to all, never an NDC use.
    for reason in (
        CancellationReason.VOLUNTARY_CANCELLATION,
        CancellationReason.OVERALL_MITIGATION,
    ):
        world.registry.cancel(ndc_only, 1, reason, "", sender=jp_a)
        world.registry.cancel(batch, 1, reason, "", sender=id_a)


def test_use_or_cancellation_first_transfers_at_the_oimp_cancellation(world: World) -> None:
    id_a = world.id.companies[0]
    world.article6.setFirstTransferDefinition(
        ID, FirstTransferDefinition.USE_OR_CANCELLATION, sender=world.committees[ID]
    )
    batch = world.issue("ID012", [(id_a, 10)], authorization=OIMP, authorization_id="L-6")
    receipt = _cancel_oimp(world, id_a, batch, 3)
    assert _first_transfers(receipt) == [
        (ID, ZERO_SIDE, FirstTransferDefinition.USE_OR_CANCELLATION, [(1, 3)])
    ]
    transferred, _, record = _first_transfer_of(world, 2)
    assert transferred and record["trigger"] == FirstTransferDefinition.USE_OR_CANCELLATION
    assert record["toParty"] == ZERO_SIDE
    # The host can no longer count them, nor revoke the authorization.
    with reverts("Article6AuthorizationLocked", batchId=batch, current=OIMP, requested=NONE):
        _authorize(world, batch, NONE)


# --- batch-level definitions -----------------------------------------------------------------


def test_issuance_definition_first_transfers_a_whole_oimp_batch_at_issuance(world: World) -> None:
    id_a, id_b = world.id.companies[0], world.id.companies[1]
    world.article6.setFirstTransferDefinition(
        ID, FirstTransferDefinition.ISSUANCE, sender=world.committees[ID]
    )
    # Units authorized for NDC use only keep the first international transfer (2/CMA.3 para 2).
    ndc_only = world.issue("ID012", [(id_a, 5)], authorization=NDC, authorization_id="L-7")
    assert world.article6.batchArticle6(ndc_only).wholeBatchFirstTransferredAt == 0
    receipt = world.issue_receipt(
        "ID012", [(id_a, 10), (id_b, 10)], authorization=OIMP, authorization_id="L-8"
    )
    batch = int(world.registry.batchCount())
    assert _first_transfers(receipt) == [
        (ID, ZERO_SIDE, FirstTransferDefinition.ISSUANCE, [(6, 25)])
    ]
    transferred, _, record = _first_transfer_of(world, 25)
    assert transferred and record["trigger"] == FirstTransferDefinition.ISSUANCE
    assert (record["first"], record["last"]) == (6, 25)
    with reverts("Article6AlreadyFirstTransferred", batchId=batch, first=6, last=7):
        _retire_ndc(world, id_a, batch, 2, ID)
    _cancel_oimp(world, id_a, batch, 2)
    # A first transfer fixes the country's definition.
    with reverts("Article6DefinitionLocked", country=ID):
        world.article6.setFirstTransferDefinition(
            ID, FirstTransferDefinition.INTERNATIONAL_TRANSFER, sender=world.committees[ID]
        )


def test_authorization_definition_refuses_what_the_host_already_counted(world: World) -> None:
    id_gov = world.id.government
    world.article6.setFirstTransferDefinition(
        ID, FirstTransferDefinition.AUTHORIZATION, sender=world.committees[ID]
    )
    batch = world.issue("ID012", [(id_gov, 10)])
    fresh = world.issue("ID012", [(id_gov, 10)])
    _retire_ndc(world, id_gov, batch, 3, ID)
    with reverts("Article6HostAlreadyCounted", batchId=batch, quantity=3):
        _authorize(world, batch, OIMP)
    receipt = _authorize(world, fresh, OIMP)
    assert _first_transfers(receipt) == [
        (ID, ZERO_SIDE, FirstTransferDefinition.AUTHORIZATION, [(11, 20)])
    ]


# --- authorization decisions -----------------------------------------------------------------


def test_authorizations_are_recorded_amended_and_revoked_before_a_first_transfer(
    world: World,
) -> None:
    id_a, jp_a = world.id.companies[0], world.jp.companies[0]
    batch = world.issue("ID012", [(id_a, 10)])
    date = _now() - 3 * DAY
    receipt = _authorize(world, batch, NDC, authorization_id="ID-LoA-9", date=date)
    (set_,) = events(receipt, "AuthorizationSet")
    assert (set_["batchId"], bytes(set_["country"])) == (batch, ID)
    assert (set_["previous"], set_["authorization"]) == (NONE, NDC)
    assert (set_["authorizationId"], set_["authorizationDate"]) == ("ID-LoA-9", date)
    info = world.article6.batchArticle6(batch)  # the current authorization the SDK reads
    assert (info.authorization, info.authorizationId, info.authorizationDate) == (
        NDC,
        "ID-LoA-9",
        date,
    )
    _authorize(world, batch, BOTH, authorization_id="ID-LoA-9-amended")
    _authorize(world, batch, NDC, authorization_id="ID-LoA-9-narrowed")  # nothing moved yet
    _authorize(world, batch, NONE, authorization_id="ID-LoA-9-revoked")
    assert world.article6.batchArticle6(batch).authorization == NONE
    _authorize(world, batch, NDC, authorization_id="ID-LoA-10")
    world.registry.transfer(jp_a, batch, 1, sender=id_a)
    with reverts("Article6AuthorizationLocked", batchId=batch, current=NDC, requested=NONE):
        _authorize(world, batch, NONE)
    with reverts("Article6AuthorizationLocked", batchId=batch, current=NDC, requested=OIMP):
        _authorize(world, batch, OIMP)
    _authorize(world, batch, BOTH)
    with reverts("Article6AuthorizationLocked", batchId=batch, current=BOTH, requested=OIMP):
        _authorize(world, batch, OIMP)


def test_an_authorization_needs_an_id_and_a_past_date(world: World) -> None:
    batch = world.issue("ID012", [(world.id.companies[0], 10)])
    with reverts("Article6EmptyText"):
        _authorize(world, batch, NDC, authorization_id="")
    with reverts("Article6TextTooLong", length=257, max=256):
        _authorize(world, batch, NDC, authorization_id="x" * 257)
    with reverts("Article6InvalidText", offset=3):
        _authorize(world, batch, NDC, authorization_id="LoA\u202e1")
    with reverts("Article6InvalidAuthorizationDate", authorizationDate=0):
        _authorize(world, batch, NDC, date=0)
    future = _now() + 10 * DAY
    with reverts("Article6InvalidAuthorizationDate", authorizationDate=future):
        _authorize(world, batch, NDC, date=future)
    with reverts("Article6UnknownBatch", batchId=999):
        _authorize(world, 999, NDC)


# --- who may call ----------------------------------------------------------------------------


def test_only_the_batchs_committee_decides_its_authorization(world: World) -> None:
    batch = world.issue("ID012", [(world.id.companies[0], 10)])
    for caller in (world.outsider, world.committees[TH], world.admin, world.authorities[ID]):
        with reverts("Article6NotCommittee", country=ID, caller=caller):
            _authorize(world, batch, NDC, sender=caller)
    _authorize(world, batch, NDC)


def test_only_a_countrys_committee_sets_its_definition(world: World) -> None:
    for caller in (world.outsider, world.committees[TH], world.authorities[ID]):
        with reverts("Article6NotCommittee", country=ID, caller=caller):
            world.article6.setFirstTransferDefinition(ID, 1, sender=caller)
    receipt = world.article6.setFirstTransferDefinition(ID, 1, sender=world.committees[ID])
    (defined,) = events(receipt, "FirstTransferDefinitionSet")
    assert (bytes(defined["country"]), defined["definition"]) == (ID, 1)
    assert world.article6.firstTransferDefinition(ID) == 1
    assert world.article6.firstTransferDefinition(TH) == 0


def test_only_the_registry_reports_movements_and_only_projects_issuances(world: World) -> None:
    batch = world.issue(
        "ID012", [(world.id.companies[0], 10)], authorization=NDC, authorization_id="L"
    )
    for caller in (world.outsider, world.committees[ID], world.authorities[ID]):
        with reverts("Article6NotRegistry", caller=caller):
            world.article6.recordMovement(0, batch, ID, JP, [(1, 10)], sender=caller)
    for caller in (world.outsider, world.committees[ID], world.admin):
        with reverts("Article6NotProjects", caller=caller):
            world.article6.recordIssuance(batch + 1, ID, NDC, 0, 11, 0, sender=caller)
    assert world.registry.article6() == world.article6.address
    assert world.article6.registry() == world.registry.address
    assert world.article6.projects() == world.projects.address


# --- through the joint committee: the partner side's threshold alone ---------------------------


def _vn_authorization(world: World, batch: int, authorization: int) -> d.SetAuthorizationDecision:
    return d.SetAuthorizationDecision(
        domain=world.domain(),
        nonce=world.committee_nonce(),
        deadline=world.deadline(),
        authorization=d.BatchAuthorization(
            batch_id=batch,
            authorization=authorization,
            authorization_id="VN-LoA-2026-001",
            authorization_date=_now() - DAY,
        ),
    )


def test_the_partner_members_alone_decide_an_authorization_japan_alone_cannot(
    world: World,
) -> None:
    vn_a, jp_a = world.vn.companies[0], world.jp.companies[0]
    decision = world.vn_issuance_decision([(vn_a, 10)])
    world.submit(decision, sign(decision, *world.japan_members[:2], world.partner_members[0]))
    batch = int(world.registry.batchCount())
    authorization = _vn_authorization(world, batch, NDC)
    with reverts("CommitteeInsufficientSignatures", side=VN, count=0, required=1):
        world.submit(authorization, sign(authorization, *world.japan_members))
    receipt = world.submit(authorization, sign(authorization, world.partner_members[1]))
    (executed,) = events(receipt, "DecisionExecuted")
    assert executed["kind"] == d.DecisionKind.SetAuthorization
    assert world.article6.batchArticle6(batch).authorization == NDC
    world.registry.transfer(jp_a, batch, 4, sender=vn_a)
    _retire_ndc(world, jp_a, batch, 4, JP)
    # Revocation after the first transfer is refused even with every member's signature.
    revoke = _vn_authorization(world, batch, NONE)
    with reverts("Article6AuthorizationLocked", batchId=batch, current=NDC, requested=NONE):
        world.submit(revoke, sign(revoke, *world.japan_members, *world.partner_members))


def test_the_committee_decides_authorizations_only_for_its_own_countrys_batches(
    world: World,
) -> None:
    batch = world.issue("ID012", [(world.id.companies[0], 10)])
    decision = _vn_authorization(world, batch, NDC)
    with reverts("Article6NotCommittee", country=ID, caller=world.joint):
        world.submit(decision, sign(decision, world.partner_members[0]))


def test_the_partner_members_alone_set_the_first_transfer_definition(world: World) -> None:
    decision = d.SetFirstTransferDefinitionDecision(
        domain=world.domain(),
        nonce=world.committee_nonce(),
        deadline=world.deadline(),
        rule=d.FirstTransferRule(definition=FirstTransferDefinition.ISSUANCE),
    )
    with reverts("CommitteeInsufficientSignatures", side=VN, count=0, required=1):
        world.submit(decision, sign(decision, *world.japan_members))
    world.submit(decision, sign(decision, world.partner_members[0]))
    assert world.article6.firstTransferDefinition(VN) == FirstTransferDefinition.ISSUANCE


# --- the joint-committee decision reference ----------------------------------------------------


def test_the_decision_reference_is_kept_with_the_batch(world: World) -> None:
    holder = world.jp.companies[0]
    receipt = world.issue_receipt("ID012", [(holder, 10)], decision="JC-ID-2023-05")
    (issued,) = events(receipt, "BatchIssued")
    assert issued["decisionId"] == bytes.fromhex(d.decision_id("JC-ID-2023-05")[2:])
    info = BatchRecord(*issued["batch"])  # state keeps its hash
    assert info.decisionRef == "JC-ID-2023-05"
    assert world.projects.verifyBatch(info)


def test_the_decision_reference_is_plain_text_whose_hash_is_the_decision_id(
    world: World,
) -> None:
    holder, committee = world.jp.companies[0], world.committees[ID]
    issuance = world.issuance("ID012", [(holder, 10)], decision="JC-ID-2023-05")
    other = d.decision_id("JC-ID-2023-06")
    mismatched = issuance.model_copy(update={"decision_id": other})
    with reverts("ProjectsDecisionRefMismatch", decisionRef="JC-ID-2023-05", decisionId=other):
        world.projects.issue(mismatched.as_tuple(), sender=committee)
    empty = issuance.model_copy(update={"decision_ref": "", "decision_id": d.decision_id("x")})
    with reverts("ProjectsEmptyText"):
        world.projects.issue(empty.as_tuple(), sender=committee)
    hostile = "JC-ID\x1b[2J"
    bad = issuance.model_copy(
        update={"decision_ref": hostile, "decision_id": d.decision_id(hostile)}
    )
    with reverts("ProjectsInvalidText", offset=5):
        world.projects.issue(bad.as_tuple(), sender=committee)
    world.projects.issue(issuance.as_tuple(), sender=committee)
