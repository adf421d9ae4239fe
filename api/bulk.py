"""Bulk writes of index rows, in whatever way each database takes them fastest.

A block range of a long history carries tens of thousands of rows; SQLAlchemy's ``insert()``
executemany builds every row's parameters through its compiled statement, which cost more than
the database's own work (profiled in ``bench/README.md``). The rows here go to the driver
directly, inside the caller's transaction (the session's connection), after the column types' own
bind processing (:class:`api.tables.Uint64`, :class:`api.tables.ChainText`):

- PostgreSQL: ``COPY ... FROM STDIN`` through psycopg 3;
- SQLite: one prepared ``INSERT`` run by ``executemany`` with tuples.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Column, Connection, Table
from sqlalchemy.orm import Session

from api.tables import ChainText


def _processors(
    connection: Connection, columns: Sequence[Column[Any]]
) -> list[Callable[[Any], Any] | None]:
    dialect = connection.dialect
    return [
        None  # stored as it is there: no call per value
        if isinstance(c.type, ChainText) and dialect.name != "postgresql"
        else c.type.dialect_impl(dialect).bind_processor(dialect)
        for c in columns
    ]


def _tuples(
    connection: Connection, columns: Sequence[Column[Any]], rows: Sequence[dict[str, Any]]
) -> list[Any]:
    """The rows as sequences in ``columns``' order, each value as the column's type binds it."""
    get = itemgetter(*(c.key for c in columns))
    if len(columns) == 1:
        return [(get(row),) for row in rows]
    processed = [(i, p) for i, p in enumerate(_processors(connection, columns)) if p is not None]
    if not processed:
        return [get(row) for row in rows]
    values = [list(get(row)) for row in rows]
    for i, process in processed:
        for value in values:
            value[i] = process(value[i])
    return [tuple(value) for value in values]


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys, a subset of ``table``'s columns) into ``table``
    in the session's transaction."""
    if not rows:
        return
    connection = session.connection()
    columns = [c for c in table.columns if c.key in rows[0]]
    values = _tuples(connection, columns, rows)
    quote = connection.dialect.identifier_preparer.quote
    names = ", ".join(quote(c.name) for c in columns)
    target = quote(table.name)
    if connection.dialect.name == "postgresql":
        driver = connection.connection.driver_connection
        assert driver is not None
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy,
        ):
            for value in values:
                copy.write_row(value)
        return
    marks = ", ".join("?" for _ in columns)
    connection.exec_driver_sql(f"INSERT INTO {target} ({names}) VALUES ({marks})", values)
