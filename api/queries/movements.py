"""Read queries of movements (transactions), serials, retirements and cancellations."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from itertools import groupby
from typing import Any, TypedDict, Unpack

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from api.abi import EventDecoder
from api.models import (
    BatchRef,
    CancellationOut,
    EventOut,
    Movement,
    Page,
    RetirementOut,
    SerialLookup,
    SerialRangeOut,
    TransactionOut,
    Whereabouts,
)
from api.queries import article6
from api.queries.common import (
    MAX_DB_INT,
    PROVENANCE,
    AnySelect,
    BadQueryError,
    NotFoundError,
    PagedQuery,
    as_int,
    block_id,
    known_total,
    paginate,
    proof,
    unix,
    when,
)
from api.tables import (
    Account,
    Batch,
    CancellationRecord,
    Event,
    HoldingRange,
    Movement as MovementRow,
    MovementRange,
    Project,
    RetirementRecord,
    table_of,
)
from registry_client.domain import side_code
from registry_client.errors import InvalidInput
from registry_client.serials import parse_serial

CONSUMING = ("retirement", "cancellation", "correction")


def at_events(block: Any, log: Any, keys: Sequence[tuple[int, int]]) -> ColumnElement[bool]:
    """Rows at any of the ``(block_number, log_index)`` keys, as an OR of equalities: both SQLite
    and PostgreSQL answer it from the primary key (SQLite scans for a row-value ``IN``)."""
    return or_(*(and_(block == b, log == i) for b, i in keys))


def _ranges_of(
    session: Session, keys: list[tuple[int, int]]
) -> dict[tuple[int, int], list[tuple[int, int]]]:
    """The recorded ranges of the movements at ``(block_number, log_index)`` keys."""
    found: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    r = MovementRange
    for start in range(0, len(keys), 200):
        part = keys[start : start + 200]
        rows = session.execute(
            select(r.block_number, r.log_index, r.first, r.last)
            .where(at_events(r.block_number, r.log_index, part))
            .order_by(r.block_number, r.log_index, r.seq)
        ).all()
        for row in rows:
            found[(row.block_number, row.log_index)].append((row.first, row.last))
    return found


def _range_out(
    side: str, ref: str, vintage: int, ranges: list[tuple[int, int]]
) -> list[SerialRangeOut]:
    return [
        SerialRangeOut(
            first=a, last=b, quantity=b - a + 1, block_id=block_id(side, ref, vintage, a, b)
        )
        for a, b in ranges
    ]


def movement_out(
    m: Any,
    project_ref: str,
    vintage: int,
    ranges: list[tuple[int, int]],
    from_name: str | None,
    to_name: str | None,
) -> Movement:
    """A movement from a row with the columns of :class:`api.tables.Movement`."""
    return Movement(
        kind=m.kind,
        batch_id=m.batch_id,
        project_ref=project_ref,
        vintage=vintage,
        from_account=m.from_account,
        to_account=m.to_account,
        from_name=from_name,
        to_name=to_name,
        from_side=m.from_side,
        to_side=m.to_side,
        quantity=m.quantity,
        ranges=_range_out(m.to_side, project_ref, vintage, ranges),
        first_international=bool(m.first_international),
        record_id=m.record_id,
        proof=proof(m),
    )


def movements_out(session: Session, rows: Sequence[Any]) -> list[Movement]:
    """Movements from rows of ``(MovementRow, project_ref, vintage)``."""
    keys = [(r.Movement.block_number, r.Movement.log_index) for r in rows]
    ranges = _ranges_of(session, keys)
    names = holder_names(
        session, {a for r in rows for a in (r.Movement.from_account, r.Movement.to_account) if a}
    )
    return [
        movement_out(
            r.Movement,
            r.project_ref,
            r.vintage,
            ranges[(r.Movement.block_number, r.Movement.log_index)],
            names.get(r.Movement.from_account) if r.Movement.from_account else None,
            names.get(r.Movement.to_account),
        )
        for r in rows
    ]


_movements, _movement_ranges = table_of(MovementRow), table_of(MovementRange)
_holding_ranges = table_of(HoldingRange)
_senders, _receivers = table_of(Account).alias("senders"), table_of(Account).alias("receivers")


def _movements_with_ranges(keys: Any) -> AnySelect:
    """The movements at the ``(block_number, log_index)`` of ``keys`` (a subquery), oldest first,
    one row per recorded range (``first``, ``last``, in order), with their batches' project and
    vintage and their accounts' holder names: a movement's whole answer in one statement."""
    m, r, b = _movements, _movement_ranges, table_of(Batch)
    return (
        select(
            m, b.c.project_ref, b.c.vintage,
            _senders.c.holder_name.label("from_name"), _receivers.c.holder_name.label("to_name"),
            r.c.first, r.c.last,
        )
        .join(keys, and_(keys.c.block_number == m.c.block_number,
                         keys.c.log_index == m.c.log_index))
        .join(b, b.c.id == m.c.batch_id)
        .outerjoin(_senders, _senders.c.address == m.c.from_account)
        .outerjoin(_receivers, _receivers.c.address == m.c.to_account)
        .outerjoin(r, and_(r.c.block_number == m.c.block_number, r.c.log_index == m.c.log_index))
        .order_by(m.c.block_number, m.c.log_index, r.c.seq)
    )  # fmt: skip


def _grouped_movements(rows: Sequence[Any]) -> list[Movement]:
    """The movements of :func:`_movements_with_ranges`' rows (one row per range)."""
    found: list[Movement] = []
    for (_block, _log), group in groupby(rows, key=lambda row: (row.block_number, row.log_index)):
        parts = list(group)
        first = parts[0]
        ranges = [(p.first, p.last) for p in parts if p.first is not None]
        found.append(
            movement_out(first, first.project_ref, first.vintage, ranges, first.from_name,
                         first.to_name)
        )  # fmt: skip
    return found


def _movement_query() -> AnySelect:
    return select(MovementRow, Batch.project_ref, Batch.vintage).join(
        Batch, Batch.id == MovementRow.batch_id
    )


def holder_names(session: Session, addresses: set[str]) -> dict[str, str]:
    """The public holder names of those of ``addresses`` that are registry accounts."""
    found: dict[str, str] = {}
    ordered = sorted(addresses)
    for start in range(0, len(ordered), 500):
        part = ordered[start : start + 500]
        query = select(Account.address, Account.holder_name).where(Account.address.in_(part))
        found.update({row.address: row.holder_name for row in session.execute(query).all()})
    return found


class MovementFilters(TypedDict, total=False):
    """What :func:`list_movements` and :func:`movements_quantity` filter on."""

    account: str | None
    batch_id: int | None
    project: str | None
    country: str | None
    kind: str | Sequence[str] | None
    side: str | None
    since: datetime | None
    until: datetime | None


def _movement_filters(query: AnySelect, **filters: Unpack[MovementFilters]) -> AnySelect:
    account, batch_id, project = (
        filters.get("account"),
        filters.get("batch_id"),
        filters.get("project"),
    )
    country, kind, side = filters.get("country"), filters.get("kind"), filters.get("side")
    since, until = filters.get("since"), filters.get("until")
    m = MovementRow
    if account:
        query = query.where(or_(m.from_account == account, m.to_account == account))
    if batch_id is not None:
        query = query.where(m.batch_id == batch_id)
    if project:
        query = query.where(Batch.project_ref == project)
    if country:
        query = query.where(Batch.country == side_code(country))
    if isinstance(kind, str):
        query = query.where(m.kind == kind)
    elif kind:
        query = query.where(m.kind.in_(kind))
    if side:
        code = side_code(side)
        query = query.where(or_(m.from_side == code, m.to_side == code))
    if since is not None:
        query = query.where(m.timestamp >= unix(since))
    if until is not None:
        query = query.where(m.timestamp <= unix(until))
    return query


def list_movements(
    session: Session,
    limit: int,
    offset: int,
    *,
    newest_first: bool = True,
    **filters: Unpack[MovementFilters],
) -> Page[Movement]:
    """Movements of credits (issuances, transfers, retirements, cancellations, corrections),
    filtered by ``account``, ``batch_id``, ``project``, ``country``, ``kind`` (one or several),
    ``side``,
    ``since`` and ``until``."""
    m = MovementRow
    query = _movement_filters(_movement_query(), **filters)
    if newest_first:
        query = query.order_by(m.block_number.desc(), m.log_index.desc())
    else:
        query = query.order_by(m.block_number, m.log_index)
    return paginate(session, query, limit, offset, lambda rows: movements_out(session, rows))


def movements_quantity(session: Session, **filters: Unpack[MovementFilters]) -> int:
    """The credits moved by the movements :func:`list_movements` lists with the same filters."""
    query = select(func.coalesce(func.sum(MovementRow.quantity), 0)).join(
        Batch, Batch.id == MovementRow.batch_id
    )
    return as_int(session.execute(_movement_filters(query, **filters)).scalar())


@cache
def _event_decoder() -> EventDecoder:
    return EventDecoder()


def _verbatim_args(topics: str, data: str) -> dict[str, object]:
    """A stored log's arguments; its topics and data as stored if no shipped event decodes it."""
    args = _event_decoder().decode_verbatim(topics, data)
    return {"topics": topics.split(), "data": data} if args is None else args


_TX_EVENTS = (
    select(*(table_of(Event).c[name] for name in
             ("block_number", "block_hash", "timestamp", "log_index", "name", "address", "topics",
              "data")))
    .where(table_of(Event).c.tx_hash == bindparam("tx_hash"))
    .order_by(table_of(Event).c.block_number, table_of(Event).c.log_index)
)  # fmt: skip
"""The events of one transaction, in order."""

_TX_MOVEMENTS = _movements_with_ranges(
    select(_movements.c.block_number, _movements.c.log_index)
    .where(_movements.c.tx_hash == bindparam("tx_hash"))
    .subquery()
)
"""The movements of one transaction, one row per range."""


def get_transaction(session: Session, tx_hash: str) -> TransactionOut:
    """Everything one transaction did.

    Raises:
        NotFoundError: no indexed event came from this transaction.
    """
    tx_hash = tx_hash.lower()
    connection = session.connection()
    events = connection.execute(_TX_EVENTS, {"tx_hash": tx_hash}).all()
    if not events:
        raise NotFoundError(f"no registry event was emitted by transaction {tx_hash}")
    moved = connection.execute(_TX_MOVEMENTS, {"tx_hash": tx_hash}).all()
    first = events[0]
    return TransactionOut(
        tx_hash=tx_hash,
        block_number=first.block_number,
        block_hash=first.block_hash,
        timestamp=when(first.timestamp),
        movements=_grouped_movements(moved),
        events=[
            EventOut(
                name=e.name,
                address=e.address,
                log_index=e.log_index,
                args=_verbatim_args(e.topics, e.data),
            )
            for e in events
        ],
    )


# -- serials -----------------------------------------------------------------------------------


_batches, _holders = table_of(Batch), table_of(Account)

_SERIAL_BATCH = (
    select(
        *(_batches.c[name] for name in
          ("id", "project_ref", "country", "vintage", "first_serial", "last_serial")),
        article6.current_authorization().label("authorization"),
    )
    .where(_batches.c.first_serial <= bindparam("first"))
    .order_by(_batches.c.first_serial.desc())
    .limit(1)
)  # fmt: skip
"""The batch that starts at or before serial ``first`` (it holds it if it ends at or after it),
with its authorization now."""


def _whereabouts_query() -> PagedQuery:
    """Where serials ``first..last`` of batch ``batch_id`` are now, by serial: held pieces (with
    their holders) and the consuming records' ranges (with their accounts). Held pieces and
    consuming records are disjoint, so one ordered union of both, paged in SQL, stays bounded
    however many records consumed the range."""
    t, r, m = _holding_ranges, _movement_ranges, _movements
    held_by, consumed_by = _holders.alias("held_by"), _holders.alias("consumed_by")
    unspent = (t.c.batch_id == bindparam("batch_id"), t.c.spent_block_number.is_(None))
    # The start of the disjoint held piece that contains `first`, if any: lets both databases
    # answer "piece overlaps [first, last]" from the index on the pieces' starts.
    containing = (
        select(t.c.first)
        .where(*unspent, t.c.first <= bindparam("first"))
        .order_by(t.c.first.desc())
        .limit(1)
        .scalar_subquery()
    )
    held = (
        select(
            t.c.first, t.c.last, literal("held").label("kind"), t.c.account.label("account"),
            held_by.c.holder_name, held_by.c.side, null().label("record_id"),
            *(t.c[name] for name in PROVENANCE),
        )
        .join(held_by, held_by.c.address == t.c.account)
        .where(
            *unspent,
            t.c.first >= func.coalesce(containing, bindparam("first")),
            t.c.first <= bindparam("last"),
            t.c.last >= bindparam("first"),
        )
    )  # fmt: skip
    consumed = (
        select(
            r.c.first, r.c.last, r.c.kind, m.c.to_account, consumed_by.c.holder_name,
            m.c.to_side, m.c.record_id, *(m.c[name] for name in PROVENANCE),
        )
        .join(m, and_(m.c.block_number == r.c.block_number, m.c.log_index == r.c.log_index))
        .join(consumed_by, consumed_by.c.address == m.c.to_account)
        .where(
            r.c.batch_id == bindparam("batch_id"),
            r.c.kind.in_([literal(kind) for kind in CONSUMING]),  # bound once, no expanding
            r.c.first <= bindparam("last"),
            r.c.last >= bindparam("first"),
        )
    )  # fmt: skip
    pieces = union_all(held, consumed).subquery()
    return PagedQuery.of(select(pieces).order_by(pieces.c.first))


_WHEREABOUTS = _whereabouts_query()
_LOCATIONS = {"held": "held", "retirement": "retired", "cancellation": "cancelled",
              "correction": "cancelled"}  # fmt: skip
"""Where a piece is, by the kind of its row in :data:`_WHEREABOUTS`."""

_TOUCHING = (
    select(_movement_ranges.c.block_number, _movement_ranges.c.log_index)
    .where(
        _movement_ranges.c.batch_id == bindparam("batch_id"),
        _movement_ranges.c.first <= bindparam("last"),
        _movement_ranges.c.last >= bindparam("first"),
    )
    .distinct()
)
"""The movements that moved any of serials ``first..last`` of batch ``batch_id``."""

_HISTORY = _movements_with_ranges(
    _TOUCHING.order_by(_movement_ranges.c.block_number, _movement_ranges.c.log_index)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
    .subquery()
)
"""One page of :data:`_TOUCHING`, oldest first, one row per range."""

_HISTORY_COUNT = select(func.count()).select_from(_TOUCHING.subquery())


def _whereabouts(
    session: Session, batch: Any, first: int, last: int, limit: int, offset: int
) -> tuple[list[Whereabouts], int]:
    """One page of where serials ``first..last`` of ``batch`` are now (by serial), and how many
    pieces there are in all."""
    rows, total = _WHEREABOUTS.run(
        session, limit, offset, batch_id=batch.id, first=first, last=last
    )
    found: list[Whereabouts] = []
    for p in rows:
        a, b = max(p.first, first), min(p.last, last)
        found.append(
            Whereabouts(
                first=a,
                last=b,
                quantity=b - a + 1,
                location=_LOCATIONS[p.kind],
                account=p.account,
                holder_name=p.holder_name,
                side=p.side,
                record_id=p.record_id,
                block_id=block_id(p.side, batch.project_ref, batch.vintage, a, b),
                proof=proof(p),
            )
        )
    return found, total


def _history(
    session: Session, batch: Any, first: int, last: int, limit: int, offset: int
) -> Page[Movement]:
    """One page of the movements that moved any of serials ``first..last``, oldest first."""
    connection = session.connection()
    params = {"batch_id": batch.id, "first": first, "last": last}
    rows = connection.execute(_HISTORY, {**params, "limit": limit, "offset": offset}).all()
    items = _grouped_movements(rows)
    total = known_total(len(items), limit, offset)
    if total is None:
        total = as_int(connection.execute(_HISTORY_COUNT, params).scalar())
    return Page[Movement](items=items, total=total, limit=limit, offset=offset)


def lookup_serials(session: Session, text: str, limit: int, offset: int) -> SerialLookup:
    """Where a serial (or a block of serials, by block id) is now, and its movements: one page
    (``limit``/``offset``) of each, so the answer stays bounded however many records consumed the
    serials.

    Raises:
        BadQueryError: ``text`` is neither a serial number nor a block id, or the block spans
        batches.
        NotFoundError: the serials were never issued, or the block id names another project.
    """
    try:
        asked = parse_serial(text)
    except InvalidInput as exc:
        raise BadQueryError(str(exc)) from None
    first, last = asked.first, asked.last  # 1 <= first <= last <= 2**64 - 1
    batch = session.connection().execute(_SERIAL_BATCH, {"first": first}).first()
    if batch is None or batch.last_serial < first:
        raise NotFoundError(f"serial {first} has not been issued")
    if last > batch.last_serial:
        raise BadQueryError(
            f"serials {first}-{last} span more than one batch: batch {batch.id} ends at "
            f"{batch.last_serial}"
        )
    if asked.block is not None and (asked.block.project_ref, asked.block.vintage) != (
        batch.project_ref,
        batch.vintage,
    ):
        raise NotFoundError(
            f"serials {first}-{last} belong to batch {batch.id} of project "
            f"{batch.project_ref}, vintage "
            f"{batch.vintage}, not to {asked.block.project_ref} {asked.block.vintage}"
        )
    whereabouts, pieces = _whereabouts(session, batch, first, last, limit, offset)
    movements = _history(session, batch, first, last, limit, offset)
    transferred = article6.first_transfers(session, batch.id, first, last, limit, offset)
    return SerialLookup(
        query=text,
        first=first,
        last=last,
        quantity=last - first + 1,
        batch=BatchRef(
            id=batch.id,
            project_ref=batch.project_ref,
            country=batch.country,
            vintage=batch.vintage,
            first_serial=batch.first_serial,
            last_serial=batch.last_serial,
            authorization=batch.authorization,
        ),
        whereabouts=whereabouts,
        whereabouts_total=pieces,
        movements=movements,
        first_transfers=transferred.items,
    )


# -- retirements and cancellations -------------------------------------------------------------

Record = type[RetirementRecord] | type[CancellationRecord]


def _record_filters(
    query: AnySelect,
    record: Record,
    *,
    account: str | None,
    batch_id: int | None,
    project: str | None,
    side: str | None,
    since: datetime | None,
    until: datetime | None,
) -> AnySelect:
    """The filters retirements and cancellations share, newest first."""
    if account:
        query = query.where(record.account == account)
    if batch_id is not None:
        query = query.where(record.batch_id == batch_id)
    if project:
        query = query.where(Batch.project_ref == project)
    if side:
        query = query.where(record.side == side_code(side))
    if since is not None:
        query = query.where(record.timestamp >= unix(since))
    if until is not None:
        query = query.where(record.timestamp <= unix(until))
    return query.order_by(record.id.desc())


def _one_record(session: Session, query: AnySelect, record: Record, record_id: int) -> list[Any]:
    """The rows of one retirement or cancellation (none for an id beyond the database's)."""
    if record_id > MAX_DB_INT:
        return []
    return list(session.execute(query.where(record.id == record_id)).all())


def _retirement_query() -> AnySelect:
    return (
        select(
            RetirementRecord,
            Batch.project_ref,
            Batch.vintage,
            Batch.country,
            Project.title,
            Account.holder_name,
        )
        .join(Batch, Batch.id == RetirementRecord.batch_id)
        .join(Project, Project.ref == Batch.project_ref)
        .join(Account, Account.address == RetirementRecord.account)
    )


def _retirements_out(session: Session, rows: Sequence[Any]) -> list[RetirementOut]:
    ranges = _ranges_of(
        session, [(r.RetirementRecord.block_number, r.RetirementRecord.log_index) for r in rows]
    )
    out = []
    for row in rows:
        rec: RetirementRecord = row.RetirementRecord
        out.append(
            RetirementOut(
                id=rec.id,
                batch_id=rec.batch_id,
                project_ref=row.project_ref,
                project_title=row.title,
                country=row.country,
                vintage=row.vintage,
                account=rec.account,
                holder_name=row.holder_name,
                retirement_account=rec.retirement_account,
                side=rec.side,
                using_party=rec.using_party,
                purpose=rec.purpose,
                quantity=rec.quantity,
                beneficiary=rec.beneficiary,
                note=rec.note,
                retired_at=when(rec.timestamp),
                ranges=_range_out(
                    rec.side,
                    row.project_ref,
                    row.vintage,
                    ranges[(rec.block_number, rec.log_index)],
                ),
                certificate_url=f"/v1/retirements/{rec.id}.html",
                proof=proof(rec),
            )
        )
    return out


def list_retirements(
    session: Session,
    limit: int,
    offset: int,
    *,
    account: str | None = None,
    batch_id: int | None = None,
    project: str | None = None,
    side: str | None = None,
    using_party: str | None = None,
    purpose: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Page[RetirementOut]:
    """Retirements, newest first, filtered."""
    r = RetirementRecord
    query = _retirement_query()
    if using_party:
        query = query.where(r.using_party == side_code(using_party))
    if purpose:
        query = query.where(r.purpose == purpose)
    query = _record_filters(
        query, r, account=account, batch_id=batch_id, project=project, side=side, since=since,
        until=until,
    )  # fmt: skip
    return paginate(session, query, limit, offset, lambda rows: _retirements_out(session, rows))


def get_retirement(session: Session, retirement_id: int) -> RetirementOut:
    """One retirement: a certificate's content.

    Raises:
        NotFoundError: no such retirement.
    """
    rows = _one_record(session, _retirement_query(), RetirementRecord, retirement_id)
    if not rows:
        raise NotFoundError(f"no retirement {retirement_id} has been recorded")
    return _retirements_out(session, rows)[0]


def _cancellation_query() -> AnySelect:
    return (
        select(CancellationRecord, Batch.project_ref, Batch.vintage, Account.holder_name)
        .join(Batch, Batch.id == CancellationRecord.batch_id)
        .join(Account, Account.address == CancellationRecord.account)
    )


def _cancellations_out(session: Session, rows: Sequence[Any]) -> list[CancellationOut]:
    ranges = _ranges_of(
        session, [(r.CancellationRecord.block_number, r.CancellationRecord.log_index) for r in rows]
    )
    out = []
    for row in rows:
        rec: CancellationRecord = row.CancellationRecord
        out.append(
            CancellationOut(
                id=rec.id,
                batch_id=rec.batch_id,
                project_ref=row.project_ref,
                vintage=row.vintage,
                account=rec.account,
                holder_name=row.holder_name,
                cancellation_account=rec.cancellation_account,
                side=rec.side,
                reason=rec.reason,
                quantity=rec.quantity,
                decision_id=rec.decision_id,
                note=rec.note,
                cancelled_at=when(rec.timestamp),
                ranges=_range_out(
                    rec.side,
                    row.project_ref,
                    row.vintage,
                    ranges[(rec.block_number, rec.log_index)],
                ),
                proof=proof(rec),
            )
        )
    return out


def list_cancellations(
    session: Session,
    limit: int,
    offset: int,
    *,
    account: str | None = None,
    batch_id: int | None = None,
    project: str | None = None,
    side: str | None = None,
    reason: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Page[CancellationOut]:
    """Cancellations (corrections included), newest first, filtered."""
    c = CancellationRecord
    query = _cancellation_query()
    if reason:
        query = query.where(c.reason == reason)
    query = _record_filters(
        query, c, account=account, batch_id=batch_id, project=project, side=side, since=since,
        until=until,
    )  # fmt: skip
    return paginate(session, query, limit, offset, lambda rows: _cancellations_out(session, rows))


def get_cancellation(session: Session, cancellation_id: int) -> CancellationOut:
    """One cancellation.

    Raises:
        NotFoundError: no such cancellation.
    """
    rows = _one_record(session, _cancellation_query(), CancellationRecord, cancellation_id)
    if not rows:
        raise NotFoundError(f"no cancellation {cancellation_id} has been recorded")
    return _cancellations_out(session, rows)[0]
