"""Undoing what the index holds past a fork point (chain reorganisations).

Every event-derived row carries the block it came from, so rolling back to block ``fork`` is:

1. delete every row created by a block above ``fork``;
2. un-spend the holding pieces spent by a block above ``fork`` (their replacements are deleted by
1);
3. recompute the balance of each (account, batch) those blocks moved credits of, from the movements
   that remain, and drop holdings no remaining movement touches;
4. drop committee rows of committees no remaining ``CountryAdded``/``CommitteeSet`` names (their
   early events were fetched when the committee was first named, possibly below the fork).

All of it runs in the caller's transaction together with the checkpoint moving back to ``fork``.
"""

from __future__ import annotations

from sqlalchemy import delete, func, or_, select, union, update
from sqlalchemy.orm import Session

from api.tables import (
    EVENT_TABLES,
    Block,
    CommitteeAssignment,
    CommitteeMember,
    CommitteeMembership,
    Decision,
    Event,
    Holding,
    HoldingRange,
    Movement,
    table_of,
)


def rollback_to(session: Session, fork: int, contracts: list[str]) -> int:
    """Remove everything indexed from blocks above ``fork``; return the number of events undone.

    Args:
        session: session inside the transaction that also moves the checkpoint.
        fork: the last block that is still on the chain.
        contracts: the registry and projects addresses (their events never become orphans).
    """
    m = table_of(Movement)
    undone = session.execute(
        select(func.count()).select_from(table_of(Event)).where(Event.block_number > fork)
    ).scalar_one()
    pairs = union(
        select(m.c.from_account.label("account"), m.c.batch_id).where(
            m.c.block_number > fork, m.c.from_account.is_not(None)
        ),
        select(m.c.to_account.label("account"), m.c.batch_id).where(m.c.block_number > fork),
    )
    affected = [(row.account, row.batch_id) for row in session.execute(pairs)]

    hr = table_of(HoldingRange)
    session.execute(
        update(hr)
        .where(hr.c.spent_block_number > fork)
        .values(
            spent_block_number=None, spent_log_index=None, spent_block_hash=None, spent_tx_hash=None
        )
    )
    for model in EVENT_TABLES:
        if model is Holding:
            continue
        table = table_of(model)
        session.execute(delete(table).where(table.c.block_number > fork))
    for account, batch_id in affected:
        _recompute_holding(session, account, batch_id)
    _drop_orphan_committees(session, contracts)
    session.execute(delete(table_of(Block)).where(table_of(Block).c.number > fork))
    return int(undone)


def _recompute_holding(session: Session, account: str, batch_id: int) -> None:
    m = table_of(Movement)
    h = table_of(Holding)
    received = session.execute(
        select(func.coalesce(func.sum(m.c.quantity), 0)).where(
            m.c.to_account == account, m.c.batch_id == batch_id
        )
    ).scalar_one()
    sent = session.execute(
        select(func.coalesce(func.sum(m.c.quantity), 0)).where(
            m.c.from_account == account, m.c.batch_id == batch_id
        )
    ).scalar_one()
    latest = session.execute(
        select(m.c.block_number, m.c.log_index, m.c.block_hash, m.c.tx_hash, m.c.timestamp)
        .where(
            m.c.batch_id == batch_id,
            or_(m.c.to_account == account, m.c.from_account == account),
        )
        .order_by(m.c.block_number.desc(), m.c.log_index.desc())
        .limit(1)
    ).first()
    where = (h.c.account == account) & (h.c.batch_id == batch_id)
    if latest is None:
        session.execute(delete(h).where(where))
        return
    session.execute(
        update(h)
        .where(where)
        .values(
            balance=int(received) - int(sent),
            block_number=latest.block_number,
            log_index=latest.log_index,
            block_hash=latest.block_hash,
            tx_hash=latest.tx_hash,
            timestamp=latest.timestamp,
        )
    )


def _drop_orphan_committees(session: Session, contracts: list[str]) -> None:
    named = select(table_of(CommitteeAssignment).c.committee)
    for model in (CommitteeMembership, CommitteeMember, Decision):
        table = table_of(model)
        session.execute(delete(table).where(table.c.committee.not_in(named)))
    events = table_of(Event)
    session.execute(
        delete(events).where(events.c.address.not_in(contracts), events.c.address.not_in(named))
    )
