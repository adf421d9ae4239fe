"""JointCommittee: bilateral consent (docs/design.md §2 rule 6), issue 3's refusals and happy paths.

The VN committee of the world has Japanese members JP-0..2 and Vietnamese members VN-0..1 with
thresholds 2 and 1; members sign offline with ``registry_client.decisions``.
"""

from __future__ import annotations

from typing import Any

import ape
import pytest
from eth_account.signers.local import LocalAccount

from registry_client import decisions as d
from registry_client.domain import (
    ZERO_ADDRESS,
    CancellationReason,
    MemberSide,
)
from support.contracts import (
    CONTAINERS,
    ID,
    JP,
    SECP256K1_N,
    VN,
    World,
    addr,
    events,
    member_key,
    project_registration,
    ranges,
    reverts,
    sign,
)
from support.invariants import cancellation_struct


def raw(signatures: list[d.MemberSignature]) -> list[tuple[str, bytes]]:
    return [s.as_tuple() for s in signatures]


def quorum(world: World) -> tuple[LocalAccount, ...]:
    return (world.japan_members[0], world.japan_members[1], world.partner_members[0])


def register_decision(world: World, ref: str = "VN002", **kwargs: Any) -> d.RegisterProjectDecision:
    return d.RegisterProjectDecision(
        domain=kwargs.pop("domain", None) or world.domain(),
        nonce=kwargs.pop("nonce", None) if "nonce" in kwargs else world.committee_nonce(),
        deadline=kwargs.pop("deadline", None) or world.deadline(),
        project=project_registration(ref, kwargs.pop("country", VN), **kwargs),
    )


def change_decision(
    world: World, japan: list[Any], partner: list[Any], jt: int, pt: int
) -> d.ChangeMembersDecision:
    return d.ChangeMembersDecision(
        domain=world.domain(),
        nonce=world.committee_nonce(),
        deadline=world.deadline(),
        change=d.MembershipChange(
            japan_members=[addr(m) for m in japan],
            partner_members=[addr(m) for m in partner],
            japan_threshold=jt,
            partner_threshold=pt,
        ),
    )


# --- state ------------------------------------------------------------------------------------


def test_committee_state(world: World) -> None:
    joint = world.joint
    assert bytes(joint.country()) == VN and joint.registry() == world.registry.address
    assert world.committee_nonce() == 0
    japan, partner, jt, pt = joint.members()
    assert list(japan) == [m.address for m in world.japan_members]
    assert list(partner) == [m.address for m in world.partner_members]
    assert (jt, pt) == (2, 1)
    assert joint.memberSide(world.japan_members[2].address) == MemberSide.JAPAN
    assert joint.memberSide(world.partner_members[1].address) == MemberSide.PARTNER
    assert joint.memberSide(world.outsider) == MemberSide.NONE
    assert joint.MAX_MEMBERS_PER_SIDE() == 16


# --- happy paths ------------------------------------------------------------------------------


def test_register_project_by_decision(world: World) -> None:
    decision = register_decision(world, title="ハノイの太陽光発電 (Hanoi solar)")
    signatures = sign(decision, *quorum(world))
    receipt = world.submit(decision, signatures)
    assert events(receipt, "DecisionExecuted") == [
        {
            "digest": decision.digest,
            "kind": d.DecisionKind.RegisterProject,
            "nonce": 0,
            "submitter": addr(world.submitter),
            "signers": [s.signer for s in signatures],
        }
    ]
    # A registration runs once by its reference, so the committee stores no digest for it.
    assert not world.joint.executed(decision.digest)
    info = world.projects.projectInfo("VN002")
    assert info.title == "ハノイの太陽光発電 (Hanoi solar)" and bytes(info.country) == VN
    assert events(receipt, "ProjectRegistered")[0]["ref"] == "VN002"


def test_issue_credits_by_decision_to_both_sides(world: World) -> None:
    registry = world.registry
    jp_gov, vn_company = world.jp.government, world.vn.companies[0]
    decision = world.vn_issuance_decision(
        [(jp_gov, 600), (vn_company, 400)],
        authorization=d.Authorization.NDC,
        authorization_id="VN-1",
    )
    receipt = world.submit(decision, sign(decision, *quorum(world)))
    batch = int(registry.batchCount())
    assert events(receipt, "DecisionExecuted")[0]["kind"] == d.DecisionKind.IssueCredits
    assert events(receipt, "BatchIssued")[0]["batchId"] == batch
    assert registry.balanceOf(jp_gov, batch) == 600 and registry.balanceOf(vn_company, batch) == 400
    assert bytes(registry.batchState(batch).country) == VN
    assert world.projects.reportBatch(decision.issuance.verification_report_hash) == batch
    # Every member signing (more than the thresholds) is accepted too.
    second = world.vn_issuance_decision([(vn_company, 10)])
    world.submit(second, sign(second, *world.japan_members, *world.partner_members))
    assert registry.balanceOf(vn_company, batch + 1) == 10


def test_correct_credits_by_decision(world: World) -> None:
    registry, vn_company = world.registry, world.vn.companies[0]
    issue = world.vn_issuance_decision([(vn_company, 100)])
    world.submit(issue, sign(issue, *quorum(world)))
    batch = int(registry.batchCount())
    first = int(registry.batchState(batch).firstSerial)
    correction = d.CorrectCreditsDecision(
        domain=world.domain(),
        nonce=0,
        deadline=world.deadline(),
        correction=d.Correction(
            decision_id=d.decision_id("JC-VN-2024-correction-1"),
            account=addr(vn_company),
            batch_id=batch,
            first_serial=first + 10,
            last_serial=first + 19,
        ),
    )
    receipt = world.submit(correction, sign(correction, *quorum(world)))
    assert events(receipt, "DecisionExecuted")[0]["kind"] == d.DecisionKind.CorrectCredits
    (corrected,) = events(receipt, "CreditsCorrected")
    (record,) = events(receipt, "CreditsCancelled")
    assert record["cancellationId"] == corrected["cancellationId"]
    assert record["reason"] == CancellationReason.CORRECTION
    assert record["cancellationAccount"] == addr(world.vn.cancellation)
    assert ranges(record["ranges"]) == [(first + 10, first + 19)]
    assert registry.verifyCancellation(cancellation_struct(record))
    assert ranges(registry.holdingRanges(vn_company, batch)) == [
        (first, first + 9),
        (first + 20, first + 99),
    ]


def test_change_members_then_old_signatures_refused_new_accepted(world: World) -> None:
    joint, old_jp, old_vn = world.joint, world.japan_members, world.partner_members
    new_jp = [old_jp[0], member_key("JP-new-1"), member_key("JP-new-2"), member_key("JP-new-3")]
    new_vn = [member_key("VN-new-1"), member_key("VN-new-2"), member_key("VN-new-3")]
    # A decision collected under the old membership, not yet submitted.
    pending = world.vn_issuance_decision([(world.vn.companies[0], 5)])
    pending_signatures = sign(pending, *quorum(world))

    change = change_decision(world, new_jp, new_vn, 3, 2)
    receipt = world.submit(change, sign(change, *quorum(world)))
    assert events(receipt, "MembersChanged") == [
        {
            "nonce": 1,
            "japanMembers": [m.address for m in new_jp],
            "partnerMembers": [m.address for m in new_vn],
            "japanThreshold": 3,
            "partnerThreshold": 2,
        }
    ]
    assert events(receipt, "DecisionExecuted")[0]["kind"] == d.DecisionKind.ChangeMembers
    assert world.committee_nonce() == 1
    assert joint.members() == ([m.address for m in new_jp], [m.address for m in new_vn], 3, 2)
    assert joint.memberSide(old_jp[1].address) == MemberSide.NONE
    assert joint.memberSide(old_vn[0].address) == MemberSide.NONE
    assert joint.memberSide(old_jp[0].address) == MemberSide.JAPAN
    assert joint.memberSide(new_vn[2].address) == MemberSide.PARTNER

    # Signatures given under nonce 0 are void.
    with reverts("CommitteeStaleNonce", signedNonce=0, currentNonce=1):
        world.submit(pending, pending_signatures)
    # Under nonce 1, the removed members are no longer members...
    fresh = world.vn_issuance_decision([(world.vn.companies[0], 5)])
    assert fresh.nonce == 1
    removed = d.sort_signatures([fresh.sign(old_jp[1]), fresh.sign(old_vn[0])])
    with reverts("CommitteeNotMember", signer=removed[0].signer):
        world.submit_raw(fresh, raw(removed[:1]))
    # ...the new thresholds apply...
    with reverts("CommitteeInsufficientSignatures", side=JP, count=2, required=3):
        world.submit(fresh, sign(fresh, new_jp[0], new_jp[1], *new_vn))
    with reverts("CommitteeInsufficientSignatures", side=VN, count=1, required=2):
        world.submit(fresh, sign(fresh, *new_jp[:3], new_vn[0]))
    # ...and the new members decide.
    world.submit(fresh, sign(fresh, new_jp[0], new_jp[2], new_jp[3], new_vn[1], new_vn[2]))
    assert world.registry.balanceOf(world.vn.companies[0], world.registry.batchCount()) == 5


def test_membership_change_validation(world: World) -> None:
    jp, vn = world.japan_members, world.partner_members
    many = [member_key(f"many-{i}") for i in range(17)]
    cases = [
        (([], vn, 1, 1), "CommitteeInvalidMemberCount", {"side": JP, "count": 0, "max": 16}),
        ((jp, [], 1, 1), "CommitteeInvalidMemberCount", {"side": VN, "count": 0, "max": 16}),
        ((many, vn, 1, 1), "CommitteeInvalidMemberCount", {"side": JP, "count": 17, "max": 16}),
        ((jp, vn, 0, 1), "CommitteeInvalidThreshold", {"side": JP, "threshold": 0, "members": 3}),
        ((jp, vn, 4, 1), "CommitteeInvalidThreshold", {"side": JP, "threshold": 4, "members": 3}),
        ((jp, vn, 2, 3), "CommitteeInvalidThreshold", {"side": VN, "threshold": 3, "members": 2}),
        ((jp, vn, 2, 0), "CommitteeInvalidThreshold", {"side": VN, "threshold": 0, "members": 2}),
        (([jp[0], jp[0]], vn, 1, 1), "CommitteeInvalidMember", {"member": jp[0].address}),
        ((jp, [vn[0], jp[1]], 1, 1), "CommitteeInvalidMember", {"member": jp[1].address}),
        (([ZERO_ADDRESS, jp[0]], vn, 1, 1), "CommitteeInvalidMember", {"member": ZERO_ADDRESS}),
    ]
    for args, error, inputs in cases:
        change = change_decision(world, *args)
        with reverts(error, **inputs):
            world.submit(change, sign(change, *quorum(world)))
    # 16 members a side is the maximum, and fine.
    change = change_decision(world, many[:16], vn, 16, 2)
    world.submit(change, sign(change, *quorum(world)))
    assert len(world.joint.members()[0]) == 16


def test_largest_committee_decides_with_every_member(world: World) -> None:
    """32 members (16 a side), all required: every signer is found in the roster, the last
    partner member included, and one missing signature is still refused."""
    new_jp = [member_key(f"JP-full-{i}") for i in range(16)]
    new_vn = [member_key(f"VN-full-{i}") for i in range(16)]
    change = change_decision(world, new_jp, new_vn, 16, 16)
    world.submit(change, sign(change, *quorum(world)))
    listed = ([m.address for m in new_jp], [m.address for m in new_vn], 16, 16)
    assert world.joint.members() == listed
    assert world.joint.memberSide(new_vn[-1].address) == MemberSide.PARTNER
    assert world.joint.memberSide(new_jp[-1].address) == MemberSide.JAPAN
    decision = world.vn_issuance_decision([(world.vn.companies[0], 7)])
    with reverts("CommitteeInsufficientSignatures", side=VN, count=15, required=16):
        world.submit(decision, sign(decision, *new_jp, *new_vn[:15]))
    world.submit(decision, sign(decision, *new_jp, *new_vn))
    assert world.registry.balanceOf(world.vn.companies[0], world.registry.batchCount()) == 7


def test_constructor_validates_the_first_membership(world: World) -> None:
    jp = [m.address for m in world.japan_members]
    vn = [m.address for m in world.partner_members]
    with reverts("CommitteeInvalidMemberCount", side=JP, count=0, max=16):
        world.admin.deploy(CONTAINERS["JointCommittee"], world.registry, b"MN", ([], vn, 1, 1))
    with reverts("CommitteeInvalidThreshold", side=b"MN", threshold=3, members=2):
        world.admin.deploy(CONTAINERS["JointCommittee"], world.registry, b"MN", (jp, vn, 1, 3))
    with reverts("CommitteeInvalidMember", member=jp[0]):
        world.admin.deploy(CONTAINERS["JointCommittee"], world.registry, b"MN", (jp, [jp[0]], 1, 1))


# --- refusals ---------------------------------------------------------------------------------


def test_signer_set_refusals(world: World) -> None:
    decision = register_decision(world)
    jp0, jp1, jp2 = world.japan_members
    vn0, vn1 = world.partner_members
    good = sign(decision, jp0, jp1, vn0)
    outsider = decision.sign(member_key("outsider"))

    with reverts("CommitteeNotMember", signer=outsider.signer):
        world.submit(decision, [*good, outsider])
    with reverts("CommitteeNotMember", signer=ZERO_ADDRESS):
        world.submit_raw(decision, [(ZERO_ADDRESS, good[0].signature_bytes), *raw(good)])
    duplicate = [good[0], good[0], *good[1:]]
    with reverts("CommitteeDuplicateSigner", signer=good[0].signer):
        world.submit_raw(decision, raw(duplicate))
    unsorted = list(reversed(good))
    with reverts(
        "CommitteeSignersNotSorted", previous=unsorted[0].signer, signer=unsorted[1].signer
    ):
        world.submit_raw(decision, raw(unsorted))
    with reverts("CommitteeInsufficientSignatures", side=JP, count=1, required=2):
        world.submit(decision, sign(decision, jp0, vn0, vn1))
    with reverts("CommitteeInsufficientSignatures", side=JP, count=0, required=2):
        world.submit(decision, [])
    with reverts("CommitteeInsufficientSignatures", side=VN, count=0, required=1):
        world.submit(decision, sign(decision, jp0, jp1, jp2))
    six = [*sign(decision, jp0, jp1, jp2, vn0, vn1), outsider]
    with reverts("CommitteeTooManySignatures", count=6, max=5):
        world.submit_raw(decision, raw(d.sort_signatures(six)))
    world.submit(decision, good)


def test_signature_refusals(world: World) -> None:
    decision = register_decision(world)
    signatures = sign(decision, *quorum(world))
    target = signatures[0]
    body = target.signature_bytes
    r, s, v = body[:32], int.from_bytes(body[32:64], "big"), body[64]

    def with_first(signature: bytes) -> list[tuple[str, bytes]]:
        return [(target.signer, signature), *raw(signatures[1:])]

    with reverts("CommitteeMalformedSignature", signer=target.signer):
        world.submit_raw(decision, with_first(body[:64]))
    with reverts("CommitteeMalformedSignature", signer=target.signer):
        world.submit_raw(decision, with_first(body + b"\x00"))
    twin = r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])  # same signer, high s
    with reverts("CommitteeMalleableSignature", signer=target.signer):
        world.submit_raw(decision, with_first(twin))
    for bad_v in (0, 1, 29, 55 - v):
        with reverts("CommitteeInvalidSignature", signer=target.signer):
            world.submit_raw(decision, with_first(r + s.to_bytes(32, "big") + bytes([bad_v])))
    # Another key's signature claiming to be the member's.
    forged = decision.sign(member_key("forger")).signature_bytes
    with reverts("CommitteeInvalidSignature", signer=target.signer):
        world.submit_raw(decision, with_first(forged))
    # decisions.py refuses the same signatures offline.
    with pytest.raises(d.MalleableSignatureError):
        decision.recover(twin)
    with pytest.raises(d.MalformedSignatureError):
        decision.recover(body[:64])
    world.submit(decision, signatures)


def test_signatures_are_bound_to_the_decision_committee_chain_and_deadline(
    world: World,
) -> None:
    decision = register_decision(world)
    members = quorum(world)

    # The signed content differs from the submitted one.
    tampered = register_decision(world, title="Another title", deadline=decision.deadline)
    with reverts("CommitteeInvalidSignature"):
        world.submit_raw(tampered, raw(sign(decision, *members)))
    # Signed for another committee contract (same members, same chain).
    other = world.admin.deploy(
        CONTAINERS["JointCommittee"],
        world.registry,
        VN,
        (
            [m.address for m in world.japan_members],
            [m.address for m in world.partner_members],
            2,
            1,
        ),
    )
    for_other = register_decision(
        world, domain=world.domain(committee=other), deadline=decision.deadline
    )
    assert for_other.digest != decision.digest
    first = sorted(addr(m) for m in members)[0]
    with reverts("CommitteeInvalidSignature", signer=first):
        world.submit_raw(decision, raw(sign(for_other, *members)))
    # Signed for another chain.
    for_chain = register_decision(
        world, domain=world.domain(chain_id=1), deadline=decision.deadline
    )
    with reverts("CommitteeInvalidSignature", signer=first):
        world.submit_raw(decision, raw(sign(for_chain, *members)))
    # Signed under another nonce.
    later = register_decision(world, nonce=1, deadline=decision.deadline)
    with reverts("CommitteeStaleNonce", signedNonce=1, currentNonce=0):
        world.submit(later, sign(later, *members))
    # Each digest's view on chain equals decisions.py's.
    assert world.joint.registerProjectDigest(*decision.digest_call()[1]) == decision.digest
    world.submit(decision, sign(decision, *members))


def test_deadline(world: World) -> None:
    members = quorum(world)
    now = int(ape.chain.pending_timestamp) + 100
    on_time = register_decision(world, deadline=now)
    ape.chain.pending_timestamp = now
    receipt = world.submit(on_time, sign(on_time, *members))
    assert ape.chain.provider.get_block(receipt.block_number).timestamp == now  # exactly on time
    late = register_decision(world, ref="VN003", deadline=now - 1)
    with reverts("CommitteeDecisionExpired", deadline=now - 1):
        world.submit(late, sign(late, *members))


def test_a_decision_executes_once(world: World) -> None:
    members = quorum(world)
    decision = world.vn_issuance_decision([(world.vn.companies[0], 5)])
    signatures = sign(decision, *members)
    world.submit(decision, signatures)
    batch = int(world.registry.batchCount())
    report = decision.issuance.verification_report_hash
    # An issuance runs once by its verification report: the committee records no digest, the
    # ledger refuses the report it used up.
    with reverts("ProjectsReportAlreadyUsed", reportHash=report, batchId=batch):
        world.submit(decision, signatures)
    assert not world.joint.executed(decision.digest)
    # The same issuance under a new deadline, for a later period, is another digest; the ledger
    # refuses its report too.
    again = world.vn_issuance_decision(
        [(world.vn.companies[0], 5)],
        decision=decision.issuance.decision_ref,
        start=decision.issuance.monitoring_end + 1,
        deadline=decision.deadline + 1,
        report=bytes.fromhex(report[2:]),
    )
    with reverts("ProjectsReportAlreadyUsed", reportHash=report, batchId=batch):
        world.submit(again, sign(again, *members))
    assert int(world.registry.batchCount()) == batch


def test_a_project_of_another_country_is_refused(world: World) -> None:
    decision = register_decision(world, ref="ID777", country=b"ID")
    with reverts("CommitteeWrongCountry", country=b"ID", committeeCountry=VN):
        world.submit(decision, sign(decision, *quorum(world)))


def test_the_committee_issues_and_corrects_only_its_countrys_credits(world: World) -> None:
    """A registration names its country and the committee refuses another before any signature; for
    an issuance or a correction the projects contract, which reads the project's or batch's country
    anyway, refuses any caller but that country's committee, after the signatures were checked."""
    members = quorum(world)
    decision = world.vn_issuance_decision([(world.vn.companies[0], 5)])
    foreign = decision.model_copy(
        update={"issuance": world.issuance("ID012", [(world.vn.companies[0], 5)])}
    )
    with reverts("ProjectsNotCommittee", country=b"ID", caller=world.joint):
        world.submit(foreign, sign(foreign, *members))
    batch = world.issue("ID012", [(world.jp.companies[0], 5)])
    correction = d.CorrectCreditsDecision(
        domain=world.domain(),
        nonce=0,
        deadline=world.deadline(),
        correction=d.Correction(
            decision_id=d.decision_id("not ours"),
            account=addr(world.jp.companies[0]),
            batch_id=batch,
            first_serial=1,
            last_serial=1,
        ),
    )
    with reverts("ProjectsNotCommittee", country=b"ID", caller=world.joint):
        world.submit(correction, sign(correction, *members))
    registration = d.RegisterProjectDecision(
        domain=world.domain(),
        nonce=0,
        deadline=world.deadline(),
        project=project_registration("ID099", ID),
    )
    with reverts("CommitteeWrongCountry", country=b"ID", committeeCountry=VN):
        world.submit(registration, sign(registration, *members))


def test_a_replaced_committee_decides_nothing_more(world: World) -> None:
    """The committee hands over by its own decision; from then on only the successor decides."""
    successor = world.admin.deploy(
        CONTAINERS["JointCommittee"],
        world.registry,
        VN,
        (
            [m.address for m in world.japan_members],
            [m.address for m in world.partner_members],
            2,
            1,
        ),
    )
    handover = d.ReplaceCommitteeDecision(
        domain=world.domain(),
        nonce=world.committee_nonce(),
        deadline=world.deadline(),
        replacement=d.CommitteeReplacement(successor=addr(successor)),
    )
    receipt = world.submit(handover, sign(handover, *quorum(world)))
    assert events(receipt, "DecisionExecuted")[0]["kind"] == d.DecisionKind.ReplaceCommittee
    decision = world.vn_issuance_decision([(world.vn.companies[0], 5)])
    with reverts("ProjectsNotCommittee", country=VN, caller=world.joint):
        world.submit(decision, sign(decision, *quorum(world)))


# --- ERC-1271 members -------------------------------------------------------------------------


def test_contract_wallet_member(world: World) -> None:
    jp0, jp1, _ = world.japan_members
    owner = member_key("wallet owner")
    wallet = world.admin.deploy(CONTAINERS["MockERC1271Wallet"], owner.address)
    change = change_decision(world, [jp0, wallet, jp1], world.partner_members, 2, 1)
    world.submit(change, sign(change, *quorum(world)))
    assert world.joint.memberSide(wallet) == MemberSide.JAPAN

    def wallet_signature(decision: d.Decision, signer: LocalAccount = owner) -> d.MemberSignature:
        signed = signer.unsafe_sign_hash(decision.digest)
        return d.MemberSignature(
            signer=wallet.address,
            signature="0x" + bytes(signed.signature).hex(),
            digest=decision.digest_hex,
        )

    decision = world.vn_issuance_decision([(world.vn.companies[0], 7)])
    signatures = [wallet_signature(decision), *sign(decision, jp0, world.partner_members[0])]
    status = d.tally(
        decision,
        signatures,
        [addr(jp0), wallet.address, addr(jp1)],
        [m.address for m in world.partner_members],
        2,
        1,
        contract_wallets=[wallet.address],
    )
    assert status.ready
    assert [c.verified_offline for c in status.checks] == [False, True, True]

    wallet.setMode(1, sender=world.admin)  # a wrong magic value
    with reverts("CommitteeInvalidSignature", signer=wallet.address):
        world.submit(decision, signatures)
    wallet.setMode(2, sender=world.admin)  # the wallet reverts
    with reverts("CommitteeInvalidSignature", signer=wallet.address):
        world.submit(decision, signatures)
    wallet.setMode(0, sender=world.admin)  # checks its owner's signature
    wrong_owner = [wallet_signature(decision, jp1), *signatures[1:]]
    with reverts("CommitteeInvalidSignature", signer=wallet.address):
        world.submit(decision, wrong_owner)
    receipt = world.submit(decision, signatures)
    assert wallet.address in events(receipt, "DecisionExecuted")[0]["signers"]
    assert world.registry.balanceOf(world.vn.companies[0], world.registry.batchCount()) == 7
