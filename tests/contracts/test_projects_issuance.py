"""Projects, issuance and correction through JCMProjects (docs/design.md §2 rules 4, 5 and 7).

The ID and TH committees are plain accounts here: governance may point a country at any address,
and the committee contract's own checks are tested in ``test_committee.py``.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from eth_utils import keccak

from registry_client import decisions as d
from registry_client.domain import (
    MAX_BATCHES_PER_PROJECT,
    MAX_ISSUED_SERIAL,
    MAX_MONITORING_TIME,
    ZERO_ADDRESS,
    AccountKind,
    AccountStatus,
    Authorization,
    CancellationReason,
    FirstTransferDefinition,
    RetirementPurpose,
    SerialLocation,
)
from support.batches import BatchRecord, encode_record
from support.contracts import (
    BASE_TIME,
    DAY,
    ID,
    JP,
    TH,
    VN,
    World,
    addr,
    events,
    project_registration,
    ranges,
    reverts,
    view_reverts,
    whole_list,
)
from support.invariants import cancellation_struct

# --- projects ---------------------------------------------------------------------------------


def test_register_project_stores_and_emits(world: World) -> None:
    projects = world.projects
    title = "ジャカルタ工場の高効率冷凍機 (high-efficiency chillers)"
    registration = project_registration("ID014", ID, title=title, methodology="ID_AM002")
    receipt = projects.registerProject(registration.as_tuple(), sender=world.committees[ID])
    assert events(receipt, "ProjectRegistered") == [
        {
            "projectKey": keccak(text="ID014"),
            "country": ID,
            "ref": "ID014",
            "title": title,
            "methodology": "ID_AM002",
            "pddHash": keccak(text="ID014/pdd"),
            "validationReportHash": keccak(text="ID014/validation"),
        }
    ]
    info = projects.projectInfo("ID014")
    assert (info.ref, bytes(info.country), info.title, info.methodology) == (
        "ID014",
        ID,
        title,
        "ID_AM002",
    )
    assert info.registeredAt > 0 and info.batchCount == 0 and info.lastMonitoringEnd == 0
    assert projects.projectCount() == 5
    assert projects.projectRefAt(4) == "ID014"
    assert [projects.projectRefAt(i) for i in range(4)] == ["ID012", "ID013", "TH001", "VN001"]


def test_register_project_refusals(world: World) -> None:
    projects, committee = world.projects, world.committees[ID]

    def register(**overrides: object) -> None:
        values = {"ref": "ID099", **overrides}
        country = values.pop("country_code", ID)
        projects.registerProject(
            project_registration(values.pop("ref"), country, **values).as_tuple(), sender=committee
        )

    # Only the committee of the project's country.
    for who in (world.committees[TH], world.admin, world.outsider, world.id.registrar):
        with reverts("ProjectsNotCommittee", country=ID, caller=who):
            projects.registerProject(project_registration("ID099", ID).as_tuple(), sender=who)
    with reverts("ProjectsNotCommittee", country=b"MN", caller=committee):
        register(country_code=b"MN")
    with reverts("ProjectsNotCommittee", country=JP, caller=committee):
        register(country_code=JP)
    # One reference format: the country code of the committee's country and three digits.
    for ref in ("", "ID99", "ID0999", "id099", "TH099", "ID09X", "ID 99", "\uff29\uff24099"):
        with reverts("ProjectsInvalidRef", ref=ref, country=ID):
            register(ref=ref)
    # Texts.
    with reverts("ProjectsEmptyText"):
        register(title="")
    with reverts("ProjectsEmptyText"):
        register(methodology="")
    with reverts("ProjectsTextTooLong", length=257, max=256):
        register(title="t" * 257)
    with reverts("ProjectsTextTooLong", length=258, max=256):
        register(methodology="方" * 86)
    # Documents: non-zero, never reused (by this or any project, in either role).
    with reverts("ProjectsMissingDocument"):
        register(pdd_hash=bytes(32))
    with reverts("ProjectsMissingDocument"):
        register(validation_report_hash=bytes(32))
    used = keccak(text="ID012/pdd")
    with reverts("ProjectsDocumentAlreadyUsed", documentHash=used):
        register(pdd_hash=used)
    with reverts("ProjectsDocumentAlreadyUsed", documentHash=used):
        register(validation_report_hash=used)
    same = keccak(text="same document")
    with reverts("ProjectsDocumentAlreadyUsed", documentHash=same):
        register(pdd_hash=same, validation_report_hash=same)
    # The reference registers once, whatever its documents.
    with reverts("ProjectsAlreadyRegistered", ref="ID012"):
        register(
            ref="ID012", pdd_hash=keccak(text="new"), validation_report_hash=keccak(text="new2")
        )
    register(title="x" * 256)  # the limit itself is fine
    view_reverts(
        world.projects, "projectInfo", "ID100", error="ProjectsUnknownProject", ref="ID100"
    )


# --- issuance ---------------------------------------------------------------------------------


def test_issue_credits_allocations_with_global_serials(world: World) -> None:
    registry, projects = world.registry, world.projects
    jp_gov, id_company = world.jp.government, world.id.companies[0]
    issuance = world.issuance(
        "ID012",
        [(jp_gov, 3000), (id_company, 2000)],
        verified=5200,
        authorization=Authorization.NDC,
        authorization_id="ID-AUTH-2024-001",
        authorization_date=BASE_TIME + 400 * DAY,
    )
    receipt = projects.issue(issuance.as_tuple(), sender=world.committees[ID])
    assert registry.batchCount() == 1 and registry.latestSerial() == 5000
    # The ledger emits each allocation's ERC-1155 mint and nothing else: the allocations' serials
    # follow from BatchIssued's first serial, Japan's first (the holdings' ranges, below).
    assert [log["address"] for log in receipt.logs].count(registry.address) == 2
    operator = projects.address
    assert events(receipt, "TransferSingle") == [
        {"operator": operator, "from": ZERO_ADDRESS, "to": addr(jp_gov), "id": 1, "value": 3000},
        {
            "operator": operator,
            "from": ZERO_ADDRESS,
            "to": addr(id_company),
            "id": 1,
            "value": 2000,
        },
    ]
    batch_issued = events(receipt, "BatchIssued")
    assert len(batch_issued) == 1
    assert batch_issued[0]["decisionId"] == bytes.fromhex(issuance.decision_id[2:])
    assert batch_issued[0]["projectKey"] == keccak(text="ID012")
    info = BatchRecord(*batch_issued[0]["batch"])  # the record state keeps as a hash
    assert projects.verifyBatch(info)
    assert info.id == 1 and info.projectRef == "ID012" and bytes(info.country) == ID
    assert (info.monitoringStart, info.monitoringEnd) == (
        issuance.monitoring_start,
        issuance.monitoring_end,
    )
    assert (info.vintage, info.quantity, info.verifiedReductions) == (2023, 5000, 5200)
    assert (info.firstSerial, info.lastSerial) == (1, 5000)
    assert info.decisionId == bytes.fromhex(issuance.decision_id[2:])
    assert info.decisionRef == issuance.decision_ref == "ID012/issuance/1"
    assert info.authorization == Authorization.NDC
    assert info.authorizationId == "ID-AUTH-2024-001"
    assert info.authorizationDate == BASE_TIME + 400 * DAY
    assert not info.internationallyTransferred
    # Japan's share of an authorized batch entered Japan's registry: first transferred at issuance,
    # kept by JCMArticle6 with no event of its own (the mints and BatchIssued above state it).
    assert events(receipt, "SerialsFirstTransferred") == []
    issued_at = registry.provider.get_block(receipt.block_number).timestamp
    (kept,) = world.article6.firstTransfers(1)
    assert (kept[0], kept[1], kept[2], bytes(kept[3]), bytes(kept[4]), kept[5]) == (
        1, 3000, issued_at, ID, JP, FirstTransferDefinition.INTERNATIONAL_TRANSFER
    )  # fmt: skip
    # The verification report is used up by this batch; an issuance leaves no decision-id marker.
    assert projects.reportBatch(issuance.verification_report_hash) == 1
    assert not projects.correctionDecisionUsed(ID, issuance.decision_id)
    assert registry.balanceOf(jp_gov, 1) == 3000 and registry.balanceOf(id_company, 1) == 2000
    assert ranges(registry.holdingRanges(jp_gov, 1)) == [(1, 3000)]
    assert ranges(registry.holdingRanges(id_company, 1)) == [(3001, 5000)]
    assert whole_list(registry.batchHolders, 1) == [addr(jp_gov), addr(id_company)]
    assert whole_list(registry.accountBatches, jp_gov) == [1]
    assert tuple(registry.batchTotals(1)) == (5000, 5000, 0, 0)
    project = projects.projectInfo("ID012")
    assert project.batchCount == 1 and project.lastMonitoringEnd == issuance.monitoring_end

    # The next batch, of another project and country, continues the one global serial counter.
    batch = world.issue("TH001", [(world.th.companies[0], 7)])
    assert batch == 2
    assert tuple(registry.batchState(2))[1:] == (5001, 5007)
    assert registry.latestSerial() == 5007


#: ``BatchInfo``'s field types in order (RegistryTypes.sol), as the event signature spells them.
BATCH_INFO_TYPES = (
    "uint256,string,bytes2,uint64,uint64,uint16,uint64,uint64,uint64,uint64,bytes32,string,"
    "bytes32,uint8,string,uint64,uint64,bool"
)


def _forged(value: Any) -> Any:
    """``value`` changed, keeping its ABI type."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    raw = bytes(value)
    return bytes([raw[0] ^ 1]) + raw[1:]


def test_batch_record_verifies_only_as_issued(world: World) -> None:
    """The issuance record lives in the event; state keeps its hash, so the genuine record
    verifies and a record with any one field changed does not."""
    receipt = world.issue_receipt(
        "ID012", [(world.jp.government, 30)], authorization=Authorization.NDC
    )
    (issued,) = events(receipt, "BatchIssued")
    genuine = tuple(issued["batch"])
    assert world.projects.verifyBatch(genuine)
    # The log is exactly what `emit BatchIssued(...)` would write (JCMProjects logs the bytes it
    # hashed): the three indexed topics, and the record's ABI encoding as the data.
    (log,) = [g for g in receipt.logs if g["address"] == world.projects.address]
    assert [bytes(t) for t in log["topics"]] == [
        keccak(text=f"BatchIssued(uint256,bytes32,bytes32,({BATCH_INFO_TYPES}))"),
        (1).to_bytes(32, "big"),
        keccak(text="ID012"),
        bytes(genuine[10]),
    ]
    assert bytes(log["data"]) == encode_record(genuine)
    for index in range(len(genuine)):
        forged = (*genuine[:index], _forged(genuine[index]), *genuine[index + 1 :])
        assert not world.projects.verifyBatch(forged), f"field {index} changed still verifies"
    # A correction's decision id is marked used, and no batch record verifies against it.
    correction = d.decision_id("ID012/correction/forged")
    world.projects.correct(
        correction, world.jp.government, 1, genuine[8], genuine[8], sender=world.committees[ID]
    )
    assert world.projects.correctionDecisionUsed(ID, correction)
    reused = (*genuine[:10], bytes.fromhex(correction[2:]), *genuine[11:])
    assert not world.projects.verifyBatch(reused)
    # A record is looked up by its verification report: another batch's genuine record, given this
    # batch's report, does not verify, nor does a record of an unused report.
    second = world.issue_receipt("ID012", [(world.jp.government, 5)])
    other = tuple(events(second, "BatchIssued")[0]["batch"])
    assert world.projects.verifyBatch(other)
    assert not world.projects.verifyBatch((*other[:12], genuine[12], *other[13:]))
    assert not world.projects.verifyBatch((*genuine[:12], keccak(text="unused"), *genuine[13:]))


def test_monitoring_periods_never_overlap(world: World) -> None:
    holder = world.jp.companies[0]
    first = world.issuance("ID012", [(holder, 10)], start=BASE_TIME, end=BASE_TIME + 99)
    world.projects.issue(first.as_tuple(), sender=world.committees[ID])
    for start in (BASE_TIME, BASE_TIME + 50, BASE_TIME + 99):
        with reverts(
            "ProjectsMonitoringPeriodOverlaps",
            ref="ID012",
            start=start,
            end=BASE_TIME + 200,
        ):
            world.issue("ID012", [(holder, 10)], start=start, end=BASE_TIME + 200)
    # Another project's periods are independent; the next period of this one is fine.
    world.issue("ID013", [(holder, 10)], start=BASE_TIME, end=BASE_TIME + 99)
    world.issue("ID012", [(holder, 10)], start=BASE_TIME + 100, end=BASE_TIME + 100)
    with reverts("ProjectsInvalidMonitoringPeriod", start=BASE_TIME + 500, end=BASE_TIME + 499):
        world.issue("ID012", [(holder, 10)], start=BASE_TIME + 500, end=BASE_TIME + 499)


def _gaps(world: World, ref: str) -> list[tuple[int, int]]:
    return sorted(tuple(g) for g in world.projects.periodGaps(ref))


def _span(info: Any) -> tuple[int, int, int]:
    return (int(info.firstMonitoringStart), int(info.lastMonitoringEnd), int(info.batchCount))


def test_periods_may_arrive_out_of_order_but_never_overlap(world: World) -> None:
    holder = world.jp.companies[0]
    t = BASE_TIME
    world.issue("ID012", [(holder, 10)], start=t + 10 * DAY, end=t + 19 * DAY)
    assert (_span(world.projects.projectInfo("ID012")), _gaps(world, "ID012")) == (
        (t + 10 * DAY, t + 19 * DAY, 1),
        [],
    )
    # A period more than a day after the latest leaves the space between them as a gap.
    world.issue("ID012", [(holder, 10)], start=t + 30 * DAY, end=t + 39 * DAY)
    assert _gaps(world, "ID012") == [(t + 19 * DAY, t + 30 * DAY)]
    # An earlier period, and one in the middle of the gap, arrive late: both fit, and what they
    # leave free beside them stays a gap.
    world.issue("ID012", [(holder, 10)], start=t, end=t + 5 * DAY)
    assert _gaps(world, "ID012") == [(t + 5 * DAY, t + 10 * DAY), (t + 19 * DAY, t + 30 * DAY)]
    world.issue("ID012", [(holder, 10)], start=t + 22 * DAY, end=t + 25 * DAY)
    assert _gaps(world, "ID012") == [
        (t + 5 * DAY, t + 10 * DAY),
        (t + 19 * DAY, t + 22 * DAY),
        (t + 25 * DAY, t + 30 * DAY),
    ]
    assert _span(world.projects.projectInfo("ID012")) == (t, t + 39 * DAY, 4)
    # A late period overlapping any of them is refused, and the gaps are unchanged.
    for start, end in [
        (t + 25 * DAY, t + 26 * DAY),  # starts on the last second of batch 4
        (t + 29 * DAY, t + 30 * DAY),  # ends on the first second of batch 2
        (t + 18 * DAY, t + 23 * DAY),  # spans batch 1's end and batch 4's start
        (t + 11 * DAY, t + 12 * DAY),  # inside batch 1
        (t - DAY, t),  # ends on the first second of the earliest batch
        (t + 39 * DAY, t + 40 * DAY),  # starts on the last second of the latest
    ]:
        with reverts("ProjectsMonitoringPeriodOverlaps", ref="ID012", start=start, end=end):
            world.issue("ID012", [(holder, 10)], start=start, end=end)
    assert len(_gaps(world, "ID012")) == 3
    # A period that fills a gap exactly, to the second, removes it; one that leaves a side free
    # shrinks it.
    world.issue("ID012", [(holder, 10)], start=t + 19 * DAY + 1, end=t + 22 * DAY - 1)
    world.issue("ID012", [(holder, 10)], start=t + 25 * DAY + 1, end=t + 28 * DAY)
    assert _gaps(world, "ID012") == [(t + 5 * DAY, t + 10 * DAY), (t + 28 * DAY, t + 30 * DAY)]
    world.issue("ID012", [(holder, 10)], start=t + 8 * DAY, end=t + 10 * DAY - 1)
    assert _gaps(world, "ID012") == [(t + 5 * DAY, t + 8 * DAY), (t + 28 * DAY, t + 30 * DAY)]
    assert _span(world.projects.projectInfo("ID012")) == (t, t + 39 * DAY, 7)


def test_consecutive_periods_leave_nothing_between_them(world: World) -> None:
    """Periods at most PERIOD_ADJACENCY (a day) apart are consecutive: no gap is kept between
    them, so nothing can be issued there later. Periods given as dates (midnight UTC, the next
    starting the day after the last ends) are exactly a day apart, and no period given as dates
    could fit between them."""
    holder = world.jp.companies[0]
    t = BASE_TIME
    assert int(world.projects.PERIOD_ADJACENCY()) == DAY
    world.issue("ID012", [(holder, 1)], start=t, end=t + 9 * DAY)
    world.issue("ID012", [(holder, 1)], start=t + 10 * DAY, end=t + 19 * DAY)  # the next day
    world.issue("ID012", [(holder, 1)], start=t + 19 * DAY + 1, end=t + 29 * DAY)  # next second
    assert _gaps(world, "ID012") == []
    for start, end in [(t + 9 * DAY + 1, t + 9 * DAY + 2), (t + 10 * DAY - 1, t + 10 * DAY - 1)]:
        with reverts("ProjectsMonitoringPeriodOverlaps", ref="ID012", start=start, end=end):
            world.issue("ID012", [(holder, 1)], start=start, end=end)
    # One second more than a day apart: the space is kept, and a sub-day period fits into it.
    world.issue("ID012", [(holder, 1)], start=t + 30 * DAY + 1, end=t + 39 * DAY)
    assert _gaps(world, "ID012") == [(t + 29 * DAY, t + 30 * DAY + 1)]
    # Filling its middle leaves two spaces of at most a day: neither is kept.
    world.issue("ID012", [(holder, 1)], start=t + 29 * DAY + 1, end=t + 30 * DAY)
    assert _gaps(world, "ID012") == []
    # The same before a project's first period: a period ending the day before it starts fits
    # and leaves no gap; one ending earlier leaves one.
    world.issue("ID012", [(holder, 1)], start=t - 10 * DAY, end=t - DAY)
    assert _gaps(world, "ID012") == []
    world.issue("ID012", [(holder, 1)], start=t - 30 * DAY, end=t - 20 * DAY)
    assert _gaps(world, "ID012") == [(t - 20 * DAY, t - 10 * DAY)]
    assert _span(world.projects.projectInfo("ID012")) == (t - 30 * DAY, t + 39 * DAY, 7)


def test_a_filled_gap_is_replaced_by_the_last_and_times_are_kept_to_2_pow_40(
    world: World,
) -> None:
    """Gaps are kept one a slot in no order; a gap a period fills exactly is replaced by the last
    one, so each of the others is still found and checked. Times up to MAX_MONITORING_TIME
    (2^40 - 1) are kept exactly, later ones are refused."""
    holder = world.jp.companies[0]
    t = BASE_TIME
    top = MAX_MONITORING_TIME
    spans = [(t + 10 * DAY * k, t + 10 * DAY * k + 4 * DAY) for k in range(5)]
    for start, end in spans:
        world.issue("ID012", [(holder, 1)], start=start, end=end)
    gaps = [(a[1], b[0]) for a, b in pairwise(spans)]
    assert _gaps(world, "ID012") == gaps
    # Fill the first gap exactly: the last one takes its slot, and all three others still refuse
    # an overlap and take a period.
    world.issue("ID012", [(holder, 1)], start=gaps[0][0] + 1, end=gaps[0][1] - 1)
    assert _gaps(world, "ID012") == gaps[1:]
    assert tuple(world.projects.periodGaps("ID012")[0]) == gaps[3]
    for after, before in gaps[1:]:
        with reverts("ProjectsMonitoringPeriodOverlaps", ref="ID012", start=after, end=after + 1):
            world.issue("ID012", [(holder, 1)], start=after, end=after + 1)
        world.issue("ID012", [(holder, 1)], start=after + 1, end=before - 1)
    assert _gaps(world, "ID012") == []
    # The latest possible end, and a gap up to it.
    last = world.issue("ID012", [(holder, 1)], start=top - 10, end=top)
    assert world.projects.projectInfo("ID012").lastMonitoringEnd == top
    assert _gaps(world, "ID012") == [(spans[-1][1], top - 10)]
    assert last == int(world.registry.batchCount())
    with reverts("ProjectsMonitoringPeriodOverlaps", ref="ID012", start=top, end=top):
        world.issue("ID012", [(holder, 1)], start=top, end=top)
    # A period ending after 2^40 - 1 seconds is refused, whether or not it starts within.
    for start in (top, top + 1):
        with reverts("ProjectsInvalidMonitoringPeriod", start=start, end=top + 1):
            world.issue("ID013", [(holder, 1)], start=start, end=top + 1)
    assert world.projects.projectInfo("ID013").batchCount == 0
    view_reverts(world.projects, "periodGaps", "ID999", error="ProjectsUnknownProject", ref="ID999")


def test_issuance_refusals(world: World) -> None:
    holder, other = world.jp.companies[0], world.id.companies[0]
    id_committee = world.committees[ID]
    # Unknown project; a committee of another country; anyone else.
    with reverts("ProjectsUnknownProject", ref="ID999"):
        world.projects.issue(
            world.issuance("ID012", [(holder, 1)])
            .model_copy(update={"project_ref": "ID999"})
            .as_tuple(),
            sender=id_committee,
        )
    for who in (world.committees[TH], world.admin, world.outsider, holder):
        with reverts("ProjectsNotCommittee", country=ID, caller=who):
            world.projects.issue(world.issuance("ID012", [(holder, 1)]).as_tuple(), sender=who)
    # Quantities.
    with reverts("ProjectsQuantityExceedsVerified", quantity=11, verifiedReductions=10):
        world.issue("ID012", [(holder, 11)], verified=10)
    with reverts("ProjectsZeroQuantity"):
        world.issue("ID012", [(holder, 0)])
    with reverts("RegistryAllocationMismatch", allocated=10, quantity=12):
        world.issue("ID012", [(holder, 4), (other, 6)], quantity=12)
    with reverts("RegistryAllocationMismatch", allocated=11, quantity=10):
        world.issue("ID012", [(holder, 4), (other, 7)], quantity=10)
    with reverts("RegistryZeroQuantity"):
        world.issue("ID012", [(holder, 10), (other, 0)])
    with reverts("RegistryAllocationCount", count=0, max=32):
        world.issue("ID012", [], quantity=10)
    many = [(holder if i % 2 else other, 1) for i in range(33)]
    with reverts("RegistryAllocationCount", count=33, max=32):
        world.issue("ID012", many)
    # Vintage.
    for vintage in (2012, 2101, 0):
        with reverts("ProjectsInvalidVintage", vintage=vintage, min=2013, max=2100):
            world.issue("ID012", [(holder, 1)], vintage=vintage)
    # Texts.
    with reverts("ProjectsTextTooLong", length=257, max=256):
        world.issue("ID012", [(holder, 1)], authorization_id="a" * 257)
    # An authorization date beyond the 40 bits JCMArticle6 keeps it in (the year 36812).
    beyond = 2**40
    with reverts("Article6InvalidAuthorizationDate", authorizationDate=beyond):
        world.issue(
            "ID012",
            [(holder, 1)],
            authorization=Authorization.NDC,
            authorization_id="ID-LoA-1",
            authorization_date=beyond,
        )


def test_issuance_recipients_must_be_active_holding_accounts(world: World) -> None:
    jp = world.jp
    with reverts("RegistryUnknownAccount", account=world.spare[0]):
        world.issue("ID012", [(jp.companies[0], 1), (world.spare[0], 1)])
    for sink, kind in (
        (jp.retirement, AccountKind.RETIREMENT),
        (jp.cancellation, AccountKind.CANCELLATION),
    ):
        with reverts("RegistryInvalidAccountKind", account=sink, kind=kind):
            world.issue("ID012", [(sink, 1)])
    world.registry.freezeAccount(jp.companies[1], sender=jp.registrar)
    with reverts("RegistryAccountNotActive", account=jp.companies[1], status=AccountStatus.FROZEN):
        world.issue("ID012", [(jp.companies[1], 1)])
    # Government holding accounts receive, on either side.
    batch = world.issue("ID012", [(jp.government, 1), (world.id.government, 2)])
    assert world.registry.balanceOf(world.id.government, batch) == 2


def test_issuance_allocates_only_within_the_joint_committees_two_registries(world: World) -> None:
    """An ID joint committee issues into Japan's registry and Indonesia's, never into a third
    registry: credits would enter Thailand's registry without an authorized, recorded
    international transfer (docs/design.md §1 "each registry remains distinct")."""
    th_company = world.th.companies[0]
    with reverts("RegistryAllocationOutsideCommittee", account=th_company, side=TH, country=ID):
        world.issue("ID012", [(world.jp.companies[0], 5), (th_company, 5)])
    with reverts(
        "RegistryAllocationOutsideCommittee", account=world.vn.government, side=VN, country=TH
    ):
        world.issue("TH001", [(world.vn.government, 5)])
    batch = world.issue("TH001", [(world.jp.government, 5), (world.th.government, 5)])
    assert world.registry.balanceOf(world.th.government, batch) == 5


def test_issuance_lists_each_holder_once_when_the_first_account_is_allocated_again(
    world: World,
) -> None:
    """The first allocation's account heads the batch's holder list and every later new holder is
    linked after it; allocated again (before and after others), it is not listed twice."""
    head, jp_other = world.jp.companies[0], world.jp.companies[1]
    id_holder = world.id.companies[0]
    batch = world.issue("ID012", [(head, 3), (id_holder, 2), (head, 4), (jp_other, 1)])
    holders = whole_list(world.registry.batchHolders, batch)
    assert holders == [head, jp_other, id_holder]
    assert [world.registry.balanceOf(a, batch) for a in holders] == [7, 1, 2]


def test_an_account_named_by_two_allocations_holds_both_in_one_holding(world: World) -> None:
    """An issuance writes each new holding whole at its account's first allocation; an account named
    again adds its next range to that holding: two ranges when another account's allocation of its
    side came between, one merged range when none did. Each holding is counted and listed once."""
    registry = world.registry
    a, b = world.jp.companies[0], world.jp.companies[1]
    host = world.id.companies[0]
    count_a = registry.accountInfo(a).nonEmptyHoldings
    batch = world.issue("ID012", [(a, 3), (host, 2), (b, 2), (host, 5), (a, 4)])
    first = int(registry.batchState(batch).firstSerial)
    # Japan's allocations first, each side in the decision's order.
    assert ranges(registry.holdingRanges(a, batch)) == [(first, first + 2), (first + 5, first + 8)]
    assert ranges(registry.holdingRanges(b, batch)) == [(first + 3, first + 4)]
    assert ranges(registry.holdingRanges(host, batch)) == [(first + 9, first + 15)]
    assert [registry.balanceOf(x, batch) for x in (a, b, host)] == [7, 2, 7]
    assert whole_list(registry.batchHolders, batch) == [a, b, host]
    assert registry.accountInfo(a).nonEmptyHoldings == count_a + 1
    assert whole_list(registry.accountBatches, a).count(batch) == 1
    assert whole_list(registry.accountBatches, host)[0] == batch


def test_a_verification_report_is_issued_for_once(world: World) -> None:
    """One verification, one issuance: a second issuance citing the report is refused, whatever
    its quantity, verified reductions, project or committee, and changes nothing."""
    holder = world.jp.companies[0]
    report = keccak(text="ID012 verification 2023")
    assert world.projects.reportBatch(report) == 0
    batch = world.issue("ID012", [(holder, 60)], verified=100, report=report)
    assert world.projects.reportBatch(report) == batch
    retries = (
        ("ID012", 40, 100, world.committees[ID]),  # the rest of its verified reductions
        ("ID012", 1, 100, world.committees[ID]),
        ("ID012", 41, 200, world.committees[ID]),  # stating other verified reductions
        ("ID013", 1, 100, world.committees[ID]),  # another project of the committee
        ("TH001", 1, 100, world.committees[TH]),  # another country's committee
    )
    for ref, quantity, verified, committee in retries:
        issuance = world.issuance(ref, [(holder, quantity)], verified=verified, report=report)
        with reverts("ProjectsReportAlreadyUsed", reportHash=report, batchId=batch):
            world.projects.issue(issuance.as_tuple(), sender=committee)
    assert world.registry.batchCount() == batch
    assert world.projects.projectInfo("ID012").batchCount == 1
    assert world.projects.projectInfo("ID013").batchCount == 0
    # The report check comes before the caller's other mistakes, so a replay reads as one.
    with reverts("ProjectsReportAlreadyUsed", reportHash=report, batchId=batch):
        world.issue("ID012", [(holder, 0)], report=report)
    with reverts("ProjectsMissingVerificationReport"):
        world.issue("ID012", [(holder, 1)], report=bytes(32))
    # Only the project's committee reaches the report check: others are refused as callers.
    with reverts("ProjectsNotCommittee", country=ID, caller=world.outsider):
        world.projects.issue(
            world.issuance("ID012", [(holder, 1)], report=report).as_tuple(),
            sender=world.outsider,
        )
    # Another report of the same project is a new verification: issued for.
    world.issue(
        "ID012", [(holder, 40)], verified=100, report=keccak(text="ID012 verification 2024")
    )
    assert world.projects.reportBatch(keccak(text="ID012 verification 2024")) == batch + 1


def test_one_issuance_cannot_exhaust_the_serial_space(world: World) -> None:
    holder = world.jp.companies[0]
    ceiling = int(world.projects.MAX_ISSUANCE_QUANTITY())
    assert ceiling == 10**9
    with reverts("ProjectsQuantityAboveCeiling", quantity=ceiling + 1, max=ceiling):
        world.issue("ID012", [(holder, ceiling + 1)])
    with reverts("ProjectsQuantityAboveCeiling", quantity=2**64 - 1, max=ceiling):
        world.issue("ID012", [(holder, 2**64 - 1)])
    world.issue("ID012", [(holder, ceiling)])
    assert world.registry.latestSerial() == ceiling


def test_correction_decision_ids_are_used_once_per_committee(world: World) -> None:
    holder = world.jp.companies[0]
    batch = world.issue("ID012", [(holder, 10)])
    th_batch = world.issue("TH001", [(world.th.companies[0], 10)])
    decision = d.decision_id("JC-2024-fix-01")
    world.projects.correct(decision, holder, batch, 1, 1, sender=world.committees[ID])
    assert world.projects.correctionDecisionUsed(ID, decision)
    assert not world.projects.correctionDecisionUsed(TH, decision)
    with reverts("ProjectsDecisionAlreadyUsed", country=ID, decisionId=decision):
        world.projects.correct(decision, holder, batch, 2, 2, sender=world.committees[ID])
    # Another committee's ids are its own: the same id passes TH's check and reaches the ledger
    # (which refuses only because TH has no cancellation account yet).
    first = int(world.registry.batchState(th_batch).firstSerial)
    with reverts("RegistryNoSideAccount", side=TH, kind=AccountKind.CANCELLATION):
        world.projects.correct(
            decision, world.th.companies[0], th_batch, first, first, sender=world.committees[TH]
        )
    assert not world.projects.correctionDecisionUsed(TH, decision)


def test_an_issuances_decision_id_names_it_and_marks_nothing(world: World) -> None:
    """An issuance uses up its verification report, not its decision id: the id is the keccak256
    of the decision reference the record carries. Two issuance decisions signed with the same
    reference but citing two verifications are two batches, each record proven on its own; a
    correction may use the same reference."""
    holder = world.jp.companies[0]
    reference = "JC-ID-2024-01"
    decision = bytes.fromhex(d.decision_id(reference)[2:])
    receipts = [world.issue_receipt("ID012", [(holder, 10)], decision=reference) for _ in range(2)]
    records = [BatchRecord(*events(r, "BatchIssued")[0]["batch"]) for r in receipts]
    assert [r.id for r in records] == [1, 2]
    assert records[0].verificationReportHash != records[1].verificationReportHash
    for record in records:
        assert record.decisionId == decision and record.decisionRef == reference
        assert world.projects.verifyBatch(record)
    assert not world.projects.correctionDecisionUsed(ID, decision)
    world.projects.correct(decision, holder, 1, 1, 1, sender=world.committees[ID])
    assert world.projects.correctionDecisionUsed(ID, decision)


def test_issue_several_allocations_to_one_account_merge(world: World) -> None:
    holder, other = world.jp.companies[0], world.id.companies[0]
    batch = world.issue("ID012", [(holder, 5), (holder, 5), (other, 1), (holder, 3)])
    # Japan's allocations take the batch's lowest serials, so the holder's three merge into one.
    assert ranges(world.registry.holdingRanges(holder, batch)) == [(1, 13)]
    assert ranges(world.registry.holdingRanges(other, batch)) == [(14, 14)]
    assert world.registry.balanceOf(holder, batch) == 13
    assert whole_list(world.registry.batchHolders, batch) == [addr(holder), addr(other)]
    assert world.registry.accountInfo(holder).nonEmptyHoldings == 1


def test_mint_and_cancel_for_correction_only_from_projects(world: World) -> None:
    registry, holder = world.registry, world.jp.companies[0]
    allocation = [(addr(holder), 1)]
    for who in (world.admin, world.committees[ID], world.outsider, holder):
        with reverts("RegistryNotProjects", caller=who):
            registry.mint(ID, 1, allocation, sender=who)
        with reverts("RegistryNotProjects", caller=who):
            registry.cancelForCorrection(bytes(32), holder, 1, 1, 1, sender=who)


def test_batch_views_refuse_unknown_batches(world: World) -> None:
    assert world.projects.batchCountry(1) == b"\x00\x00"
    view_reverts(world.registry, "batchState", 0, error="RegistryUnknownBatch", batchId=0)
    view_reverts(world.registry, "batchTotals", 7, error="RegistryUnknownBatch", batchId=7)


# --- correction -------------------------------------------------------------------------------


def test_correction_moves_named_serials_to_cancellation_keeping_history(world: World) -> None:
    registry, projects, jp = world.registry, world.projects, world.jp
    holder = jp.companies[0]
    batch = world.issue("ID012", [(holder, 100)])
    decision = d.decision_id("JC-ID-2024-correction-1")
    receipt = projects.correct(decision, holder, batch, 41, 60, sender=world.committees[ID])
    assert events(receipt, "CreditsCorrected") == [
        {
            "decisionId": bytes.fromhex(decision[2:]),
            "batchId": batch,
            "account": addr(holder),
            "firstSerial": 41,
            "lastSerial": 60,
            "cancellationId": 1,
        }
    ]
    (cancelled,) = events(receipt, "CreditsCancelled")
    assert cancelled["reason"] == CancellationReason.CORRECTION
    assert cancelled["decisionId"] == bytes.fromhex(decision[2:])
    assert cancelled["quantity"] == 20 and [tuple(r) for r in cancelled["ranges"]] == [(41, 60)]
    (moved,) = events(receipt, "TransferSingle")
    assert (moved["from"], moved["to"], moved["id"], moved["value"]) == (
        addr(holder),
        addr(jp.cancellation),
        batch,
        20,
    )
    assert ranges(registry.holdingRanges(holder, batch)) == [(1, 40), (61, 100)]
    assert cancelled["cancellationAccount"] == addr(jp.cancellation) and cancelled["note"] == ""
    assert registry.verifyCancellation(cancellation_struct(cancelled))
    assert tuple(registry.batchTotals(batch)) == (100, 80, 0, 20)
    where = registry.locateSerial(50)
    assert (where.location, where.account) == (SerialLocation.CONSUMED, ZERO_ADDRESS)
    # Correcting the edges of ranges, and a frozen account (a correction is often why it is frozen).
    registry.freezeAccount(holder, sender=jp.registrar)
    projects.correct(d.decision_id("c2"), holder, batch, 1, 10, sender=world.committees[ID])
    projects.correct(d.decision_id("c3"), holder, batch, 91, 100, sender=world.committees[ID])
    projects.correct(d.decision_id("c4"), holder, batch, 61, 90, sender=world.committees[ID])
    assert ranges(registry.holdingRanges(holder, batch)) == [(11, 40)]
    assert registry.cancellationCount() == 4


def test_correction_refusals(world: World) -> None:
    projects, jp, committee = world.projects, world.jp, world.committees[ID]
    holder, other = jp.companies[0], jp.companies[1]
    batch = world.issue("ID012", [(holder, 10), (other, 10)])

    def correct(
        account: object, first: int, last: int, batch_id: int = batch, sender: object = committee
    ) -> None:
        projects.correct(
            d.decision_id(f"fix {first}-{last}"), account, batch_id, first, last, sender=sender
        )

    with reverts("RegistrySerialsNotHeld", account=holder, batchId=batch, first=10, last=11):
        correct(holder, 10, 11)  # 11 is the other holder's
    with reverts("RegistrySerialsNotHeld", account=holder, batchId=batch, first=15, last=15):
        correct(holder, 15, 15)
    with reverts("RegistrySerialsNotHeld", account=holder, batchId=batch, first=5, last=4):
        correct(holder, 5, 4)
    with reverts("RegistrySerialsNotHeld", account=holder, batchId=batch, first=0, last=1):
        correct(holder, 0, 1)
    with reverts("ProjectsUnknownBatch", batchId=batch + 1):
        correct(holder, 1, 1, batch_id=batch + 1)
    for who in (world.committees[TH], world.admin, holder):
        with reverts("ProjectsNotCommittee", country=ID, caller=who):
            correct(holder, 1, 1, sender=who)
    with reverts("RegistryUnknownAccount", account=world.spare[0]):
        correct(world.spare[0], 1, 1)
    with reverts(
        "RegistryInvalidAccountKind", account=jp.cancellation, kind=AccountKind.CANCELLATION
    ):
        correct(jp.cancellation, 1, 1)
    # Credits held on a side without a cancellation account cannot be corrected yet.
    th_batch = world.issue("TH001", [(world.th.companies[0], 5)])
    with reverts("RegistryNoSideAccount", side=TH, kind=AccountKind.CANCELLATION):
        projects.correct(
            d.decision_id("th fix"),
            world.th.companies[0],
            th_batch,
            1 + 20,
            1 + 20,
            sender=world.committees[TH],
        )
    # Retired credits are final: a correction cannot take them back.
    world.registry.retire(batch, 10, JP, RetirementPurpose.VOLUNTARY_OFFSET, "", "", sender=holder)
    with reverts("RegistrySerialsNotHeld", account=holder, first=1, last=1):
        correct(holder, 1, 1)
    with reverts("RegistryInvalidAccountKind", account=jp.retirement, kind=AccountKind.RETIREMENT):
        correct(jp.retirement, 1, 1)


#: Storage slot of ``JCMRegistryState._counters`` (after AccessControl's roles, the URI, the sides,
#: the country list and the accounts) and the bit offset of its ``lastSerial`` field (after
#: ``pausedUntil`` uint64, ``pausedBy`` bytes2 and ``batchCount`` uint40).
COUNTERS_SLOT = 5
LAST_SERIAL_SHIFT = 64 + 16 + 40


def test_issuance_beyond_the_serial_space_is_refused(world: World) -> None:
    """Holdings store serials in 40 bits: an issuance that would pass the last one is refused. The
    serial counter is moved near the ceiling with anvil's setStorageAt, and put back after."""
    w3, registry = world.registry.provider.web3, world.registry
    holder = world.jp.companies[0]
    original = w3.eth.get_storage_at(registry.address, COUNTERS_SLOT)
    word = int.from_bytes(original, "big")
    mask = (2**40 - 1) << LAST_SERIAL_SHIFT
    # The slot is the one assumed: it holds the batch count and the serial counter the views report.
    assert (word >> LAST_SERIAL_SHIFT) & (2**40 - 1) == registry.latestSerial()
    assert (word >> 80) & (2**40 - 1) == registry.batchCount()
    near = (word & ~mask) | ((MAX_ISSUED_SERIAL - 5) << LAST_SERIAL_SHIFT)
    set_storage = "anvil_setStorageAt"
    w3.provider.make_request(
        set_storage, [registry.address, hex(COUNTERS_SLOT), "0x" + near.to_bytes(32, "big").hex()]
    )
    try:
        with reverts(
            "RegistrySerialsExhausted", lastSerial=MAX_ISSUED_SERIAL + 5, max=MAX_ISSUED_SERIAL
        ):
            world.issue("ID012", [(holder, 10)])
    finally:
        w3.provider.make_request(
            set_storage, [registry.address, hex(COUNTERS_SLOT), "0x" + original.hex()]
        )
    assert registry.latestSerial() == (word >> LAST_SERIAL_SHIFT) & (2**40 - 1)


PROJECTS_SLOT = 0  # JCMProjects._projects, its first state variable
BATCH_COUNT_SHIFT = 16 + 64 + 40 + 40


def test_a_late_period_is_refused_once_a_project_has_its_most_batches(world: World) -> None:
    """A period that arrives out of order is compared with at most MAX_BATCHES_PER_PROJECT
    batches' gaps: beyond, only a period after the latest is taken. The project's batch count is
    moved to the bound with anvil's setStorageAt, and put back after."""
    w3, projects = world.projects.provider.web3, world.projects
    holder = world.jp.companies[0]
    world.issue("ID012", [(holder, 1)], start=BASE_TIME + 10 * DAY, end=BASE_TIME + 19 * DAY)
    slot = int.from_bytes(keccak(keccak(text="ID012") + PROJECTS_SLOT.to_bytes(32, "big")), "big")
    original = w3.eth.get_storage_at(projects.address, slot)
    word = int.from_bytes(original, "big")
    info = projects.projectInfo("ID012")
    # The slot is the one assumed: it holds the first start, latest end and batch count.
    assert (word >> (16 + 64)) & (2**40 - 1) == info.firstMonitoringStart
    assert (word >> (16 + 64 + 40)) & (2**40 - 1) == info.lastMonitoringEnd
    assert (word >> BATCH_COUNT_SHIFT) & (2**32 - 1) == info.batchCount == 1
    at_bound = (word & ~((2**32 - 1) << BATCH_COUNT_SHIFT)) | (
        MAX_BATCHES_PER_PROJECT << BATCH_COUNT_SHIFT
    )
    w3.provider.make_request(
        "anvil_setStorageAt",
        [projects.address, hex(slot), "0x" + at_bound.to_bytes(32, "big").hex()],
    )
    try:
        with reverts("ProjectsTooManyBatches", ref="ID012", max=MAX_BATCHES_PER_PROJECT):
            world.issue("ID012", [(holder, 1)], start=BASE_TIME, end=BASE_TIME + 5 * DAY)
        world.issue("ID012", [(holder, 1)], start=BASE_TIME + 20 * DAY, end=BASE_TIME + 29 * DAY)
        assert projects.projectInfo("ID012").batchCount == MAX_BATCHES_PER_PROJECT + 1
    finally:
        w3.provider.make_request(
            "anvil_setStorageAt", [projects.address, hex(slot), "0x" + original.hex()]
        )
