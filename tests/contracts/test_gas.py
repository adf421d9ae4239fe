"""Gas used by the main operations, from receipts, beside a plain OpenZeppelin ERC-1155.

Each figure is asserted below a ceiling (about 1.5x what it measured when written), so a gas
regression fails the suite. Run with ``-s`` to see the table; set ``JCM_GAS_REPORT=<file>`` to
also write it as JSON.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import ape
from contract_helpers import (
    CONTAINERS,
    JP,
    VN,
    CancellationReason,
    RetirementPurpose,
    World,
    fast_send,
    member_key,
    sign,
)

from registry_client import decisions as d

#: name -> ceiling (gas)
CEILINGS = {
    "issue via committee, 2+1 signatures, 1 allocation (project's first batch)": 720_000,
    "issue via committee, 2+1 signatures, 1 allocation": 620_000,
    "issue via committee, 2+1 signatures, 4 allocations": 950_000,
    "issue via committee, 2+1 signatures, 16 allocations": 2_250_000,
    "issue via committee, 3+3 signatures, 1 allocation": 680_000,
    "issue via committee, 3+3 signatures, 4 allocations": 1_000_000,
    "issue via committee, 3+3 signatures, 16 allocations": 2_300_000,
    "transfer 1 range to an existing holding": 115_000,
    "transfer 1 range to a new holder (its first holding)": 220_000,
    "transfer touching 4 ranges": 180_000,
    "retire (the batch's first retirement)": 470_000,
    "retire (later)": 250_000,
    "cancel (the batch's first cancellation)": 490_000,
    "cancel (later)": 250_000,
    "OpenZeppelin ERC-1155 safeTransferFrom, existing recipient": 60_000,
    "OpenZeppelin ERC-1155 safeTransferFrom, new recipient": 86_000,
}


def committee_issue(
    world: World, allocations: list[tuple[Any, int]], signers: tuple[Any, ...]
) -> int:
    """Gas of one committee issuance, measured from the current state, which is then restored."""
    snapshot = ape.chain.snapshot()
    decision = world.vn_issuance_decision(allocations)
    receipt = world.submit(decision, sign(decision, *signers))
    assert receipt.status == 1
    ape.chain.restore(snapshot)
    return int(receipt.gas_used)


def test_gas(world: World) -> None:
    """Issuances are each measured from the same state: the project has issued before, and every
    recipient (16 distinct VN holding accounts) already holds credits of an earlier batch."""
    registry, jp, vn = world.registry, world.jp, world.vn
    a, b, c = jp.companies
    gas: dict[str, int] = {}
    two_one = (world.japan_members[0], world.japan_members[1], world.partner_members[0])
    recipients = [member_key(f"gas recipient {i}").address for i in range(16)]
    for i, recipient in enumerate(recipients):
        fast_send(
            registry, "openAccount", recipient, VN, 1, f"VN participant {i}", sender=vn.registrar
        )

    gas["issue via committee, 2+1 signatures, 1 allocation (project's first batch)"] = (
        committee_issue(world, [(recipients[0], 1000)], two_one)
    )
    warm_up = world.vn_issuance_decision([(r, 1) for r in recipients])
    world.submit(warm_up, sign(warm_up, *two_one))

    def issue_series(label: str, signers: tuple[Any, ...]) -> None:
        for count in (1, 4, 16):
            allocations = [(recipients[i], 1000 + i) for i in range(count)]
            name = f"issue via committee, {label} signatures, {count} allocation" + "s" * (
                count > 1
            )
            gas[name] = committee_issue(world, allocations, signers)

    issue_series("2+1", two_one)
    japan = list(world.japan_members)
    partner = [*world.partner_members, member_key("VN-2")]
    change = d.ChangeMembersDecision(
        domain=world.domain(),
        nonce=world.committee_nonce(),
        deadline=world.deadline(),
        change=d.MembershipChange(
            japan_members=[m.address for m in japan],
            partner_members=[m.address for m in partner],
            japan_threshold=3,
            partner_threshold=3,
        ),
    )
    world.submit(change, sign(change, *two_one))
    issue_series("3+3", (*japan, *partner))

    # Ledger movements: a holds one range of the batch, b and the government account none yet.
    batch = world.issue("ID012", [(a, 100)])
    registry.transfer(b, batch, 10, sender=a)  # b: 1-10
    gas["transfer 1 range to a new holder (its first holding)"] = int(
        registry.transfer(jp.government, batch, 10, sender=a).gas_used
    )
    gas["transfer 1 range to an existing holding"] = int(
        registry.transfer(b, batch, 10, sender=a).gas_used
    )
    # a holds four ranges of batch2 (c's single serials between them); b already holds some.
    batch2 = world.issue("ID012", [(a, 5), (c, 1), (a, 5), (c, 1), (a, 5), (c, 1), (a, 5)])
    registry.transfer(b, batch2, 1, sender=c)  # b holds some of batch2 already
    receipt = registry.transfer(b, batch2, 20, sender=a)
    assert len(receipt.events[-1].event_arguments["ranges"]) == 4
    gas["transfer touching 4 ranges"] = int(receipt.gas_used)
    purpose = RetirementPurpose.NDC
    gas["retire (the batch's first retirement)"] = int(
        registry.retire(batch, 5, JP, purpose, "", "", sender=b).gas_used
    )
    gas["retire (later)"] = int(registry.retire(batch, 5, JP, purpose, "", "", sender=b).gas_used)
    reason = CancellationReason.VOLUNTARY
    gas["cancel (the batch's first cancellation)"] = int(
        registry.cancel(batch, 5, reason, "", sender=b).gas_used
    )
    gas["cancel (later)"] = int(registry.cancel(batch, 5, reason, "", sender=b).gas_used)

    token = world.admin.deploy(CONTAINERS["ReferenceERC1155"])
    token.mint(a, 1, 100, sender=a)
    token.mint(b, 1, 100, sender=a)
    gas["OpenZeppelin ERC-1155 safeTransferFrom, existing recipient"] = int(
        token.safeTransferFrom(a, b, 1, 10, b"", sender=a).gas_used
    )
    gas["OpenZeppelin ERC-1155 safeTransferFrom, new recipient"] = int(
        token.safeTransferFrom(a, c, 1, 10, b"", sender=a).gas_used
    )

    width = max(len(name) for name in gas)
    print("\n" + "\n".join(f"{name:<{width}}  {value:>9,}" for name, value in gas.items()))
    if report := os.environ.get("JCM_GAS_REPORT"):
        Path(report).write_text(json.dumps(gas, indent=2) + "\n", encoding="utf-8")
    assert set(gas) == set(CEILINGS)
    over = {name: (value, CEILINGS[name]) for name, value in gas.items() if value > CEILINGS[name]}
    assert not over, f"gas above ceiling (used, ceiling): {over}"
