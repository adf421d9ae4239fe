"""The Hypothesis state machine that drives the real contracts through random operations.

Every rule sends exactly one transaction to the contracts on anvil: registrar operations, joint
committee decisions with real EIP-712 signatures (registration, issuance with random allocations,
correction, membership change), transfers within and across registry sides, retirements,
cancellations, pauses, and calls that must fail (frozen, closed, unknown or sink accounts,
insufficient credits, paused ledger, wrong callers, overlapping monitoring periods, reused decision
ids, too few, stale, forged, tampered, duplicated or unsorted signatures, replayed decisions).

Before sending, the model (``fuzz.model``) predicts success or the exact first error; the chain must
agree. After every step the chain itself is checked (``fuzz.checks.check_chain``: docs/design.md §2
through ``support.invariants`` and more), and a refused call must leave every contract's storage
and every view exactly as it was.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from eth_utils import keccak
from hypothesis import note, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from registry_client import decisions as d
from registry_client.domain import MAX_ALLOCATIONS
from registry_client.models import AccountKind, AccountStatus
from support.batches import issued_batches

from .checks import ChainState, check_chain
from .harness import Outcome, actor
from .model import (
    HOLDING_KINDS,
    AccountModel,
    BatchModel,
    CommitteeModel,
    Expected,
    Model,
    Prediction,
    ProjectModel,
    SignatureEntry,
)
from .world import (
    BASE_TIME,
    DAY,
    FAR_DEADLINE,
    JP,
    PARTNERS,
    PAUSE_SECONDS,
    SIDES,
    Member,
    World,
    member_key,
)

#: Addresses the fuzzer may open as new accounts, per side.
NEW_ACCOUNTS_PER_SIDE = 4
STRANGER = actor("stranger")
ATTACKER_KEY = member_key("attacker")
#: Variants of ``refused_decision``: each shapes a decision that must fail (the model says how).
REFUSED_DECISIONS = (
    "too_few_japan",
    "too_few_partner",
    "stale_nonce",
    "expired",
    "non_member",
    "forged",
    "tampered",
    "duplicate",
    "unsorted",
    "reused_report",
    "overlap",
    "exceeds_verified",
    "wrong_committee",
    "unknown_project",
    "replay",
    "allocation_mismatch",
)
#: Variants of ``unauthorized_call``.
INTRUSIONS = (
    "mint",
    "cancelForCorrection",
    "issue",
    "registerProject",
    "correct",
    "addCountry",
    "proposeCountry",
    "acceptCountry",
    "grantRole",
    "safeTransferFrom",
    "setApprovalForAll",
)
DecisionT = TypeVar("DecisionT", bound=d.Decision)


def candidates(side: bytes) -> list[str]:
    """Addresses that start without an account and may be opened on ``side``."""
    return [actor(f"{side.decode()} new {i}") for i in range(NEW_ACCOUNTS_PER_SIDE)]


@dataclass
class Coverage:
    """What the fuzzer exercised, summed over all examples."""

    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)
    examples: int = 0
    steps: int = 0
    max_ranges: int = 0
    max_batches: int = 0
    max_accounts: int = 0
    max_records: int = 0

    def record(self, rule: str, outcome: Outcome, state: ChainState) -> None:
        """Counts one step."""
        self.steps += 1
        self.outcomes[(rule, outcome.error_name or "ok")] += 1
        snapshot = state.snapshot
        if snapshot.holdings:
            self.max_ranges = max(self.max_ranges, max(len(r) for r in snapshot.holdings.values()))
        self.max_batches = max(self.max_batches, snapshot.batch_count)
        self.max_records = max(
            self.max_records, len(snapshot.retirements) + len(snapshot.cancellations)
        )
        opened = sum(
            1 for k, v in state.views.items() if k.startswith("account ") and int(v[1]) != 0
        )
        self.max_accounts = max(self.max_accounts, opened)

    def report(self) -> str:
        """A table of rules and outcomes, and the extremes seen."""
        names = sorted({name for name, _ in self.outcomes})
        ok = sum(n for (_, label), n in self.outcomes.items() if label == "ok")
        lines = [
            f"fuzz coverage: {self.examples} runs, {self.steps} steps "
            f"({ok} successes, {self.steps - ok} refusals as predicted)",
            f"{'rule':<36} {'ok':>6} {'refused':>8}  refusals by error",
        ]
        for name in names:
            done = self.outcomes.get((name, "ok"), 0)
            refusals = {
                label: n for (r, label), n in self.outcomes.items() if r == name and label != "ok"
            }
            detail = ", ".join(
                f"{label} {n}" for label, n in sorted(refusals.items(), key=lambda x: -x[1])
            )
            lines.append(f"{name:<36} {done:>6} {sum(refusals.values()):>8}  {detail}")
        errors = {label for _, label in self.outcomes if label != "ok"}
        lines.append(f"distinct errors seen: {len(errors)}")
        lines.append(
            f"max ranges in one holding: {self.max_ranges}; max batches: {self.max_batches}; "
            f"max retirement+cancellation records: {self.max_records}; "
            f"max accounts open: {self.max_accounts}"
        )
        return "\n".join(lines)


class RegistryMachine(RuleBasedStateMachine):
    """Random operations on a fresh copy of the world (anvil snapshot) per example.

    Hypothesis chooses the sequence of rules; inside a rule, choices come from a ``random.Random``
    seeded by Hypothesis once per run (so runs are reproducible, and choices are uniform:
    Hypothesis's own draws favour the first element of every list and repeat within a run).
    """

    world: ClassVar[World]
    coverage: ClassVar[Coverage]
    snapshot_id: ClassVar[list[str]]

    def __init__(self) -> None:
        super().__init__()
        world = self.world
        world.rpc.revert(self.snapshot_id[0])
        self.snapshot_id[0] = world.rpc.snapshot()
        self.model = initial_model(world)
        self.rnd = random.Random(0)
        self.counter = 0
        self.executed_decisions: list[tuple[bytes, d.Decision, list[d.MemberSignature]]] = []
        self.state: ChainState | None = None
        self.coverage.examples += 1

    @initialize(seed=st.integers(0, 2**32 - 1))
    def start(self, seed: int) -> None:
        """Seeds the run's choices and checks the world as deployed."""
        self.rnd = random.Random(seed)
        self.state = check_chain(self.world, self._watched(), None)

    # --- plumbing ---------------------------------------------------------------------------------

    def _watched(self) -> list[str]:
        return [*self.model.accounts, STRANGER, *(a for side in SIDES for a in candidates(side))]

    def _label(self, kind: str) -> str:
        self.counter += 1
        return f"fuzz/{kind}/{self.counter}"

    def _chance(self, numerator: int, denominator: int) -> bool:
        return self.rnd.randrange(denominator) < numerator

    def _step(
        self,
        rule: str,
        expected: Prediction,
        send: Callable[[], Outcome],
        apply: Callable[[], object] | None = None,
        what: str = "",
    ) -> Outcome:
        """Sends one transaction, compares it with the prediction, checks the chain."""
        note(f"{rule}: {what} -> expected {expected or 'success'}")
        outcome = send()
        if expected is None:
            assert outcome.ok, (
                f"{rule}: the model expected success, the chain refused with {outcome.error}"
            )
            if apply is not None:
                apply()
        else:
            assert outcome.error is not None, (
                f"{rule}: expected the refusal {expected}, the chain accepted"
            )
            assert outcome.error.name == expected.name, (
                f"{rule}: expected {expected}, the chain refused with {outcome.error}"
            )
            for key, value in expected.args.items():
                assert outcome.error.args.get(key) == value, (
                    f"{rule}: expected {expected}, the chain refused with {outcome.error} "
                    f"({key} differs)"
                )
        state = check_chain(self.world, self._watched(), self.state)
        if not outcome.ok:
            assert self.state is not None
            changes = state.differences(self.state)
            assert not changes, f"{rule}: the refused call {outcome.error} changed state: {changes}"
        self._compare_model(rule, state)
        self.state = state
        self.coverage.record(rule, outcome, state)
        return outcome

    def _compare_model(self, rule: str, state: ChainState) -> None:
        """The model must still describe the chain, or its next predictions mean nothing."""
        chain_holdings = {k: list(v) for k, v in state.snapshot.holdings.items() if v}
        model_holdings = {k: v for k, v in self.model.holdings.items() if v}
        assert chain_holdings == model_holdings, (
            f"after {rule}: the chain's holdings differ from the model's (serials moved other than "
            f"lowest-first, or a wrong quantity):\nchain {chain_holdings}\nmodel {model_holdings}"
        )
        for address, account in self.model.accounts.items():
            info = state.views[f"account {address}"]
            assert (int(info[0]), int(info[1]), bytes(info[2])) == (
                account.kind,
                account.status,
                account.side,
            ), f"after {rule}: account {address} is {info} on chain, {account} in the model"
        for code, committee in self.model.committees.items():
            assert int(state.views[f"committee {code.decode()}"][0]) == committee.nonce

    def _pick_account(self, pool: Sequence[str], odd: int = 10) -> str:
        """An account from ``pool``, or 1 time in ``odd`` any known address or a stranger."""
        if not pool or self._chance(1, odd):
            return self.rnd.choice([*sorted(self.model.accounts), STRANGER])
        return self.rnd.choice(sorted(pool))

    def _holding_accounts(self, sides: Sequence[bytes] = SIDES) -> list[str]:
        return sorted(
            a
            for a, acc in self.model.accounts.items()
            if acc.kind in HOLDING_KINDS and acc.side in sides
        )

    def _pick_holding(self) -> tuple[str, int]:
        """A non-empty (account, batch) holding, or 1 time in 12 any account with any batch id."""
        held = self.model.non_empty()
        if held and self._chance(1, 4):  # the most fragmented holding: moves of many ranges
            return max(held, key=lambda key: (len(self.model.holdings[key]), key))
        if held and not self._chance(1, 12):
            return self.rnd.choice(held)
        return self._pick_account(self._holding_accounts()), self.rnd.randint(
            1, len(self.model.batches) + 1
        )

    def _pick_quantity(self, balance: int) -> int:
        roll = self.rnd.randrange(20)
        if roll == 0 or balance == 0:
            return balance + self.rnd.randint(0, 5)
        if roll == 1:
            return 0
        if roll < 10:
            return self.rnd.randint(1, min(3, balance))
        if roll < 13:
            return balance
        return self.rnd.randint(1, balance)

    # --- committee plumbing -----------------------------------------------------------------------

    def _member(self, address: str) -> Member:
        return self.world.members_by_address[address]

    def _pick_quorum(self, country: bytes, short: str = "", minimal: bool = False) -> list[Member]:
        """Current members meeting both thresholds, or one side (``short``: JP/partner) short."""
        committee = self.model.committees[country]
        chosen: list[str] = []
        for side, members, threshold in (
            ("JP", committee.japan, committee.japan_threshold),
            ("partner", committee.partner, committee.partner_threshold),
        ):
            count = self.rnd.randint(threshold, len(members))
            if short == side or minimal:
                count = threshold - 1 if short == side else threshold
            chosen.extend(self.rnd.sample(members, count))
        return [self._member(a) for a in chosen]

    def _signed(
        self, decision: d.Decision, members: Sequence[Member]
    ) -> tuple[list[d.MemberSignature], list[SignatureEntry]]:
        signatures = self.world.sign(decision, members)
        return signatures, [SignatureEntry(s.signer, True) for s in signatures]

    def _predict_effect(self, country: bytes, decision: d.Decision) -> Prediction:
        """What the contracts refuse a decision for after its signatures: how a replay of a kind the
        committee does not record by digest fails (its reference or decision id was used)."""
        if isinstance(decision, d.RegisterProjectDecision):
            project = decision.project
            # executed, so it was of the committee's own country
            return self.model.predict_register(
                country, project.ref, project.pdd_hash, project.validation_report_hash
            )
        if isinstance(decision, d.IssueCreditsDecision):
            return self.model.predict_issue(country, decision.issuance)
        if isinstance(decision, d.CorrectCreditsDecision):
            return self.model.predict_correct(country, decision.correction)
        return None

    def _submit(
        self,
        rule: str,
        country: bytes,
        submitted: d.Decision,
        signatures: Sequence[d.MemberSignature],
        entries: Sequence[SignatureEntry],
        outcome_of: Callable[[], Prediction],
        apply: Callable[[], object],
    ) -> Outcome:
        """Submits a decision with ``signatures`` (in their order); predicts and checks."""
        expected = (
            self.model.predict_authorize(
                country,
                submitted.nonce,
                submitted.deadline,
                self.world.rpc.block_timestamp(),
                submitted.digest_hex,
                entries,
                submitted.partner_only,
            )
            or outcome_of()
        )

        def done() -> None:
            if submitted.recorded_by_digest:
                self.model.executed.add(submitted.digest_hex)
            self.executed_decisions.append((country, submitted, list(signatures)))
            apply()

        signers = ", ".join(
            f"{s.signer[:8]}{'' if e.valid else ' (bad)'}"
            for s, e in zip(signatures, entries, strict=True)
        )
        return self._step(
            rule,
            expected,
            lambda: self.world.submit(country, submitted, signatures),
            done,
            f"{submitted.headline()} [nonce {submitted.nonce}, signed by {signers}]",
        )

    # --- rules: registrars ------------------------------------------------------------------------

    @rule()
    def open_account(self) -> None:
        """A registrar opens an account (or a wrong caller, an existing address, a second sink)."""
        side = self.rnd.choice(SIDES)
        fresh = [a for a in candidates(side) if a not in self.model.accounts]
        roll = self.rnd.randrange(10)
        address = fresh[0] if fresh and roll < 7 else self.rnd.choice(sorted(self.model.accounts))
        kind = self.rnd.choice(
            [AccountKind.HOLDING] * 3 + [AccountKind.GOVERNMENT_HOLDING, AccountKind.RETIREMENT]
        )
        caller = self.model.registrars[side]
        if roll == 9:
            caller = self.rnd.choice(
                [self.model.admin, *(r for s, r in self.model.registrars.items() if s != side)]
            )
        name = "" if roll == 8 else f"{side.decode()} holder {self._label('account')}"
        self._step(
            "open_account",
            self.model.predict_open(caller, address, side, kind, name),
            lambda: self.world.registry.transact(
                "openAccount", address, side, int(kind), name, sender=caller
            ),
            lambda: self.model.apply_open(address, side, kind),
            f"{caller[:8]} opens {address[:8]} on {side.decode()} as {kind.name}",
        )

    def _registrar_call(self, rule: str, function: str, status: int) -> None:
        # mostly accounts the call suits: frozen ones to unfreeze, empty ones to close
        suited = {
            "freezeAccount": lambda a: a.status == AccountStatus.ACTIVE,
            "unfreezeAccount": lambda a: a.status == AccountStatus.FROZEN,
            "closeAccount": lambda a: (
                a.status != AccountStatus.CLOSED and not self.model.holdings_of(a.address)
            ),
        }[function]
        pool = [a for a in self._holding_accounts() if suited(self.model.accounts[a])]
        target = self._pick_account(pool or self._holding_accounts(), odd=6)
        account = self.model.accounts.get(target)
        side = account.side if account else self.rnd.choice(SIDES)
        caller = self.model.registrars[side]
        if self._chance(1, 10):
            caller = self.rnd.choice([self.model.admin, STRANGER, *self.model.registrars.values()])
        predict = {
            "freezeAccount": self.model.predict_freeze,
            "unfreezeAccount": self.model.predict_unfreeze,
            "closeAccount": self.model.predict_close,
        }[function]

        def apply() -> None:
            self.model.accounts[target].status = status

        self._step(
            rule,
            predict(caller, target),
            lambda: self.world.registry.transact(function, target, sender=caller),
            apply,
            f"{caller[:8]} {function} {target[:8]}",
        )

    @rule()
    def freeze_account(self) -> None:
        """A registrar freezes an account."""
        self._registrar_call("freeze_account", "freezeAccount", AccountStatus.FROZEN)

    @precondition(
        lambda self: any(a.status == AccountStatus.FROZEN for a in self.model.accounts.values())
    )
    @rule()
    def unfreeze_account(self) -> None:
        """A registrar unfreezes an account."""
        self._registrar_call("unfreeze_account", "unfreezeAccount", AccountStatus.ACTIVE)

    @rule()
    def close_account(self) -> None:
        """A registrar closes an account (refused while it holds credits)."""
        self._registrar_call("close_account", "closeAccount", AccountStatus.CLOSED)

    # --- rules: joint committees ------------------------------------------------------------------

    @rule()
    def register_project(self) -> None:
        """A committee registers a project (or a taken ref, a used document, another country's)."""
        country = self.rnd.choice(PARTNERS)
        roll = self.rnd.randrange(10)
        label = self._label("project")
        ref = f"{country.decode()}{100 + self.counter % 900:03d}"
        project_country = country
        pdd, validation = keccak(text=f"{label}/pdd"), keccak(text=f"{label}/validation")
        if roll == 6:
            ref = self.rnd.choice(sorted(self.model.projects))
        elif roll == 7:
            pdd = bytes.fromhex(self.rnd.choice(sorted(self.model.documents))[2:])
        elif roll == 8:
            project_country = next(p for p in PARTNERS if p != country)
        decision = self.world.registration(
            country,
            ref,
            project_country,
            pdd_hash=pdd,
            validation_report_hash=validation,
            nonce=self.model.committees[country].nonce,
        )
        signatures, entries = self._signed(
            decision, self._pick_quorum(country, "JP" if roll == 9 else "")
        )
        project = decision.project
        wrong_country = self.model.predict_country(country, project_country)
        if wrong_country:
            self._step(
                "register_project",
                wrong_country,
                lambda: self.world.submit(country, decision, signatures),
                what=decision.headline(),
            )
            return
        self._submit(
            "register_project",
            country,
            decision,
            signatures,
            entries,
            lambda: self.model.predict_register(
                project_country, project.ref, project.pdd_hash, project.validation_report_hash
            ),
            lambda: self.model.apply_register(
                country, project.ref, project.pdd_hash, project.validation_report_hash
            ),
        )

    def _new_issuance(self, country: bytes, label: str) -> d.IssueCreditsDecision:
        refs = sorted(r for r, p in self.model.projects.items() if p.country == country)
        project = self.model.projects[self.rnd.choice(refs)]
        start = (project.last_end + 1 if project.batches else BASE_TIME) + self.rnd.randint(
            0, 3
        ) * DAY
        end = start + self.rnd.randint(0, 90) * DAY
        spaces = project.gaps()
        if project.periods and self._chance(1, 3):
            # a late period: into a gap, or before the first period; it may not fit, and the
            # model says whether the contract takes it
            first = min(s for _, s, _ in project.periods)
            after, before = self.rnd.choice([*spaces, (first - 40 * DAY, first)])
            # at the gap's edges (the second after a period, or on its last second) or anywhere
            start = self.rnd.choice(
                (after, after + 1, after + DAY, self.rnd.randint(after, before))
            )
            length = self.rnd.choice((0, 1, DAY, 5 * DAY, 60 * DAY))
            end = min(start + length, before + self.rnd.randint(-1, 1))
            start, end = min(start, end), max(start, end)
        receivers = [  # mostly active accounts of the committee's two registries
            a
            for a in self._holding_accounts((JP, country))
            if self.model.accounts[a].status == AccountStatus.ACTIVE
        ]
        if len(receivers) >= 2 and self._chance(1, 3):
            # Interleaved: a few accounts take turns over up to 32 small allocations, so each gets
            # many ranges at once; later moves then carry, merge and split many ranges.
            turns = self.rnd.sample(receivers, self.rnd.randint(2, min(3, len(receivers))))
            amounts = [self.rnd.randint(1, 3) for _ in range(self.rnd.randint(8, MAX_ALLOCATIONS))]
            accounts = [turns[i % len(turns)] for i in range(len(amounts))]
        else:
            total = self.rnd.randint(1, 120)
            count = self.rnd.randint(1, min(4, total))
            cuts = sorted(self.rnd.sample(range(1, total), count - 1))
            amounts = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
            accounts = [self._pick_account(receivers, odd=25) for _ in amounts]
        quantity = sum(amounts)
        allocations = tuple(
            d.Allocation(account=a, amount=n) for a, n in zip(accounts, amounts, strict=True)
        )
        authorization = self.rnd.choice(list(d.Authorization))
        issuance = d.Issuance(
            decision_id=d.decision_id(label),
            decision_ref=label,
            project_ref=project.ref,
            monitoring_start=start,
            monitoring_end=end,
            vintage=2023,
            quantity=quantity,
            verified_reductions=quantity + self.rnd.randint(0, 30),
            verification_report_hash="0x" + keccak(text=f"{label}/report").hex(),
            authorization=authorization,
            authorization_id="A6-AUTH" if authorization else "",
            authorization_date=BASE_TIME if authorization else 0,
            allocations=allocations,
        )
        return d.IssueCreditsDecision(
            domain=self.world.domain(country),
            nonce=self.model.committees[country].nonce,
            deadline=FAR_DEADLINE,
            issuance=issuance,
        )

    def _issue(
        self,
        rule: str,
        country: bytes,
        submitted: d.IssueCreditsDecision,
        signatures: Sequence[d.MemberSignature],
        entries: Sequence[SignatureEntry],
    ) -> None:
        self._submit(
            rule,
            country,
            submitted,
            signatures,
            entries,
            lambda: self.model.predict_issue(country, submitted.issuance),
            lambda: self.model.apply_issue(country, submitted.issuance),
        )

    @rule()
    def issue_credits(self) -> None:
        """A committee issues a batch with random allocations across both sides."""
        country = self.rnd.choice(PARTNERS)
        decision = self._new_issuance(country, self._label("issue"))
        signatures, entries = self._signed(decision, self._pick_quorum(country))
        project = self.model.projects[decision.issuance.project_ref]
        # a period that starts before the project's latest end must find room before the first
        # period or in a gap: counted apart, so the report shows the gap logic was exercised
        late = project.batches > 0 and decision.issuance.monitoring_start <= project.last_end
        rule = "issue_credits:late_period" if late else "issue_credits"
        self._issue(rule, country, decision, signatures, entries)

    @rule()
    def refused_decision(self) -> None:
        """A decision the committee or the projects contract must refuse (``REFUSED_DECISIONS``)."""
        variant = self.rnd.choice(REFUSED_DECISIONS)
        rule_name = f"refused_decision:{variant}"
        country = self.rnd.choice(PARTNERS)
        other = next(p for p in PARTNERS if p != country)
        committee = self.model.committees[country]
        if variant == "replay":
            if not self.executed_decisions:
                return
            past_country, past, past_signatures = self.rnd.choice(self.executed_decisions)
            entries = [SignatureEntry(s.signer, True) for s in past_signatures]
            expected = self.model.predict_authorize(
                past_country,
                past.nonce,
                past.deadline,
                self.world.rpc.block_timestamp(),
                past.digest_hex,
                entries,
            ) or self._predict_effect(past_country, past)
            assert expected is not None, "a replayed decision was predicted to execute again"
            self._step(
                rule_name,
                expected,
                lambda: self.world.submit(past_country, past, past_signatures),
                what=past.headline(),
            )
            return
        decision = self._new_issuance(
            other if variant == "wrong_committee" else country, self._label("refused")
        )
        issuance = decision.issuance
        update: dict[str, Any] = {"domain": self.world.domain(country), "nonce": committee.nonce}
        if variant == "stale_nonce":
            update["nonce"] = committee.nonce - 1 if committee.nonce else committee.nonce + 1
        elif variant == "expired":
            update["deadline"] = 1000
        elif variant == "reused_report" and self.model.reports:
            # a verification report either committee issued for already: refused, whatever else
            reused = self.rnd.choice(sorted(self.model.reports))
            issuance = issuance.model_copy(update={"verification_report_hash": reused})
        elif variant == "overlap":
            project = self.model.projects[issuance.project_ref]
            if project.batches:
                start = project.last_end - self.rnd.randint(0, 5) * DAY
                issuance = issuance.model_copy(update={"monitoring_start": start})
        elif variant == "exceeds_verified":
            issuance = issuance.model_copy(update={"verified_reductions": issuance.quantity - 1})
        elif variant == "unknown_project":
            issuance = issuance.model_copy(update={"project_ref": "ZZ999"})
        elif variant == "allocation_mismatch":
            issuance = issuance.model_copy(
                update={
                    "quantity": issuance.quantity + 1,
                    "verified_reductions": issuance.verified_reductions + 1,
                }
            )
        decision = rebuilt(decision, **update, issuance=issuance)
        short = {"too_few_japan": "JP", "too_few_partner": "partner"}.get(variant, "")
        minimal = variant in (
            "non_member",
            "duplicate",
        )  # one more signature must not exceed the members
        signatures, entries = self._signed(decision, self._pick_quorum(country, short, minimal))
        submitted = decision
        if variant == "non_member":
            signatures = d.sort_signatures(
                [*signatures, Member(ATTACKER_KEY.address, ATTACKER_KEY).sign(decision)]
            )
            entries = [SignatureEntry(s.signer, True) for s in signatures]
        elif variant == "forged" and signatures:
            victim = self.rnd.randrange(len(signatures))
            forged = decision.sign(ATTACKER_KEY)
            signatures[victim] = d.MemberSignature(
                signer=signatures[victim].signer, signature=forged.signature, digest=forged.digest
            )
            entries[victim] = SignatureEntry(signatures[victim].signer, False)
        elif variant == "tampered":
            thief = self.rnd.choice(self._holding_accounts())
            stolen = (d.Allocation(account=thief, amount=issuance.quantity),)
            submitted = rebuilt(
                decision, issuance=issuance.model_copy(update={"allocations": stolen})
            )
            entries = [SignatureEntry(s.signer, False) for s in signatures]
        elif variant == "duplicate" and signatures:
            twice = self.rnd.randrange(len(signatures))
            signatures.insert(twice, signatures[twice])
            entries.insert(twice, entries[twice])
        elif variant == "unsorted" and len(signatures) > 1:
            signatures.reverse()
            entries.reverse()
        self._issue(rule_name, country, submitted, signatures, entries)

    @precondition(lambda self: bool(self.model.non_empty()))
    @rule()
    def correct_credits(self) -> None:
        """A committee corrects serials of a holding (or wrong committee, reused id, gap, sink)."""
        account, batch_id = self.rnd.choice(self.model.non_empty())
        batch = self.model.batches[batch_id]
        low, high = self.rnd.choice(self.model.holdings[(account, batch_id)])
        first = self.rnd.randint(low, high)
        last = self.rnd.randint(first, high)
        roll = self.rnd.randrange(12)
        country = batch.country
        if roll == 7:
            last = high + 1
        elif roll == 8:
            country = next(p for p in PARTNERS if p != batch.country)
        elif roll == 9:
            account = self.rnd.choice(
                [*self.model.sinks[self.model.accounts[account].side], STRANGER]
            )
        decision = self.world.correction_decision(
            country,
            account,
            batch_id,
            first,
            last,
            label=self._label("correct"),
            nonce=self.model.committees[country].nonce,
        )
        if roll == 10 and self.model.correction_ids:
            # a correction id of this committee (refused) or of the other one (namespaced)
            _, reused = self.rnd.choice(sorted(self.model.correction_ids))
            decision = rebuilt(
                decision, correction=decision.correction.model_copy(update={"decision_id": reused})
            )
        signatures, entries = self._signed(decision, self._pick_quorum(country))
        correction = decision.correction
        self._submit(
            "correct_credits",
            country,
            decision,
            signatures,
            entries,
            lambda: self.model.predict_correct(country, correction),
            lambda: self.model.apply_correct(country, correction),
        )

    @rule()
    def change_members(self) -> None:
        """A committee replaces its members and thresholds (or proposes an invalid membership)."""
        country = self.rnd.choice(PARTNERS)
        japan = self.rnd.sample([m.address for m in self.world.japan_pool], self.rnd.randint(1, 4))
        partner = self.rnd.sample(
            [m.address for m in self.world.partner_pools[country]], self.rnd.randint(1, 3)
        )
        japan_threshold = self.rnd.randint(1, len(japan))
        partner_threshold = self.rnd.randint(1, len(partner))
        roll = self.rnd.randrange(10)
        if roll == 8:
            japan_threshold = len(japan) + 1
        elif roll == 9:
            partner = [*partner, japan[0]]
        decision = self.world.membership_decision(
            country,
            [self._member(a) for a in japan],
            [self._member(a) for a in partner],
            japan_threshold,
            partner_threshold,
            nonce=self.model.committees[country].nonce,
        )
        signatures, entries = self._signed(decision, self._pick_quorum(country))
        change = decision.change
        self._submit(
            "change_members",
            country,
            decision,
            signatures,
            entries,
            lambda: self.model.predict_members(country, change),
            lambda: self.model.apply_members(country, change),
        )

    def _partner_signers(self, country: bytes) -> list[Member]:
        """Members for a partner-only decision: enough of the partner's, or (1 time in 6) only
        Japan's, which must not decide it."""
        committee = self.model.committees[country]
        if self._chance(1, 6):
            return [self._member(a) for a in committee.japan]
        count = self.rnd.randint(committee.partner_threshold, len(committee.partner))
        chosen = self.rnd.sample(committee.partner, count)
        if self._chance(1, 4):
            chosen.append(self.rnd.choice(committee.japan))  # counted, not needed
        return [self._member(a) for a in chosen]

    @rule()
    def decide_authorization(self) -> None:
        """The host's members record, amend or revoke a batch's Article 6 authorization (refused
        once units were first transferred, or for another country's batch)."""
        country = self.rnd.choice(PARTNERS)
        own = sorted(b.id for b in self.model.batches.values() if b.country == country)
        if own and not self._chance(1, 8):
            batch_id = self.rnd.choice(own)
        else:
            batch_id = self.rnd.randint(1, len(self.model.batches) + 1)
        decision = self.world.authorization_decision(
            country,
            batch_id,
            self.rnd.choice(list(d.Authorization)),
            label=self._label("loa"),
            nonce=self.model.committees[country].nonce,
        )
        signatures, entries = self._signed(decision, self._partner_signers(country))
        authorization = decision.authorization
        self._submit(
            "decide_authorization",
            country,
            decision,
            signatures,
            entries,
            lambda: self.model.predict_authorization(country, authorization),
            lambda: self.model.apply_authorization(authorization),
        )

    @precondition(lambda self: len(self.model.first_transferring) < len(PARTNERS))
    @rule()
    def define_first_transfer(self) -> None:
        """A partner sets its first-transfer definition (fixed once a unit moved)."""
        country = self.rnd.choice(PARTNERS)
        definition = self.rnd.choice(list(d.FirstTransferDefinition))
        decision = d.SetFirstTransferDefinitionDecision(
            domain=self.world.domain(country),
            nonce=self.model.committees[country].nonce,
            deadline=FAR_DEADLINE,
            rule=d.FirstTransferRule(definition=definition),
        )
        signatures, entries = self._signed(decision, self._partner_signers(country))
        self._submit(
            "define_first_transfer",
            country,
            decision,
            signatures,
            entries,
            lambda: self.model.predict_definition(country),
            lambda: self.model.apply_definition(country, int(definition)),
        )

    # --- rules: holders ---------------------------------------------------------------------------

    def _transfer(self, rule: str, across: bool) -> None:
        sender, batch_id = self._pick_holding()
        quantity = self._pick_quantity(self.model.balance(sender, batch_id))
        sender_side = self.model.accounts[sender].side if sender in self.model.accounts else JP
        pool = [
            a
            for a in self._holding_accounts()
            if (self.model.accounts[a].side != sender_side) == across
        ]
        holders = [a for a in pool if self.model.balance(a, batch_id)]
        if holders and self._chance(1, 2):
            pool = (
                holders  # interleave serials with existing holders of the batch: fragments holdings
            )
        to = (
            sender
            if self._chance(1, 30)
            else self._pick_account([a for a in pool if a != sender], odd=15)
        )
        self._step(
            rule,
            self.model.predict_transfer(sender, to, batch_id, quantity),
            lambda: self.world.registry.transact("transfer", to, batch_id, quantity, sender=sender),
            lambda: self.model.apply_transfer(sender, to, batch_id, quantity),
            f"{sender[:8]} sends {quantity} of batch {batch_id} to {to[:8]}",
        )

    @rule()
    def transfer_within_side(self) -> None:
        """A holder transfers credits to an account of its own registry side."""
        self._transfer("transfer_within_side", across=False)

    @rule()
    def transfer_across_sides(self) -> None:
        """A holder transfers credits to another registry side (needs Article 6 authorization)."""
        self._transfer("transfer_across_sides", across=True)

    @rule()
    def retire(self) -> None:
        """A holder retires credits toward a party's target."""
        sender, batch_id = self._pick_holding()
        quantity = self._pick_quantity(self.model.balance(sender, batch_id))
        own = self.model.accounts[sender].side if sender in self.model.accounts else JP
        # Mostly toward the holder's own party (the only NDC use Article 6 allows), sometimes not.
        party = self.rnd.choice([own, own, own, *SIDES, b"XX"])
        purpose = self.rnd.randint(0, 1)
        use = "ndc" if purpose == 0 else "voluntary"
        self._step(
            "retire" if purpose else "retire_ndc",
            self.model.predict_retire(sender, batch_id, quantity, party, purpose),
            lambda: self.world.registry.transact(
                "retire", batch_id, quantity, party, purpose, "fuzz beneficiary", "", sender=sender
            ),
            lambda: self.model.apply_consume(sender, batch_id, quantity, use),
            f"{sender[:8]} retires {quantity} of batch {batch_id} for {party.decode()} "
            f"(purpose {purpose})",
        )

    @rule()
    def cancel(self) -> None:
        """A holder cancels credits (the correction reason is reserved for committees); an OIMP
        cancellation half the time of a holding an OIMP use may be allowed for (an OIMP-authorized
        batch), so that Article 6's allowed path is walked as often as its refusals."""
        sender, batch_id = self._pick_holding()
        reason = self.rnd.choice([0, 1, 2, 0, 1, 2, 3])
        oimp = [
            (a, b)
            for a, b in self.model.non_empty()
            if self.model.batches[b].authorization & 2 and self.model.accounts[a].kind != 0
        ]
        if reason == 1 and oimp and self._chance(1, 2):
            sender, batch_id = self.rnd.choice(oimp)
        quantity = self._pick_quantity(self.model.balance(sender, batch_id))
        use = "oimp" if reason == 1 else "voluntary"
        self._step(
            "cancel_oimp" if reason == 1 else "cancel",
            self.model.predict_cancel(sender, batch_id, quantity, reason),
            lambda: self.world.registry.transact(
                "cancel", batch_id, quantity, reason, "fuzz", sender=sender
            ),
            lambda: self.model.apply_consume(sender, batch_id, quantity, use),
            f"{sender[:8]} cancels {quantity} of batch {batch_id} (reason {reason})",
        )

    # --- rules: governance and intruders --------------------------------------------------------

    @rule()
    def pause_or_unpause(self) -> None:
        """An authority pauses for a day or lifts its pause (or another party tries, or a side
        pauses again within its cool-down)."""
        roll = self.rnd.randrange(10)
        authorities = self.model.authorities
        side = self.rnd.choice(SIDES)
        caller = (
            authorities[side]
            if roll < 8
            else self.rnd.choice([STRANGER, *authorities.values(), *self.model.registrars.values()])
        )
        # Mostly a toggle, pausing only one time in three, so that most steps run unpaused.
        pause = (not self.model.paused and self._chance(1, 3)) if roll < 7 else self._chance(1, 2)
        if pause:
            self._step(
                "pause",
                self.model.predict_pause(caller, side),
                lambda: self.world.governance.transact("pause", side, PAUSE_SECONDS, sender=caller),
                lambda: self.model.apply_pause(side),
                f"{caller[:8]} pauses as {side.decode()}",
            )
            return
        if self.model.paused and roll < 8:
            assert self.model.paused_by is not None
            caller = authorities[self.model.paused_by]
        self._step(
            "unpause",
            self.model.predict_unpause(caller),
            lambda: self.world.governance.transact("unpause", sender=caller),
            self.model.apply_unpause,
            f"{caller[:8]} lifts the pause",
        )

    @precondition(lambda self: self.model.paused)
    @rule()
    def resume(self) -> None:
        """The authority that paused lifts its pause."""
        assert self.model.paused_by is not None
        caller = self.model.authorities[self.model.paused_by]
        self._step(
            "unpause",
            None,
            lambda: self.world.governance.transact("unpause", sender=caller),
            self.model.apply_unpause,
        )

    @rule()
    def unauthorized_call(self) -> None:
        """Someone calls a function reserved to another party, or moves credits around the rules."""
        variant = self.rnd.choice(INTRUSIONS)
        world = self.world
        holder = self.rnd.choice(self._holding_accounts())
        caller = self.rnd.choice(
            [holder, world.admin, *world.authorities.values(), STRANGER, world.sides[JP].registrar]
        )
        batch_id = self.rnd.randint(1, len(self.model.batches) + 1)
        target = world.registry
        args: tuple[Any, ...] = ()
        expected: Prediction
        if variant == "mint":
            expected = Expected("RegistryNotProjects", {"caller": caller})
            args = (b"ID", 10, [(holder, 10)])
        elif variant == "cancelForCorrection":
            expected = Expected("RegistryNotProjects", {"caller": caller})
            args = (b"\x01" * 32, holder, batch_id, 1, 1)
        elif variant == "issue":
            issuance = self._new_issuance(b"ID", self._label("intruder")).issuance
            expected = Expected("ProjectsNotCommittee", {"country": b"ID", "caller": caller})
            target, args = world.projects, (issuance.as_tuple(),)
        elif variant == "registerProject":
            registration = world.registration(b"TH", "TH999", nonce=0).project
            expected = Expected("ProjectsNotCommittee", {"country": b"TH", "caller": caller})
            target, args = world.projects, (registration.as_tuple(),)
        elif variant == "correct":
            batch = self.model.batches.get(batch_id)
            expected = (
                Expected("ProjectsUnknownBatch", {"batchId": batch_id})
                if batch is None
                else Expected("ProjectsNotCommittee", {"country": batch.country, "caller": caller})
            )
            target, args = world.projects, (b"\x02" * 32, holder, batch_id, 1, 1)
        elif variant == "addCountry":
            # only the governance contract adds sides, whoever calls the registry
            expected = Expected("RegistryNotGovernance", {"caller": caller})
            args = (b"VN", STRANGER, caller)
        elif variant == "proposeCountry":
            # a partner's authority (or anyone but Japan's) cannot open a side on its own
            caller = holder if caller == world.admin else caller
            expected = Expected("GovernanceNotAuthority", {"side": JP, "caller": caller})
            target, args = world.governance, (b"VN", world.committees[b"ID"].address, caller)
        elif variant == "acceptCountry":
            # Japan's authority (or anyone) cannot accept what nobody proposed
            expected = Expected("GovernanceNoCountryProposal", {"country": b"VN"})
            target, args = world.governance, (b"VN", world.committees[b"ID"].address)
        elif variant == "grantRole":
            # only JP's authority grants JP's registrar role: a partner's authority cannot
            caller = holder if caller == world.admin else caller
            expected = Expected(
                "AccessControlUnauthorizedAccount",
                {"account": caller, "neededRole": world.authority_role(JP)},
            )
            args = (world.role(JP), STRANGER)
        elif variant == "safeTransferFrom":
            expected = Expected("RegistryUnsupportedOperation")
            args = (holder, STRANGER, batch_id, 1, b"")
        else:
            expected = Expected("RegistryUnsupportedOperation")
            args = (STRANGER, True)
        self._step(
            f"unauthorized:{variant}",
            expected,
            lambda: target.transact(variant, *args, sender=caller),
            what=f"{caller[:8]} calls {variant}",
        )


def rebuilt(decision: DecisionT, **update: Any) -> DecisionT:
    """A copy of a decision with fields replaced, validated afresh (so its digest is recomputed)."""
    return type(decision).model_validate(decision.model_copy(update=update).model_dump())


def initial_model(world: World) -> Model:
    """The model of the world as deployed, read from the chain."""
    registry, projects = world.registry, world.projects
    committees = {}
    for code in PARTNERS:
        japan, partner, japan_threshold, partner_threshold = world.current_members(code)
        committees[code] = CommitteeModel(
            code,
            world.committees[code].address,
            world.nonce(code),
            [m.address for m in japan],
            [m.address for m in partner],
            japan_threshold,
            partner_threshold,
        )
    model = Model(
        admin=world.admin,
        registrars={code: side.registrar for code, side in world.sides.items()},
        authorities=dict(world.authorities),
        sinks={code: (side.retirement, side.cancellation) for code, side in world.sides.items()},
        committees=committees,
        paused=bool(registry.call("paused")),
        paused_by=bytes(registry.call("pauseState")[1]) if registry.call("paused") else None,
        latest_serial=int(registry.call("latestSerial")),
    )
    model.executed.update(world.executed)
    for code in PARTNERS:
        model.definitions[code] = int(world.article6.call("firstTransferDefinition", code))
    for side in world.sides.values():
        for address in (*side.holders, side.retirement, side.cancellation, *candidates(side.code)):
            info = registry.call("accountInfo", address)
            if int(info[1]) != AccountStatus.NONE:
                model.accounts[address] = AccountModel(
                    address, bytes(info[2]), int(info[0]), int(info[1])
                )
    for index in range(int(projects.call("projectCount"))):
        info = projects.call("projectInfo", projects.call("projectRefAt", index))
        model.projects[info[0]] = ProjectModel(info[0], bytes(info[1]), int(info[7]), int(info[8]))
        model.documents.update("0x" + bytes(info[i]).hex() for i in (4, 5))
    records = issued_batches(projects)
    for batch_id in range(1, int(registry.call("batchCount")) + 1):
        info = records[batch_id]  # the issuance's record (the current authorization: article6)
        article6 = world.article6.call("batchArticle6", batch_id)
        model.batches[batch_id] = BatchModel(
            batch_id,
            bytes(info[2]),
            info[1],
            int(info[8]),
            int(info[9]),
            int(article6[1]),
            first_transfers=[
                (int(r[0]), int(r[1])) for r in world.article6.call("firstTransfers", batch_id)
            ],
            whole=int(article6[4]) != 0,
            host_ndc=int(article6[7]),
        )
        if model.batches[batch_id].any_first_transfer:
            model.first_transferring.add(bytes(info[2]))
        model.projects[info[1]].periods.append((batch_id, int(info[3]), int(info[4])))
        model.reports["0x" + bytes(info[12]).hex()] = batch_id
        for address, account in model.accounts.items():
            ranges = [
                (int(a), int(b)) for a, b in registry.call("holdingRanges", address, batch_id)
            ]
            if ranges and account.kind in HOLDING_KINDS:
                model.holdings[(address, batch_id)] = ranges
    return model
