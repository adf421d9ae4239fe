"""Typed models of everything the JCM registry contracts accept and return.

The contracts speak in tuples of integers, ``bytes2`` country codes and unix timestamps; the models
speak the registry's words. Conventions, applied everywhere:

- Addresses are EIP-55 checksummed strings.
- Registry sides and countries are two-letter strings (``"JP"``, ``"ID"``), not ``bytes2``.
- Hashes and decision ids are ``0x``-prefixed 32-byte hex strings.
- Times are timezone-aware UTC ``datetime`` values; a zero timestamp (never set) is ``None``.
- Enums are ``IntEnum`` with the contracts' numbering, so a value is also its on-chain ``uint8``.

The enums, conversions and field types are those of :mod:`registry_client.domain` (one definition
each), re-exported here. This module imports nothing else from the package, so every other module
may import it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from registry_client.domain import (
    JAPAN as JAPAN,
    ZERO_ADDRESS as ZERO_ADDRESS,
    ZERO_HASH as ZERO_HASH,
    AccountKind as AccountKind,
    AccountStatus as AccountStatus,
    Address as Address,
    Authorization as Authorization,
    CancellationReason as CancellationReason,
    DecisionKind as DecisionKind,
    FirstTransferDefinition as FirstTransferDefinition,
    Hash32 as Hash32,
    MemberSide as MemberSide,
    RetirementPurpose as RetirementPurpose,
    SerialLocation as SerialLocation,
    Side as Side,
    Timestamp as Timestamp,
    checksum as checksum,
    enum_field as _enum,
    from_timestamp as from_timestamp,
    hash_bytes as hash_bytes,
    hash_hex as hash_hex,
    parse_enum as parse_enum,
    side_bytes as side_bytes,
    side_code as side_code,
    to_timestamp as to_timestamp,
)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# ------------------------------------------------------------------------------------------------
# Ledger records
# ------------------------------------------------------------------------------------------------


class SerialRange(_Model):
    """An inclusive block of consecutive serial numbers ``[first, last]``."""

    first: int = Field(ge=1)
    last: int = Field(ge=1)

    @property
    def size(self) -> int:
        """The number of credits (serials) in the range."""
        return self.last - self.first + 1

    def __contains__(self, serial: object) -> bool:
        return isinstance(serial, int) and self.first <= serial <= self.last

    @classmethod
    def of(cls, value: Any) -> SerialRange:
        """Build from a web3 tuple ``(first, last)``, a mapping or a model."""
        if isinstance(value, SerialRange):
            return value
        if isinstance(value, Mapping):
            return cls(first=value["first"], last=value["last"])
        first, last = value
        return cls(first=first, last=last)


def total(ranges: Sequence[SerialRange]) -> int:
    """The number of credits in ``ranges``."""
    return sum(r.size for r in ranges)


class AccountInfo(_Model):
    """Public information about one address's account (``status`` NONE: never opened)."""

    address: Address
    kind: Annotated[AccountKind, _enum(AccountKind)]
    status: Annotated[AccountStatus, _enum(AccountStatus)]
    side: Side | None
    opened_at: Timestamp
    #: Batches of which the account holds credits now, as the ledger counts them; ``None`` for a
    #: retirement or cancellation account, whose batches the ledger does not count (it never
    #: closes): :meth:`RegistryClient.holdings` lists them.
    non_empty_holdings: int | None
    holder_name: str

    @property
    def exists(self) -> bool:
        """Whether the address was ever opened as an account."""
        return self.status != AccountStatus.NONE


class ProjectInfo(_Model):
    """A registered project."""

    ref: str
    country: Side
    title: str
    methodology: str
    pdd_hash: Hash32
    validation_report_hash: Hash32
    registered_at: Timestamp
    last_monitoring_end: Timestamp
    batch_count: int
    #: when the project's earliest monitoring period starts (0: no batch yet)
    first_monitoring_start: Timestamp


class BatchInfo(_Model):
    """One issuance (a batch): its issuance record (``BatchIssued``, verified against the hash
    ``JCMProjects`` keeps), with the authorization and international transfer flag either of the
    issuance (:meth:`RegistryClient.batch_record`) or current
    (:meth:`RegistryClient.batch_info`)."""

    id: int
    project_ref: str
    country: Side
    monitoring_start: Timestamp
    monitoring_end: Timestamp
    vintage: int
    quantity: int
    verified_reductions: int
    first_serial: int
    last_serial: int
    decision_id: Hash32
    decision_ref: str
    verification_report_hash: Hash32
    authorization: Annotated[Authorization, _enum(Authorization)]
    authorization_id: str
    authorization_date: Timestamp
    issued_at: Timestamp
    internationally_transferred: bool

    @property
    def serials(self) -> SerialRange:
        """The batch's whole serial range."""
        return SerialRange(first=self.first_serial, last=self.last_serial)


class BatchState(_Model):
    """What the ledger keeps of a batch (its Article 6 state is ``JCMArticle6``'s)."""

    country: Side
    first_serial: int
    last_serial: int


class BatchTotals(_Model):
    """Conservation figures of one batch: ``issued == held + retired + cancelled``."""

    issued: int
    held: int
    retired: int
    cancelled: int

    @property
    def conserved(self) -> bool:
        """Whether the conservation invariant holds for these figures."""
        return self.issued == self.held + self.retired + self.cancelled


class Batch(_Model):
    """A batch as a person wants to see it: issuance data and conservation totals."""

    info: BatchInfo
    totals: BatchTotals


class Holding(_Model):
    """What one account holds of one batch: sorted disjoint serial ranges and their block ids."""

    account: Address
    batch_id: int
    side: Side
    project_ref: str
    vintage: int
    balance: int
    ranges: tuple[SerialRange, ...]
    block_ids: tuple[str, ...]


class Retirement(_Model):
    """A retirement (無効化) with the exact serials it consumed."""

    id: int
    batch_id: int
    account: Address
    retirement_account: Address
    using_party: Side
    purpose: Annotated[RetirementPurpose, _enum(RetirementPurpose)]
    quantity: int
    retired_at: Timestamp
    beneficiary: str
    note: str
    ranges: tuple[SerialRange, ...]
    block_ids: tuple[str, ...] = ()


class Cancellation(_Model):
    """A cancellation (取消) with the exact serials it consumed."""

    id: int
    batch_id: int
    account: Address
    cancellation_account: Address
    reason: Annotated[CancellationReason, _enum(CancellationReason)]
    quantity: int
    cancelled_at: Timestamp
    decision_id: Hash32 | None
    note: str
    ranges: tuple[SerialRange, ...]
    block_ids: tuple[str, ...] = ()


class SerialWhereabouts(_Model):
    """Where one serial number is now.

    For a held serial ``account`` is the holder; for a retired or cancelled one it is the side's
    retirement or cancellation account and ``record_id`` the record that consumed it. ``range`` and
    ``block_id`` describe the serial block (holding range or record range) that contains the serial.
    """

    serial: int
    location: Annotated[SerialLocation, _enum(SerialLocation)]
    batch_id: int | None = None
    account: Address | None = None
    record_id: int | None = None
    side: Side | None = None
    project_ref: str | None = None
    vintage: int | None = None
    range: SerialRange | None = None
    block_id: str | None = None


# ------------------------------------------------------------------------------------------------
# Article 6 (JCMArticle6: docs/design.md §2 rule 9)
# ------------------------------------------------------------------------------------------------


class FirstTransfer(_Model):
    """Serials ``[first, last]`` of a batch first transferred together (``FirstTransferRecord``).

    ``from_party`` is always the host (the batch's partner country); ``to_party`` is the acquiring
    party's registry, or ``None`` when the definition that first-transferred them (authorization,
    issuance or cancellation for other international mitigation purposes) names no acquirer.
    """

    first: int
    last: int
    at: Timestamp
    from_party: Side
    to_party: Side | None
    trigger: Annotated[FirstTransferDefinition, _enum(FirstTransferDefinition)]

    @property
    def serials(self) -> SerialRange:
        """The range first transferred."""
        return SerialRange(first=self.first, last=self.last)


class SerialFirstTransfer(_Model):
    """Whether, when, from and to which party one serial was first transferred."""

    serial: int
    transferred: bool
    batch_id: int | None = None
    record: FirstTransfer | None = None


class BatchArticle6(_Model):
    """A batch's Article 6 state: its current authorization (the issuance's, or the last decision
    of the authorizing party), whether a batch-wide definition first-transferred it, and how many of
    its serials the host counted toward its NDC."""

    batch_id: int
    country: Side
    authorization: Annotated[Authorization, _enum(Authorization)]
    authorization_id: str
    authorization_date: Timestamp
    whole_batch_first_transferred_at: Timestamp
    first_serial: int
    last_serial: int
    host_ndc_use: int
    first_transfer_records: int
    #: a transfer between registry sides first-transferred serials of it
    internationally_transferred: bool = False


class CommitteeInfo(_Model):
    """A partner country's joint committee: members and thresholds of both sides, and its nonce."""

    country: Side
    address: Address
    japan_members: tuple[Address, ...]
    partner_members: tuple[Address, ...]
    japan_threshold: int
    partner_threshold: int
    nonce: int

    def side_of(self, member: str) -> MemberSide:
        """Which side ``member`` is on (``NONE`` for a non-member)."""
        address = checksum(member)
        if address in self.japan_members:
            return MemberSide.JAPAN
        if address in self.partner_members:
            return MemberSide.PARTNER
        return MemberSide.NONE


class SideAccounts(_Model):
    """A registry side's retirement and cancellation accounts (``None`` where not opened yet)."""

    side: Side
    retirement_account: Address | None
    cancellation_account: Address | None


class RegistryTotals(_Model):
    """Registry-wide figures, summed over every batch."""

    batches: int
    latest_serial: int
    issued: int
    held: int
    retired: int
    cancelled: int
    retirements: int
    cancellations: int
    countries: tuple[Side, ...]
    paused: bool


# ------------------------------------------------------------------------------------------------
# Deployment
# ------------------------------------------------------------------------------------------------


class Deployment(BaseModel):
    """Where a registry is deployed: the file every command reads (``deployment.json``)."""

    model_config = ConfigDict(extra="forbid")

    chain_id: int
    rpc_url: str
    registry: Address
    projects: Address
    #: ``JCMArticle6``, created and wired by the registry's constructor (absent in files written
    #: before it existed; ``JCMRegistry.article6()`` names it).
    article6: Address | None = None
    committees: dict[Side, Address] = Field(default_factory=dict)
    deployer: Address | None = None
    block_number: int = 0

    def to_json(self) -> str:
        """The deployment as indented JSON with a trailing newline."""
        return self.model_dump_json(indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Deployment:
        """Parse a deployment file's text."""
        return cls.model_validate_json(text)

    @classmethod
    def read(cls, path: str | Path) -> Deployment:
        """Read a deployment file (no error translation; see ``deployment.load_deployment``)."""
        return cls.from_json(Path(path).read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------------------------
# Transaction receipts
# ------------------------------------------------------------------------------------------------


class Receipt(_Model):
    """A mined transaction: hash, block, gas used, and who sent it to which contract."""

    tx_hash: Hash32
    block_number: int
    gas_used: int
    sender: Address
    to: Address | None = None
    contract_address: Address | None = None


class RoleReceipt(Receipt):
    """A role was granted or revoked."""

    role: str
    account: Address
    granted: bool


class PauseReceipt(Receipt):
    """The registry was paused or unpaused."""

    paused: bool


class AccountReceipt(Receipt):
    """An account was opened, frozen, unfrozen or closed."""

    account: Address
    status: Annotated[AccountStatus, _enum(AccountStatus)]


class CountryReceipt(Receipt):
    """A partner country's joining was proposed (``authority`` set) or accepted."""

    country: Side
    committee: Address
    authority: Address | None = None


class TransferReceipt(Receipt):
    """Credits moved between two holding accounts."""

    batch_id: int
    sender_account: Address
    recipient: Address
    quantity: int
    ranges: tuple[SerialRange, ...]
    international: bool
    first_international: bool


class RetirementReceipt(Receipt):
    """Credits were retired; ``retirement_id`` names the record."""

    retirement_id: int
    batch_id: int
    quantity: int
    ranges: tuple[SerialRange, ...]


class CancellationReceipt(Receipt):
    """Credits were cancelled (by a holder or a correction); ``cancellation_id`` is the record."""

    cancellation_id: int
    batch_id: int
    quantity: int
    ranges: tuple[SerialRange, ...]


class DecisionReceipt(Receipt):
    """A joint-committee decision executed; the result fields are set according to its kind."""

    digest: Hash32
    kind: Annotated[DecisionKind, _enum(DecisionKind)]
    signers: tuple[Address, ...]
    project_ref: str | None = None
    batch_id: int | None = None
    first_serial: int | None = None
    last_serial: int | None = None
    cancellation_id: int | None = None
    committee: Address | None = None
    nonce: int | None = None
    authorization: Annotated[Authorization, _enum(Authorization)] | None = None
    authorization_id: str | None = None
    first_transfer_definition: (
        Annotated[FirstTransferDefinition, _enum(FirstTransferDefinition)] | None
    ) = None
