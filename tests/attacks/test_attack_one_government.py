""" "One government alone" (docs/design.md §2 rule 10): every state-changing function, table-driven.

Each case is tried twice: by Japan's registry authority acting alone against Indonesia's side, and
by Indonesia's authority acting alone against Japan's. A government acting alone brings its key and
every signature of its own committee members; it still must not open, freeze, close or move
anything on the other side, nor issue, correct, register, change or replace the committee. Every
attempt is a mined transaction that reverts with the exact error and arguments and changes no
storage slot of any contract (``refused``), so in particular nothing on the other side changed.

What an authority may do alone stays on its own side (its registrars, its own authority keys) or is
bounded (a pause that no signed decision can outlast); the last tests show those, and that the
other side is untouched by them. ``test_the_table_covers_every_state_changing_function`` fails when
a contract gains a state-changing function this suite does not try.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest
from fuzz.harness import actor, artifacts_from_ape
from fuzz.world import FAR_DEADLINE, ID, JP, PAUSE_SECONDS, TH, Member, World

from registry_client import decisions as d
from registry_client.models import AccountKind

from .scenario import fingerprint, refused

CONTRACTS = ("JCMRegistry", "JCMProjects", "JCMGovernance", "JCMArticle6", "JointCommittee")
ERC1155_MOVERS = ("safeTransferFrom", "safeBatchTransferFrom", "setApprovalForAll")
#: The committee both governments share in this suite.
COUNTRY = ID
#: A country Japan proposed, whose named authority has not accepted yet.
PENDING = b"VN"


@dataclass
class Attack:
    """One government (``own``) acting alone against the other side (``other``)."""

    world: World
    own: bytes
    batch_id: int
    first: int

    @property
    def other(self) -> bytes:
        return ID if self.own == JP else JP

    @property
    def authority(self) -> str:
        return self.world.authorities[self.own]

    @property
    def victim(self) -> str:
        """A company account on the other side holding credits of ``batch_id``."""
        return self.world.sides[self.other].holders[0]

    @property
    def own_members(self) -> list[Member]:
        """Every current member of the committee on this government's side."""
        japan, partner, _, _ = self.world.current_members(COUNTRY)
        return japan if self.own == JP else partner

    def missing_side(self) -> dict[str, Any]:
        """The refusal's arguments: no signature of the other government's members."""
        _, _, japan_threshold, partner_threshold = self.world.current_members(COUNTRY)
        required = partner_threshold if self.own == JP else japan_threshold
        return {"side": self.other, "count": 0, "required": required}

    def alone(self, decision: d.Decision) -> tuple[Any, ...]:
        """The committee call's arguments with every signature of this government's members."""
        signatures = self.world.sign(decision, self.own_members)
        return (*decision.contract_call([])[1][:3], [s.as_tuple() for s in signatures])

    def decision_fields(self) -> dict[str, Any]:
        return {
            "domain": self.world.domain(COUNTRY),
            "nonce": self.world.nonce(COUNTRY),
            "deadline": FAR_DEADLINE,
        }


Args = Callable[[Attack], tuple[Any, ...]]
Expect = Callable[[Attack], dict[str, Any]]


@dataclass(frozen=True)
class Case:
    contract: str
    function: str
    args: Args
    error: str
    expect: Expect
    label: str = ""


def needs_authority_of_other(a: Attack, role: Callable[[bytes], bytes] | None = None) -> Any:
    return {"account": a.authority, "neededRole": a.world.authority_role(a.other)}


def needs_registrar_of_other(a: Attack) -> dict[str, Any]:
    return {"account": a.authority, "neededRole": a.world.role(a.other)}


def caller_is(a: Attack) -> dict[str, Any]:
    return {"caller": a.authority}


def no_account(a: Attack) -> dict[str, Any]:
    return {"account": a.authority}


def not_committee(a: Attack) -> dict[str, Any]:
    return {"country": COUNTRY, "caller": a.authority}


def nothing(_: Attack) -> dict[str, Any]:
    return {}


def _issuance(a: Attack) -> d.IssueCreditsDecision:
    # everything to this government's own company: the most a government alone would want
    return a.world.issuance_decision(
        COUNTRY, "ID001", [(a.world.sides[a.own].holders[0], 1_000)], label=f"alone {a.own!r}"
    )


def _correction(a: Attack) -> d.CorrectCreditsDecision:
    return a.world.correction_decision(
        COUNTRY, a.victim, a.batch_id, a.first, a.first, label=f"alone {a.own!r}"
    )


TABLE: tuple[Case, ...] = (
    # --- JCMRegistry -------------------------------------------------------------------------
    Case(
        "JCMRegistry",
        "addCountry",
        lambda a: (PENDING, a.world.committees[COUNTRY].address, a.authority),
        "RegistryNotGovernance",
        caller_is,
    ),
    Case(
        "JCMRegistry",
        "setCommittee",
        lambda a: (COUNTRY, a.authority),
        "RegistryNotGovernance",
        caller_is,
    ),
    Case("JCMRegistry", "setPause", lambda a: (2**40, a.own), "RegistryNotGovernance", caller_is),
    # The admin module's view relay serves only the registry's own static calls.
    Case(
        "JCMRegistry",
        "adminView",
        lambda a: (bytes.fromhex("d5e4b4fa"),),
        "RegistryNotSelf",
        caller_is,
    ),
    Case(
        "JCMRegistry",
        "grantRole",
        lambda a: (a.world.role(a.other), a.authority),
        "AccessControlUnauthorizedAccount",
        needs_authority_of_other,
        "registrar",
    ),
    Case(
        "JCMRegistry",
        "grantRole",
        lambda a: (a.world.authority_role(a.other), a.authority),
        "AccessControlUnauthorizedAccount",
        needs_authority_of_other,
        "authority",
    ),
    Case(
        "JCMRegistry",
        "revokeRole",
        lambda a: (a.world.role(a.other), a.world.sides[a.other].registrar),
        "AccessControlUnauthorizedAccount",
        needs_authority_of_other,
        "registrar",
    ),
    Case(
        "JCMRegistry",
        "revokeRole",
        lambda a: (a.world.authority_role(a.other), a.world.authorities[a.other]),
        "AccessControlUnauthorizedAccount",
        needs_authority_of_other,
        "authority",
    ),
    Case(
        "JCMRegistry",
        "renounceRole",
        lambda a: (a.world.authority_role(a.other), a.world.authorities[a.other]),
        "AccessControlBadConfirmation",
        nothing,
    ),
    Case(
        "JCMRegistry",
        "openAccount",
        lambda a: (actor("planted account"), a.other, int(AccountKind.HOLDING), "Planted Ltd"),
        "AccessControlUnauthorizedAccount",
        needs_registrar_of_other,
    ),
    Case(
        "JCMRegistry",
        "freezeAccount",
        lambda a: (a.world.sides[a.other].holders[2],),  # the other government's own account
        "AccessControlUnauthorizedAccount",
        needs_registrar_of_other,
    ),
    Case(
        "JCMRegistry",
        "unfreezeAccount",
        lambda a: (a.world.sides[a.other].holders[2],),
        "AccessControlUnauthorizedAccount",
        needs_registrar_of_other,
    ),
    Case(
        "JCMRegistry",
        "closeAccount",
        lambda a: (a.world.sides[a.other].holders[1],),
        "AccessControlUnauthorizedAccount",
        needs_registrar_of_other,
    ),
    Case(
        "JCMRegistry",
        "mint",
        lambda a: (COUNTRY, 10**6, [(a.world.sides[a.own].holders[0], 10**6)]),
        "RegistryNotProjects",
        caller_is,
    ),
    Case(
        "JCMRegistry",
        "cancelForCorrection",
        lambda a: (b"\x01" * 32, a.victim, a.batch_id, a.first, a.first),
        "RegistryNotProjects",
        caller_is,
    ),
    Case(
        "JCMRegistry",
        "transfer",
        lambda a: (a.world.sides[a.own].holders[0], a.batch_id, 1),
        "RegistryUnknownAccount",
        no_account,
    ),
    Case(
        "JCMRegistry",
        "retire",
        lambda a: (a.batch_id, 1, a.own, 0, "", ""),
        "RegistryUnknownAccount",
        no_account,
    ),
    Case(
        "JCMRegistry",
        "cancel",
        lambda a: (a.batch_id, 1, 0, ""),
        "RegistryUnknownAccount",
        no_account,
    ),
    Case(
        "JCMRegistry",
        "safeTransferFrom",
        lambda a: (a.victim, a.authority, a.batch_id, 1, b""),
        "RegistryUnsupportedOperation",
        nothing,
    ),
    Case(
        "JCMRegistry",
        "safeBatchTransferFrom",
        lambda a: (a.victim, a.authority, [a.batch_id], [1], b""),
        "RegistryUnsupportedOperation",
        nothing,
    ),
    Case(
        "JCMRegistry",
        "setApprovalForAll",
        lambda a: (a.authority, True),
        "RegistryUnsupportedOperation",
        nothing,
    ),
    # --- JCMProjects -------------------------------------------------------------------------
    Case(
        "JCMProjects",
        "registerProject",
        lambda a: (a.world.registration(COUNTRY, "ID777").project.as_tuple(),),
        "ProjectsNotCommittee",
        not_committee,
    ),
    Case(
        "JCMProjects",
        "issue",
        lambda a: (_issuance(a).issuance.as_tuple(),),
        "ProjectsNotCommittee",
        not_committee,
    ),
    Case(
        "JCMProjects",
        "correct",
        lambda a: (b"\x01" * 32, a.victim, a.batch_id, a.first, a.first),
        "ProjectsNotCommittee",
        not_committee,
    ),
    # --- JCMGovernance -----------------------------------------------------------------------
    Case(
        "JCMGovernance",
        "proposeCountry",
        lambda a: (b"KH", a.world.committees[COUNTRY].address, a.authority),
        "GovernanceNotAuthority",
        lambda a: {"side": JP, "caller": a.authority},
        "partner only",
    ),
    Case(
        "JCMGovernance",
        "acceptCountry",
        lambda a: (PENDING, a.world.committees[COUNTRY].address),
        "GovernanceNotProposedAuthority",
        lambda a: {"country": PENDING, "caller": a.authority},
    ),
    Case(
        "JCMGovernance",
        "replaceCommittee",
        lambda a: (COUNTRY, a.world.committees[TH].address),
        "GovernanceNotCommittee",
        not_committee,
    ),
    Case(
        "JCMGovernance",
        "pause",
        lambda a: (a.other, PAUSE_SECONDS),
        "GovernanceNotAuthority",
        lambda a: {"side": a.other, "caller": a.authority},
    ),
    Case("JCMGovernance", "unpause", lambda a: (), "GovernanceNotPaused", nothing),
    # --- JCMArticle6 -----------------------------------------------------------------------------
    Case(
        "JCMArticle6",
        "recordMovement",
        lambda a: (1, a.batch_id, a.other, a.other, [(a.first, a.first)]),
        "Article6NotRegistry",
        caller_is,
    ),
    Case(
        "JCMArticle6",
        "recordIssuance",
        lambda a: (a.batch_id + 1, COUNTRY, 1, 1, 10**6, 10),
        "Article6NotProjects",
        caller_is,
    ),
    Case(
        "JCMArticle6",
        "setAuthorization",
        lambda a: ((a.batch_id, 0, "revoked alone", 1),),
        "Article6NotCommittee",
        not_committee,
    ),
    Case(
        "JCMArticle6",
        "setFirstTransferDefinition",
        lambda a: (COUNTRY, 1),
        "Article6NotCommittee",
        not_committee,
    ),
    # --- JointCommittee: every signature of one government's members ---------------------------
    Case(
        "JointCommittee",
        "registerProject",
        lambda a: a.alone(a.world.registration(COUNTRY, "ID778")),
        "CommitteeInsufficientSignatures",
        Attack.missing_side,
    ),
    Case(
        "JointCommittee",
        "issueCredits",
        lambda a: a.alone(_issuance(a)),
        "CommitteeInsufficientSignatures",
        Attack.missing_side,
    ),
    Case(
        "JointCommittee",
        "correctCredits",
        lambda a: a.alone(_correction(a)),
        "CommitteeInsufficientSignatures",
        Attack.missing_side,
    ),
    Case(
        "JointCommittee",
        "changeMembers",
        lambda a: a.alone(
            d.ChangeMembersDecision(
                **a.decision_fields(),
                change=d.MembershipChange(
                    japan_members=tuple(m.address for m in a.world.current_members(COUNTRY)[0]),
                    partner_members=(a.authority,),
                    japan_threshold=1,
                    partner_threshold=1,
                ),
            )
        ),
        "CommitteeInsufficientSignatures",
        Attack.missing_side,
    ),
    # The authorizing party's own decisions: the partner's members alone decide them (DESIGN §3),
    # so only Japan alone is refused; see the tests at the end for what the partner alone can do.
    Case(
        "JointCommittee",
        "setAuthorization",
        lambda a: a.alone(a.world.authorization_decision(COUNTRY, a.batch_id, 0, label="alone")),
        "CommitteeInsufficientSignatures",
        Attack.missing_side,
        "japan refused",
    ),
    Case(
        "JointCommittee",
        "setFirstTransferDefinition",
        lambda a: a.alone(
            d.SetFirstTransferDefinitionDecision(
                **a.decision_fields(),
                rule=d.FirstTransferRule(definition=d.FirstTransferDefinition.ISSUANCE),
            )
        ),
        "CommitteeInsufficientSignatures",
        Attack.missing_side,
        "japan refused",
    ),
    Case(
        "JointCommittee",
        "replaceCommittee",
        lambda a: a.alone(
            d.ReplaceCommitteeDecision(
                **a.decision_fields(),
                replacement=d.CommitteeReplacement(successor=a.world.committees[TH].address),
            )
        ),
        "CommitteeInsufficientSignatures",
        Attack.missing_side,
    ),
)


def _contract(world: World, name: str) -> Any:
    return {
        "JCMRegistry": world.registry,
        "JCMProjects": world.projects,
        "JCMGovernance": world.governance,
        "JCMArticle6": world.article6,
        "JointCommittee": world.committees[COUNTRY],
    }[name]


def _cases() -> Iterator[Any]:
    for case in TABLE:
        for own in (JP, ID):
            if case.label == "partner only" and own == JP:
                continue  # Japan's authority proposes by design; the partner must accept
            if case.label == "japan refused" and own == ID:
                continue  # the authorizing party's own act (tested below)
            suffix = f"-{case.label}" if case.label else ""
            yield pytest.param(
                case, own, id=f"{case.contract}.{case.function}{suffix}-by-{own.decode()}-alone"
            )


@pytest.fixture(scope="module")
def batch(world: World) -> tuple[int, int]:
    """One batch held on both sides; and a proposal of Japan for ``PENDING``, not accepted."""
    batch_id = world.issue(
        COUNTRY,
        "ID001",
        [(world.sides[JP].holders[0], 10), (world.sides[ID].holders[0], 10)],
        authorization=1,
    )
    pending = world.deploy(
        "JointCommittee",
        world.registry.address,
        PENDING,
        ([world.outsider], [world.submitter], 1, 1),
    )
    world.governance.transact(
        "proposeCountry", PENDING, pending.address, actor("VN authority"), sender=world.admin
    ).expect_ok()
    return batch_id, int(world.registry.call("batchState", batch_id)[1])


@pytest.mark.parametrize(("case", "own"), list(_cases()))
def test_one_government_alone_is_refused(
    world: World, batch: tuple[int, int], case: Case, own: bytes
) -> None:
    attack = Attack(world, own, *batch)
    contract = _contract(world, case.contract)
    args = case.args(attack)
    refused(
        world,
        lambda: contract.transact(case.function, *args, sender=attack.authority),
        case.error,
        **case.expect(attack),
    )


def test_the_table_covers_every_state_changing_function(project: Any) -> None:
    artifacts = artifacts_from_ape(project, CONTRACTS)
    state_changing = {
        (name, entry["name"])
        for name, artifact in artifacts.items()
        for entry in artifact.abi
        if entry.get("type") == "function"
        and (
            entry["stateMutability"] in ("nonpayable", "payable") or entry["name"] in ERC1155_MOVERS
        )
    }
    tabled = {(case.contract, case.function) for case in TABLE}
    assert state_changing - tabled == set(), (
        f"not tried by one government: {state_changing - tabled}"
    )
    assert tabled - state_changing == set(), f"no such functions: {tabled - state_changing}"


# --- what an authority may do alone: its own side only, or bounded ---------------------------


@pytest.mark.parametrize("own", [JP, ID], ids=["JP", "ID"])
def test_an_authority_governs_its_own_registrars_and_leaves_the_other_side_unchanged(
    world: World, own: bytes
) -> None:
    other = ID if own == JP else JP
    newcomer = actor(f"new registrar of {own.decode()}")
    before = {
        "registrar": world.registry.call(
            "hasRole", world.role(other), world.sides[other].registrar
        ),
        "authority": world.registry.call(
            "hasRole", world.authority_role(other), world.authorities[other]
        ),
    }
    world.registry.transact(
        "grantRole", world.role(own), newcomer, sender=world.authorities[own]
    ).expect_ok()
    world.registry.transact(
        "revokeRole", world.role(own), world.sides[own].registrar, sender=world.authorities[own]
    ).expect_ok()
    assert world.registry.call("hasRole", world.role(own), newcomer)
    assert not world.registry.call("hasRole", world.role(other), newcomer)
    after = {
        "registrar": world.registry.call(
            "hasRole", world.role(other), world.sides[other].registrar
        ),
        "authority": world.registry.call(
            "hasRole", world.authority_role(other), world.authorities[other]
        ),
    }
    assert after == before == {"registrar": True, "authority": True}
    # The new registrar of one side can do nothing on the other.
    world.rpc.fund(newcomer)
    refused(
        world,
        lambda: world.registry.transact(
            "freezeAccount", world.sides[other].holders[2], sender=newcomer
        ),
        "AccessControlUnauthorizedAccount",
        account=newcomer,
        neededRole=world.role(other),
    )


@pytest.mark.parametrize("own", [JP, ID], ids=["JP", "ID"])
def test_a_pause_by_one_authority_is_bounded_and_lets_signed_decisions_execute(
    world: World, own: bytes
) -> None:
    other = ID if own == JP else JP
    holder = world.sides[JP].holders[0]
    world.governance.transact(
        "pause", own, PAUSE_SECONDS, sender=world.authorities[own]
    ).expect_ok()
    # The other government cannot lift it, nor stack a longer one on top.
    refused(
        world,
        lambda: world.governance.transact("unpause", sender=world.authorities[other]),
        "GovernanceNotAuthority",
        side=own,
        caller=world.authorities[other],
    )
    # A decision both governments signed still executes while paused.
    world.decide(COUNTRY, world.issuance_decision(COUNTRY, "ID001", [(holder, 7)])).expect_ok()
    # The same authority cannot chain a second pause: it must wait out its cool-down.
    world.governance.transact("unpause", sender=world.authorities[own]).expect_ok()
    before = fingerprint(world)
    outcome = world.governance.transact("pause", own, 60, sender=world.authorities[own])
    assert outcome.error is not None and outcome.error.name == "GovernancePauseCoolingDown"
    assert outcome.error.args["side"] == own
    assert fingerprint(world) == before
    assert not world.registry.call("paused")


def test_the_partner_alone_authorizes_its_units_but_cannot_take_back_what_japan_acquired(
    world: World, batch: tuple[int, int]
) -> None:
    """Article 6 authorization is the host's own act: its members alone record it. Once Japan
    acquired units of the batch (here: Japan's share at issuance), the partner alone can neither
    revoke it nor drop NDC use, so nothing on Japan's side changes."""
    batch_id, first = batch
    partner_members = world.current_members(COUNTRY)[1]
    widen = world.authorization_decision(COUNTRY, batch_id, 3, label="widened")
    world.decide(COUNTRY, widen, partner_members).expect_ok()
    assert int(world.article6.call("batchArticle6", batch_id)[1]) == 3
    before = fingerprint(world)
    for requested in (0, 2):
        decision = world.authorization_decision(COUNTRY, batch_id, requested, label=f"r{requested}")
        refused(
            world,
            partial(world.decide, COUNTRY, decision, partner_members),
            "Article6AuthorizationLocked",
            batchId=batch_id,
            current=3,
            requested=requested,
        )
    assert fingerprint(world) == before
    # Japan's holder still counts its acquired units toward Japan's NDC.
    holder = world.sides[JP].holders[0]
    world.registry.transact("retire", batch_id, 1, JP, 0, "", "", sender=holder).expect_ok()
    assert int(world.registry.call("batchTotals", batch_id)[2]) == 1 and first >= 1
