"""Helpers shared by the read queries: proofs, times, pages, block ids, errors."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Row, Select, bindparam, func, select
from sqlalchemy.orm import Session

from api.models import Page, Proof
from registry_client.errors import InvalidInput
from registry_client.serials import format_block_id

T = TypeVar("T")

AnySelect = Select[*tuple[Any, ...]]
"""A select of any columns."""

MAX_DB_INT = 2**63 - 1
"""The largest number the index stores (BIGINT); ids and serials above it cannot exist."""


class NotFoundError(LookupError):
    """The asked entity is not in the index (the API answers 404)."""


class BadQueryError(ValueError):
    """The request is well formed but asks for something impossible (the API answers 400)."""


def when(timestamp: int) -> datetime:
    """Unix seconds as an aware UTC datetime."""
    return datetime.fromtimestamp(timestamp, UTC)


def maybe_when(timestamp: int) -> datetime | None:
    """Unix seconds as a datetime, ``None`` for 0 (not set)."""
    return when(timestamp) if timestamp else None


#: The last second a datetime can show (9999-12-31 23:59:59 UTC).
MAX_DATETIME_SECONDS = int(datetime.max.replace(tzinfo=UTC).timestamp())


def chain_time(timestamp: int) -> datetime | int:
    """A date an event states (a ``uint64`` of unix seconds) as a datetime, or as the number
    itself when it lies beyond what a datetime can show (the contracts accept any ``uint64``)."""
    return when(timestamp) if 0 <= timestamp <= MAX_DATETIME_SECONDS else timestamp


def maybe_chain_time(timestamp: int) -> datetime | int | None:
    """:func:`chain_time`, ``None`` for 0 (not set)."""
    return chain_time(timestamp) if timestamp else None


def unix(value: datetime) -> int:
    """A datetime (naive means UTC) as unix seconds, clamped to the stored range."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return max(-MAX_DB_INT, min(MAX_DB_INT, int(aware.timestamp())))


PROVENANCE = ("block_number", "block_hash", "tx_hash", "log_index", "timestamp")
"""The columns :func:`proof` reads."""


def proof(row: Any) -> Proof:
    """The proof of a row with provenance columns (``block_number``, ``block_hash``, ...)."""
    return Proof(
        block_number=row.block_number,
        block_hash=row.block_hash,
        tx_hash=row.tx_hash,
        log_index=row.log_index,
        timestamp=when(row.timestamp),
    )


def block_id(side: str, project_ref: str, vintage: int, first: int, last: int) -> str | None:
    """The serial block id of a range, or ``None`` when the project reference cannot appear in
    one."""
    try:
        return format_block_id(side, project_ref, vintage, first, last)
    except InvalidInput:
        return None


def as_int(value: Any) -> int:
    """A SQL aggregate as ``int`` (PostgreSQL returns ``Decimal`` for sums of BIGINT)."""
    return int(value or 0)


def count(session: Session, query: AnySelect) -> int:
    """The number of rows ``query`` returns."""
    return as_int(
        session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar()
    )


def known_total(found: int, limit: int, offset: int) -> int | None:
    """The length of a list one page of which (at ``offset``, up to ``limit``) held ``found``
    items, when that page tells it: a page neither full nor past the end is the list's last (the
    common look-up: an account's few holdings, one serial's movements). ``None``: count."""
    return offset + found if found < limit and (found or not offset) else None


def paginate(
    session: Session,
    query: AnySelect,
    limit: int,
    offset: int,
    convert: Callable[[Sequence[Any]], list[T]],
) -> Page[T]:
    """Run ``query`` (already ordered) for one page and convert its rows (the total counted only
    when the page does not tell it, :func:`known_total`)."""
    rows = session.execute(query.limit(limit).offset(offset)).all()
    total = known_total(len(rows), limit, offset)
    if total is None:
        total = count(session, query)
    return Page[T](items=convert(rows), total=total, limit=limit, offset=offset)


@dataclass(frozen=True)
class PagedQuery:
    """A list query built once, with bound parameters: one page of it (``limit`` and ``offset``
    bound too) and its count.

    A statement built per request costs more Python than running it (SQLAlchemy builds the
    expression, then hashes it for its compiled cache); one built once is compiled once and only
    bound on each run. It runs on the session's connection, outside the ORM, and its rows are
    tuples.
    """

    page: AnySelect
    count: AnySelect

    @classmethod
    def of(cls, query: AnySelect) -> PagedQuery:
        """``query`` (ordered, its parameters bound by name) paged and counted."""
        return cls(
            page=query.limit(bindparam("limit")).offset(bindparam("offset")),
            count=select(func.count()).select_from(query.order_by(None).subquery()),
        )

    def run(
        self, session: Session, limit: int, offset: int, **params: Any
    ) -> tuple[Sequence[Row[Any]], int]:
        """One page of rows with ``params`` bound, and how many rows there are in all (counted
        only when the page does not tell it, :func:`known_total`)."""
        connection = session.connection()
        rows = connection.execute(self.page, {**params, "limit": limit, "offset": offset}).all()
        total = known_total(len(rows), limit, offset)
        if total is None:
            total = as_int(connection.execute(self.count, params).scalar())
        return rows, total
