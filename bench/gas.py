"""Gas of every registry and committee operation beside OpenZeppelin references, on one anvil.

One run (``measure()``) starts one ``anvil --hardfork paris`` on a random port and, in a fixed order
with fixed keys, texts, timestamps and deadlines (so every run sends the same bytes and gas is
reproducible to the unit):

1. deploys the registry (``JCMRegistry``, which creates ``JCMProjects``) from the SDK's packaged
   artifacts, a ``JointCommittee`` for Indonesia (3 Japan members, threshold 2; 3 partner members,
   threshold 1), and the references ``ReferenceERC1155`` / ``ReferenceERC20`` (unmodified
   OpenZeppelin 5.3.0, see :mod:`bench.references`);
2. measures the references: ERC-1155 ``safeTransferFrom`` and ERC-20 ``transfer`` to a new and to an
   existing recipient, and an ERC-1155 mint of a new id;
3. measures every registry and committee operation through the SDK (``RegistryClient``), committee
   decisions with real EIP-712 signatures made by :mod:`registry_client.decisions`.

Gas is each transaction's ``gasUsed`` (intrinsic 21,000 and calldata included, refunds deducted),
so the registry and the references are compared on the same footing. Every figure is also given as
the ratio to :data:`BASELINE`, the ERC-1155 transfer to an existing recipient.

How the transfer scenarios are built: "touching k ranges" means the sender holds exactly k disjoint
ranges of two serials each (dealt by a dealer account alternately to the sender and a filler) and
sends 2k - 1 credits: k - 1 ranges whole and one serial of the k-th, so the sender keeps one credit.
"New recipient" means an account that holds another batch and receives this batch for the first
time (its holding and the batch's holder list are written for the first time); "existing recipient"
means it holds a lower range of the batch that the arriving ranges do not touch, so each arriving
range is a new range of its holding. The common repeat case, where the arriving serials extend the
range the recipient already holds and merge into it, is
``transfer.1_range.existing_recipient_merged``.

``python -m bench.gas`` prints the table; ``--snapshot FILE`` writes the registry and committee
figures as the gas snapshot that ``tests/gas`` checks (``make gas-snapshot``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from web3 import Web3
from web3.types import TxParams, TxReceipt

from bench.chain import Anvil, key
from bench.references import compile_references
from bench.world import DAY, PARTNER, World
from registry_client import decisions
from registry_client.models import AccountKind, CancellationReason, RetirementPurpose
from registry_client.transactions import TransactionSender

SNAPSHOT = Path(__file__).resolve().parents[1] / "tests" / "gas" / "gas_snapshot.json"
BASELINE = "erc1155.safe_transfer_from.existing_recipient"
"""The reference every figure is divided by."""

RANGES_GROWTH = (1, 2, 4, 8, 16, 32)
RANGES_NEW = (1, 4, 16)
ISSUE_SIGNATURES = ((2, 1), (3, 3))
ISSUE_ALLOCATIONS = (1, 4, 16)
#: (japan signatures, partner signatures, allocations) of every measured issuance: each pair of
#: ISSUE_SIGNATURES with each of ISSUE_ALLOCATIONS, and the 2+2 / 4 issuance of issue 13's target.
ISSUES = tuple(
    sorted({(j, p, n) for j, p in ISSUE_SIGNATURES for n in ISSUE_ALLOCATIONS} | {(2, 2, 4)})
)

#: Fixed references: not built here, so taken as published figures (see :data:`FIXED_REFERENCES`).
SAFE_EXEC_TRANSACTION_2_OF_3 = 72_588
TOUCAN_RETIRE = 162_737
FIXED_REFERENCES: dict[str, tuple[int, str]] = {
    "safe.exec_transaction.2_of_3": (
        SAFE_EXEC_TRANSACTION_2_OF_3,
        "Safe 2-of-3 execTransaction (fixed figure of issue 13, not built here)",
    ),
    "toucan.retire": (
        TOUCAN_RETIRE,
        "Toucan-style retire (fixed figure of issue 13, not built here)",
    ),
}

REFERENCES: dict[str, str] = {
    "erc1155.safe_transfer_from.new_recipient": "OZ ERC-1155 safeTransferFrom, new recipient",
    "erc1155.safe_transfer_from.existing_recipient": (
        "OZ ERC-1155 safeTransferFrom, existing recipient"
    ),
    "erc20.transfer.new_recipient": "OZ ERC-20 transfer, new recipient",
    "erc20.transfer.existing_recipient": "OZ ERC-20 transfer, existing recipient",
    "erc1155.mint.new_id": "OZ ERC-1155 mint of a new id",
}


def _ranges(k: int) -> str:
    return "1_range" if k == 1 else f"{k}_ranges"


def _issue(japan: int, partner: int, count: int) -> str:
    return f"committee.issue_credits.{japan}+{partner}_signatures.{count}_allocations"


AFTER_A_GAP = f"{_issue(2, 2, 4)}.after_a_monitoring_gap"


def _operations() -> dict[str, str]:
    ops = {
        "deploy.registry": "deploy JCMRegistry (creates JCMProjects)",
        "deploy.joint_committee": "deploy JointCommittee (3+3 members)",
        "governance.grant_registrar": "grant a side's registrar role (its own authority)",
        "governance.revoke_registrar": "revoke a side's registrar role (its own authority)",
        "governance.propose_country": "Japan's authority proposes a partner and its committee",
        "governance.accept_country": "the partner's authority accepts: the country joins",
        "committee.replace_committee": "a committee hands over to a successor (decision, 2+1)",
        "governance.pause": "an authority pauses holders' movements for a day",
        "governance.unpause": "the same authority lifts its pause",
        "account.open.holding": "open a holding account",
        "account.open.government_holding": "open a government holding account",
        "account.open.retirement": "open a side's retirement account",
        "account.open.cancellation": "open a side's cancellation account",
        "account.freeze": "freeze an account",
        "account.unfreeze": "unfreeze an account",
        "account.close": "close an empty account",
        "committee.register_project": "register a project (decision, 2+1 signatures)",
        "committee.correct_credits": "correct credits to cancellation (decision, 2+1)",
        "committee.change_members": "change members, 3+3 (decision, 2+1)",
    }
    for japan, partner, count in ISSUES:
        ops[_issue(japan, partner, count)] = (
            f"issue a batch, {count} allocation{'s' * (count > 1)}, {japan}+{partner} sigs"
        )
    ops["transfer.1_range.existing_recipient_merged"] = (
        "transfer 1 range, merges into the recipient's range"
    )
    for k in RANGES_GROWTH:
        ops[f"transfer.{_ranges(k)}.existing_recipient"] = (
            f"transfer touching {k} range{'s' * (k > 1)}, existing recipient"
        )
    for k in RANGES_NEW:
        ops[f"transfer.{_ranges(k)}.new_recipient"] = (
            f"transfer touching {k} range{'s' * (k > 1)}, new recipient"
        )
    ops.update(
        {
            "transfer.international.first": "transfer JP -> ID, the batch's first international",
            "transfer.international.next": "transfer JP -> ID, later, merging into its range",
            "retire.first_of_batch": "retire 1 range, the side's first of the batch",
            "retire.next": "retire 1 range, later retirement of the batch",
            "retire.voluntary_offset": "retire 1 range as a voluntary offset (no Article 6 call)",
            "cancel.first_of_batch": "cancel 1 range, the side's first of the batch",
            "cancel.next": "cancel 1 range, later cancellation of the batch",
            "retire.third_registry.first_of_batch": (
                "retire 1 range in a third registry, its first of the batch"
            ),
            "retire.third_registry.next": "retire 1 range in a third registry, later",
            AFTER_A_GAP: (
                "issue a batch, 4 allocations, 2+2 sigs, its period starting a week after the"
                " previous one ends (the space between them kept)"
            ),
        }
    )
    return ops


OPERATIONS: dict[str, str] = _operations()
"""Every registry and committee operation measured (the gas snapshot's keys), with a description."""

OnRecord = Callable[[str, World], None]
"""Told each measured operation's name and the world (node, deployment), right after its
transaction was mined."""


@dataclass
class GasResults:
    """The gas of one run.

    Attributes:
        operations: registry and committee operation -> gas used.
        references: OpenZeppelin reference operation -> gas used.
        growth: ranges touched -> gas of a transfer to an existing recipient.
        seconds: wall time of the run.
    """

    operations: dict[str, int] = field(default_factory=dict)
    references: dict[str, int] = field(default_factory=dict)
    growth: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def baseline(self) -> int:
        """Gas of :data:`BASELINE`."""
        return self.references[BASELINE]

    def ratio(self, gas: int) -> float:
        """``gas`` as a multiple of the baseline."""
        return gas / self.baseline

    def to_json(self) -> dict[str, Any]:
        """JSON-able results with ratios."""
        return {
            "baseline": BASELINE,
            "baseline_gas": self.baseline,
            "references": {
                name: {"gas": gas, "ratio": round(self.ratio(gas), 3), "what": REFERENCES[name]}
                for name, gas in self.references.items()
            },
            "operations": {
                name: {"gas": gas, "ratio": round(self.ratio(gas), 3), "what": OPERATIONS[name]}
                for name, gas in self.operations.items()
            },
            "fixed_references": {
                name: {"gas": gas, "what": what} for name, (gas, what) in FIXED_REFERENCES.items()
            },
            "targets": [t.to_json() for t in targets(self)],
            "transfer_gas_by_ranges_touched": {str(k): v for k, v in self.growth.items()},
            "seconds": round(self.seconds, 1),
        }


@dataclass(frozen=True)
class GasTarget:
    """One gas target of issue 13, against this run's figures.

    Attributes:
        operation: the measured operation (a key of :data:`OPERATIONS`).
        goal: the target as the issue states it.
        limit: the most gas the operation may use, from the references of this run.
        gas: what the operation used.
    """

    operation: str
    goal: str
    limit: int
    gas: int

    @property
    def met(self) -> bool:
        """Whether the operation stayed within the limit."""
        return self.gas <= self.limit

    def to_json(self) -> dict[str, Any]:
        """JSON-able target."""
        return {**vars(self), "met": self.met}


def targets(results: GasResults) -> list[GasTarget]:
    """Issue 13's gas targets, each as a limit computed from references measured in the same run
    (OpenZeppelin) or from the fixed Safe and Toucan figures (:data:`FIXED_REFERENCES`)."""
    ref = results.references
    existing = ref["erc1155.safe_transfer_from.existing_recipient"]
    new = ref["erc1155.safe_transfer_from.new_recipient"]
    issuance = SAFE_EXEC_TRANSACTION_2_OF_3 + 4 * ref["erc1155.mint.new_id"]
    rules: list[tuple[str, str, float]] = [
        (
            "transfer.1_range.existing_recipient_merged",
            "<= 1.25x ERC-1155, existing",
            1.25 * existing,
        ),
        ("transfer.1_range.existing_recipient", "<= 1.25x ERC-1155, existing", 1.25 * existing),
        ("transfer.1_range.new_recipient", "<= 1.25x ERC-1155, new recipient", 1.25 * new),
        ("retire.next", "<= 0.65x Toucan retire", 0.65 * TOUCAN_RETIRE),
        ("retire.first_of_batch", "<= 0.65x Toucan retire", 0.65 * TOUCAN_RETIRE),
        ("cancel.next", "<= 0.65x Toucan retire", 0.65 * TOUCAN_RETIRE),
        ("cancel.first_of_batch", "<= 0.65x Toucan retire", 0.65 * TOUCAN_RETIRE),
        (_issue(2, 2, 4), "<= 1.2x (Safe 2-of-3 + 4 ERC-1155 mints)", 1.2 * issuance),
        ("transfer.32_ranges.existing_recipient", "<= 450,000 gas", 450_000),
    ]
    return [
        GasTarget(operation=op, goal=goal, limit=int(limit), gas=results.operations[op])
        for op, goal, limit in rules
    ]


def targets_table(found: list[GasTarget]) -> str:
    """The gas targets as a text table: gas, limit, met."""
    lines = [f"{'operation':<56} {'goal':<42} {'gas':>9} {'limit':>9}  met"]
    for t in found:
        lines.append(
            f"{t.operation:<56} {t.goal:<42} {t.gas:>9,} {t.limit:>9,}  {'yes' if t.met else 'NO'}"
        )
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------
# The run
# ------------------------------------------------------------------------------------------------


class _Run(World):
    """One measurement: the world, and the results it records."""

    def __init__(self, node: Anvil, on_record: OnRecord | None = None) -> None:
        super().__init__(node)
        self.results = GasResults()
        self.on_record = on_record

    def record(self, name: str, gas: int) -> None:
        if name not in OPERATIONS:
            raise KeyError(f"{name} is not a declared operation")
        self.results.operations[name] = int(gas)
        if self.on_record is not None:
            self.on_record(name, self)

    # -- phases ------------------------------------------------------------------------------------

    def deploy_all(self) -> None:
        self.deploy(self.record)

    def accounts(self) -> None:
        for side in ("JP", PARTNER):
            for kind in (AccountKind.RETIREMENT, AccountKind.CANCELLATION):
                holder = key(f"{kind.label}-{side}")
                receipt = self.client(self.registrars[side]).open_account(
                    holder.address, side, kind, f"{side} {kind.label} account"
                )
                if side == "JP":
                    self.record(f"account.open.{kind.name.lower()}", receipt.gas_used)
        holder = key("jp-holding-first")
        receipt = self.client(self.registrars["JP"]).open_account(
            holder.address, "JP", AccountKind.HOLDING, "Nippon Bench Trading Co., Ltd."
        )
        self.record("account.open.holding", receipt.gas_used)
        government = key("jp-government")
        receipt = self.client(self.registrars["JP"]).open_account(
            government.address, "JP", AccountKind.GOVERNMENT_HOLDING, "Government of Japan"
        )
        self.record("account.open.government_holding", receipt.gas_used)
        self.sides.update({holder.address: "JP", government.address: "JP"})

    def project(self) -> None:
        self.register_project(self.record)

    def issuances(self) -> None:
        # Every account that receives credits in a measured issuance, or as the "new recipient" of a
        # measured transfer, first receives one credit of a warm-up batch: it is an account that
        # already holds another batch, receiving this batch for the first time (its first credits
        # ever would also create its batch list). The warm-up batches are also the project's first
        # batches, so every measured issuance is a "next" issuance of the project.
        allocations: dict[tuple[int, int, int], list[str]] = {}
        for japan, partner, count in ISSUES:
            allocations[japan, partner, count] = [
                self.account(f"allocation-{japan}+{partner}-{count}-{i}", ("JP", PARTNER)[i % 2])
                for i in range(count)
            ]
        new_recipients = [self.account(f"recipient-{k}-new", "JP") for k in RANGES_NEW]
        seasoned = [a for accounts in allocations.values() for a in accounts] + new_recipients
        for start in range(0, len(seasoned), 32):
            self.issue([(a, 1) for a in seasoned[start : start + 32]])
        for (japan, partner, count), accounts in allocations.items():
            _, gas = self.issue([(a, 1_000) for a in accounts], japan, partner)
            self.record(_issue(japan, partner, count), gas)
        # Consecutive periods (the usual case, measured above) leave JCMProjects nothing to
        # keep; a period that starts more than a day after the previous one ends leaves a space a
        # late period may still fill, kept in a slot of its own.
        _, gas = self.issue([(a, 1_000) for a in allocations[2, 2, 4]], 2, 2, after=7 * DAY)
        self.record(AFTER_A_GAP, gas)

    def transfers(self) -> None:
        dealer = self.account("dealer", "JP")
        filler = self.account("filler", "JP")
        batch, _ = self.issue([(dealer, 1_000_000)])
        # A holding of one range, sending to a recipient whose range the serials extend.
        sender = self.account("single-range", "JP")
        merged = self.account("merging-recipient", "JP")
        self.deal("dealer", batch, [(sender, 1_000)])
        self.transfer("single-range", merged, batch, 10)
        gas = self.transfer("single-range", merged, batch, 10)
        self.record("transfer.1_range.existing_recipient_merged", gas)
        for k in sorted({*RANGES_GROWTH, *RANGES_NEW}):
            variants = ["existing"] if k not in RANGES_NEW else ["existing", "new"]
            for variant in variants:
                label = f"fragmented-{k}-{variant}"
                sender = self.account(label, "JP")
                recipient = self.account(f"recipient-{k}-{variant}", "JP")
                plan = [(recipient, 1), (filler, 1)] if variant == "existing" else []
                for _ in range(k):
                    plan += [(sender, 2), (filler, 1)]
                self.deal("dealer", batch, plan)
                gas = self.transfer(label, recipient, batch, 2 * k - 1)
                self.record(f"transfer.{_ranges(k)}.{variant}_recipient", gas)
                if variant == "existing":
                    self.results.growth[k] = gas
        # International: a JP holding to an ID holding of an authorized batch. The importer holds
        # the batch's last serial from the issuance, so the first arriving range is a new range of
        # its holding and the second one merges into the first.
        exporter = self.account("exporter", "JP")
        importer = self.account("importer", PARTNER)
        batch, _ = self.issue([(exporter, 10_000), (importer, 1)])
        first = self.transfer("exporter", importer, batch, 100)
        self.record("transfer.international.first", first)
        self.record("transfer.international.next", self.transfer("exporter", importer, batch, 100))

    def sinks(self) -> None:
        holder = self.account("retiring-company", "JP")
        batch, _ = self.issue([(holder, 10_000)])
        client = self.client(key("retiring-company"))
        for name in ("retire.first_of_batch", "retire.next"):
            retired = client.retire(
                batch, 100, "JP", RetirementPurpose.NDC, "Government of Japan", "FY2030 NDC"
            )
            self.record(name, retired.gas_used)
        offset = client.retire(
            batch, 100, "JP", RetirementPurpose.VOLUNTARY_OFFSET, "Nippon Bench", "FY2025 Scope 1"
        )
        self.record("retire.voluntary_offset", offset.gas_used)
        for name in ("cancel.first_of_batch", "cancel.next"):
            receipt = client.cancel(
                batch, 100, CancellationReason.VOLUNTARY_CANCELLATION, "voluntary cancellation"
            )
            self.record(name, receipt.gas_used)
        holding = client.holding(holder, batch)
        first = holding.ranges[0].first
        self.decisions += 1
        correction = decisions.Correction(
            decision_id=decisions.decision_id(f"JC-ID-bench-correction-{self.decisions}"),
            account=holder,
            batch_id=batch,
            first_serial=first,
            last_serial=first + 9,
        )
        receipt = self.submit(self.decision(correction=correction))
        self.record("committee.correct_credits", receipt.gas_used)
        self.third_registry_sink(batch)

    def third_registry_sink(self, batch: int) -> None:
        """Retirements in Thailand's registry of credits of Indonesia's batch ``batch`` that Japan's
        registry passed on: the sinks of the batch's own two registries count in the batch's slot,
        a third registry's sink keeps a holding slot of its own, which its first retirement of the
        batch fills (the worst case of a retirement)."""
        registrar = key("registrar-TH")
        self.node.fund([registrar.address])
        self.client(self.authorities["TH"]).grant_registrar("TH", registrar.address)
        self.registrars["TH"] = registrar
        self.client(registrar).open_account(
            key("retirement-TH").address, "TH", AccountKind.RETIREMENT, "TH retirement account"
        )
        holder = self.account("thai-company", "TH")
        self.transfer("retiring-company", holder, batch, 1_000)
        client = self.client(key("thai-company"))
        for name in ("retire.third_registry.first_of_batch", "retire.third_registry.next"):
            receipt = client.retire(
                batch, 100, "TH", RetirementPurpose.NDC, "Government of Thailand", "FY2030 NDC"
            )
            self.record(name, receipt.gas_used)

    def lifecycle(self) -> None:
        registrar = self.client(self.registrars["JP"])
        subject = self.account("frozen-and-closed", "JP")
        self.record("account.freeze", registrar.freeze(subject).gas_used)
        self.record("account.unfreeze", registrar.unfreeze(subject).gas_used)
        self.record("account.close", registrar.close_account(subject).gas_used)
        gov = self.client(self.governance)
        self.record("governance.pause", gov.pause("JP", 86_400).gas_used)
        self.record("governance.unpause", gov.unpause().gas_used)
        partner = self.client(self.authorities[PARTNER])
        receipt = partner.revoke_registrar(PARTNER, self.registrars[PARTNER].address)
        self.record("governance.revoke_registrar", receipt.gas_used)
        replacement = key("member-ID-new")
        change = decisions.MembershipChange(
            japan_members=tuple(m.address for m in self.japan_members),
            partner_members=(*(m.address for m in self.partner_members[:2]), replacement.address),
            japan_threshold=2,
            partner_threshold=1,
        )
        receipt = self.submit(self.decision(change=change))
        self.record("committee.change_members", receipt.gas_used)
        self.nonce += 1

    def references(self) -> None:
        compiled = compile_references()
        deployer, holder, other = key("ref-deployer"), key("ref-holder"), key("ref-existing")
        self.node.fund([deployer.address, holder.address])
        sender = TransactionSender(self.w3, deployer)
        tokens = {}
        for name, artifact in compiled.items():
            factory = self.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
            receipt = _send(sender, {"data": factory.constructor().data_in_transaction})
            address = Web3.to_checksum_address(str(receipt["contractAddress"]))
            tokens[name] = self.w3.eth.contract(address=address, abi=artifact.abi)
        erc1155, erc20 = tokens["ReferenceERC1155"], tokens["ReferenceERC20"]
        results = self.results.references
        for to in (holder.address, other.address):
            _send(sender, _call(erc1155, "mint", [to, 1, 1_000_000]))
            _send(sender, _call(erc20, "mint", [to, 1_000_000]))
        results["erc1155.mint.new_id"] = _gas(
            _send(sender, _call(erc1155, "mint", [other.address, 2, 5]))
        )
        owner = TransactionSender(self.w3, holder)
        for variant, to in (("new", key("ref-new").address), ("existing", other.address)):
            transfer = _call(erc1155, "safeTransferFrom", [holder.address, to, 1, 10, b""])
            results[f"erc1155.safe_transfer_from.{variant}_recipient"] = _gas(
                _send(owner, transfer)
            )
            results[f"erc20.transfer.{variant}_recipient"] = _gas(
                _send(owner, _call(erc20, "transfer", [to, 10]))
            )


def _call(contract: Any, function: str, args: list[Any]) -> TxParams:
    return {"to": contract.address, "data": contract.encode_abi(function, args=args)}


def _send(sender: TransactionSender, request: TxParams) -> TxReceipt:
    return sender.send(request, lambda r: r, "benchmark reference", track=False).wait()


def _gas(receipt: TxReceipt) -> int:
    return int(receipt["gasUsed"])


def measure(
    progress: Callable[[str], None] | None = None,
    *,
    on_record: OnRecord | None = None,
    node_options: tuple[str, ...] = (),
) -> GasResults:
    """Measure every operation on a fresh anvil (about half a minute); see the module docs.

    Args:
        progress: told the name of each phase as it starts.
        on_record: called with each operation's name and the world right after the operation's
            transaction was mined (the latest block's only transaction), e.g. to trace it
            (:mod:`bench.trace`).
        node_options: further anvil options (``--steps-tracing`` for :mod:`bench.trace`).

    Raises:
        AssertionError: an operation declared in :data:`OPERATIONS` was not measured.
    """
    started = time.perf_counter()
    with Anvil(*node_options) as node:
        run = _Run(node, on_record)
        phases: list[tuple[str, Callable[[], None]]] = [
            ("deploying the registry and the committee", run.deploy_all),
            ("opening accounts", run.accounts),
            ("registering a project", run.project),
            ("issuing", run.issuances),
            ("transferring", run.transfers),
            ("retiring, cancelling, correcting", run.sinks),
            ("account life cycle, pause, members", run.lifecycle),
            ("OpenZeppelin references", run.references),
        ]
        for what, phase in phases:
            if progress is not None:
                progress(what)
            phase()
    missing = sorted(set(OPERATIONS) - set(run.results.operations))
    assert not missing, f"operations not measured: {missing}"
    run.results.seconds = time.perf_counter() - started
    return run.results


def table(results: GasResults) -> str:
    """The results as a text table: gas and ratio to the baseline."""
    lines = [f"{'operation':<62} {'gas':>10} {'x ERC-1155':>10}"]
    lines.append("-" * len(lines[0]))
    for name, gas in results.references.items():
        lines.append(f"{REFERENCES[name]:<62} {gas:>10,} {results.ratio(gas):>10.2f}")
    for gas, what in FIXED_REFERENCES.values():
        lines.append(f"{what:<62} {gas:>10,} {results.ratio(gas):>10.2f}")
    lines.append("-" * len(lines[0]))
    for name, gas in results.operations.items():
        lines.append(f"{OPERATIONS[name]:<62} {gas:>10,} {results.ratio(gas):>10.2f}")
    return "\n".join(lines)


def write(results: GasResults, path: Path) -> Path:
    """Replace the gas section of the benchmark results file ``path`` (written by
    ``python -m bench.run``) and its gas targets with this run's, stamped with the time, leaving the
    other sections as they were."""
    from bench.run import gas_targets

    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    data["gas"] = {
        **results.to_json(),
        "measured_alone": {
            "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "command": "python -m bench.gas --write",
        },
    }
    others = [t for t in data.get("targets", []) if not str(t.get("name", "")).startswith("gas:")]
    data["targets"] = [vars(t) for t in gas_targets(results)] + others
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def write_snapshot(results: GasResults, path: Path = SNAPSHOT) -> Path:
    """Write ``operation -> gas`` (sorted, indented) for the snapshot test."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ordered = {name: results.operations[name] for name in sorted(results.operations)}
    path.write_text(json.dumps(ordered, indent=2) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.gas [--snapshot [FILE]]``."""
    parser = argparse.ArgumentParser(prog="python -m bench.gas", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--snapshot",
        nargs="?",
        const=str(SNAPSHOT),
        help=f"write the gas snapshot (default {SNAPSHOT.relative_to(SNAPSHOT.parents[2])})",
    )
    parser.add_argument(
        "--write",
        action="store_true",
        help="replace the gas section and the gas targets of bench/results.json",
    )
    args = parser.parse_args(argv)
    results = measure(lambda what: print(f"gas: {what}", file=sys.stderr))
    print(table(results))
    print()
    print(targets_table(targets(results)))
    if args.write:
        from bench.run import OUT_DIR

        print(f"wrote {write(results, OUT_DIR / 'results.json')}")
    if args.snapshot:
        print(f"wrote {write_snapshot(results, Path(args.snapshot))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
