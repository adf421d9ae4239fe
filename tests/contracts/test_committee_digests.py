"""decisions.py computes the same EIP-712 digests as JointCommittee's digest views, for every kind.

Cases cover several allocations (0 to 32), non-ASCII (Japanese, Vietnamese) text, empty texts and
the extreme values of every integer field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from eth_utils import keccak

from registry_client import decisions as d
from support.contracts import World, member_key

U64 = 2**64 - 1
U256 = 2**256 - 1
ACCOUNTS = [member_key(f"allocation {i}").address for i in range(32)]


def registration(**overrides: Any) -> d.ProjectRegistration:
    values: dict[str, Any] = {
        "ref": "VN012",
        "country": "VN",
        "title": "ベトナム・ハノイ市における高効率空調の導入 (Điều hòa hiệu suất cao)",
        "methodology": "VN_AM007",
        "pdd_hash": keccak(text="pdd"),
        "validation_report_hash": keccak(text="validation"),
    }
    values.update(overrides)
    return d.ProjectRegistration(**values)


def issuance(count: int, **overrides: Any) -> d.Issuance:
    values: dict[str, Any] = {
        "decision_ref": "合同委員会 JC-VN-2024-07 (issuance 3)",
        "project_ref": "VN012",
        "monitoring_start": "2023-01-01",
        "monitoring_end": "2023-12-31T23:59:59Z",
        "vintage": 2023,
        "quantity": 1000 * count,
        "verified_reductions": 1000 * count + 7,
        "verification_report_hash": keccak(text="verification"),
        "authorization": d.Authorization.NDC_AND_OTHER_PURPOSES,
        "authorization_id": "承認番号 VN-2024/001",
        "authorization_date": "2024-02-29",
        "allocations": [{"account": ACCOUNTS[i], "amount": 1000 + i} for i in range(count)],
    }
    values.update(overrides)
    return d.Issuance.model_validate(values)


Build = Callable[[d.CommitteeDomain], d.Decision]

CASES: dict[str, Build] = {
    "register": lambda dom: d.RegisterProjectDecision(
        domain=dom, nonce=0, deadline=1_900_000_000, project=registration()
    ),
    "register-empty-texts-extremes": lambda dom: d.RegisterProjectDecision(
        domain=dom,
        nonce=U256,
        deadline=0,
        project=registration(ref="", title="", methodology="", pdd_hash=bytes(32)),
    ),
    "register-max-deadline": lambda dom: d.RegisterProjectDecision(
        domain=dom, nonce=7, deadline=U64, project=registration(title="x" * 256)
    ),
    "issue-0-allocations": lambda dom: d.IssueCreditsDecision(
        domain=dom, nonce=0, deadline=1_900_000_000, issuance=issuance(0)
    ),
    "issue-1-allocation": lambda dom: d.IssueCreditsDecision(
        domain=dom, nonce=0, deadline=1_900_000_000, issuance=issuance(1)
    ),
    "issue-4-allocations": lambda dom: d.IssueCreditsDecision(
        domain=dom, nonce=3, deadline=1_900_000_000, issuance=issuance(4)
    ),
    "issue-32-allocations": lambda dom: d.IssueCreditsDecision(
        domain=dom, nonce=1, deadline=1_900_000_000, issuance=issuance(32)
    ),
    "issue-extremes": lambda dom: d.IssueCreditsDecision(
        domain=dom,
        nonce=U256,
        deadline=U64,
        issuance=issuance(
            2,
            decision_id="0x" + "ff" * 32,
            decision_ref="",
            project_ref="",
            monitoring_start=0,
            monitoring_end=U64,
            vintage=2**16 - 1,
            quantity=U64,
            verified_reductions=U64,
            verification_report_hash=bytes(32),
            authorization=d.Authorization.NONE,
            authorization_id="",
            authorization_date=U64,
            allocations=[
                {"account": ACCOUNTS[0], "amount": U64},
                {"account": ACCOUNTS[1], "amount": 0},
            ],
        ),
    ),
    "correct": lambda dom: d.CorrectCreditsDecision(
        domain=dom,
        nonce=2,
        deadline=1_900_000_000,
        correction=d.Correction(
            decision_id=d.decision_id("JC-VN-2024-correction-1"),
            account=ACCOUNTS[5],
            batch_id=12,
            first_serial=100_001,
            last_serial=105_000,
        ),
    ),
    "correct-extremes": lambda dom: d.CorrectCreditsDecision(
        domain=dom,
        nonce=U256,
        deadline=0,
        correction=d.Correction(
            decision_id=bytes(32),
            account="0x" + "00" * 20,
            batch_id=U256,
            first_serial=U64,
            last_serial=0,
        ),
    ),
    "change-members": lambda dom: d.ChangeMembersDecision(
        domain=dom,
        nonce=4,
        deadline=1_900_000_000,
        change=d.MembershipChange(
            japan_members=ACCOUNTS[:3],
            partner_members=ACCOUNTS[3:5],
            japan_threshold=2,
            partner_threshold=1,
        ),
    ),
    "change-members-16-and-empty": lambda dom: d.ChangeMembersDecision(
        domain=dom,
        nonce=0,
        deadline=U64,
        change=d.MembershipChange(
            japan_members=ACCOUNTS[:16],
            partner_members=[],
            japan_threshold=255,
            partner_threshold=0,
        ),
    ),
    "replace-committee": lambda dom: d.ReplaceCommitteeDecision(
        domain=dom,
        nonce=3,
        deadline=1_900_000_000,
        replacement=d.CommitteeReplacement(successor=ACCOUNTS[7]),
    ),
    "set-authorization": lambda dom: d.SetAuthorizationDecision(
        domain=dom,
        nonce=2,
        deadline=1_900_000_000,
        authorization=d.BatchAuthorization(
            batch_id=12,
            authorization=d.Authorization.NDC,
            authorization_id="Thư ủy quyền VN-LoA-2025/007",
            authorization_date="2025-03-31",
        ),
    ),
    "revoke-authorization-extremes": lambda dom: d.SetAuthorizationDecision(
        domain=dom,
        nonce=U256,
        deadline=0,
        authorization=d.BatchAuthorization(
            batch_id=U256,
            authorization=d.Authorization.NONE,
            authorization_id="",
            authorization_date=U64,
        ),
    ),
    "set-first-transfer-definition": lambda dom: d.SetFirstTransferDefinitionDecision(
        domain=dom,
        nonce=1,
        deadline=1_900_000_000,
        rule=d.FirstTransferRule(definition=d.FirstTransferDefinition.USE_OR_CANCELLATION),
    ),
}


def contract_digest(world: World, decision: d.Decision) -> bytes:
    name, args = decision.digest_call()
    return bytes(getattr(world.joint, name)(*args))


@pytest.mark.parametrize("case", list(CASES))
def test_python_digest_equals_contract_digest(world: World, case: str) -> None:
    decision = CASES[case](world.domain())
    assert contract_digest(world, decision) == decision.digest
    # The file round trip keeps the digest.
    assert d.Decision.from_json(decision.to_json()).digest == decision.digest


@pytest.mark.parametrize(
    "case",
    [
        "register",
        "issue-4-allocations",
        "correct",
        "change-members",
        "replace-committee",
        "set-authorization",
        "set-first-transfer-definition",
    ],
)
def test_the_domain_binds_chain_and_committee(world: World, case: str) -> None:
    on_chain = contract_digest(world, CASES[case](world.domain()))
    for domain in (
        world.domain(chain_id=1),
        world.domain(committee=world.registry),
    ):
        assert CASES[case](domain).digest != on_chain
