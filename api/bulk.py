"""Bulk writes of index rows, in whatever way each database takes them fastest.

A block range of a long history carries tens of thousands of rows; SQLAlchemy's ``insert()``
executemany builds every row's parameters through its compiled statement, which cost more than
the database's own work (profiled in ``bench/README.md``). The rows here go to the driver
directly, inside the caller's transaction (the session's connection), after the column types' own
bind processing (:class:`api.tables.Uint64`, :class:`api.tables.ChainText`):

- PostgreSQL: ``COPY ... FROM STDIN`` through psycopg 3;
- SQLite: one prepared ``INSERT`` run by ``executemany`` with the rows as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Column, Connection, Table
from sqlalchemy.orm import Session

from api.tables import MAX_INT64, ChainText, Uint64


def _processors(
    connection: Connection, columns: Sequence[Column[Any]], rows: Sequence[Sequence[Any]]
) -> list[tuple[int, Callable[[Any], Any]]]:
    """The bind processors ``rows`` need, by column position: none for text on SQLite (stored as
    it is), none for a :class:`Uint64` column on SQLite whose values all fit its INTEGER (one C
    pass over the column instead of a Python call per value)."""
    dialect = connection.dialect
    sqlite = dialect.name == "sqlite"
    needed: list[tuple[int, Callable[[Any], Any]]] = []
    for i, column in enumerate(columns):
        if sqlite and isinstance(column.type, ChainText):
            continue
        process = column.type.dialect_impl(dialect).bind_processor(dialect)
        if process is None:
            continue
        if sqlite and isinstance(column.type, Uint64):
            values = [row[i] for row in rows]
            if None not in values and max(values) <= MAX_INT64:
                continue
        needed.append((i, process))
    return needed


def _bound(
    connection: Connection, columns: Sequence[Column[Any]], rows: Sequence[Sequence[Any]]
) -> Sequence[Sequence[Any]]:
    """``rows`` with each value as its column's type binds it."""
    processors = _processors(connection, columns, rows)
    if not processors:
        return rows
    values = [list(row) for row in rows]
    for i, process in processors:
        for value in values:
            value[i] = process(value[i])
    return values


def insert_tuples(
    session: Session, table: Table, keys: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert ``rows`` (sequences of the values of the columns named by ``keys``, in that order)
    into ``table`` in the session's transaction."""
    if not rows:
        return
    connection = session.connection()
    columns = [table.c[key] for key in keys]
    values = _bound(connection, columns, rows)
    quote = connection.dialect.identifier_preparer.quote
    names = ", ".join(quote(c.name) for c in columns)
    target = quote(table.name)
    driver = connection.connection.driver_connection
    assert driver is not None
    if connection.dialect.name == "postgresql":
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy,
        ):
            for value in values:
                copy.write_row(value)
        return
    marks = ", ".join("?" for _ in columns)
    driver.executemany(f"INSERT INTO {target} ({names}) VALUES ({marks})", values)


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys, a subset of ``table``'s columns) into ``table``
    in the session's transaction."""
    if not rows:
        return
    keys = [c.key for c in table.columns if c.key in rows[0]]
    get = itemgetter(*keys)
    insert_tuples(
        session,
        table,
        keys,
        [(get(row),) for row in rows] if len(keys) == 1 else list(map(get, rows)),
    )
