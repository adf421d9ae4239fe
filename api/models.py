"""Response models of the query API (pydantic v2); their JSON Schemas are the OpenAPI document's.

Every entity carries a :class:`Proof`: the block, transaction hash and log index of the event it
comes from, so anyone can check it against the chain (``eth_getTransactionReceipt``).
Quantities are whole credits (tonnes CO2e); times are UTC; enums are snake-case names
(``government_holding``, ``ndc_and_other_purposes``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Generic, Literal, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field

from registry_client.domain import (
    AccountKind,
    AccountStatus,
    Authorization,
    CancellationReason,
    DecisionKind,
    FirstTransferDefinition,
    KeyOf,
    MemberSide,
    RetirementPurpose,
    SerialLocation,
)

T = TypeVar("T")

AccountKindName = Annotated[str, KeyOf(AccountKind, without=AccountKind.NONE)]
AccountStatusName = Annotated[str, KeyOf(AccountStatus, without=AccountStatus.NONE)]
AuthorizationName = Annotated[str, KeyOf(Authorization)]
DefinitionName = Annotated[str, KeyOf(FirstTransferDefinition)]
PurposeName = Annotated[str, KeyOf(RetirementPurpose)]
ReasonName = Annotated[str, KeyOf(CancellationReason)]
MovementKind = Literal[
    "issuance", "transfer", "international_transfer", "retirement", "cancellation", "correction"
]
MOVEMENT_KINDS: tuple[str, ...] = get_args(MovementKind)
"""Every kind of movement the index records, in the order pages and reports list them."""
# The index knows which record consumed a serial, so it never answers the ledger's CONSUMED.
Location = Annotated[
    str, KeyOf(SerialLocation, without=(SerialLocation.UNISSUED, SerialLocation.CONSUMED))
]

ChainTime = Annotated[
    datetime | int,
    Field(
        description="a date the event states: ISO 8601 time, or unix seconds (an integer) when it "
        "lies beyond 9999-12-31, which a uint64 allows"
    ),
]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class Proof(_Out):
    """The event that proves an entity: where it is on the chain."""

    block_number: int
    block_hash: str
    tx_hash: str
    log_index: int
    timestamp: datetime


class Page(_Out, Generic[T]):
    """One page of a list: ``items`` from ``offset``, at most ``limit``, of ``total`` matches."""

    items: list[T]
    total: int
    limit: int
    offset: int


class Quantities(_Out):
    """Credits issued, still held in accounts, retired and cancelled (issued = held + retired +
    cancelled for batches)."""

    issued: int
    held: int
    retired: int
    cancelled: int


class SerialRangeOut(_Out):
    """An inclusive block of serials, with its serial block id when it has one."""

    first: int
    last: int
    quantity: int
    block_id: str | None = None


class ProvenRange(SerialRangeOut):
    """A range of a holding, with the event that left it as it is."""

    proof: Proof


# -- countries and committees ------------------------------------------------------------------


class CommitteeMemberOut(_Out):
    """A member of a joint committee."""

    address: str
    side: Annotated[str, KeyOf(MemberSide, without=MemberSide.NONE)]


class CommitteeOut(_Out):
    """A joint committee's current membership (absent when the committee address emits no
    ``MembersChanged``, e.g. an account acting as committee)."""

    address: str
    nonce: int
    japan_members: list[str]
    partner_members: list[str]
    japan_threshold: int
    partner_threshold: int
    proof: Proof


class CommitteeAssignmentOut(_Out):
    """The address acting as the country's committee from this event on."""

    committee: str
    previous: str | None
    proof: Proof


class DecisionOut(_Out):
    """A joint-committee decision executed on chain."""

    committee: str
    digest: str
    kind: Annotated[str, KeyOf(DecisionKind)]
    nonce: int
    submitter: str
    signers: list[str]
    proof: Proof


class CountryProposalOut(_Out):
    """Japan's authority's proposal that a country join (``CountryProposed``): ``pending`` until
    the partner authority it names accepts, then ``accepted``; ``replaced`` by a later proposal."""

    country: str
    committee: str
    authority: str = Field(description="the partner authority that may accept it")
    status: Literal["pending", "accepted", "replaced"]
    proof: Proof


class PauseOut(_Out):
    """An emergency pause started by a side's authority (``until`` its deadline), or lifted early
    by it (``until`` the time it ended)."""

    kind: Literal["started", "lifted"]
    side: str
    authority: str
    until: ChainTime
    proof: Proof


class PauseState(_Out):
    """Whether holders' transfers, retirements and cancellations are paused now; committee
    decisions execute either way."""

    paused: bool
    side: str | None = Field(description="the side whose authority paused (the last pause)")
    until: ChainTime | None = Field(description="when the last pause ends or ended")
    last: PauseOut | None = Field(description="the last pause event, if any")


RoleName = Literal["registrar", "authority"]


class RoleHolderOut(_Out):
    """An account holding a registry side's role now (granted by the event in ``proof``)."""

    role: RoleName
    side: str
    account: str
    granted_by: str
    proof: Proof


class GovernanceOut(_Out):
    """The bilateral governance now: the pause, proposals awaiting acceptance, each side's
    authorities and registrars."""

    pause: PauseState
    pending_proposals: list[CountryProposalOut]
    roles: list[RoleHolderOut]


class CountryOut(_Out):
    """A partner country (a registry side besides ``JP``) and its joint committee."""

    code: str
    committee: str
    membership: CommitteeOut | None
    quantities: Quantities
    projects: int
    proof: Proof


class CountryDetail(CountryOut):
    """A partner country with its committee history and executed decisions."""

    committee_history: list[CommitteeAssignmentOut]
    decisions: list[DecisionOut]
    proposal: CountryProposalOut | None = Field(
        description="Japan's proposal the partner accepted (none for countries added otherwise)"
    )
    authorities: list[str] = Field(description="who holds the side's registry authority now")
    first_transfer_definition: DefinitionName = Field(
        description="what first-transfers an authorized unit in its cooperative approach"
    )


# -- projects and batches ----------------------------------------------------------------------


class ProjectOut(_Out):
    """A registered project."""

    ref: str
    project_key: str
    country: str
    title: str
    methodology: str
    pdd_hash: str
    validation_report_hash: str
    registered_at: datetime
    batch_count: int
    last_monitoring_end: ChainTime | None
    quantities: Quantities
    proof: Proof


class BatchOut(_Out):
    """A batch (one issuance) with its conservation figures."""

    id: int
    project_ref: str
    country: str
    vintage: int
    monitoring_start: ChainTime
    monitoring_end: ChainTime
    quantity: int
    verified_reductions: int
    first_serial: int
    last_serial: int
    decision_id: str
    decision_ref: str = Field(description="the joint committee's decision reference")
    verification_report_hash: str
    authorization: AuthorizationName = Field(
        description="the current Article 6 authorization: the last decision of the authorizing "
        "party, else the issuance decision's"
    )
    authorization_id: str
    authorization_date: ChainTime | None
    issued_at: datetime
    internationally_transferred: bool
    quantities: Quantities
    proof: Proof
    ledger_log_index: int = Field(
        description="log index of the ledger's first mint of the batch (the TransferSingle of its "
        "first allocation)"
    )


class AuthorizationChangeOut(_Out):
    """The authorizing party's decision on a batch's Article 6 authorization (``AuthorizationSet``):
    recorded (previous ``none``), amended, or revoked (``authorization`` ``none``)."""

    previous: AuthorizationName
    authorization: AuthorizationName
    authorization_id: str
    authorization_date: ChainTime | None
    proof: Proof


class FirstTransferOut(_Out):
    """Serials first transferred together (Article 6.2), exactly as the chain recorded them."""

    batch_id: int
    first: int
    last: int
    quantity: int
    from_party: str = Field(description="the first transferring party: the batch's host country")
    to_party: str | None = Field(
        description="the acquiring party's registry; none when the definition names no acquirer"
    )
    trigger: DefinitionName = Field(description="what first-transferred them")
    proof: Proof


class ProjectDetail(ProjectOut):
    """A project with its batches."""

    batches: list[BatchOut]


class BatchHolder(_Out):
    """An account holding credits of a batch."""

    account: str
    holder_name: str
    side: str
    kind: AccountKindName
    balance: int
    proof: Proof


class BatchDetail(BatchOut):
    """A batch with its current holders, its issuance allocations and its Article 6 record."""

    holders: list[BatchHolder]
    allocations: list[Movement]
    authorization_history: list[AuthorizationChangeOut] = Field(
        description="the authorizing party's decisions after the issuance, oldest first"
    )
    first_transfers: Page[FirstTransferOut] = Field(
        description="its serials first transferred, by serial (limit/offset)"
    )


# -- accounts and holdings ---------------------------------------------------------------------


class AccountOut(_Out):
    """Public information about an account, as the JCM registry publishes it."""

    address: str
    side: str
    kind: AccountKindName
    holder_name: str
    status: AccountStatusName
    opened_at: datetime
    registrar: str
    balance: int = Field(description="credits held (retirement/cancellation accounts: consumed)")
    batches: int = Field(description="batches with a non-zero balance")
    proof: Proof


class StatusChange(_Out):
    """An account frozen, unfrozen or closed."""

    status: AccountStatusName
    registrar: str
    proof: Proof


class AccountDetail(AccountOut):
    """An account with its status history."""

    status_history: list[StatusChange]


class HoldingOut(_Out):
    """An account's credits of one batch: the balance and the exact serial ranges."""

    account: str
    batch_id: int
    project_ref: str
    country: str
    vintage: int
    balance: int
    ranges: list[ProvenRange] = Field(
        description="sorted, disjoint, adjacent ranges merged, as holdingRanges returns; empty for "
        "retirement and cancellation accounts, whose serials are in their records"
    )
    proof: Proof


# -- movements ---------------------------------------------------------------------------------


class Movement(_Out):
    """One movement of credits (one event)."""

    kind: MovementKind
    batch_id: int
    project_ref: str
    vintage: int
    from_account: str | None
    to_account: str
    from_side: str | None
    to_side: str
    from_name: str | None = Field(default=None, description="the sending account's holder name")
    to_name: str | None = Field(default=None, description="the receiving account's holder name")
    quantity: int
    ranges: list[SerialRangeOut]
    first_international: bool
    record_id: int | None = Field(description="the retirement or cancellation id")
    proof: Proof


class EventOut(_Out):
    """A decoded log as emitted."""

    name: str
    address: str
    log_index: int
    args: dict[str, object]


class TransactionOut(_Out):
    """Everything one transaction did to the registry."""

    tx_hash: str
    block_number: int
    block_hash: str
    timestamp: datetime
    movements: list[Movement]
    events: list[EventOut]


# -- serials -----------------------------------------------------------------------------------


class Whereabouts(_Out):
    """Where part of the asked serials is now."""

    first: int
    last: int
    quantity: int
    location: Location
    account: str
    holder_name: str
    side: str
    record_id: int | None
    block_id: str | None
    proof: Proof


class BatchRef(_Out):
    """The batch of the asked serials."""

    id: int
    project_ref: str
    country: str
    vintage: int
    first_serial: int
    last_serial: int
    authorization: AuthorizationName


class SerialLookup(_Out):
    """Where serials are now and every movement that brought them there."""

    query: str
    first: int
    last: int
    quantity: int
    batch: BatchRef
    whereabouts: list[Whereabouts] = Field(
        description="one page (limit/offset) of where the serials are, by serial"
    )
    whereabouts_total: int = Field(description="how many pieces the whereabouts have in all")
    movements: Page[Movement]
    first_transfers: list[FirstTransferOut] = Field(
        default_factory=list,
        description="whether, when, from and to which party the asked serials were first "
        "transferred (one page, limit/offset; none: never first transferred)",
    )


# -- retirements and cancellations -------------------------------------------------------------


class RetirementOut(_Out):
    """A retirement (無効化): its certificate's content."""

    id: int
    batch_id: int
    project_ref: str
    project_title: str
    country: str
    vintage: int
    account: str
    holder_name: str
    retirement_account: str
    side: str
    using_party: str
    purpose: PurposeName
    quantity: int
    beneficiary: str
    note: str
    retired_at: datetime
    ranges: list[SerialRangeOut]
    certificate_url: str
    proof: Proof


class CancellationOut(_Out):
    """A cancellation (取消); ``decision_id`` names the committee decision of a correction."""

    id: int
    batch_id: int
    project_ref: str
    vintage: int
    account: str
    holder_name: str
    cancellation_account: str
    side: str
    reason: ReasonName
    quantity: int
    decision_id: str | None
    note: str
    cancelled_at: datetime
    ranges: list[SerialRangeOut]
    proof: Proof


# -- statistics and reports --------------------------------------------------------------------


class CountryQuantities(Quantities):
    """Quantities of one partner country's batches."""

    country: str


class VintageQuantities(Quantities):
    """Quantities of one vintage."""

    vintage: int


class SideQuantities(_Out):
    """Quantities recorded on one registry side: issued to its accounts, held in its holding
    accounts, retired and cancelled by its accounts, transferred in and out internationally."""

    side: str
    issued: int
    held: int
    retired: int
    cancelled: int
    transferred_in: int
    transferred_out: int


class Counts(_Out):
    """How many of each entity the index holds."""

    countries: int
    projects: int
    batches: int
    accounts: int
    transactions: int
    retirements: int
    cancellations: int


class Stats(_Out):
    """Registry-wide totals."""

    totals: Quantities
    by_country: list[CountryQuantities]
    by_vintage: list[VintageQuantities]
    by_side: list[SideQuantities]
    counts: Counts
    indexed_block: int


class AccountTypeRow(_Out):
    """Accounts of one kind on one side and the credits in them."""

    side: str
    kind: AccountKindName
    accounts: int
    quantity: int


class AccountTypeReport(_Out):
    """Quantities per account type (口座種別ごとの数量), as Japan's JCM registry publishes."""

    indexed_block: int
    rows: list[AccountTypeRow]
    totals: list[AccountTypeRow] = Field(description="per kind, all sides together (side '*')")


class AnnualRow(_Out):
    """Transactions of one kind on one side during the year."""

    side: str
    kind: MovementKind
    transactions: int
    quantity: int


class AnnualReport(_Out):
    """The annual transaction summary (年次報告): transactions per kind and side during the year
    (UTC), and the quantities per account type at the year's end."""

    year: int
    start: datetime
    end: datetime
    complete: bool = Field(description="whether the index has reached the end of the year")
    transactions: list[AnnualRow]
    year_end: list[AccountTypeRow]


# -- health ------------------------------------------------------------------------------------


class CommitteeAddress(_Out):
    """A partner country's current committee address."""

    country: str
    committee: str


class Health(_Out):
    """What the API serves, so anyone can check it against the chain itself."""

    status: Literal["ok", "lagging", "catching_up", "chain_unreachable", "empty"] = Field(
        description="``catching_up``: the indexer is applying a long history with the API's "
        "secondary indexes set aside (every answer is correct, look-ups are slower) and builds "
        "them when it is done"
    )
    node: str | None = Field(
        default=None,
        description="The node the index follows, as scheme and host only (never credentials, "
        "path or query).",
    )
    chain_id: int | None
    registry: str | None
    projects: str | None
    committees: list[CommitteeAddress]
    paused: bool
    chain_head: int | None
    indexed_block: int
    indexed_block_hash: str | None
    lag: int | None
    error: str | None


class Problem(BaseModel):
    """An error (RFC 9457 problem details, ``application/problem+json``)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str


BatchDetail.model_rebuild()
