"""Read queries of Article 6: a batch's current authorization and its history, the serials first
transferred, and each country's first-transfer definition (all from ``JCMArticle6``'s events)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, select
from sqlalchemy.orm import Session

from api.models import AuthorizationChangeOut, FirstTransferOut, Page
from api.queries.common import PagedQuery, maybe_chain_time, proof
from api.tables import (
    AuthorizationChange,
    Batch,
    FirstTransferDefinitionChange,
    FirstTransferRange,
    table_of,
)
from registry_client.domain import FirstTransferDefinition

DEFAULT_DEFINITION = FirstTransferDefinition.INTERNATIONAL_TRANSFER.key


def _latest(column: Any) -> Any:
    c = AuthorizationChange
    return (
        select(column)
        .where(c.batch_id == Batch.id)
        .order_by(c.block_number.desc(), c.log_index.desc())
        .limit(1)
        .scalar_subquery()
    )


def current_authorization() -> ColumnElement[str]:
    """A batch's authorization now: its latest ``AuthorizationSet``, else its issuance's."""
    return func.coalesce(_latest(AuthorizationChange.authorization), Batch.authorization)


def current_authorization_columns() -> list[Any]:
    """``authorization``, ``authorization_id`` and ``authorization_date`` now, labelled
    ``current_*``, for a select of :class:`api.tables.Batch`."""
    c = AuthorizationChange
    return [
        current_authorization().label("current_authorization"),
        func.coalesce(_latest(c.authorization_id), Batch.authorization_id).label(
            "current_authorization_id"
        ),
        func.coalesce(_latest(c.authorization_date), Batch.authorization_date).label(
            "current_authorization_date"
        ),
    ]


def authorization_history(session: Session, batch_id: int) -> list[AuthorizationChangeOut]:
    """The authorizing party's decisions on a batch, oldest first."""
    c = AuthorizationChange
    rows = session.execute(
        select(c).where(c.batch_id == batch_id).order_by(c.block_number, c.log_index)
    ).scalars()
    return [
        AuthorizationChangeOut(
            previous=row.previous,
            authorization=row.authorization,
            authorization_id=row.authorization_id,
            authorization_date=maybe_chain_time(row.authorization_date),
            proof=proof(row),
        )
        for row in rows
    ]


def _first_transfer(row: Any, first: int, last: int) -> FirstTransferOut:
    lo, hi = max(row.first, first), min(row.last, last)
    return FirstTransferOut(
        batch_id=row.batch_id,
        first=lo,
        last=hi,
        quantity=hi - lo + 1,
        from_party=row.from_party,
        to_party=row.to_party,
        trigger=row.trigger,
        proof=proof(row),
    )


_first_transfer_ranges = table_of(FirstTransferRange)
_FIRST_TRANSFERS = PagedQuery.of(
    select(_first_transfer_ranges)
    .where(
        _first_transfer_ranges.c.batch_id == bindparam("batch_id"),
        _first_transfer_ranges.c.first <= bindparam("last"),
        _first_transfer_ranges.c.last >= bindparam("first"),
    )
    .order_by(_first_transfer_ranges.c.first)
)


def first_transfers(
    session: Session,
    batch_id: int,
    first: int,
    last: int,
    limit: int,
    offset: int,
) -> Page[FirstTransferOut]:
    """The first transfers of serials ``first..last`` of a batch, by serial, clipped to them.

    A serial is first transferred at most once, so the pieces never overlap; serials in none of
    them were never first transferred.
    """
    rows, total = _FIRST_TRANSFERS.run(
        session, limit, offset, batch_id=batch_id, first=first, last=last
    )
    items = [_first_transfer(row, first, last) for row in rows]
    return Page[FirstTransferOut](items=items, total=total, limit=limit, offset=offset)


def definition(session: Session, country: str) -> str:
    """``country``'s first-transfer definition now (``international_transfer`` until set)."""
    d = FirstTransferDefinitionChange
    found = session.execute(
        select(d.definition)
        .where(d.country == country)
        .order_by(d.block_number.desc(), d.log_index.desc())
        .limit(1)
    ).scalar()
    return str(found) if found else DEFAULT_DEFINITION
