"""Catching up a long history: the API's secondary indexes set aside until the index is there.

Every row a transfer writes costs an entry in each index of its table, and the entries keyed by
addresses and transaction hashes land on random pages of large B-trees: most of what the database
did while the indexer caught up a million events (profiled in ``bench/README.md``). The API's
look-ups need those indexes; the indexer itself reads none of them but the holdings' pieces by
account. So an indexer that starts on an empty index far behind the chain drops them, applies the
history, and builds them once at the end, which sorts each index once instead of inserting a
million entries one by one.

Crash-safe by construction: entering records :data:`CATCH_UP_KEY` in ``meta`` in the same
transaction that drops the indexes, leaving removes it in the transaction that builds them, so
the database always says whether its indexes are set aside, and an indexer that restarts after
a crash goes on catching up where the checkpoint is and builds them when it is done. Meanwhile
the API answers every query correctly, from the tables (only slower), and ``/v1/health`` says
``catching_up``.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import Index, delete
from sqlalchemy.orm import Session

from api.tables import EVENT_TABLES, Base, Meta, table_of

log = logging.getLogger("api.indexer")

CATCH_UP_KEY = "catching_up"
"""The :class:`api.tables.Meta` key present while the secondary indexes are set aside (its value:
the block the catch-up started from)."""

GROWING_TABLES: tuple[type[Base], ...] = tuple(
    model
    for model in EVENT_TABLES
    if model.__tablename__
    in {
        "events", "movements", "movement_ranges", "holding_ranges", "holdings", "retirements",
        "cancellations", "first_transfer_ranges",
    }
)  # fmt: skip
"""The tables movements write (a row or more per event); the others stay small."""

KEPT_WHILE_CATCHING_UP = frozenset({"ix_holding_ranges_account"})
"""Indexes the indexer itself reads: a holding's unspent pieces by account, when it has not
cached them."""


def deferred_indexes() -> list[Index]:
    """The secondary indexes set aside while catching up: every non-unique index of
    :data:`GROWING_TABLES` but those of :data:`KEPT_WHILE_CATCHING_UP`."""
    return [
        index
        for model in GROWING_TABLES
        for index in sorted(table_of(model).indexes, key=lambda i: str(i.name))
        if not index.unique and index.name not in KEPT_WHILE_CATCHING_UP
    ]


def catching_up(session: Session) -> bool:
    """Whether the index's secondary indexes are set aside for a catch-up."""
    return session.get(Meta, CATCH_UP_KEY) is not None


def enter(session: Session, checkpoint: int) -> None:
    """Set the secondary indexes aside, in the caller's transaction (which must commit it)."""
    # The flag first: on SQLite the driver opens the transaction at the first write, so the
    # DROPs after it are part of it (a DROP alone would run outside any transaction).
    session.add(Meta(key=CATCH_UP_KEY, value=str(checkpoint)))
    session.flush()
    connection = session.connection()
    for index in deferred_indexes():
        index.drop(connection, checkfirst=True)
    log.info("catching up from block %d: the API's indexes are built when it is done", checkpoint)


def leave(session: Session) -> None:
    """Build the secondary indexes set aside, in the caller's transaction (which must commit
    it)."""
    started = time.perf_counter()
    session.execute(delete(Meta).where(Meta.key == CATCH_UP_KEY))  # first, as in :func:`enter`
    connection = session.connection()
    for index in deferred_indexes():
        index.create(connection, checkfirst=True)
    log.info("caught up: the API's indexes built in %.1f s", time.perf_counter() - started)
