"""Unauthorized calls to every state-changing function of the five contracts, table-driven.

``TABLE`` lists, for each state-changing function of ``JCMRegistry``, ``JCMProjects``,
``JCMGovernance``, ``JCMArticle6`` and ``JointCommittee``, callers that must be refused and the
exact error (with its arguments) each gets.
Every call is a mined transaction that must revert without changing any contract's storage.
``test_the_table_covers_every_state_changing_function`` fails when a contract gains a state-changing
function that the table does not cover, or the table names a function that no longer exists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from eth_utils import keccak
from fuzz.harness import actor, artifacts_from_ape
from fuzz.machine import ATTACKER_KEY
from fuzz.world import ID, JP, Member, World

from registry_client import decisions as d
from registry_client.models import AccountKind

from .scenario import refused

#: ERC-1155 functions that move tokens or approve operators: ``pure`` here (they always revert), but
#: state-changing by the standard, so they belong in the table too.
ERC1155_MOVERS = ("safeTransferFrom", "safeBatchTransferFrom", "setApprovalForAll")
CONTRACTS = ("JCMRegistry", "JCMProjects", "JCMGovernance", "JCMArticle6", "JointCommittee")


@dataclass
class Ctx:
    """What the table's argument and error builders need."""

    world: World
    batch_id: int
    first: int

    @property
    def holder(self) -> str:
        return self.world.sides[JP].holders[0]

    @property
    def other(self) -> str:
        return self.world.sides[JP].holders[1]

    def role(self, side: bytes) -> bytes:
        return self.world.role(side)

    def authority_role(self, side: bytes) -> bytes:
        return self.world.authority_role(side)

    def caller(self, label: str) -> str:
        """The address behind a caller label of the table."""
        world = self.world
        kind, _, side = label.partition(":")
        code = side.encode() if side else b""
        return {
            "outsider": lambda: world.outsider,
            "admin": lambda: world.admin,
            "authority": lambda: world.authorities[code],
            "holder": lambda: self.holder,
            "registrar": lambda: world.sides[code].registrar,
            "retirement": lambda: world.sides[code].retirement,
            "cancellation": lambda: world.sides[code].cancellation,
            "committee": lambda: world.committees[code].address,
            "member": lambda: world.current_members(code)[1][0].address,
        }[kind]()

    def contract(self, name: str) -> Any:
        world = self.world
        return {
            "JCMRegistry": world.registry,
            "JCMProjects": world.projects,
            "JCMGovernance": world.governance,
            "JCMArticle6": world.article6,
            "JointCommittee": world.committees[ID],
        }[name]

    # --- decisions, unsigned or signed by an outsider's key --------------------------------------

    def issuance(self) -> d.IssueCreditsDecision:
        return self.world.issuance_decision(ID, "ID001", [(self.holder, 10)], label="access")

    def registration(self) -> d.RegisterProjectDecision:
        return self.world.registration(
            ID, "ID900", pdd_hash=keccak(text="ID900 pdd"), validation_report_hash=keccak(text="v")
        )

    def correction(self) -> d.CorrectCreditsDecision:
        return self.world.correction_decision(
            ID, self.holder, self.batch_id, self.first, self.first, label="x"
        )

    def handover(self) -> d.ReplaceCommitteeDecision:
        return d.ReplaceCommitteeDecision(
            domain=self.world.domain(ID),
            nonce=self.world.nonce(ID),
            deadline=2**40,
            replacement=d.CommitteeReplacement(successor=ATTACKER_KEY.address),
        )

    def authorization(self) -> d.SetAuthorizationDecision:
        return self.world.authorization_decision(ID, self.batch_id, d.Authorization.NONE)

    def definition(self) -> d.SetFirstTransferDefinitionDecision:
        return d.SetFirstTransferDefinitionDecision(
            domain=self.world.domain(ID),
            nonce=self.world.nonce(ID),
            deadline=2**40,
            rule=d.FirstTransferRule(definition=d.FirstTransferDefinition.ISSUANCE),
        )

    def takeover(self) -> d.ChangeMembersDecision:
        intruder = Member(ATTACKER_KEY.address, ATTACKER_KEY)
        return self.world.membership_decision(ID, [intruder], [intruder], 1, 1)

    @staticmethod
    def unsigned(decision: d.Decision) -> tuple[Any, ...]:
        return (*decision.contract_call([])[1][:3], [])

    @staticmethod
    def self_signed(decision: d.Decision) -> tuple[Any, ...]:
        signature = decision.sign(ATTACKER_KEY)
        return (*decision.contract_call([])[1][:3], [signature.as_tuple()])


Args = Callable[[Ctx], tuple[Any, ...]]
Expect = Callable[[Ctx, str], dict[str, Any]]


@dataclass(frozen=True)
class Case:
    """Callers of one function that must be refused with one error."""

    contract: str
    function: str
    callers: tuple[str, ...]
    args: Args
    error: str
    expect: Expect
    label: str = ""


def authority_of_jp(ctx: Ctx, caller: str) -> dict[str, Any]:
    return {"account": caller, "neededRole": ctx.authority_role(JP)}


def governance_only(_: Ctx, caller: str) -> dict[str, Any]:
    return {"caller": caller}


def not_authority_of(side: bytes) -> Expect:
    return lambda _, caller: {"side": side, "caller": caller}


def registrar_of_jp(ctx: Ctx, caller: str) -> dict[str, Any]:
    return {"account": caller, "neededRole": ctx.role(JP)}


def not_the_registry(_: Ctx, caller: str) -> dict[str, Any]:
    """Only the registry relays its views to its admin module (``adminView``)."""
    return {"caller": caller}


def not_projects(_: Ctx, caller: str) -> dict[str, Any]:
    return {"caller": caller}


def not_committee(_: Ctx, caller: str) -> dict[str, Any]:
    return {"country": ID, "caller": caller}


def unknown_account(_: Ctx, caller: str) -> dict[str, Any]:
    return {"account": caller}


def sink_kind(kind: AccountKind) -> Expect:
    return lambda _, caller: {"account": caller, "kind": kind}


def nothing(_: Ctx, __: str) -> dict[str, Any]:
    return {}


def no_signatures(_: Ctx, __: str) -> dict[str, Any]:
    return {"side": JP, "count": 0, "required": 2}


def no_partner_signatures(_: Ctx, __: str) -> dict[str, Any]:
    return {"side": ID, "count": 0, "required": 1}


def not_registry(_: Ctx, caller: str) -> dict[str, Any]:
    return {"caller": caller}


def attacker_not_member(_: Ctx, __: str) -> dict[str, Any]:
    return {"signer": ATTACKER_KEY.address}


NON_GOVERNANCE = ("outsider", "holder", "registrar:JP", "committee:ID")
EVERYONE = ("outsider", "admin", "authority:ID", "holder", "registrar:JP", "committee:ID")
NON_REGISTRARS_OF_JP = (
    "outsider",
    "admin",
    "authority:ID",
    "holder",
    "registrar:ID",
    "committee:ID",
)
NON_ACCOUNTS = ("outsider", "admin", "registrar:JP", "committee:ID")
NON_PROJECTS = ("outsider", "admin", "authority:ID", "holder", "registrar:JP", "committee:ID")
NON_COMMITTEES = (
    "outsider",
    "admin",
    "authority:ID",
    "registrar:ID",
    "member:ID",
    "committee:TH",
)
SUBMITTERS = ("outsider", "admin", "authority:ID", "member:ID")

TABLE: tuple[Case, ...] = (
    # --- JCMRegistry: governance (only through JCMGovernance; roles only by a side's authority) ---
    Case(
        "JCMRegistry",
        "addCountry",
        EVERYONE,
        lambda c: (b"VN", c.world.outsider, c.world.outsider),
        "RegistryNotGovernance",
        governance_only,
    ),
    Case(
        "JCMRegistry",
        "setCommittee",
        EVERYONE,
        lambda c: (ID, c.world.outsider),
        "RegistryNotGovernance",
        governance_only,
    ),
    Case(
        "JCMRegistry",
        "adminView",
        EVERYONE,
        lambda c: (bytes.fromhex("d5e4b4fa"),),
        "RegistryNotSelf",
        not_the_registry,
    ),
    Case(
        "JCMRegistry",
        "setPause",
        EVERYONE,
        lambda c: (2**40, JP),
        "RegistryNotGovernance",
        governance_only,
    ),
    Case(
        "JCMRegistry",
        "grantRole",
        (*NON_GOVERNANCE, "authority:ID"),
        lambda c: (c.role(JP), c.world.outsider),
        "AccessControlUnauthorizedAccount",
        authority_of_jp,
    ),
    Case(
        "JCMRegistry",
        "grantRole",
        (*NON_GOVERNANCE, "authority:ID"),
        lambda c: (c.authority_role(JP), c.world.outsider),
        "AccessControlUnauthorizedAccount",
        authority_of_jp,
        "authority",
    ),
    Case(
        "JCMRegistry",
        "revokeRole",
        ("outsider", "holder", "registrar:ID", "authority:ID"),
        lambda c: (c.role(JP), c.world.sides[JP].registrar),
        "AccessControlUnauthorizedAccount",
        authority_of_jp,
    ),
    # --- JCMGovernance ---------------------------------------------------------------------------
    Case(
        "JCMGovernance",
        "proposeCountry",
        (*NON_GOVERNANCE, "authority:ID"),
        lambda c: (b"VN", c.world.committees[ID].address, c.world.outsider),
        "GovernanceNotAuthority",
        not_authority_of(JP),
    ),
    Case(
        "JCMGovernance",
        "acceptCountry",
        EVERYONE,
        lambda c: (b"VN", c.world.committees[ID].address),
        "GovernanceNoCountryProposal",
        lambda _, __: {"country": b"VN"},
    ),
    Case(
        "JCMGovernance",
        "replaceCommittee",
        ("outsider", "admin", "authority:ID", "committee:TH"),
        lambda c: (ID, c.world.committees[b"TH"].address),
        "GovernanceNotCommittee",
        lambda _, caller: {"country": ID, "caller": caller},
    ),
    Case(
        "JCMGovernance",
        "pause",
        ("outsider", "authority:ID", "holder", "registrar:JP", "committee:ID"),
        lambda c: (JP, 3600),
        "GovernanceNotAuthority",
        not_authority_of(JP),
    ),
    Case(
        "JCMGovernance",
        "unpause",
        EVERYONE,
        lambda c: (),
        "GovernanceNotPaused",
        nothing,
    ),
    Case(
        "JCMRegistry",
        "renounceRole",
        ("outsider", "admin", "registrar:ID"),
        lambda c: (c.role(JP), c.world.sides[JP].registrar),
        "AccessControlBadConfirmation",
        nothing,
    ),
    # --- JCMRegistry: registrars ----------------------------------------------------------------
    Case(
        "JCMRegistry",
        "openAccount",
        NON_REGISTRARS_OF_JP,
        lambda c: (actor("intruder account"), JP, 1, "Intruder Ltd"),
        "AccessControlUnauthorizedAccount",
        registrar_of_jp,
    ),
    Case(
        "JCMRegistry",
        "freezeAccount",
        NON_REGISTRARS_OF_JP,
        lambda c: (c.other,),
        "AccessControlUnauthorizedAccount",
        registrar_of_jp,
    ),
    Case(
        "JCMRegistry",
        "unfreezeAccount",
        NON_REGISTRARS_OF_JP,
        lambda c: (c.other,),
        "AccessControlUnauthorizedAccount",
        registrar_of_jp,
    ),
    Case(
        "JCMRegistry",
        "closeAccount",
        NON_REGISTRARS_OF_JP,
        lambda c: (c.other,),
        "AccessControlUnauthorizedAccount",
        registrar_of_jp,
    ),
    Case(
        "JCMRegistry",
        "freezeAccount",
        ("registrar:JP",),
        lambda c: (c.world.outsider,),
        "RegistryUnknownAccount",
        lambda c, _: {"account": c.world.outsider},
        "non-account",
    ),
    Case(
        "JCMRegistry",
        "closeAccount",
        ("registrar:JP",),
        lambda c: (c.world.sides[JP].retirement,),
        "RegistryInvalidAccountKind",
        lambda c, _: {"account": c.world.sides[JP].retirement, "kind": AccountKind.RETIREMENT},
        "sink",
    ),
    # --- JCMRegistry: issuance and correction (only JCMProjects) --------------------------------
    Case(
        "JCMRegistry",
        "mint",
        NON_PROJECTS,
        lambda c: (ID, 10, [(c.holder, 10)]),
        "RegistryNotProjects",
        not_projects,
    ),
    Case(
        "JCMRegistry",
        "cancelForCorrection",
        NON_PROJECTS,
        lambda c: (b"\x01" * 32, c.holder, c.batch_id, c.first, c.first),
        "RegistryNotProjects",
        not_projects,
    ),
    # --- JCMRegistry: holders (msg.sender is the account) ---------------------------------------
    Case(
        "JCMRegistry",
        "transfer",
        NON_ACCOUNTS,
        lambda c: (c.other, c.batch_id, 1),
        "RegistryUnknownAccount",
        unknown_account,
    ),
    Case(
        "JCMRegistry",
        "retire",
        NON_ACCOUNTS,
        lambda c: (c.batch_id, 1, JP, 0, "", ""),
        "RegistryUnknownAccount",
        unknown_account,
    ),
    Case(
        "JCMRegistry",
        "cancel",
        NON_ACCOUNTS,
        lambda c: (c.batch_id, 1, 0, ""),
        "RegistryUnknownAccount",
        unknown_account,
    ),
    Case(
        "JCMRegistry",
        "transfer",
        ("retirement:JP",),
        lambda c: (c.other, c.batch_id, 1),
        "RegistryInvalidAccountKind",
        sink_kind(AccountKind.RETIREMENT),
        "sink",
    ),
    Case(
        "JCMRegistry",
        "retire",
        ("cancellation:JP",),
        lambda c: (c.batch_id, 1, JP, 0, "", ""),
        "RegistryInvalidAccountKind",
        sink_kind(AccountKind.CANCELLATION),
        "sink",
    ),
    Case(
        "JCMRegistry",
        "cancel",
        ("retirement:JP",),
        lambda c: (c.batch_id, 1, 0, ""),
        "RegistryInvalidAccountKind",
        sink_kind(AccountKind.RETIREMENT),
        "sink",
    ),
    Case(
        "JCMRegistry",
        "safeTransferFrom",
        ("holder", "outsider", "admin"),
        lambda c: (c.holder, c.world.outsider, c.batch_id, 1, b""),
        "RegistryUnsupportedOperation",
        nothing,
    ),
    Case(
        "JCMRegistry",
        "safeBatchTransferFrom",
        ("holder", "outsider", "admin"),
        lambda c: (c.holder, c.world.outsider, [c.batch_id], [1], b""),
        "RegistryUnsupportedOperation",
        nothing,
    ),
    Case(
        "JCMRegistry",
        "setApprovalForAll",
        ("holder", "retirement:JP"),
        lambda c: (c.world.outsider, True),
        "RegistryUnsupportedOperation",
        nothing,
    ),
    # --- JCMProjects (only the country's joint committee) ---------------------------------------
    Case(
        "JCMProjects",
        "registerProject",
        NON_COMMITTEES,
        lambda c: (c.registration().project.as_tuple(),),
        "ProjectsNotCommittee",
        not_committee,
    ),
    Case(
        "JCMProjects",
        "issue",
        NON_COMMITTEES,
        lambda c: (c.issuance().issuance.as_tuple(),),
        "ProjectsNotCommittee",
        not_committee,
    ),
    Case(
        "JCMProjects",
        "correct",
        NON_COMMITTEES,
        lambda c: (b"\x01" * 32, c.holder, c.batch_id, c.first, c.first),
        "ProjectsNotCommittee",
        not_committee,
    ),
    # --- JCMArticle6 (the registry reports movements, projects issuances, committees decide) -----
    Case(
        "JCMArticle6",
        "recordMovement",
        NON_PROJECTS,
        lambda c: (1, c.batch_id, JP, JP, [(c.first, c.first + 9)]),
        "Article6NotRegistry",
        not_registry,
    ),
    Case(
        "JCMArticle6",
        "recordIssuance",
        NON_PROJECTS,
        lambda c: (c.batch_id + 1, ID, 1, 1, c.first + 20, 10),
        "Article6NotProjects",
        not_projects,
    ),
    Case(
        "JCMArticle6",
        "setAuthorization",
        NON_COMMITTEES,
        lambda c: ((c.batch_id, 0, "revoked", 1),),
        "Article6NotCommittee",
        not_committee,
    ),
    Case(
        "JCMArticle6",
        "setFirstTransferDefinition",
        NON_COMMITTEES,
        lambda c: (ID, 2),
        "Article6NotCommittee",
        not_committee,
    ),
    # --- JointCommittee (anyone submits; only members' signatures count) ------------------------
    Case(
        "JointCommittee",
        "registerProject",
        SUBMITTERS,
        lambda c: c.unsigned(c.registration()),
        "CommitteeInsufficientSignatures",
        no_signatures,
    ),
    Case(
        "JointCommittee",
        "issueCredits",
        SUBMITTERS,
        lambda c: c.unsigned(c.issuance()),
        "CommitteeInsufficientSignatures",
        no_signatures,
    ),
    Case(
        "JointCommittee",
        "correctCredits",
        SUBMITTERS,
        lambda c: c.unsigned(c.correction()),
        "CommitteeInsufficientSignatures",
        no_signatures,
    ),
    Case(
        "JointCommittee",
        "changeMembers",
        SUBMITTERS,
        lambda c: c.unsigned(c.takeover()),
        "CommitteeInsufficientSignatures",
        no_signatures,
    ),
    Case(
        "JointCommittee",
        "replaceCommittee",
        SUBMITTERS,
        lambda c: c.unsigned(c.handover()),
        "CommitteeInsufficientSignatures",
        no_signatures,
    ),
    Case(
        "JointCommittee",
        "setAuthorization",
        SUBMITTERS,
        lambda c: c.unsigned(c.authorization()),
        "CommitteeInsufficientSignatures",
        no_partner_signatures,
    ),
    Case(
        "JointCommittee",
        "setFirstTransferDefinition",
        SUBMITTERS,
        lambda c: c.unsigned(c.definition()),
        "CommitteeInsufficientSignatures",
        no_partner_signatures,
    ),
    Case(
        "JointCommittee",
        "setAuthorization",
        ("outsider",),
        lambda c: c.self_signed(c.authorization()),
        "CommitteeNotMember",
        attacker_not_member,
        "self-signed",
    ),
    Case(
        "JointCommittee",
        "issueCredits",
        ("outsider",),
        lambda c: c.self_signed(c.issuance()),
        "CommitteeNotMember",
        attacker_not_member,
        "self-signed",
    ),
    Case(
        "JointCommittee",
        "changeMembers",
        ("outsider",),
        lambda c: c.self_signed(c.takeover()),
        "CommitteeNotMember",
        attacker_not_member,
        "self-signed",
    ),
)


def _cases() -> Iterator[Any]:
    for case in TABLE:
        for caller in case.callers:
            suffix = f"-{case.label}" if case.label else ""
            yield pytest.param(
                case, caller, id=f"{case.contract}.{case.function}{suffix}-by-{caller}"
            )


@pytest.fixture(scope="module")
def ctx(world: World) -> Ctx:
    """The world with one batch held on two sides, so movements and corrections have targets."""
    batch_id = world.issue(
        ID,
        "ID001",
        [(world.sides[JP].holders[0], 10), (world.sides[ID].holders[0], 10)],
        authorization=1,
    )
    context = Ctx(world, batch_id, int(world.registry.call("batchState", batch_id)[1]))
    world.rpc.fund(*{context.caller(label) for case in TABLE for label in case.callers})
    return context


@pytest.mark.parametrize(("case", "caller_label"), list(_cases()))
def test_unauthorized_call_is_refused(ctx: Ctx, case: Case, caller_label: str) -> None:
    caller = ctx.caller(caller_label)
    contract = ctx.contract(case.contract)
    args = case.args(ctx)
    refused(
        ctx.world,
        lambda: contract.transact(case.function, *args, sender=caller),
        case.error,
        **case.expect(ctx, caller),
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
        f"functions without unauthorized-call cases: {state_changing - tabled}"
    )
    assert tabled - state_changing == set(), (
        f"the table names functions that do not exist: {tabled - state_changing}"
    )
    for case in TABLE:
        assert case.callers, f"{case.contract}.{case.function}: no caller"
