"""The deployed world the fuzz and attack tests act on, through ``harness`` (raw JSON-RPC).

Three registry sides: ``JP`` and two partners, ``ID`` and ``TH``, each partner with a real
``JointCommittee`` and its own registry authority (``authorities``; ``admin`` is Japan's): Japan's
authority proposed each partner through ``JCMGovernance``, the partner's accepted, and each
authority granted its own side's registrar. Each side has a registrar, its retirement and
cancellation accounts, two company holding accounts and a government holding account. Both
committees start with the *same* three Japanese members (threshold 2), as Japan's officials sit
on many joint committees, and two partner members of their own (threshold 1): only the EIP-712
domain (chain id, committee address) and the nonce tell their decisions apart. Projects ``ID001``
and ``TH001`` are registered by real decisions.

Member keys are deterministic and unfunded: members only sign, offline, with
``registry_client.decisions``; anyone submits. One more Japanese "member" is available as a contract
wallet (``ReentrantMember``, honest by default) owned by its own key.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from registry_client import decisions as d
from registry_client.models import AccountKind
from registry_client.settings import DEFAULT_METADATA_URI

from .harness import (
    Artifact,
    Contract,
    ErrorBook,
    Outcome,
    Rpc,
    actor,
    checksum,
    deploy,
    send_and_decode,
)

JP = b"JP"
ID = b"ID"
TH = b"TH"
PARTNERS = (ID, TH)
SIDES = (JP, ID, TH)

#: Contracts the tests deploy (Ape compiles them).
CONTRACT_NAMES = (
    "JCMRegistry",
    "JCMProjects",
    "JCMGovernance",
    "JointCommittee",
    "JCMArticle6",
    "ReentrantMember",
    "ContractAccountHolder",
)
URI = DEFAULT_METADATA_URI
#: 2023-01-01T00:00:00Z: where the first monitoring periods start.
BASE_TIME = 1_672_531_200
DAY = 86_400
#: 2100-01-01: a deadline that never passes during a test.
FAR_DEADLINE = 4_102_444_800
DEFAULT_ADMIN_ROLE = b"\x00" * 32
#: The pause every fuzz and attack pause declares (the chain never advances that far in a run).
PAUSE_SECONDS = 86_400


def member_key(label: str) -> LocalAccount:
    """A deterministic committee member key."""
    key: LocalAccount = Account.from_key(keccak(text=f"jcm-registry proof member {label}"))
    return key


@dataclass(frozen=True)
class Member:
    """A committee member: an externally owned key, or a contract wallet and the key it accepts."""

    address: str
    key: LocalAccount

    @property
    def is_wallet(self) -> bool:
        """Whether the member is a contract wallet (ERC-1271)."""
        return self.address != self.key.address

    def sign(self, decision: d.Decision) -> d.MemberSignature:
        """The member's signature over ``decision`` (a wallet's carries its owner's ECDSA)."""
        signature = decision.sign(self.key)
        if not self.is_wallet:
            return signature
        return d.MemberSignature(
            signer=self.address, signature=signature.signature, digest=signature.digest
        )


@dataclass
class Side:
    """The accounts of one registry side."""

    code: bytes
    registrar: str
    retirement: str
    cancellation: str
    holders: list[str]


@dataclass
class World:
    """Everything deployed, and helpers to act on it."""

    rpc: Rpc
    errors: ErrorBook
    artifacts: dict[str, Artifact]
    admin: str  # Japan's registry authority
    authorities: dict[bytes, str]
    outsider: str
    submitter: str
    registry: Contract
    projects: Contract
    governance: Contract
    article6: Contract
    committees: dict[bytes, Contract]
    sides: dict[bytes, Side]
    japan_pool: list[Member]
    partner_pools: dict[bytes, list[Member]]
    wallet: Contract
    chain_id: int
    members_by_address: dict[str, Member] = field(default_factory=dict)
    #: digests of the decisions ``decide`` executed that the committee records by digest (a replay
    #: of the others fails by their own effect)
    executed: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for member in (
            *self.japan_pool,
            *(m for pool in self.partner_pools.values() for m in pool),
        ):
            self.members_by_address[member.address] = member

    # --- plumbing ---------------------------------------------------------------------------------

    def contracts(self) -> list[Contract]:
        """The registry, the projects, governance and Article 6 contracts, and the committees."""
        return [
            self.registry,
            self.projects,
            self.governance,
            self.article6,
            *self.committees.values(),
        ]

    def contract(self, name: str, address: str) -> Contract:
        """A handle on a deployed contract of a known kind."""
        return Contract(self.rpc, address, self.artifacts[name].abi, self.errors, name)

    def deploy(self, name: str, *args: Any, sender: str | None = None) -> Contract:
        """Deploys one of ``CONTRACT_NAMES``."""
        return deploy(self.rpc, self.errors, self.artifacts[name], sender or self.admin, *args)

    def send_raw(self, sender: str, to: str, data: bytes, trace: bool = False) -> Outcome:
        """Sends arbitrary calldata."""
        return send_and_decode(self.rpc, self.errors, sender, to, data, trace)

    def role(self, side: bytes) -> bytes:
        """The registrar role of a side."""
        return bytes(self.registry.call("registrarRole", side))

    def authority_role(self, side: bytes) -> bytes:
        """The registry authority role of a side."""
        return bytes(self.registry.call("authorityRole", side))

    # --- committees -------------------------------------------------------------------------------

    def domain(
        self, country: bytes, *, chain_id: int | None = None, committee: str | None = None
    ) -> d.CommitteeDomain:
        """The EIP-712 domain of a country's committee (or of another chain or contract)."""
        return d.CommitteeDomain(
            chain_id=self.chain_id if chain_id is None else chain_id,
            committee=committee or self.committees[country].address,
        )

    def nonce(self, country: bytes) -> int:
        """A committee's current nonce (membership epoch)."""
        return int(self.committees[country].call("nonce"))

    def current_members(self, country: bytes) -> tuple[list[Member], list[Member], int, int]:
        """A committee's current members (as ``Member``s) and thresholds, read from the chain."""
        japan, partner, japan_threshold, partner_threshold = self.committees[country].call(
            "members"
        )
        return (
            [self.members_by_address[checksum(a)] for a in japan],
            [self.members_by_address[checksum(a)] for a in partner],
            int(japan_threshold),
            int(partner_threshold),
        )

    def quorum(self, country: bytes) -> list[Member]:
        """Exactly the threshold of current members on each side (the first ones listed)."""
        japan, partner, japan_threshold, partner_threshold = self.current_members(country)
        return japan[:japan_threshold] + partner[:partner_threshold]

    @staticmethod
    def sign(decision: d.Decision, members: Iterable[Member]) -> list[d.MemberSignature]:
        """Signatures of ``members`` over ``decision``, sorted by signer (as the contract needs)."""
        return d.sort_signatures(m.sign(decision) for m in members)

    def submit(
        self,
        country: bytes,
        decision: d.Decision,
        signatures: Sequence[d.MemberSignature | tuple[str, bytes]],
        sender: str | None = None,
        *,
        committee: Contract | None = None,
    ) -> Outcome:
        """Submits a decision with signatures exactly in the given order (no re-sorting)."""
        entries = [s.as_tuple() if isinstance(s, d.MemberSignature) else s for s in signatures]
        name, args = decision.contract_call([])
        target = committee or self.committees[country]
        return target.transact(name, *args[:3], entries, sender=sender or self.submitter)

    def decide(
        self, country: bytes, decision: d.Decision, members: Iterable[Member] | None = None
    ) -> Outcome:
        """Signs with ``members`` (default: a quorum) and submits."""
        chosen = self.quorum(country) if members is None else list(members)
        outcome = self.submit(country, decision, self.sign(decision, chosen))
        if outcome.ok and decision.recorded_by_digest:
            self.executed.append(decision.digest_hex)
        return outcome

    def registration(
        self, country: bytes, ref: str, project_country: bytes | None = None, **overrides: Any
    ) -> d.RegisterProjectDecision:
        """A decision of ``country``'s committee registering project ``ref`` of ``project_country``
        (default: the same country), with document hashes derived from the reference."""
        values: dict[str, Any] = {
            "ref": ref,
            "country": (project_country or country).decode(),
            "title": f"Project {ref}",
            "methodology": f"{country.decode()}_AM001",
            "pdd_hash": keccak(text=f"{ref}/pdd"),
            "validation_report_hash": keccak(text=f"{ref}/validation"),
        }
        deadline = overrides.pop("deadline", FAR_DEADLINE)
        nonce = overrides.pop("nonce", None)
        values.update(overrides)
        return d.RegisterProjectDecision(
            domain=self.domain(country),
            nonce=self.nonce(country) if nonce is None else nonce,
            deadline=deadline,
            project=d.ProjectRegistration(**values),
        )

    def issuance_decision(
        self,
        country: bytes,
        ref: str,
        allocations: Sequence[tuple[str, int]],
        *,
        label: str | None = None,
        start: int | None = None,
        days: int = 30,
        authorization: int = d.Authorization.NONE,
        verified: int | None = None,
        nonce: int | None = None,
        deadline: int = FAR_DEADLINE,
        domain: d.CommitteeDomain | None = None,
        decision_ref: str | None = None,
        report: str | None = None,
    ) -> d.IssueCreditsDecision:
        """An issuance decision for the project's next monitoring period (or from ``start``),
        citing verification report ``report`` (a hash; by default one of its own)."""
        info = self.projects.call("projectInfo", ref)
        batches, last_end = int(info[8]), int(info[7])
        if start is None:
            start = last_end + 1 if batches else BASE_TIME
        quantity = sum(amount for _, amount in allocations)
        issuance = d.Issuance(
            decision_id=d.decision_id(decision_ref or label or f"{ref}/issuance/{batches + 1}"),
            decision_ref=decision_ref or label or f"{ref}/issuance/{batches + 1}",
            project_ref=ref,
            monitoring_start=start,
            monitoring_end=start + days * DAY,
            vintage=2023,
            quantity=quantity,
            verified_reductions=quantity if verified is None else verified,
            verification_report_hash=report
            or "0x" + keccak(text=f"{ref}/report/{label or batches + 1}").hex(),
            authorization=d.Authorization(authorization),
            authorization_id="ITMO-AUTH-1" if authorization else "",
            authorization_date=BASE_TIME if authorization else 0,
            allocations=tuple(d.Allocation(account=a, amount=n) for a, n in allocations),
        )
        return d.IssueCreditsDecision(
            domain=domain or self.domain(country),
            nonce=self.nonce(country) if nonce is None else nonce,
            deadline=deadline,
            issuance=issuance,
        )

    def authorization_decision(
        self,
        country: bytes,
        batch_id: int,
        authorization: int,
        *,
        label: str = "LoA",
        date: int = BASE_TIME,
        nonce: int | None = None,
    ) -> d.SetAuthorizationDecision:
        """A decision of ``country``'s partner members setting a batch's Article 6 authorization."""
        return d.SetAuthorizationDecision(
            domain=self.domain(country),
            nonce=self.nonce(country) if nonce is None else nonce,
            deadline=FAR_DEADLINE,
            authorization=d.BatchAuthorization(
                batch_id=batch_id,
                authorization=d.Authorization(authorization),
                authorization_id=f"{country.decode()}-{label}",
                authorization_date=date,
            ),
        )

    def partner_quorum(self, country: bytes) -> list[Member]:
        """Exactly the partner side's threshold of current members (an authorization needs no
        more)."""
        _, partner, _, partner_threshold = self.current_members(country)
        return partner[:partner_threshold]

    def issue(
        self, country: bytes, ref: str, allocations: Sequence[tuple[str, int]], **kwargs: Any
    ) -> int:
        """Issues through the committee with a quorum; returns the new batch id."""
        self.decide(
            country, self.issuance_decision(country, ref, allocations, **kwargs)
        ).expect_ok()
        return int(self.registry.call("batchCount"))

    def correction_decision(
        self,
        country: bytes,
        account: str,
        batch_id: int,
        first: int,
        last: int,
        *,
        label: str,
        nonce: int | None = None,
    ) -> d.CorrectCreditsDecision:
        """A correction decision."""
        return d.CorrectCreditsDecision(
            domain=self.domain(country),
            nonce=self.nonce(country) if nonce is None else nonce,
            deadline=FAR_DEADLINE,
            correction=d.Correction(
                decision_id=d.decision_id(label),
                account=account,
                batch_id=batch_id,
                first_serial=first,
                last_serial=last,
            ),
        )

    def membership_decision(
        self,
        country: bytes,
        japan: Sequence[Member],
        partner: Sequence[Member],
        japan_threshold: int,
        partner_threshold: int,
        *,
        nonce: int | None = None,
    ) -> d.ChangeMembersDecision:
        """A membership change decision."""
        return d.ChangeMembersDecision(
            domain=self.domain(country),
            nonce=self.nonce(country) if nonce is None else nonce,
            deadline=FAR_DEADLINE,
            change=d.MembershipChange(
                japan_members=tuple(m.address for m in japan),
                partner_members=tuple(m.address for m in partner),
                japan_threshold=japan_threshold,
                partner_threshold=partner_threshold,
            ),
        )

    # --- accounts ---------------------------------------------------------------------------------

    def open_account(
        self, side: bytes, address: str, kind: int = AccountKind.HOLDING, name: str = ""
    ) -> None:
        """Opens an account as the side's registrar."""
        self.rpc.fund(address)
        self.registry.transact(
            "openAccount",
            address,
            side,
            int(kind),
            name or f"{side.decode()} {address[:10]}",
            sender=self.sides[side].registrar,
        ).expect_ok()

    def balance(self, account: str, batch_id: int) -> int:
        """ERC-1155 balance."""
        return int(self.registry.call("balanceOf", account, batch_id))

    def ranges(self, account: str, batch_id: int) -> list[tuple[int, int]]:
        """A holding's serial ranges."""
        return [(int(a), int(b)) for a, b in self.registry.call("holdingRanges", account, batch_id)]


def build_world(rpc: Rpc, artifacts: dict[str, Artifact]) -> World:
    """Deploys and populates the world described in the module docstring."""
    errors = ErrorBook(a.abi for a in artifacts.values())
    rpc.impersonate_all(True)
    admin, outsider, submitter = actor("admin"), actor("outsider"), actor("submitter")
    authorities = {JP: admin, **{code: actor(f"{code.decode()} authority") for code in PARTNERS}}
    rpc.fund(outsider, submitter, *authorities.values())

    registry = deploy(rpc, errors, artifacts["JCMRegistry"], admin, admin, URI)
    projects = Contract(
        rpc, registry.call("projects"), artifacts["JCMProjects"].abi, errors, "JCMProjects"
    )
    governance = Contract(
        rpc, registry.call("governance"), artifacts["JCMGovernance"].abi, errors, "JCMGovernance"
    )
    article6 = Contract(
        rpc, registry.call("article6"), artifacts["JCMArticle6"].abi, errors, "JCMArticle6"
    )

    japan_keys = [member_key(f"JP-{i}") for i in range(5)]
    wallet_owner = member_key("JP-wallet-owner")
    wallet = deploy(rpc, errors, artifacts["ReentrantMember"], admin, wallet_owner.address)
    japan_pool = [Member(k.address, k) for k in japan_keys] + [Member(wallet.address, wallet_owner)]
    partner_pools = {
        code: [Member(k.address, k) for k in (member_key(f"{code.decode()}-{i}") for i in range(4))]
        for code in PARTNERS
    }

    committees: dict[bytes, Contract] = {}
    for code in PARTNERS:
        committees[code] = deploy(
            rpc,
            errors,
            artifacts["JointCommittee"],
            admin,
            registry.address,
            code,
            (
                [m.address for m in japan_pool[:3]],
                [m.address for m in partner_pools[code][:2]],
                2,
                1,
            ),
        )
        committee = committees[code].address
        governance.transact(
            "proposeCountry", code, committee, authorities[code], sender=admin
        ).expect_ok()
        governance.transact("acceptCountry", code, committee, sender=authorities[code]).expect_ok()

    sides: dict[bytes, Side] = {}
    for code in SIDES:
        name = code.decode()
        side = Side(
            code=code,
            registrar=actor(f"{name} registrar"),
            retirement=actor(f"{name} retirement"),
            cancellation=actor(f"{name} cancellation"),
            holders=[
                actor(f"{name} company 0"),
                actor(f"{name} company 1"),
                actor(f"{name} government"),
            ],
        )
        rpc.fund(side.registrar, side.retirement, side.cancellation, *side.holders)
        role = bytes(registry.call("registrarRole", code))
        registry.transact("grantRole", role, side.registrar, sender=authorities[code]).expect_ok()
        opened = (
            (side.holders[0], AccountKind.HOLDING, f"{name} Company 0"),
            (side.holders[1], AccountKind.HOLDING, f"{name} Company 1"),
            (side.holders[2], AccountKind.GOVERNMENT_HOLDING, f"Government of {name}"),
            (side.retirement, AccountKind.RETIREMENT, f"{name} retirement account"),
            (side.cancellation, AccountKind.CANCELLATION, f"{name} cancellation account"),
        )
        for address, kind, holder_name in opened:
            registry.transact(
                "openAccount", address, code, int(kind), holder_name, sender=side.registrar
            ).expect_ok()
        sides[code] = side

    world = World(
        rpc=rpc,
        errors=errors,
        artifacts=artifacts,
        admin=admin,
        authorities=authorities,
        outsider=outsider,
        submitter=submitter,
        registry=registry,
        projects=projects,
        governance=governance,
        article6=article6,
        committees=committees,
        sides=sides,
        japan_pool=japan_pool,
        partner_pools=partner_pools,
        wallet=wallet,
        chain_id=rpc.chain_id(),
    )
    for code in PARTNERS:
        world.decide(code, world.registration(code, f"{code.decode()}001")).expect_ok()
    return world
