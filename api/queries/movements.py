"""Read queries of movements (transactions), serials, retirements and cancellations."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any, TypedDict, Unpack

from sqlalchemy import ColumnElement, and_, func, literal, or_, select, union_all
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
    AnySelect,
    BadQueryError,
    NotFoundError,
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


def movements_out(session: Session, rows: Sequence[Any]) -> list[Movement]:
    """Movements from rows of ``(MovementRow, project_ref, vintage)``."""
    keys = [(r.Movement.block_number, r.Movement.log_index) for r in rows]
    ranges = _ranges_of(session, keys)
    names = holder_names(
        session, {a for r in rows for a in (r.Movement.from_account, r.Movement.to_account) if a}
    )
    result = []
    for r in rows:
        m: MovementRow = r.Movement
        result.append(
            Movement(
                kind=m.kind,  # type: ignore[arg-type]
                batch_id=m.batch_id,
                project_ref=r.project_ref,
                vintage=r.vintage,
                from_account=m.from_account,
                to_account=m.to_account,
                from_name=names.get(m.from_account) if m.from_account else None,
                to_name=names.get(m.to_account),
                from_side=m.from_side,
                to_side=m.to_side,
                quantity=m.quantity,
                ranges=_range_out(
                    m.to_side, r.project_ref, r.vintage, ranges[(m.block_number, m.log_index)]
                ),
                first_international=bool(m.first_international),
                record_id=m.record_id,
                proof=proof(m),
            )
        )
    return result


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


def get_transaction(session: Session, tx_hash: str) -> TransactionOut:
    """Everything one transaction did.

    Raises:
        NotFoundError: no indexed event came from this transaction.
    """
    tx_hash = tx_hash.lower()
    events = (
        session.execute(
            select(Event)
            .where(Event.tx_hash == tx_hash)
            .order_by(Event.block_number, Event.log_index)
        )
        .scalars()
        .all()
    )
    if not events:
        raise NotFoundError(f"no registry event was emitted by transaction {tx_hash}")
    rows = session.execute(
        _movement_query()
        .where(MovementRow.tx_hash == tx_hash)
        .order_by(MovementRow.block_number, MovementRow.log_index)
    ).all()
    first = events[0]
    return TransactionOut(
        tx_hash=tx_hash,
        block_number=first.block_number,
        block_hash=first.block_hash,
        timestamp=when(first.timestamp),
        movements=movements_out(session, rows),
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


def _batch_of(session: Session, serial: int) -> Batch | None:
    batch = session.execute(
        select(Batch)
        .where(Batch.first_serial <= serial)
        .order_by(Batch.first_serial.desc())
        .limit(1)
    ).scalar_one_or_none()
    return batch if batch is not None and batch.last_serial >= serial else None


def _lower_bound(session: Session, column: Any, first: int, *where: Any) -> int:
    """The start of the disjoint range that contains ``first`` (if any), else ``first``: lets both
    databases answer ``range overlaps [first, last]`` from an index on the ranges' starts."""
    containing = session.execute(
        select(column).where(*where, column <= first).order_by(column.desc()).limit(1)
    ).scalar()
    return containing if containing is not None else first


#: Keys per ``at_events`` query: an OR of a few hundred equalities stays within SQLite's
#: expression depth (1000) and answers from the primary key.
KEYS_PER_QUERY = 200


def _chunks(keys: Sequence[tuple[int, int]]) -> list[Sequence[tuple[int, int]]]:
    return [keys[i : i + KEYS_PER_QUERY] for i in range(0, len(keys), KEYS_PER_QUERY)]


def _total(session: Session, rows: Any, found: int, limit: int, offset: int) -> int:
    """How many ``rows`` there are, given that one page of them held ``found``."""
    known = known_total(found, limit, offset)
    if known is not None:
        return known
    return as_int(session.execute(select(func.count()).select_from(rows)).scalar())


def _whereabouts(
    session: Session, batch: Batch, first: int, last: int, limit: int, offset: int
) -> tuple[list[Whereabouts], int]:
    """One page of where serials ``first..last`` of ``batch`` are now (by serial), and how many
    pieces there are in all. Held pieces and consuming records are disjoint, so one ordered union
    of both, paged in SQL, stays bounded however many records consumed the range."""
    t, r = HoldingRange, MovementRange
    unspent = (t.batch_id == batch.id, t.spent_block_number.is_(None))
    consuming = (r.batch_id == batch.id, r.kind.in_(CONSUMING))
    held = select(
        t.first.label("first"),
        t.last.label("last"),
        literal("held").label("kind"),
        t.block_number.label("block_number"),
        t.log_index.label("log_index"),
    ).where(
        *unspent,
        t.first >= _lower_bound(session, t.first, first, *unspent),
        t.first <= last,
        t.last >= first,
    )
    consumed = select(
        r.first.label("first"),
        r.last.label("last"),
        r.kind.label("kind"),
        r.block_number.label("block_number"),
        r.log_index.label("log_index"),
    ).where(*consuming, r.first <= last, r.last >= first)
    pieces = union_all(held, consumed).subquery()
    page = session.execute(
        select(pieces).order_by(pieces.c.first).limit(limit).offset(offset)
    ).all()
    total = _total(session, pieces, len(page), limit, offset)

    held_keys = [(p.block_number, p.log_index, p.first) for p in page if p.kind == "held"]
    holders: dict[tuple[int, int, int], Any] = {}
    for part in [
        held_keys[i : i + KEYS_PER_QUERY] for i in range(0, len(held_keys), KEYS_PER_QUERY)
    ]:
        for row in session.execute(
            select(t, Account.holder_name, Account.side)
            .join(Account, Account.address == t.account)
            .where(
                t.batch_id == batch.id,
                or_(
                    *(and_(t.block_number == b, t.log_index == i, t.first == f) for b, i, f in part)
                ),
            )
        ).all():
            piece: HoldingRange = row.HoldingRange
            holders[(piece.block_number, piece.log_index, piece.first)] = row
    consumer_keys = sorted({(p.block_number, p.log_index) for p in page if p.kind != "held"})
    consumers: dict[tuple[int, int], Any] = {}
    m = MovementRow
    for keys in _chunks(consumer_keys):
        for consumer in session.execute(
            select(m, Account.holder_name)
            .join(Account, Account.address == m.to_account)
            .where(at_events(m.block_number, m.log_index, keys))
        ).all():
            consumers[(consumer.Movement.block_number, consumer.Movement.log_index)] = consumer

    found: list[Whereabouts] = []
    for p in page:
        a, b = max(p.first, first), min(p.last, last)
        if p.kind == "held":
            row = holders[(p.block_number, p.log_index, p.first)]
            found.append(
                Whereabouts(
                    first=a,
                    last=b,
                    quantity=b - a + 1,
                    location="held",
                    account=row.HoldingRange.account,
                    holder_name=row.holder_name,
                    side=row.side,
                    record_id=None,
                    block_id=block_id(row.side, batch.project_ref, batch.vintage, a, b),
                    proof=proof(row.HoldingRange),
                )
            )
        else:
            row = consumers[(p.block_number, p.log_index)]
            mv: MovementRow = row.Movement
            found.append(
                Whereabouts(
                    first=a,
                    last=b,
                    quantity=b - a + 1,
                    location="retired" if mv.kind == "retirement" else "cancelled",
                    account=mv.to_account,
                    holder_name=row.holder_name,
                    side=mv.to_side,
                    record_id=mv.record_id,
                    block_id=block_id(mv.to_side, batch.project_ref, batch.vintage, a, b),
                    proof=proof(mv),
                )
            )
    return found, total


def _history(
    session: Session, batch: Batch, first: int, last: int, limit: int, offset: int
) -> Page[Movement]:
    """One page of the movements that moved any of serials ``first..last``, oldest first."""
    r, m = MovementRange, MovementRow
    touching = (
        select(r.block_number, r.log_index)
        .where(r.batch_id == batch.id, r.first <= last, r.last >= first)
        .distinct()
        .subquery()
    )
    keys = [
        (row.block_number, row.log_index)
        for row in session.execute(
            select(touching)
            .order_by(touching.c.block_number, touching.c.log_index)
            .limit(limit)
            .offset(offset)
        ).all()
    ]
    total = _total(session, touching, len(keys), limit, offset)
    rows: list[Any] = []
    for part in _chunks(keys):
        rows += session.execute(
            _movement_query().where(at_events(m.block_number, m.log_index, part))
        ).all()
    rows.sort(key=lambda row: (row.Movement.block_number, row.Movement.log_index))
    return Page[Movement](
        items=movements_out(session, rows), total=total, limit=limit, offset=offset
    )


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
    batch = _batch_of(session, first)
    if batch is None:
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
            authorization=session.execute(
                select(article6.current_authorization()).where(Batch.id == batch.id)
            ).scalar_one(),
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
