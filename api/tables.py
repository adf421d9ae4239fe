"""The index's one database schema (SQLAlchemy 2 ORM), the same for SQLite and PostgreSQL.

Design: the chain is the only source. Every row below comes from one contract event and records the
block number, block hash, transaction hash and log index of that event (:class:`Provenance`), so any
row can be proven against the chain. Rows are append-only, with one exception: a piece of a holding
(:class:`HoldingRange`) is *spent* (marked with the event that consumed it) rather than deleted,
and the
per-holding balance (:class:`Holding`) is a running total. That makes undoing blocks past a fork
cheap
and exact (see :mod:`api.rollback`): delete the rows created past the fork, un-spend the pieces
spent
past the fork, and recompute the balances those blocks touched.

Mutable facts are answered from the append-only rows: an account's status is its latest
:class:`AccountStatusChange`, a country's committee its latest :class:`CommitteeAssignment`, a
committee's members its latest :class:`CommitteeMembership`.

Numbers: every ``uint64`` of the events (serials, quantities, balances, monitoring and
authorization dates) is a :class:`Uint64` column and holds any value up to 2**64 - 1 exactly;
record ids, nonces and block numbers are ``BIGINT``.

Text: every string decoded from an event is a :class:`ChainText` column, kept exactly as emitted
(NUL and control characters included) in both databases. Strings that lists sort by use the binary
``C`` collation on PostgreSQL, as SQLite does by default, so both databases return the same order.
"""

from __future__ import annotations

import re
from typing import Any, cast

from sqlalchemy import BigInteger, Boolean, Index, Integer, Numeric, String, Table, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine, UserDefinedType

SCHEMA_VERSION = "6"

MAX_UINT64 = 2**64 - 1
MAX_INT64 = 2**63 - 1


def _str(length: int) -> TypeEngine[str]:
    """A string column that sorts byte-wise on PostgreSQL too (``COLLATE "C"``)."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class _SqliteUint64(UserDefinedType[Any]):
    """SQLite's column type for :class:`Uint64`: ``BLOB`` affinity, so a value is stored as it is
    bound (an INTEGER or a TEXT) and never converted to a lossy REAL."""

    cache_ok = True

    def get_col_spec(self, **_kw: Any) -> str:
        return "BLOB"


class Uint64(TypeDecorator[int]):
    """An unsigned 64-bit integer, exact up to 2**64 - 1 in both databases, in numeric order.

    PostgreSQL: ``NUMERIC(20, 0)``. SQLite, whose integers are signed 64-bit: values up to
    2**63 - 1 are INTEGERs, larger ones TEXT of 20 digits in a ``BLOB``-affinity column. SQLite
    orders every INTEGER before every TEXT and TEXTs of equal length by their digits, so ``ORDER
    BY``, ``MAX`` and comparisons with bound values stay numeric; ``SUM`` is replaced by an exact
    one on each SQLite connection (:func:`api.database.exact_sum`).
    """

    impl = BigInteger
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(_SqliteUint64())
        return dialect.type_descriptor(Numeric(20, 0))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        number = int(value)
        if dialect.name == "sqlite" and number > MAX_INT64:
            return f"{number:020d}"
        return number

    def process_result_value(self, value: Any, dialect: Dialect) -> int | None:
        # PostgreSQL answers a Decimal, SQLite an int or a TEXT of digits.
        return None if value is None else int(value)


class ChainText(TypeDecorator[str]):
    """Text decoded from an event, kept exactly as emitted in both databases.

    PostgreSQL's ``text`` cannot hold NUL (U+0000); there NUL is stored as ``\\x01\\x01`` and
    U+0001 as ``\\x01\\x02``, an escape that keeps the byte order, so sorting and comparing
    with bound values work as on SQLite, which stores the text as it is. Values read back are
    unescaped.
    """

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Text(collation="C"))
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name != "postgresql":
            return value
        text = str(value)
        if "\x00" not in text and "\x01" not in text:
            return text
        return text.replace("\x01", "\x01\x02").replace("\x00", "\x01\x01")

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None or dialect.name != "postgresql" or "\x01" not in value:
            return cast(str | None, value)
        return _UNESCAPE.sub(lambda m: "\x00" if m[1] == "\x01" else "\x01", value)


_UNESCAPE = re.compile("\x01([\x01\x02])")

ADDRESS = _str(42)
HASH = _str(66)
SIDE = ChainText()
NAME = ChainText()
UINT64 = Uint64()


class Base(DeclarativeBase):
    """Declarative base of every index table."""


def table_of(model: type[Base]) -> Table:
    """The Core table of a mapped class (for bulk statements)."""
    return cast(Table, model.__table__)


class Provenance:
    """The event a row came from: its block, transaction and log index, and the block's time."""

    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    block_hash: Mapped[str] = mapped_column(HASH)
    tx_hash: Mapped[str] = mapped_column(HASH, index=True)
    timestamp: Mapped[int] = mapped_column(BigInteger)


class ProvenanceColumns:
    """:class:`Provenance` for tables whose primary key is something else."""

    block_number: Mapped[int] = mapped_column(BigInteger, index=True)
    log_index: Mapped[int] = mapped_column(Integer)
    block_hash: Mapped[str] = mapped_column(HASH)
    tx_hash: Mapped[str] = mapped_column(HASH, index=True)
    timestamp: Mapped[int] = mapped_column(BigInteger)


# ------------------------------------------------------------------------------------------------
# Bookkeeping
# ------------------------------------------------------------------------------------------------


class Meta(Base):
    """What the index is of: chain id, registry and projects addresses, first block, schema
    version."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(_str(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


FINALIZED_KEY = "finalized_block"
"""The :class:`Meta` key under which the indexer records the node's last ``finalized`` block number
(absent on a chain without finality); the API's caching reads it (:mod:`api.caching`)."""


class Checkpoint(Base):
    """The last block applied (always exactly one row, ``id`` 1), written with each block range."""

    __tablename__ = "checkpoint"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger)
    block_hash: Mapped[str] = mapped_column(HASH)
    updated_at: Mapped[int] = mapped_column(BigInteger)


class Block(Base):
    """A block the index relies on: every block with an indexed event, and checkpoint blocks.

    The reorganisation check compares these hashes with the chain's to find the fork point.
    """

    __tablename__ = "blocks"

    number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hash: Mapped[str] = mapped_column(HASH)
    parent_hash: Mapped[str] = mapped_column(HASH)
    timestamp: Mapped[int] = mapped_column(BigInteger)


class Event(Provenance, Base):
    """Every log of the registry, projects, governance, Article 6 and committee contracts, kept
    verbatim (audit log): its topics and data exactly as the node answered them, so a row proves
    itself against the chain's receipt and storing it costs no re-encoding. The API decodes them
    when it shows an event (:meth:`api.abi.EventDecoder.decode_verbatim`)."""

    __tablename__ = "events"

    tx_index: Mapped[int] = mapped_column(Integer)
    address: Mapped[str] = mapped_column(ADDRESS)
    # Not indexed: no query selects events by name, and an index entry per event was a share of the
    # catch-up's writes.
    name: Mapped[str] = mapped_column(_str(64))
    topics: Mapped[str] = mapped_column(Text)  # the 0x-hex topics, space-separated, topic 0 first
    data: Mapped[str] = mapped_column(Text)  # the 0x-hex data


# ------------------------------------------------------------------------------------------------
# Countries and joint committees
# ------------------------------------------------------------------------------------------------


class Country(ProvenanceColumns, Base):
    """A partner country (registry side) added by governance (``CountryAdded``)."""

    __tablename__ = "countries"

    code: Mapped[str] = mapped_column(SIDE, primary_key=True)
    committee: Mapped[str] = mapped_column(ADDRESS)  # the committee it was added with


class CommitteeAssignment(Provenance, Base):
    """The address acting as a country's joint committee from this event on (``CountryAdded``,
    ``CommitteeSet``)."""

    __tablename__ = "committee_assignments"

    country: Mapped[str] = mapped_column(SIDE, index=True)
    committee: Mapped[str] = mapped_column(ADDRESS, index=True)
    previous: Mapped[str | None] = mapped_column(ADDRESS, nullable=True)


class CommitteeMembership(ProvenanceColumns, Base):
    """A committee's members and thresholds for one nonce (membership epoch), from
    ``MembersChanged``."""

    __tablename__ = "committee_memberships"

    committee: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    nonce: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    japan_threshold: Mapped[int] = mapped_column(Integer)
    partner_threshold: Mapped[int] = mapped_column(Integer)


class CommitteeMember(ProvenanceColumns, Base):
    """One member of a committee in one epoch: ``side`` is ``japan`` or ``partner``."""

    __tablename__ = "committee_members"

    committee: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    nonce: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    member: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    side: Mapped[str] = mapped_column(_str(8))
    position: Mapped[int] = mapped_column(Integer)


class Decision(Provenance, Base):
    """A joint-committee decision executed on chain (``DecisionExecuted``)."""

    __tablename__ = "decisions"

    committee: Mapped[str] = mapped_column(ADDRESS, index=True)
    digest: Mapped[str] = mapped_column(HASH, index=True)
    kind: Mapped[str] = mapped_column(_str(32))
    nonce: Mapped[int] = mapped_column(BigInteger)
    submitter: Mapped[str] = mapped_column(ADDRESS)
    signers: Mapped[str] = mapped_column(Text)  # JSON list of addresses


# ------------------------------------------------------------------------------------------------
# Bilateral governance (JCMGovernance and the registry's per-side roles)
# ------------------------------------------------------------------------------------------------


class CountryProposal(Provenance, Base):
    """Japan's authority proposed that ``country`` join with ``committee``, governed by
    ``authority`` (``CountryProposed``). A later proposal for the same country replaces it; it is
    pending until the country is added (``CountryAdded``)."""

    __tablename__ = "country_proposals"

    country: Mapped[str] = mapped_column(SIDE, index=True)
    committee: Mapped[str] = mapped_column(ADDRESS)
    authority: Mapped[str] = mapped_column(ADDRESS)


class PauseChange(Provenance, Base):
    """An emergency pause started (``PauseStarted``: ``until`` is its deadline) or lifted early
    (``PauseLifted``: ``until`` is the block time it was lifted at), by the authority of
    ``side``."""

    __tablename__ = "pause_changes"

    kind: Mapped[str] = mapped_column(_str(16))  # "started" or "lifted"
    side: Mapped[str] = mapped_column(SIDE)
    authority: Mapped[str] = mapped_column(ADDRESS)
    until: Mapped[int] = mapped_column(UINT64)


class RoleChange(Provenance, Base):
    """A registry role granted or revoked (``RoleGranted``/``RoleRevoked``): ``role`` is
    ``registrar`` or ``authority`` of registry ``side``, or ``other`` (``role_hash`` says which)."""

    __tablename__ = "role_changes"

    role: Mapped[str] = mapped_column(_str(16), index=True)
    side: Mapped[str | None] = mapped_column(SIDE, nullable=True)
    role_hash: Mapped[str] = mapped_column(HASH)
    account: Mapped[str] = mapped_column(ADDRESS, index=True)
    sender: Mapped[str] = mapped_column(ADDRESS)
    granted: Mapped[bool] = mapped_column(Boolean)


# ------------------------------------------------------------------------------------------------
# Accounts
# ------------------------------------------------------------------------------------------------


class Account(ProvenanceColumns, Base):
    """A registry account (``AccountOpened``): public holder information."""

    __tablename__ = "accounts"

    address: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    side: Mapped[str] = mapped_column(SIDE, index=True)
    kind: Mapped[str] = mapped_column(_str(32), index=True)
    holder_name: Mapped[str] = mapped_column(NAME)
    registrar: Mapped[str] = mapped_column(ADDRESS)


class AccountStatusChange(Provenance, Base):
    """An account frozen, unfrozen or closed; ``status`` is the status it has from then on."""

    __tablename__ = "account_status_changes"

    address: Mapped[str] = mapped_column(ADDRESS, index=True)
    status: Mapped[str] = mapped_column(_str(16))
    registrar: Mapped[str] = mapped_column(ADDRESS)


# ------------------------------------------------------------------------------------------------
# Projects and batches
# ------------------------------------------------------------------------------------------------


class Project(ProvenanceColumns, Base):
    """A project registered by a joint committee (``ProjectRegistered``)."""

    __tablename__ = "projects"

    ref: Mapped[str] = mapped_column(NAME, primary_key=True)
    project_key: Mapped[str] = mapped_column(HASH, unique=True)
    country: Mapped[str] = mapped_column(SIDE, index=True)
    title: Mapped[str] = mapped_column(NAME)
    methodology: Mapped[str] = mapped_column(NAME, index=True)
    pdd_hash: Mapped[str] = mapped_column(HASH)
    validation_report_hash: Mapped[str] = mapped_column(HASH)


class Batch(ProvenanceColumns, Base):
    """One issuance (the ledger's mints, a ``TransferSingle`` from the zero address per allocation,
    then ``BatchIssued`` with its data, in one transaction). Provenance is the ``BatchIssued`` log;
    ``created_log_index`` the ledger's first mint's."""

    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    created_log_index: Mapped[int] = mapped_column(Integer)
    project_ref: Mapped[str] = mapped_column(NAME, index=True)
    country: Mapped[str] = mapped_column(SIDE, index=True)
    first_serial: Mapped[int] = mapped_column(UINT64, index=True)
    last_serial: Mapped[int] = mapped_column(UINT64)
    quantity: Mapped[int] = mapped_column(UINT64)
    vintage: Mapped[int] = mapped_column(Integer, index=True)
    monitoring_start: Mapped[int] = mapped_column(UINT64)
    monitoring_end: Mapped[int] = mapped_column(UINT64)
    verified_reductions: Mapped[int] = mapped_column(UINT64)
    decision_id: Mapped[str] = mapped_column(HASH)
    decision_ref: Mapped[str] = mapped_column(NAME)  # the committee's reference, "JC-ID-2023-05"
    verification_report_hash: Mapped[str] = mapped_column(HASH)
    authorization: Mapped[str] = mapped_column(_str(32))  # the issuance decision's
    authorization_id: Mapped[str] = mapped_column(NAME)
    authorization_date: Mapped[int] = mapped_column(UINT64)


# ------------------------------------------------------------------------------------------------
# Movements of credits and what they leave behind
# ------------------------------------------------------------------------------------------------


class Movement(Provenance, Base):
    """One movement of credits: ``issuance`` (a mint ``TransferSingle``, its serials derived with
    the batch's ``BatchIssued``), ``transfer`` and ``international_transfer``
    (``CreditsTransferred``), ``retirement`` (``CreditsRetired``), ``cancellation`` and
    ``correction`` (``CreditsCancelled``, reason ``Correction``).

    ``from_account`` is empty for an issuance; ``to_account`` is the side's retirement or
    cancellation account for retirements, cancellations and corrections, whose record id is
    ``record_id``.
    """

    __tablename__ = "movements"

    kind: Mapped[str] = mapped_column(_str(32), index=True)
    batch_id: Mapped[int] = mapped_column(BigInteger, index=True)
    from_account: Mapped[str | None] = mapped_column(ADDRESS, nullable=True, index=True)
    to_account: Mapped[str] = mapped_column(ADDRESS, index=True)
    from_side: Mapped[str | None] = mapped_column(SIDE, nullable=True)
    to_side: Mapped[str] = mapped_column(SIDE)
    quantity: Mapped[int] = mapped_column(UINT64)
    first_international: Mapped[bool] = mapped_column(Boolean)
    record_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    __table_args__ = (Index("ix_movements_timestamp", "timestamp"),)


class MovementRange(Base):
    """The exact serials a movement moved: its ``seq``-th range (from the event, never computed)."""

    __tablename__ = "movement_ranges"

    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(BigInteger)
    first: Mapped[int] = mapped_column(UINT64)
    last: Mapped[int] = mapped_column(UINT64)
    kind: Mapped[str] = mapped_column(_str(32))  # the movement's, so serial look-ups need no join
    block_hash: Mapped[str] = mapped_column(HASH)
    tx_hash: Mapped[str] = mapped_column(HASH)
    timestamp: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        # Covers serial look-ups: which movements touched serials [a, b] of a batch.
        Index(
            "ix_movement_ranges_batch_first",
            "batch_id",
            "first",
            "last",
            "kind",
            "block_number",
            "log_index",
        ),
    )


class HoldingRange(Base):
    """A piece of a holding account's serials: one of its sorted, disjoint, non-adjacent ranges,
    exactly as the contract's ``holdingRanges`` keeps them (adjacent ranges merged).

    Created by the event at ``(block_number, log_index)``; when a later event changes the holding,
    the
    piece is spent (``spent_*`` set to that event) and replaced by the new pieces. Unspent pieces
    are the
    current holdings. Retirement and cancellation accounts keep no pieces: their serials are in the
    retirement and cancellation records, as on chain.
    """

    __tablename__ = "holding_ranges"

    batch_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    first: Mapped[int] = mapped_column(UINT64, primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(ADDRESS)
    last: Mapped[int] = mapped_column(UINT64)
    block_hash: Mapped[str] = mapped_column(HASH)
    tx_hash: Mapped[str] = mapped_column(HASH)
    timestamp: Mapped[int] = mapped_column(BigInteger)
    spent_block_number: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    spent_log_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
    spent_block_hash: Mapped[str | None] = mapped_column(HASH, nullable=True)
    spent_tx_hash: Mapped[str | None] = mapped_column(HASH, nullable=True)

    __table_args__ = (
        Index("ix_holding_ranges_account", "account", "batch_id", "spent_block_number", "first"),
        Index("ix_holding_ranges_locate", "batch_id", "spent_block_number", "first"),
        Index("ix_holding_ranges_spent", "spent_block_number"),
        Index("ix_holding_ranges_created", "block_number"),
    )


class Holding(ProvenanceColumns, Base):
    """An account's balance of a batch (what ``balanceOf`` returns): every (account, batch) pair
    that
    ever held credits. Provenance is the latest movement that changed it."""

    __tablename__ = "holdings"

    account: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    batch_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, index=True)
    balance: Mapped[int] = mapped_column(UINT64)
    # The provenance of the latest change, without the indexes of :class:`ProvenanceColumns`: a
    # balance changes with every movement (each change rewrote four index entries), and nothing
    # looks holdings up by block or transaction (a rollback recomputes them from the movements).
    block_number: Mapped[int] = mapped_column(BigInteger)
    tx_hash: Mapped[str] = mapped_column(HASH)


class RetirementRecord(ProvenanceColumns, Base):
    """A retirement (無効化), from ``CreditsRetired``; its serials are its movement's ranges."""

    __tablename__ = "retirements"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    batch_id: Mapped[int] = mapped_column(BigInteger, index=True)
    account: Mapped[str] = mapped_column(ADDRESS, index=True)
    retirement_account: Mapped[str] = mapped_column(ADDRESS)
    side: Mapped[str] = mapped_column(SIDE)
    using_party: Mapped[str] = mapped_column(SIDE)
    purpose: Mapped[str] = mapped_column(_str(32))
    quantity: Mapped[int] = mapped_column(UINT64)
    beneficiary: Mapped[str] = mapped_column(NAME)
    note: Mapped[str] = mapped_column(NAME)


class CancellationRecord(ProvenanceColumns, Base):
    """A cancellation (取消), from ``CreditsCancelled``; ``decision_id`` is set for corrections."""

    __tablename__ = "cancellations"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    batch_id: Mapped[int] = mapped_column(BigInteger, index=True)
    account: Mapped[str] = mapped_column(ADDRESS, index=True)
    cancellation_account: Mapped[str] = mapped_column(ADDRESS)
    side: Mapped[str] = mapped_column(SIDE)
    reason: Mapped[str] = mapped_column(_str(64))
    quantity: Mapped[int] = mapped_column(UINT64)
    decision_id: Mapped[str | None] = mapped_column(HASH, nullable=True)
    note: Mapped[str] = mapped_column(NAME)


class Correction(Provenance, Base):
    """A joint committee's correction (``CreditsCorrected``) and the cancellation it produced."""

    __tablename__ = "corrections"

    decision_id: Mapped[str] = mapped_column(HASH)
    batch_id: Mapped[int] = mapped_column(BigInteger)
    account: Mapped[str] = mapped_column(ADDRESS)
    first_serial: Mapped[int] = mapped_column(UINT64)
    last_serial: Mapped[int] = mapped_column(UINT64)
    cancellation_id: Mapped[int] = mapped_column(BigInteger)


# ------------------------------------------------------------------------------------------------
# Article 6 (JCMArticle6)
# ------------------------------------------------------------------------------------------------


class AuthorizationChange(Provenance, Base):
    """The authorizing party recorded, amended or revoked (``authorization`` ``none``) a batch's
    Article 6 authorization (``AuthorizationSet``). A batch's current authorization is its latest
    change, else its issuance decision's (:class:`Batch`)."""

    __tablename__ = "authorization_changes"

    batch_id: Mapped[int] = mapped_column(BigInteger, index=True)
    country: Mapped[str] = mapped_column(SIDE)
    previous: Mapped[str] = mapped_column(_str(32))
    authorization: Mapped[str] = mapped_column(_str(32))
    authorization_id: Mapped[str] = mapped_column(NAME)
    authorization_date: Mapped[int] = mapped_column(UINT64)


class FirstTransferRange(Base):
    """Serials first transferred (``SerialsFirstTransferred``): the event's ``seq``-th range, from
    ``from_party`` (the host) to ``to_party`` (empty when the definition names no acquirer), and
    the definition that made it (``trigger``). Exactly the chain's ranges; Japan's share of a batch
    authorized at issuance, which no event of its own announces, is the one row its issuance's
    logs give (``seq`` 0 at its ``BatchIssued``: :mod:`api.apply_article6`)."""

    __tablename__ = "first_transfer_ranges"

    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(BigInteger)
    first: Mapped[int] = mapped_column(UINT64)
    last: Mapped[int] = mapped_column(UINT64)
    from_party: Mapped[str] = mapped_column(SIDE)
    to_party: Mapped[str | None] = mapped_column(SIDE, nullable=True)
    trigger: Mapped[str] = mapped_column(_str(32))
    block_hash: Mapped[str] = mapped_column(HASH)
    tx_hash: Mapped[str] = mapped_column(HASH)
    timestamp: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_first_transfer_ranges_batch_first", "batch_id", "first", "last"),)


class FirstTransferDefinitionChange(Provenance, Base):
    """A partner country set its cooperative approach's first-transfer definition
    (``FirstTransferDefinitionSet``); until then it is ``international_transfer``."""

    __tablename__ = "first_transfer_definitions"

    country: Mapped[str] = mapped_column(SIDE, index=True)
    definition: Mapped[str] = mapped_column(_str(32))


#: Tables holding data derived from events (everything but bookkeeping), in dump order.
EVENT_TABLES = (
    Event,
    Country,
    CommitteeAssignment,
    CommitteeMembership,
    CommitteeMember,
    Decision,
    CountryProposal,
    PauseChange,
    RoleChange,
    Account,
    AccountStatusChange,
    Project,
    Batch,
    Movement,
    MovementRange,
    HoldingRange,
    Holding,
    RetirementRecord,
    CancellationRecord,
    Correction,
    AuthorizationChange,
    FirstTransferRange,
    FirstTransferDefinitionChange,
)
