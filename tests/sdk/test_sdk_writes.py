"""Every typed write of RegistryClient, with its decoded receipt and its effect on chain."""

from __future__ import annotations

from eth_account import Account

from registry_client import decisions
from registry_client.models import (
    AccountStatus,
    CancellationReason,
    DecisionKind,
    MemberSide,
    RetirementPurpose,
    SerialLocation,
    SerialRange,
)
from support.parties import DAY, doc_hash
from support.sdk import PROJECT, World


def test_transfer_within_a_side(world: World) -> None:
    alice = world.client(world.alice)
    receipt = alice.transfer(world.carol.address, batch_id=1, quantity=100)
    assert receipt.batch_id == 1 and receipt.quantity == 100
    assert receipt.sender_account == world.alice.address
    assert receipt.recipient == world.carol.address
    assert receipt.ranges == (SerialRange(first=1, last=100),)
    assert not receipt.international and not receipt.first_international
    assert receipt.sender == world.alice.address and receipt.gas_used > 0
    assert receipt.tx_hash.startswith("0x") and len(receipt.tx_hash) == 66
    assert alice.balance(world.carol.address, 1) == 100
    assert alice.balance(world.alice.address, 1) == 5900


def test_international_transfer_is_marked(world: World) -> None:
    alice = world.client(world.alice)
    # Alice's units are Japan's share, first transferred to Japan at issuance: moving them on is an
    # international transfer, not a first transfer (first transfer is per serial, not per batch).
    first = alice.transfer(world.bob.address, 1, 10)
    assert first.international and not first.first_international
    assert not alice.batch_info(1).internationally_transferred
    # Bob's own units leave the host's registry for the first time: a first transfer.
    back = world.client(world.bob).transfer(world.alice.address, 1, 20)
    assert back.international and back.first_international
    assert alice.batch_info(1).internationally_transferred


def test_retire_records_the_claim(world: World) -> None:
    alice = world.client(world.alice)
    receipt = alice.retire(1, 250, "JP", "ndc", "Alice Trading K.K.", "FY2023 NDC use")
    assert receipt.retirement_id == 1
    assert (receipt.batch_id, receipt.quantity) == (1, 250)
    assert receipt.ranges == (SerialRange(first=1, last=250),)
    record = alice.retirement(1)
    assert record.account == world.alice.address
    assert record.retirement_account == world.sinks["JP-retirement"]
    assert record.using_party == "JP" and record.purpose == RetirementPurpose.NDC
    assert record.beneficiary == "Alice Trading K.K." and record.note == "FY2023 NDC use"
    assert record.block_ids == (f"JCM-JP-{PROJECT}-2023-000000001-000000250",)
    assert alice.batch_totals(1).retired == 250


def test_cancel_with_a_holder_reason(world: World) -> None:
    bob = world.client(world.bob)
    receipt = bob.cancel(1, 40, CancellationReason.OVERALL_MITIGATION, "OMGE")
    record = bob.cancellation(receipt.cancellation_id)
    assert record.reason == CancellationReason.OVERALL_MITIGATION
    assert record.cancellation_account == world.sinks["ID-cancellation"]
    assert record.decision_id is None and record.quantity == 40
    assert record.ranges == receipt.ranges == (SerialRange(first=6001, last=6040),)


def test_account_life_cycle(world: World) -> None:
    jp = world.client(world.jp_registrar)
    newcomer = Account.create().address
    opened = jp.open_account(newcomer, "JP", "government holding", "Ministry of the Environment")
    assert opened.account == newcomer and opened.status == AccountStatus.ACTIVE
    assert jp.account(newcomer).holder_name == "Ministry of the Environment"
    assert jp.freeze(newcomer).status == AccountStatus.FROZEN
    assert jp.account(newcomer).status == AccountStatus.FROZEN
    assert jp.unfreeze(newcomer).status == AccountStatus.ACTIVE
    assert jp.close_account(newcomer).status == AccountStatus.CLOSED
    assert jp.account(newcomer).status == AccountStatus.CLOSED


def test_governance_writes(world: World) -> None:
    gov, indonesia = world.client(world.governance), world.client(world.id_authority)
    registrar = world.outsider.address
    assert not gov.is_registrar("ID", registrar)
    granted = indonesia.grant_registrar("ID", registrar)
    assert granted.granted and granted.role == "registrar ID"
    assert gov.is_registrar("ID", registrar)
    assert not indonesia.revoke_registrar("ID", registrar).granted
    assert not gov.is_registrar("ID", registrar)
    assert gov.is_authority("JP", world.governance.address)
    assert not gov.is_authority("ID", world.governance.address)
    assert gov.is_authority("ID", world.id_authority.address)
    multisig = Account.create().address
    assert indonesia.grant_authority("ID", multisig).role == "authority ID"
    assert gov.is_authority("ID", multisig)
    assert not indonesia.revoke_authority("ID", multisig).granted
    assert indonesia.pause("ID", 3600).paused and gov.paused()
    until, side = gov.pause_state()
    assert side == "ID" and until > gov.chain_time()
    assert not indonesia.unpause().paused and not gov.paused()


def test_deploy_committee_and_join_with_both_authorities(world: World) -> None:
    gov = world.client(world.governance)
    thailand_key = world.outsider  # funded, no account: stands for Thailand's authority
    japan = [a.address for a in world.japan_members]
    partner = [Account.create().address for _ in range(3)]
    info = gov.deploy_committee("TH", japan, partner, 2, 2, authority=thailand_key.address)
    assert info.country == "TH" and info.nonce == 0
    assert set(info.partner_members) == set(partner) and info.partner_threshold == 2
    assert gov.deployment.committees["TH"] == info.address
    assert info.side_of(japan[0]) == MemberSide.JAPAN
    assert info.side_of(world.outsider.address) == MemberSide.NONE
    assert gov.country_proposal("TH") == (info.address, thailand_key.address)
    assert gov.countries() == ["ID"]  # not before Thailand accepts
    thailand = world.client(thailand_key)
    joined = thailand.accept_country("TH", info.address)
    assert (joined.country, joined.committee) == ("TH", info.address)
    assert gov.countries() == ["ID", "TH"] and gov.sides() == ["JP", "ID", "TH"]
    assert gov.committee("TH") == info
    assert gov.country_proposal("TH") is None


def test_decisions_register_issue_correct_and_change_members(world: World) -> None:
    anyone = world.client(world.outsider)
    registration = decisions.ProjectRegistration(
        ref="ID020",
        country="ID",
        title="Solar power on factory roofs",
        methodology="ID_AM015",
        pdd_hash=doc_hash("ID020 PDD"),
        validation_report_hash=doc_hash("ID020 validation"),
    )
    decision = world.decision_for(anyone, project=registration)
    registered = anyone.submit_decision(decision, world.sign(decision))
    assert registered.kind == DecisionKind.RegisterProject
    assert registered.project_ref == "ID020" and registered.digest == decision.digest_hex
    assert set(registered.signers) == {
        m.address for m in (*world.japan_members[:2], world.partner_members[0])
    }
    assert anyone.project("ID020").methodology == "ID_AM015"

    issuance = world.issuance(
        "JC-ID-2025-issuance-3",
        [(world.carol.address, 30), (world.bob.address, 20)],
        start="2024-01-01",
        end="2024-06-30",
    )
    decision = world.decision_for(anyone, issuance=issuance)
    issued = anyone.submit_decision(decision, reversed(world.sign(decision, japan=3, partner=2)))
    assert issued.kind == DecisionKind.IssueCredits and issued.batch_id == 3
    assert (issued.first_serial, issued.last_serial) == (10501, 10550)
    assert anyone.balance(world.carol.address, 3) == 30

    correction = decisions.Correction(
        decision_id=decisions.decision_id("JC-ID-2025-correction-1"),
        account=world.bob.address,
        batch_id=3,
        first_serial=10531,
        last_serial=10540,
    )
    decision = world.decision_for(anyone, correction=correction)
    corrected = anyone.submit_decision(decision, world.sign(decision))
    assert corrected.kind == DecisionKind.CorrectCredits and corrected.batch_id == 3
    record = anyone.cancellation(corrected.cancellation_id or 0)
    assert record.reason == CancellationReason.CORRECTION
    assert record.decision_id == correction.decision_id
    assert anyone.locate(10535).location == SerialLocation.CANCELLED

    newcomers = [Account.create().address for _ in range(2)]
    change = decisions.MembershipChange(
        japan_members=tuple(m.address for m in world.japan_members[:2]),
        partner_members=tuple(newcomers),
        japan_threshold=1,
        partner_threshold=2,
    )
    decision = world.decision_for(anyone, change=change)
    changed = anyone.submit_decision(decision, world.sign(decision))
    assert changed.kind == DecisionKind.ChangeMembers and changed.nonce == 1
    committee = anyone.committee("ID")
    assert committee.nonce == 1 and set(committee.partner_members) == set(newcomers)
    assert committee.japan_threshold == 1 and committee.partner_threshold == 2


def test_pipelined_sends_then_wait_all(world: World) -> None:
    alice = world.client(world.alice)
    start = alice.w3.eth.get_transaction_count(world.alice.address)
    pending = [
        alice.send(alice.prepare.transfer(world.carol.address, 1, n), wait=False)
        for n in (1, 2, 3, 4, 5)
    ]
    assert all(p.tx_hash.startswith("0x") for p in pending)
    results = alice.wait_all()
    assert [r.quantity for r in results] == [1, 2, 3, 4, 5]
    assert [r.ranges[0].first for r in results] == [1, 2, 4, 7, 11]
    assert alice.w3.eth.get_transaction_count(world.alice.address) == start + 5
    assert alice.balance(world.carol.address, 1) == 15
    assert alice.wait_all() == []  # nothing left to wait for
    assert pending[0].wait() == results[0]  # a handle keeps its result


def test_decision_deadline_is_bound_to_chain_time(world: World) -> None:
    anyone = world.client(world.outsider)
    committee = anyone.committee("ID")
    domain = decisions.CommitteeDomain(chain_id=anyone.chain_id, committee=committee.address)
    now = int(anyone.w3.eth.get_block("latest")["timestamp"])
    issuance = world.issuance(
        "JC-ID-deadline", [(world.carol.address, 5)], start="2024-07-01", end="2024-07-31"
    )
    decision = decisions.IssueCreditsDecision(
        domain=domain, nonce=committee.nonce, deadline=now + DAY, issuance=issuance
    )
    assert anyone.submit_decision(decision, world.sign(decision)).batch_id == 3
