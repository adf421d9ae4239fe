"""Typed models of everything the JCM registry contracts accept and return.

The contracts speak in tuples of integers, ``bytes2`` country codes and unix timestamps; the models
speak the registry's words. Conventions, applied everywhere:

- Addresses are EIP-55 checksummed strings.
- Registry sides and countries are two-letter strings (``"JP"``, ``"ID"``), not ``bytes2``.
- Hashes and decision ids are ``0x``-prefixed 32-byte hex strings.
- Times are timezone-aware UTC ``datetime`` values; a zero timestamp (never set) is ``None``.
- Enums are ``IntEnum`` with the contracts' numbering, so a value is also its on-chain ``uint8``.

``Authorization`` and ``DecisionKind`` are those of ``registry_client.decisions`` (one definition
each). This module imports nothing else from the package, so every other module may import it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from enum import IntEnum
from pathlib import Path
from typing import Annotated, Any, Self, TypeVar

from eth_utils import is_address, is_checksum_address, to_checksum_address
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from registry_client.decisions import Authorization as Authorization
from registry_client.decisions import DecisionKind as DecisionKind

E = TypeVar("E", bound=IntEnum)

# ------------------------------------------------------------------------------------------------
# Enums (uint8 on the wire, same order as contracts/interfaces/*.sol)
# ------------------------------------------------------------------------------------------------


def parse_enum(cls: type[E], value: object) -> E:
    """Accept a member of ``cls``, its number, or its name in any case with ``-``, ``_`` or spaces.

    Raises:
        ValueError: ``value`` names no member.
    """
    if isinstance(value, cls):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return cls(value)
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return cls(int(text))
        wanted = text.upper().replace("-", "").replace("_", "").replace(" ", "")
        for name, member in cls.__members__.items():
            if name.upper().replace("_", "") == wanted:
                return member
    choices = ", ".join(m.name.lower() for m in cls)
    raise ValueError(f"{value!r} is not a valid {cls.__name__} (choose one of: {choices})")


class _LabelledEnum(IntEnum):
    """An ``IntEnum`` with a human label: ``GOVERNMENT_HOLDING`` -> ``"government holding"``."""

    @property
    def label(self) -> str:
        """The member's name in lower-case words."""
        return self.name.lower().replace("_", " ")

    @classmethod
    def parse(cls, value: object) -> Self:
        """Accept a member, its number, or its name (see :func:`parse_enum`)."""
        return parse_enum(cls, value)


class AccountKind(_LabelledEnum):
    """Kinds of registry accounts (RegistryTypes.sol), each with its Japanese name (口座種別)."""

    NONE = 0
    HOLDING = 1
    GOVERNMENT_HOLDING = 2
    RETIREMENT = 3
    CANCELLATION = 4

    @property
    def japanese(self) -> str:
        """The kind's name in Japan's JCM registry (``法人等保有口座``); empty for ``NONE``."""
        return _ACCOUNT_KINDS_JA[self]


_ACCOUNT_KINDS_JA = {
    AccountKind.NONE: "",
    AccountKind.HOLDING: "法人等保有口座",
    AccountKind.GOVERNMENT_HOLDING: "政府保有口座",
    AccountKind.RETIREMENT: "無効化口座",
    AccountKind.CANCELLATION: "取消口座",
}


class AccountStatus(_LabelledEnum):
    """Life cycle of an account; ``NONE`` means the address was never opened."""

    NONE = 0
    ACTIVE = 1
    FROZEN = 2
    CLOSED = 3


class RetirementPurpose(_LabelledEnum):
    """Why credits were retired."""

    NDC = 0
    VOLUNTARY_OFFSET = 1


class CancellationReason(_LabelledEnum):
    """Why credits were cancelled; ``CORRECTION`` is reserved for joint-committee decisions."""

    VOLUNTARY_CANCELLATION = 0
    OTHER_INTERNATIONAL_MITIGATION_PURPOSES = 1
    OVERALL_MITIGATION = 2
    CORRECTION = 3


class SerialLocation(_LabelledEnum):
    """Where a serial number is now."""

    UNISSUED = 0
    HELD = 1
    RETIRED = 2
    CANCELLED = 3


class MemberSide(_LabelledEnum):
    """Which government a joint-committee member represents."""

    NONE = 0
    JAPAN = 1
    PARTNER = 2


# ------------------------------------------------------------------------------------------------
# Conversions
# ------------------------------------------------------------------------------------------------

JAPAN = "JP"
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
ZERO_HASH = "0x" + "00" * 32


def checksum(value: object) -> str:
    """Return ``value`` (a hex string or 20 bytes) as a checksummed address.

    Raises:
        ValueError: ``value`` is not an address.
    """
    if isinstance(value, bytes | bytearray) and len(value) == 20:
        return to_checksum_address(bytes(value))
    if isinstance(value, str) and is_address(value.strip()):
        text = value.strip()
        digits = text[2:]
        # Mixed case is an EIP-55 checksum, and a wrong one means a mistyped address.
        if digits != digits.lower() and digits != digits.upper() and not is_checksum_address(text):
            raise ValueError(
                f"{value!r} has a wrong EIP-55 checksum: check the address for a typing mistake"
            )
        return to_checksum_address(text)
    raise ValueError(f"{value!r} is not an address (expected 0x followed by 40 hex digits)")


def side_code(value: object) -> str:
    """Return a registry side or country code as two upper-case letters.

    Accepts ``b"JP"`` (a ``bytes2`` as returned by web3) or ``"jp"``.

    Raises:
        ValueError: ``value`` is not two ASCII letters.
    """
    if isinstance(value, bytes | bytearray):
        try:
            value = bytes(value).decode("ascii")
        except UnicodeDecodeError:
            raise ValueError(f"{value!r} is not a two-letter country code") from None
    if isinstance(value, str):
        text = value.strip().upper()
        if len(text) == 2 and text.isascii() and text.isalpha():
            return text
    raise ValueError(f"{value!r} is not a two-letter country code (e.g. JP, ID, VN)")


def side_bytes(value: object) -> bytes:
    """Return a side or country code as the 2 bytes a ``bytes2`` argument takes."""
    return side_code(value).encode("ascii")


def hash_hex(value: object) -> str:
    """Return a 32-byte value as a lower-case ``0x`` hex string.

    Raises:
        ValueError: ``value`` is not 32 bytes.
    """
    if isinstance(value, bytes | bytearray):
        raw = bytes(value)
    elif isinstance(value, str):
        text = value.strip()
        text = text[2:] if text[:2].lower() == "0x" else text
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raise ValueError(f"{value!r} is not a hex string") from None
    else:
        raise ValueError(f"{value!r} is not a 32-byte hash")
    if len(raw) != 32:
        raise ValueError(f"{value!r} is {len(raw)} bytes long, a hash is 32")
    return "0x" + raw.hex()


def hash_bytes(value: object) -> bytes:
    """Return a 32-byte hash given as hex or bytes as ``bytes``."""
    return bytes.fromhex(hash_hex(value)[2:])


def from_timestamp(value: object) -> datetime | None:
    """Convert unix seconds to an aware UTC datetime; 0 (never set) becomes ``None``."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        text = value.strip()
        if not text.isdigit():
            return from_timestamp(datetime.fromisoformat(text))
        value = int(text)
    if isinstance(value, int) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC) if value else None
    raise ValueError(f"{value!r} is not a timestamp")


def to_timestamp(value: datetime | date | int | None) -> int:
    """Convert a datetime (naive means UTC), a date (midnight UTC) or unix seconds to unix seconds.

    ``None`` becomes 0, the contracts' "not set".
    """
    if value is None:
        return 0
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return int(aware.timestamp())
    if isinstance(value, date):
        return int(datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp())
    return int(value)


def _enum(cls: type[IntEnum]) -> BeforeValidator:
    return BeforeValidator(lambda value: parse_enum(cls, value))


Address = Annotated[str, BeforeValidator(checksum)]
"""A checksummed address; accepts any-case hex or 20 bytes."""
Side = Annotated[str, BeforeValidator(side_code)]
"""A registry side or country code: ``"JP"`` or a partner's ISO 3166-1 alpha-2 code."""
Hash32 = Annotated[str, BeforeValidator(hash_hex)]
"""A 32-byte hash or decision id as ``0x`` hex."""
Timestamp = Annotated[datetime | None, BeforeValidator(from_timestamp)]
"""A UTC time; unix seconds are accepted, 0 means not set (``None``)."""


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
    non_empty_holdings: int
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


class BatchInfo(_Model):
    """One issuance (a batch), with its issuance data from ``JCMProjects.batchInfo``."""

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
    """What the ledger keeps of a batch."""

    country: Side
    first_serial: int
    last_serial: int
    authorization: Annotated[Authorization, _enum(Authorization)]
    internationally_transferred: bool


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
