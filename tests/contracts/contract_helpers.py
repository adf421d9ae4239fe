"""Helpers of the contract tests: the deployed world, revert assertions, issuance and decisions.

The world (built once per session by ``tests/contracts/conftest.py``) is a ``JCMRegistry`` with its
``JCMProjects`` and four registry sides:

- ``JP``: registrar, retirement and cancellation accounts, three company holding accounts and a
  government holding account;
- ``ID``: the same with two companies; its joint committee is a plain test account (``committee``),
  so tests call ``JCMProjects`` directly, as the committee contract would;
- ``TH``: a second partner with an account-level committee, two companies and a government account,
  and *no* retirement or cancellation account yet (``sinks_opened=False``);
- ``VN``: a partner whose committee is a real ``JointCommittee`` with three Japanese and two
  Vietnamese member keys, thresholds 2 and 1; its members sign with ``registry_client.decisions``.

Projects registered: ``ID012`` and ``ID013`` (ID), ``TH001`` (TH), ``VN001`` (VN, by decision).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import ape
from ape.exceptions import CustomError
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address

from registry_client import decisions as d

JP = b"JP"
ID = b"ID"
TH = b"TH"
VN = b"VN"

#: 2023-01-01T00:00:00Z: where a project's first test monitoring period starts.
BASE_TIME = 1672531200
DAY = 86400
URI = "https://jcm-registry.local/v1/batches/{id}.json"
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


class AccountKind(IntEnum):
    NONE = 0
    HOLDING = 1
    GOVERNMENT = 2
    RETIREMENT = 3
    CANCELLATION = 4


class AccountStatus(IntEnum):
    NONE = 0
    ACTIVE = 1
    FROZEN = 2
    CLOSED = 3


class RetirementPurpose(IntEnum):
    NDC = 0
    VOLUNTARY_OFFSET = 1


class CancellationReason(IntEnum):
    VOLUNTARY = 0
    OTHER_INTERNATIONAL = 1
    OVERALL_MITIGATION = 2
    CORRECTION = 3


class SerialLocation(IntEnum):
    UNISSUED = 0
    HELD = 1
    RETIRED = 2
    CANCELLED = 3


class MemberSide(IntEnum):
    NONE = 0
    JAPAN = 1
    PARTNER = 2


Authorization = d.Authorization


# ------------------------------------------------------------------------------------------------
# Reverts
# ------------------------------------------------------------------------------------------------


def _norm(value: Any) -> Any:
    if hasattr(value, "address") and not isinstance(value, str | bytes):
        return to_checksum_address(value.address)
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return to_checksum_address(value)
    if isinstance(value, IntEnum):
        return int(value)
    if isinstance(value, list | tuple):
        return [_norm(v) for v in value]
    return value


@contextmanager
def reverts(error: str, **inputs: Any) -> Iterator[Any]:
    """Asserts that the block reverts with the custom error ``error`` and, if given, these inputs.

    Stricter than ``ape.reverts(SomeError)`` alone, which lets a revert whose error was not decoded
    pass: here the error must be decoded and carry exactly the named inputs.
    """
    with ape.reverts() as info:
        yield info
    exc = info.value
    assert isinstance(exc, CustomError), f"expected {error}, got an undecoded revert: {exc!r}"
    name = type(exc).__name__
    assert name == error, f"expected {error}, got {name}({exc.inputs})"
    for key, expected in inputs.items():
        assert key in exc.inputs, f"{error} has no input {key!r}: {exc.inputs}"
        actual = exc.inputs[key]
        assert _norm(actual) == _norm(expected), (
            f"{error}.{key}: expected {expected!r}, got {actual!r}"
        )


def addr(account: Any) -> str:
    """The checksum address of an Ape account, a LocalAccount, a contract or an address."""
    return to_checksum_address(account if isinstance(account, str) else account.address)


def events(receipt: Any, name: str) -> list[dict[str, Any]]:
    """The decoded arguments of every ``name`` event in the receipt, in log order."""
    return [dict(log.event_arguments) for log in receipt.events if log.event_name == name]


def ranges(raw: Any) -> list[tuple[int, int]]:
    """Serial ranges as ``[(first, last), ...]``."""
    return [(int(r[0]), int(r[1])) for r in raw]


# ------------------------------------------------------------------------------------------------
# The world
# ------------------------------------------------------------------------------------------------


@dataclass
class Side:
    """The accounts of one registry side (all funded, so any of them can try to send)."""

    code: bytes
    registrar: Any
    retirement: Any
    cancellation: Any
    companies: list[Any]
    government: Any
    sinks_opened: bool = True


@dataclass
class World:
    """Everything the contract tests act on."""

    registry: Any
    projects: Any
    admin: Any
    outsider: Any
    submitter: Any
    sides: dict[bytes, Side]
    committees: dict[bytes, Any]  # account-level committees (ID, TH)
    joint: Any  # the JointCommittee of VN
    japan_members: list[LocalAccount]
    partner_members: list[LocalAccount]
    spare: list[Any] = field(default_factory=list)  # funded accounts with no registry account

    @property
    def jp(self) -> Side:
        return self.sides[JP]

    @property
    def id(self) -> Side:
        return self.sides[ID]

    @property
    def th(self) -> Side:
        return self.sides[TH]

    @property
    def vn(self) -> Side:
        return self.sides[VN]

    # --- issuance through an account-level committee ------------------------------------------

    def issuance(
        self,
        ref: str,
        allocations: Sequence[tuple[Any, int]],
        *,
        quantity: int | None = None,
        verified: int | None = None,
        vintage: int = 2023,
        authorization: int = Authorization.NONE,
        authorization_id: str = "",
        authorization_date: int = 0,
        decision: str | None = None,
        start: int | None = None,
        end: int | None = None,
        report: bytes | None = None,
    ) -> d.Issuance:
        """An issuance for the project's next monitoring period, with a fresh decision id."""
        info = self.projects.projectInfo(ref)
        count = int(info.batchCount)
        if start is None:
            start = int(info.lastMonitoringEnd) + 1 if count else BASE_TIME
        if end is None:
            end = start + 30 * DAY
        total = sum(amount for _, amount in allocations)
        quantity = total if quantity is None else quantity
        return d.Issuance(
            decision_id=decision or d.decision_id(f"{ref}/issuance/{count + 1}"),
            project_ref=ref,
            monitoring_start=start,
            monitoring_end=end,
            vintage=vintage,
            quantity=quantity,
            verified_reductions=quantity if verified is None else verified,
            verification_report_hash=report or keccak(text=f"{ref}/report/{count + 1}"),
            authorization=authorization,
            authorization_id=authorization_id,
            authorization_date=authorization_date,
            allocations=tuple(d.Allocation(account=addr(a), amount=n) for a, n in allocations),
        )

    def issue(self, ref: str, allocations: Sequence[tuple[Any, int]], **kwargs: Any) -> int:
        """Issues through the project's account-level committee; returns the new batch id."""
        receipt = self.issue_receipt(ref, allocations, **kwargs)
        assert receipt.status == 1
        return int(self.registry.batchCount())

    def issue_receipt(self, ref: str, allocations: Sequence[tuple[Any, int]], **kwargs: Any) -> Any:
        """Like ``issue`` but returns the receipt."""
        issuance = self.issuance(ref, allocations, **kwargs)
        committee = self.committees[ref[:2].encode()]
        return self.projects.issue(issuance.as_tuple(), sender=committee)

    # --- the VN joint committee ---------------------------------------------------------------

    def domain(self, committee: Any = None, chain_id: int | None = None) -> d.CommitteeDomain:
        """The EIP-712 domain of the VN committee (or of another committee / chain)."""
        return d.CommitteeDomain(
            chain_id=ape.chain.chain_id if chain_id is None else chain_id,
            committee=addr(committee or self.joint),
        )

    def deadline(self, seconds: int = 3600) -> int:
        """A deadline ``seconds`` after the next block's timestamp."""
        return int(ape.chain.pending_timestamp) + seconds

    def vn_issuance_decision(
        self, allocations: Sequence[tuple[Any, int]], **kwargs: Any
    ) -> d.IssueCreditsDecision:
        """An issuance decision for project VN001 under the committee's current nonce."""
        nonce = kwargs.pop("nonce", None)
        deadline = kwargs.pop("deadline", None)
        domain = kwargs.pop("domain", None)
        return d.IssueCreditsDecision(
            domain=domain or self.domain(),
            nonce=int(self.joint.nonce()) if nonce is None else nonce,
            deadline=self.deadline() if deadline is None else deadline,
            issuance=self.issuance("VN001", allocations, **kwargs),
        )

    def submit(self, decision: d.Decision, signatures: Sequence[d.MemberSignature]) -> Any:
        """Submits a decision with its signatures (sorted) to the VN committee."""
        name, args = decision.contract_call(signatures)
        return getattr(self.joint, name)(*args, sender=self.submitter)

    def submit_raw(self, decision: d.Decision, signatures: Sequence[tuple[str, bytes]]) -> Any:
        """Submits with signature tuples exactly as given (order, bytes): for refusal tests."""
        name, args = decision.contract_call([])
        return getattr(self.joint, name)(*args[:3], list(signatures), sender=self.submitter)


def sign(decision: d.Decision, *members: LocalAccount) -> list[d.MemberSignature]:
    """Signatures of ``members`` over ``decision``, sorted by signer."""
    return d.sort_signatures(decision.sign(m) for m in members)


def member_key(label: str) -> LocalAccount:
    """A deterministic member key (never a funded account: members only sign)."""
    return Account.from_key(keccak(text=f"jcm-registry test member {label}"))


def build_world(accounts: Any, project: Any, chain: Any) -> World:
    """Deploys and populates the world described in the module docstring."""
    base = list(accounts)[:10]
    extra = []
    for _ in range(22):
        account = accounts.generate_test_account()
        chain.set_balance(account.address, 10**21)
        extra.append(account)
    pool = iter(base[9:] + extra)
    admin, outsider, submitter = base[0], base[1], base[2]
    registrars = {JP: base[3], ID: base[4], TH: base[5], VN: base[6]}
    committees = {ID: base[7], TH: base[8]}

    registry = admin.deploy(project.JCMRegistry, admin, URI)
    projects = project.JCMProjects.at(registry.projects())

    japan_members = [member_key(f"JP-{i}") for i in range(3)]
    partner_members = [member_key(f"VN-{i}") for i in range(2)]
    joint = admin.deploy(
        project.JointCommittee,
        registry,
        VN,
        ([m.address for m in japan_members], [m.address for m in partner_members], 2, 1),
    )

    registry.addCountry(ID, committees[ID], sender=admin)
    registry.addCountry(TH, committees[TH], sender=admin)
    registry.addCountry(VN, joint, sender=admin)
    for code, registrar in registrars.items():
        registry.grantRole(registry.registrarRole(code), registrar, sender=admin)

    sides: dict[bytes, Side] = {}
    for code, companies in ((JP, 3), (ID, 2), (TH, 2), (VN, 2)):
        sides[code] = Side(
            code=code,
            registrar=registrars[code],
            retirement=next(pool),
            cancellation=next(pool),
            companies=[next(pool) for _ in range(companies)],
            government=next(pool),
            sinks_opened=code != TH,
        )
    for code, side in sides.items():
        name = code.decode()
        for i, company in enumerate(side.companies):
            registry.openAccount(
                company, code, AccountKind.HOLDING, f"{name} Company {i}", sender=side.registrar
            )
        registry.openAccount(
            side.government,
            code,
            AccountKind.GOVERNMENT,
            f"Government of {name}",
            sender=side.registrar,
        )
        if side.sinks_opened:
            registry.openAccount(
                side.retirement,
                code,
                AccountKind.RETIREMENT,
                f"{name} retirement",
                sender=side.registrar,
            )
            registry.openAccount(
                side.cancellation,
                code,
                AccountKind.CANCELLATION,
                f"{name} cancellation",
                sender=side.registrar,
            )

    for ref, country in (("ID012", ID), ("ID013", ID), ("TH001", TH)):
        projects.registerProject(
            project_registration(ref, country).as_tuple(), sender=committees[country]
        )
    world = World(
        registry=registry,
        projects=projects,
        admin=admin,
        outsider=outsider,
        submitter=submitter,
        sides=sides,
        committees=committees,
        joint=joint,
        japan_members=japan_members,
        partner_members=partner_members,
        spare=list(pool),
    )
    decision = d.RegisterProjectDecision(
        domain=world.domain(),
        nonce=0,
        deadline=world.deadline(),
        project=project_registration("VN001", VN),
    )
    world.submit(decision, sign(decision, japan_members[0], japan_members[1], partner_members[0]))
    return world


def project_registration(ref: str, country: bytes, **overrides: Any) -> d.ProjectRegistration:
    """A project registration with document hashes derived from the reference."""
    values: dict[str, Any] = {
        "ref": ref,
        "country": country.decode(),
        "title": f"Project {ref}",
        "methodology": f"{country.decode()}_AM001",
        "pdd_hash": keccak(text=f"{ref}/pdd"),
        "validation_report_hash": keccak(text=f"{ref}/validation"),
    }
    values.update(overrides)
    return d.ProjectRegistration(**values)
