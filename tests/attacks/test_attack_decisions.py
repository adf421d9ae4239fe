"""Attacks on joint-committee decisions: every one must be refused and change nothing.

The world's two committees (``ID`` and ``TH``) share their three Japanese members, so a signature
given to one committee would be worth something on the other if the EIP-712 domain did not bind it.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from eth_keys import keys
from eth_utils import keccak
from fuzz.machine import ATTACKER_KEY
from fuzz.world import FAR_DEADLINE, ID, JP, TH, Member, World

from registry_client import decisions as d
from registry_client.domain import ZERO_ADDRESS

from .scenario import high_s, refused, with_v


def _holder(world: World, side: bytes = ID, index: int = 0) -> str:
    return world.sides[side].holders[index]


def _first_signer(signatures: list[d.MemberSignature]) -> str:
    return signatures[0].signer


def test_replaying_an_executed_decision_is_refused(world: World) -> None:
    holder = _holder(world)
    decision = world.issuance_decision(ID, "ID001", [(holder, 100)])
    signatures = world.sign(decision, world.quorum(ID))
    world.submit(ID, decision, signatures).expect_ok()
    batch_id = int(world.registry.call("batchCount"))

    used = bytes.fromhex(decision.issuance.verification_report_hash[2:])
    refused(
        world,
        lambda: world.submit(ID, decision, signatures),
        "ProjectsReportAlreadyUsed",
        reportHash=used,
        batchId=batch_id,
    )
    # Other members' signatures over the same decision are the same decision: still executed once.
    japan, partner, _, _ = world.current_members(ID)
    others = world.sign(decision, [japan[1], japan[2], partner[1]])
    refused(
        world,
        lambda: world.submit(ID, decision, others),
        "ProjectsReportAlreadyUsed",
        reportHash=used,
        batchId=batch_id,
    )
    assert world.balance(holder, batch_id) == 100
    assert int(world.registry.call("batchCount")) == batch_id


def _replay(world: World, decision: d.Decision, error: str, **args: Any) -> None:
    """Executes ``decision`` with a quorum, then asserts its replay is refused with ``error``."""
    members = world.partner_quorum(ID) if decision.partner_only else world.quorum(ID)
    signatures = world.sign(decision, members)
    world.submit(ID, decision, signatures).expect_ok()
    refused(world, lambda: world.submit(ID, decision, signatures), error, **args)
    recorded = bool(world.committees[ID].call("executed", decision.digest))
    assert recorded is decision.recorded_by_digest


def test_every_kind_of_decision_executes_once(world: World) -> None:
    """The committee records digests only of the kinds a replay could otherwise run again: the
    others are refused by their own effect (JointCommittee._recordsDigest)."""
    registration = world.registration(ID, "ID901")
    _replay(world, registration, "ProjectsAlreadyRegistered", ref="ID901")

    holder = _holder(world)
    issuance = world.issuance_decision(ID, "ID001", [(holder, 100)], label="once/issuance")
    _replay(world, issuance, "ProjectsReportAlreadyUsed")
    batch_id = int(world.registry.call("batchCount"))

    first = int(world.registry.call("batchState", batch_id)[1])
    correction = world.correction_decision(ID, holder, batch_id, first, first, label="once/fix")
    _replay(world, correction, "ProjectsDecisionAlreadyUsed", country=ID)

    # An authorization replayed after a later one would set the batch back: recorded by digest.
    authorized = world.authorization_decision(ID, batch_id, d.Authorization.NDC, label="A1")
    _replay(world, authorized, "CommitteeDecisionAlreadyExecuted", digest=authorized.digest)
    revoked = world.authorization_decision(ID, batch_id, d.Authorization.NONE, label="A2")
    world.decide(ID, revoked, world.partner_quorum(ID)).expect_ok()
    refused(
        world,
        lambda: world.submit(ID, authorized, world.sign(authorized, world.partner_quorum(ID))),
        "CommitteeDecisionAlreadyExecuted",
        digest=authorized.digest,
    )

    definition = d.SetFirstTransferDefinitionDecision(
        domain=world.domain(ID),
        nonce=world.nonce(ID),
        deadline=FAR_DEADLINE,
        rule=d.FirstTransferRule(definition=d.FirstTransferDefinition.ISSUANCE),
    )
    _replay(world, definition, "CommitteeDecisionAlreadyExecuted", digest=definition.digest)

    # A membership change moves the nonce every decision is signed under.
    japan, partner, japan_threshold, partner_threshold = world.current_members(ID)
    change = world.membership_decision(ID, japan, partner, japan_threshold, partner_threshold)
    nonce = world.nonce(ID)
    _replay(world, change, "CommitteeStaleNonce", signedNonce=nonce, currentNonce=nonce + 1)


def test_a_committee_handed_back_its_country_cannot_replay_the_handover(world: World) -> None:
    japan, partner, japan_threshold, partner_threshold = world.current_members(ID)
    old = world.committees[ID]
    successor = world.deploy(
        "JointCommittee",
        world.registry.address,
        ID,
        (
            [m.address for m in japan],
            [m.address for m in partner],
            japan_threshold,
            partner_threshold,
        ),
    )
    handover = d.ReplaceCommitteeDecision(
        domain=world.domain(ID),
        nonce=world.nonce(ID),
        deadline=FAR_DEADLINE,
        replacement=d.CommitteeReplacement(successor=successor.address),
    )
    signatures = world.sign(handover, world.quorum(ID))
    world.submit(ID, handover, signatures).expect_ok()
    back = d.ReplaceCommitteeDecision(
        domain=world.domain(ID, committee=successor.address),
        nonce=0,
        deadline=FAR_DEADLINE,
        replacement=d.CommitteeReplacement(successor=old.address),
    )
    world.submit(ID, back, world.sign(back, world.quorum(ID)), committee=successor).expect_ok()
    assert world.registry.call("committeeOf", ID) == old.address
    # The old committee acts for the country again, and its handover is still spent.
    refused(
        world,
        lambda: world.submit(ID, handover, signatures, committee=old),
        "CommitteeDecisionAlreadyExecuted",
        extra=[successor],
        digest=handover.digest,
    )


def test_reusing_an_issued_verification_report_in_a_fresh_decision_is_refused(
    world: World,
) -> None:
    holder = _holder(world)
    first = world.issuance_decision(ID, "ID001", [(holder, 100)], label="JC-ID-7")
    world.decide(ID, first).expect_ok()
    batch_id = int(world.registry.call("batchCount"))
    report = first.issuance.verification_report_hash
    # A later period under a new decision reference, properly signed again by both sides, but
    # citing the verification report already issued for: a second issuance from one verification.
    again = world.issuance_decision(ID, "ID001", [(holder, 100)], label="JC-ID-8", report=report)
    assert again.issuance.decision_id != first.issuance.decision_id
    refused(
        world,
        lambda: world.decide(ID, again),
        "ProjectsReportAlreadyUsed",
        reportHash=bytes.fromhex(report[2:]),
        batchId=batch_id,
    )


def test_signatures_replayed_on_another_chain_are_refused(world: World) -> None:
    mainnet = world.domain(ID, chain_id=1)
    decision = world.issuance_decision(ID, "ID001", [(_holder(world), 100)], domain=mainnet)
    signatures = world.sign(decision, world.quorum(ID))
    # The same decision content, submitted on this chain: the digest binds chain id 1.
    here = world.issuance_decision(ID, "ID001", [(_holder(world), 100)])
    assert here.digest != decision.digest
    refused(
        world,
        lambda: world.submit(ID, here, signatures),
        "CommitteeInvalidSignature",
        signer=_first_signer(signatures),
    )


def test_signatures_for_a_replaced_committee_are_refused_by_its_successor(world: World) -> None:
    japan, partner, japan_threshold, partner_threshold = world.current_members(ID)
    old = world.committees[ID]
    successor = world.deploy(
        "JointCommittee",
        world.registry.address,
        ID,
        (
            [m.address for m in japan],
            [m.address for m in partner],
            japan_threshold,
            partner_threshold,
        ),
    )
    old_decision = world.issuance_decision(ID, "ID001", [(_holder(world), 100)])
    old_signatures = world.sign(old_decision, world.quorum(ID))
    handover = d.ReplaceCommitteeDecision(
        domain=world.domain(ID),
        nonce=world.nonce(ID),
        deadline=FAR_DEADLINE,
        replacement=d.CommitteeReplacement(successor=successor.address),
    )
    world.decide(ID, handover).expect_ok()

    # Same members, same nonce, same content: only the verifying contract differs.
    refused(
        world,
        lambda: world.submit(ID, old_decision, old_signatures, committee=successor),
        "CommitteeInvalidSignature",
        extra=[successor],
        signer=_first_signer(old_signatures),
    )
    # And the retired committee, with its own valid signatures, no longer acts for the country.
    refused(
        world,
        lambda: world.submit(ID, old_decision, old_signatures, committee=old),
        "ProjectsNotCommittee",
        extra=[successor],
        country=ID,
        caller=old.address,
    )


def test_signatures_given_to_one_committee_are_refused_by_another_where_the_same_members_sit(
    world: World,
) -> None:
    japan, _, _, _ = world.current_members(ID)
    th_partner = world.current_members(TH)[1][0]
    holder = _holder(world, TH)
    # The Japanese members sign a decision of the ID committee; a colluding TH member adds a valid
    # signature of the TH committee, and the bundle is submitted to the TH committee.
    for_id = world.issuance_decision(TH, "TH001", [(holder, 100)], domain=world.domain(ID))
    on_th = world.issuance_decision(TH, "TH001", [(holder, 100)])
    japanese = world.sign(for_id, japan[:2])
    bundle = d.sort_signatures([*japanese, th_partner.sign(on_th)])
    refused(
        world,
        lambda: world.submit(TH, on_th, bundle),
        "CommitteeInvalidSignature",
        signer=_first_signer(japanese),
    )
    # Valid TH signatures over an issuance for an ID project: the projects contract refuses the TH
    # committee, which is not the project's country's.
    for_id_project = world.issuance_decision(
        ID, "ID001", [(_holder(world), 100)], domain=world.domain(TH), nonce=world.nonce(TH)
    )
    refused(
        world,
        lambda: world.decide(TH, for_id_project),
        "ProjectsNotCommittee",
        country=ID,
        caller=world.committees[TH].address,
    )


def test_signatures_collected_before_a_membership_change_are_refused(world: World) -> None:
    japan, partner, _, _ = world.current_members(ID)
    decision = world.issuance_decision(ID, "ID001", [(_holder(world), 100)])
    stale = world.sign(decision, [japan[0], japan[2], partner[0]])
    # The committee removes japan[2] (say, a compromised key) and adds another member.
    replacement = world.japan_pool[3]
    change = world.membership_decision(ID, [japan[0], japan[1], replacement], partner, 2, 1)
    world.decide(ID, change).expect_ok()

    refused(
        world,
        lambda: world.submit(ID, decision, stale),
        "CommitteeStaleNonce",
        signedNonce=0,
        currentNonce=1,
    )
    # The removed member signing under the new nonce is no longer a member.
    fresh = world.issuance_decision(ID, "ID001", [(_holder(world), 100)])
    assert fresh.nonce == 1
    signatures = world.sign(fresh, [japan[0], japan[2], partner[0]])
    refused(
        world,
        lambda: world.submit(ID, fresh, signatures),
        "CommitteeNotMember",
        signer=japan[2].address,
    )


def test_a_decision_held_back_past_its_deadline_is_refused(world: World) -> None:
    deadline = world.rpc.block_timestamp() + 60
    decision = world.issuance_decision(ID, "ID001", [(_holder(world), 100)], deadline=deadline)
    signatures = world.sign(decision, world.quorum(ID))
    world.rpc.request("evm_increaseTime", [3600])
    world.rpc.request("evm_mine")
    refused(
        world,
        lambda: world.submit(ID, decision, signatures),
        "CommitteeDecisionExpired",
        deadline=deadline,
    )


def test_high_s_twin_of_a_valid_signature_is_refused(world: World) -> None:
    decision = world.issuance_decision(ID, "ID001", [(_holder(world), 100)])
    signatures = world.sign(decision, world.quorum(ID))
    victim = signatures[0]
    twin = high_s(victim.signature_bytes)
    # The twin is a mathematically valid signature of the same key: only the low-s rule refuses it.
    r, s, v = (int.from_bytes(twin[:32], "big"), int.from_bytes(twin[32:64], "big"), twin[64])
    recovered = keys.Signature(vrs=(v - 27, r, s)).recover_public_key_from_msg_hash(decision.digest)
    assert recovered.to_checksum_address() == victim.signer
    entries = [(s.signer, twin if s is victim else s.signature_bytes) for s in signatures]
    refused(
        world,
        lambda: world.submit(ID, decision, entries),
        "CommitteeMalleableSignature",
        signer=victim.signer,
    )


def test_signatures_with_a_wrong_v_are_refused(world: World) -> None:
    decision = world.issuance_decision(ID, "ID001", [(_holder(world), 100)])
    signatures = world.sign(decision, world.quorum(ID))
    victim = signatures[0]
    flipped = 55 - victim.signature_bytes[64]  # the other valid recovery id: recovers another key
    for v in (0, 1, 26, 29, flipped):
        entries = [
            (s.signer, with_v(s.signature_bytes, v) if s is victim else s.signature_bytes)
            for s in signatures
        ]
        refused(
            world,
            partial(world.submit, ID, decision, entries),
            "CommitteeInvalidSignature",
            signer=victim.signer,
        )


def test_one_members_signature_counted_twice_is_refused(world: World) -> None:
    japan, partner, _, _ = world.current_members(ID)
    decision = world.issuance_decision(ID, "ID001", [(_holder(world), 100)])
    one = japan[0].sign(decision)
    other = partner[0].sign(decision)
    # Japan's threshold is 2: the same member twice, adjacent.
    twice = d.sort_signatures([one, other])
    doubled = [s.as_tuple() for s in twice]
    doubled.insert(doubled.index(one.as_tuple()), one.as_tuple())
    refused(
        world,
        lambda: world.submit(ID, decision, doubled),
        "CommitteeDuplicateSigner",
        signer=one.signer,
    )
    # The same member twice with two different valid-looking signatures (the second a high-s twin).
    twin = [*doubled]
    twin[twin.index(one.as_tuple()) + 1] = (one.signer, high_s(one.signature_bytes))
    refused(
        world,
        lambda: world.submit(ID, decision, twin),
        "CommitteeDuplicateSigner",
        signer=one.signer,
    )
    # Hidden out of order, to slip past an adjacent-duplicate check.
    spread = [one.as_tuple(), other.as_tuple(), one.as_tuple()]
    if int(one.signer, 16) > int(other.signer, 16):
        spread = [other.as_tuple(), one.as_tuple(), other.as_tuple()]
    refused(
        world,
        lambda: world.submit(ID, decision, spread),
        "CommitteeSignersNotSorted",
        previous=spread[1][0],
        signer=spread[2][0],
    )


def test_one_government_alone_cannot_decide(world: World) -> None:
    japan, partner, _, _ = world.current_members(ID)
    decision = world.issuance_decision(ID, "ID001", [(_holder(world, JP), 100)])
    all_japan = world.sign(decision, japan)
    refused(
        world,
        lambda: world.submit(ID, decision, all_japan),
        "CommitteeInsufficientSignatures",
        side=ID,
        count=0,
        required=1,
    )
    all_partner = world.sign(decision, partner)
    refused(
        world,
        lambda: world.submit(ID, decision, all_partner),
        "CommitteeInsufficientSignatures",
        side=JP,
        count=0,
        required=2,
    )


def test_a_tampered_decision_is_refused(world: World) -> None:
    attacker = _holder(world, ID, 1)
    signed = world.issuance_decision(ID, "ID001", [(_holder(world), 100)])
    signatures = world.sign(signed, world.quorum(ID))
    stolen = world.issuance_decision(ID, "ID001", [(attacker, 100)])
    assert stolen.issuance.decision_id == signed.issuance.decision_id
    refused(
        world,
        lambda: world.submit(ID, stolen, signatures),
        "CommitteeInvalidSignature",
        signer=_first_signer(signatures),
    )


def test_a_non_members_signature_is_refused(world: World) -> None:
    decision = world.issuance_decision(ID, "ID001", [(_holder(world), 100)])
    japan, partner, _, _ = world.current_members(ID)
    intruder = Member(ATTACKER_KEY.address, ATTACKER_KEY)
    signatures = world.sign(decision, [japan[0], intruder, partner[0]])
    refused(
        world,
        lambda: world.submit(ID, decision, signatures),
        "CommitteeNotMember",
        signer=intruder.address,
    )


# ------------------------------------------------------------------------------------------------
# Contract-wallet members (ERC-1271)
# ------------------------------------------------------------------------------------------------

HONEST, WRONG_MAGIC, WRITE_STATE, REENTER_OR_FAIL, REENTER_IGNORING_FAILURE = range(5)


def _make_wallet_a_member(world: World) -> Member:
    """Membership change: the wallet replaces the third Japanese member of the ID committee."""
    japan, partner, _, _ = world.current_members(ID)
    wallet_member = world.japan_pool[5]
    assert wallet_member.is_wallet and wallet_member.address == world.wallet.address
    world.decide(
        ID, world.membership_decision(ID, [japan[0], japan[1], wallet_member], partner, 2, 1)
    ).expect_ok()
    return wallet_member


def _configure(world: World, mode: int, target: str = ZERO_ADDRESS, payload: bytes = b"") -> None:
    """Sets how the member wallet answers (anyone may: it is a test contract)."""
    world.wallet.transact("configure", mode, target, payload, sender=world.outsider).expect_ok()


def test_a_contract_wallet_member_returning_a_wrong_magic_value_is_refused(world: World) -> None:
    wallet_member = _make_wallet_a_member(world)
    japan, partner, _, _ = world.current_members(ID)
    decision = world.issuance_decision(ID, "ID001", [(_holder(world), 100)])
    signatures = world.sign(decision, [japan[0], wallet_member, partner[0]])
    _configure(world, WRONG_MAGIC)
    refused(
        world,
        lambda: world.submit(ID, decision, signatures),
        "CommitteeInvalidSignature",
        signer=wallet_member.address,
    )
    # Control: the same signatures pass once the wallet answers honestly.
    _configure(world, HONEST)
    world.submit(ID, decision, signatures).expect_ok()


def test_a_contract_wallet_member_cannot_write_state_from_isValidSignature(world: World) -> None:
    wallet_member = _make_wallet_a_member(world)
    japan, partner, _, _ = world.current_members(ID)
    decision = world.issuance_decision(ID, "ID001", [(_holder(world), 100)])
    signatures = world.sign(decision, [japan[0], wallet_member, partner[0]])
    _configure(world, WRITE_STATE)
    # The committee asks through a static call: the wallet's write reverts, so it gives no answer.
    refused(
        world,
        lambda: world.submit(ID, decision, signatures),
        "CommitteeInvalidSignature",
        signer=wallet_member.address,
    )
    assert int(world.wallet.call("answered")) == 0


def _wallet_holds_credits(world: World) -> tuple[int, str]:
    """Opens a JP account for the wallet and issues it 50 credits; returns (batch, accomplice)."""
    world.open_account(JP, world.wallet.address, name="Member wallet account")
    batch_id = world.issue(
        ID, "ID001", [(world.wallet.address, 50)], authorization=d.Authorization.NDC
    )
    return batch_id, world.sides[JP].holders[1]


def test_a_contract_wallet_member_cannot_move_credits_by_reentering_the_registry(
    world: World,
) -> None:
    wallet_member = _make_wallet_a_member(world)
    batch_id, accomplice = _wallet_holds_credits(world)
    steal = world.registry.encode("transfer", accomplice, batch_id, 50)
    japan, partner, _, _ = world.current_members(ID)
    decision = world.issuance_decision(ID, "ID001", [(_holder(world), 100)])
    signatures = world.sign(decision, [japan[0], wallet_member, partner[0]])

    # Failing loudly when its re-entry fails: the signature counts as invalid.
    _configure(world, REENTER_OR_FAIL, world.registry.address, steal)
    refused(
        world,
        lambda: world.submit(ID, decision, signatures),
        "CommitteeInvalidSignature",
        signer=wallet_member.address,
    )

    # Swallowing the failure: the decision executes, but the re-entering transfer did nothing.
    _configure(world, REENTER_IGNORING_FAILURE, world.registry.address, steal)
    world.submit(ID, decision, signatures).expect_ok()
    assert world.balance(world.wallet.address, batch_id) == 50
    assert world.balance(accomplice, batch_id) == 0
    assert int(world.wallet.call("reentries")) == 0

    # Control: outside a static call the very same payload does move the credits.
    digest = bytes(world.committees[ID].call("issueCreditsDigest", *decision.digest_call()[1]))
    assert digest == decision.digest
    wallet_signature = next(s for s in signatures if s.signer == wallet_member.address)
    world.wallet.transact(
        "isValidSignature", digest, wallet_signature.signature_bytes, sender=world.outsider
    ).expect_ok()
    assert world.balance(accomplice, batch_id) == 50
    assert int(world.wallet.call("reentries")) == 1


def test_a_contract_wallet_member_cannot_execute_another_decision_by_reentering_the_committee(
    world: World,
) -> None:
    wallet_member = _make_wallet_a_member(world)
    japan, partner, _, _ = world.current_members(ID)
    committee = world.committees[ID]
    # The wallet holds a fully signed decision making it the only Japanese member.
    takeover = world.membership_decision(ID, [wallet_member], partner, 1, 1)
    takeover_signatures = world.sign(takeover, [japan[0], japan[1], partner[0]])
    name, args = takeover.contract_call(takeover_signatures)
    reenter = committee.encode(name, *args)

    decision = world.issuance_decision(ID, "ID001", [(_holder(world), 100)])
    signatures = world.sign(decision, [japan[0], wallet_member, partner[0]])
    _configure(world, REENTER_OR_FAIL, committee.address, reenter)
    refused(
        world,
        lambda: world.submit(ID, decision, signatures),
        "CommitteeInvalidSignature",
        signer=wallet_member.address,
    )

    _configure(world, REENTER_IGNORING_FAILURE, committee.address, reenter)
    world.submit(ID, decision, signatures).expect_ok()
    # The nested decision did not execute: same nonce, same members, its digest unused.
    assert world.nonce(ID) == takeover.nonce
    assert [m.address for m in world.current_members(ID)[0]] == [
        japan[0].address,
        japan[1].address,
        wallet_member.address,
    ]
    # It was a valid decision all along: submitted normally, it executes.
    _configure(world, HONEST)
    world.submit(ID, takeover, takeover_signatures).expect_ok()
    assert world.nonce(ID) == takeover.nonce + 1


def test_a_decision_signed_by_nobody_but_submitted_by_governance_is_refused(world: World) -> None:
    # Governance (the registry admin) has no say in committee decisions.
    decision = world.registration(
        ID, "ID777", pdd_hash=keccak(text="x"), validation_report_hash=keccak(text="y")
    )
    refused(
        world,
        lambda: world.submit(ID, decision, [], sender=world.admin),
        "CommitteeInsufficientSignatures",
        side=JP,
        count=0,
        required=2,
    )


def test_signatures_for_one_kind_of_decision_are_refused_for_another(world: World) -> None:
    # Members signed a harmless membership change; the bundle is attached to an issuance instead.
    japan, partner, _, _ = world.current_members(ID)
    change = world.membership_decision(ID, japan, partner, 2, 1)
    signatures = world.sign(change, world.quorum(ID))
    issuance = world.issuance_decision(ID, "ID001", [(_holder(world), 1_000_000)])
    refused(
        world,
        lambda: world.submit(ID, issuance, signatures),
        "CommitteeInvalidSignature",
        signer=_first_signer(signatures),
    )
