"""Database engines for the index: SQLite (a file, the default) or PostgreSQL (psycopg 3), one
schema.

``postgresql://`` and ``postgres://`` URLs are read as ``postgresql+psycopg://``. SQLite runs in
WAL mode
with a busy timeout, so the API reads while the indexer writes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from api.tables import EVENT_TABLES, MAX_INT64, SCHEMA_VERSION, Base, Meta, table_of
from registry_client.settings import DEFAULT_API_POOL_SIZE

logger = logging.getLogger(__name__)


class IndexSchemaError(RuntimeError):
    """The database holds an index of another schema version, chain or registry."""


def normalize_url(url: str) -> str:
    """Return ``url`` with the psycopg 3 driver named for PostgreSQL URLs.

    Raises:
        ValueError: the URL is neither SQLite nor PostgreSQL.
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if backend == "sqlite":
        return url
    raise ValueError(f"unsupported database URL {url!r}: use sqlite:///FILE or postgresql://...")


class ExactSum:
    """SQLite's ``sum`` made exact for :class:`api.tables.Uint64` values (integers, and TEXT of
    digits above 2**63 - 1). The built-in ``sum`` turns such TEXT into a lossy REAL and fails with
    "integer overflow" past 2**63 - 1; this one adds Python integers and answers a TEXT of digits
    when the total does not fit SQLite's INTEGER (read back as an int by ``as_int``)."""

    def __init__(self) -> None:
        self.total: int | None = None

    def step(self, value: Any) -> None:
        if value is None:
            return
        self.total = (self.total or 0) + int(value)

    def finalize(self) -> int | str | None:
        if self.total is None or -MAX_INT64 - 1 <= self.total <= MAX_INT64:
            return self.total
        return str(self.total)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    # A long history's indexes outgrow SQLite's default 2 MB page cache: reads of the API and the
    # indexer's inserts then go to the file. Memory-mapped I/O shares the OS page cache between
    # connections and processes; the page cache itself is per connection, so it stays moderate.
    cursor.execute("PRAGMA mmap_size=1073741824")
    cursor.execute("PRAGMA cache_size=-32768")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()
    # Overrides the built-in sum() of one argument on this connection (SQLite lets an
    # application-defined function replace a built-in one).
    dbapi_connection.create_aggregate("sum", 1, ExactSum)


def make_engine(url: str, pool_size: int = DEFAULT_API_POOL_SIZE) -> Engine:
    """Create an engine for the index database at ``url`` (tables are not created here).

    Args:
        url: the database URL (:func:`normalize_url`).
        pool_size: connections kept open (``api_pool_size`` in an API worker). An API process
            answers requests on a thread pool; this many serve them without reconnecting, and as
            many again are opened under bursts, so ``workers x 2 x pool_size`` bounds what the API
            holds of PostgreSQL's ``max_connections``.
    """
    normalized = normalize_url(url)
    pool = {"pool_size": pool_size, "max_overflow": pool_size}
    if make_url(normalized).get_backend_name() == "sqlite":
        engine = create_engine(normalized, connect_args={"check_same_thread": False}, **pool)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(normalized, pool_pre_ping=True, **pool)


def create_schema(engine: Engine, *, rebuild_stale: bool = False) -> None:
    """Create the index tables if missing and check the stored schema version.

    Args:
        rebuild_stale: an index of another schema version is dropped and created empty (the
            indexer then rebuilds it from the chain) instead of refused. For an index that is
            only ever derived from the chain and that nobody else keeps, such as the devnet's.

    Raises:
        IndexSchemaError: the database was written by another schema version (and
            ``rebuild_stale`` is not set).
    """
    Base.metadata.create_all(engine)
    with Session(engine) as session, session.begin():
        stored = session.get(Meta, "schema_version")
        if stored is None:
            session.add(Meta(key="schema_version", value=SCHEMA_VERSION))
            return
        if stored.value == SCHEMA_VERSION:
            return
        found = stored.value
    if not rebuild_stale:
        raise IndexSchemaError(
            f"the index database has schema version {found}, this code writes "
            f"{SCHEMA_VERSION}: index into a new database"
        )
    logger.warning(
        "the index database has schema version %s, this code writes %s: dropping it to rebuild "
        "it from the chain",
        found,
        SCHEMA_VERSION,
    )
    Base.metadata.drop_all(engine)
    create_schema(engine)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose sessions never expire loaded objects on commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def read_session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for reading (no commit)."""
    with factory() as session:
        yield session


def dump(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every event-derived row of the index, per table, sorted: for comparing two indexes.

    Bookkeeping (checkpoint, block list, meta) is left out: it depends on how the chain was read,
    not
    on what it holds.
    """
    result: dict[str, list[tuple[Any, ...]]] = {}
    for model in EVENT_TABLES:
        table = table_of(model)
        columns = list(table.columns)
        rows = session.execute(select(*columns)).all()
        result[table.name] = sorted(
            (tuple(row) for row in rows), key=lambda row: json.dumps(row, default=str)
        )
    return result
