"""Registry-wide statistics, the published reports, and the health of the index."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.catchup import CATCH_UP_KEY
from api.models import (
    MOVEMENT_KINDS,
    AccountTypeReport,
    AccountTypeRow,
    AnnualReport,
    AnnualRow,
    CommitteeAddress,
    CountryQuantities,
    Counts,
    Health,
    SideQuantities,
    Stats,
    VintageQuantities,
)
from api.queries import governance
from api.queries.common import as_int
from api.queries.entities import quantities
from api.tables import (
    Account,
    Batch,
    Block,
    CancellationRecord,
    Checkpoint,
    CommitteeAssignment,
    Country,
    Holding,
    Meta,
    Movement,
    Project,
    RetirementRecord,
)
from registry_client.chain import RpcClient, RpcError
from registry_client.domain import JAPAN, AccountKind, side_code
from registry_client.node_url import public_node_url

KINDS = AccountKind.keys()[1:]  # every kind but NONE, in on-chain order
HOLDING_KINDS = (AccountKind.HOLDING.key, AccountKind.GOVERNMENT_HOLDING.key)


def indexed_block(session: Session) -> int:
    """The last block the index has applied (-1 before the first)."""
    cp = session.get(Checkpoint, 1)
    return cp.block_number if cp is not None else -1


def _grouped(session: Session, column: Any, value: Any, *joins: Any) -> dict[Any, int]:
    query = select(column, func.sum(value)).group_by(column)
    for target, on in joins:
        query = query.join(target, on)
    return {key: as_int(total) for key, total in session.execute(query).all()}


def stats(session: Session) -> Stats:
    """Totals issued, held, retired and cancelled; by country, vintage and registry side."""
    retire_join = (Batch, Batch.id == RetirementRecord.batch_id)
    cancel_join = (Batch, Batch.id == CancellationRecord.batch_id)
    by: dict[str, list[Any]] = {}
    for name, column in (("country", Batch.country), ("vintage", Batch.vintage)):
        issued = _grouped(session, column, Batch.quantity)
        retired = _grouped(session, column, RetirementRecord.quantity, retire_join)
        cancelled = _grouped(session, column, CancellationRecord.quantity, cancel_join)
        by[name] = [
            (key, quantities(issued.get(key, 0), retired.get(key, 0), cancelled.get(key, 0)))
            for key in sorted(issued)
        ]
    total_issued = sum(q.issued for _k, q in by["country"])
    total_retired = sum(q.retired for _k, q in by["country"])
    total_cancelled = sum(q.cancelled for _k, q in by["country"])

    m = Movement
    issued_to = {
        k: as_int(v)
        for k, v in session.execute(
            select(m.to_side, func.sum(m.quantity)).where(m.kind == "issuance").group_by(m.to_side)
        ).all()
    }
    intl_in = {
        k: as_int(v)
        for k, v in session.execute(
            select(m.to_side, func.sum(m.quantity))
            .where(m.kind == "international_transfer")
            .group_by(m.to_side)
        ).all()
    }
    intl_out = {
        k: as_int(v)
        for k, v in session.execute(
            select(m.from_side, func.sum(m.quantity))
            .where(m.kind == "international_transfer")
            .group_by(m.from_side)
        ).all()
    }
    held = {
        k: as_int(v)
        for k, v in session.execute(
            select(Account.side, func.sum(Holding.balance))
            .join(Account, Account.address == Holding.account)
            .where(Account.kind.in_(HOLDING_KINDS))
            .group_by(Account.side)
        ).all()
    }
    retired_by = _grouped(session, RetirementRecord.side, RetirementRecord.quantity)
    cancelled_by = _grouped(session, CancellationRecord.side, CancellationRecord.quantity)
    sides = sorted({JAPAN, *session.execute(select(Country.code)).scalars(), *issued_to, *held})
    return Stats(
        totals=quantities(total_issued, total_retired, total_cancelled),
        by_country=[CountryQuantities(country=k, **q.model_dump()) for k, q in by["country"]],
        by_vintage=[VintageQuantities(vintage=k, **q.model_dump()) for k, q in by["vintage"]],
        by_side=[
            SideQuantities(
                side=side,
                issued=issued_to.get(side, 0),
                held=held.get(side, 0),
                retired=retired_by.get(side, 0),
                cancelled=cancelled_by.get(side, 0),
                transferred_in=intl_in.get(side, 0),
                transferred_out=intl_out.get(side, 0),
            )
            for side in sides
        ],
        counts=Counts(
            countries=_count(session, Country),
            projects=_count(session, Project),
            batches=_count(session, Batch),
            accounts=_count(session, Account),
            transactions=as_int(
                session.execute(select(func.count(func.distinct(m.tx_hash)))).scalar()
            ),
            retirements=_count(session, RetirementRecord),
            cancellations=_count(session, CancellationRecord),
        ),
        indexed_block=indexed_block(session),
    )


def _count(session: Session, model: Any) -> int:
    return as_int(session.execute(select(func.count()).select_from(model)).scalar())


def _type_rows(
    accounts: dict[tuple[str, str], int], amounts: dict[tuple[str, str], int]
) -> tuple[list[AccountTypeRow], list[AccountTypeRow]]:
    keys = sorted(set(accounts) | set(amounts), key=lambda k: (k[0], KINDS.index(k[1])))
    rows = [
        AccountTypeRow.model_validate(
            {
                "side": side,
                "kind": kind,
                "accounts": accounts.get((side, kind), 0),
                "quantity": amounts.get((side, kind), 0),
            }
        )
        for side, kind in keys
    ]
    totals = [
        AccountTypeRow.model_validate(
            {
                "side": "*",
                "kind": kind,
                "accounts": sum(r.accounts for r in rows if r.kind == kind),
                "quantity": sum(r.quantity for r in rows if r.kind == kind),
            }
        )
        for kind in KINDS
    ]
    return rows, totals


def account_types(session: Session, side: str | None = None) -> AccountTypeReport:
    """Accounts and credits per account type (and registry side), now."""
    accounts_q = select(Account.side, Account.kind, func.count()).group_by(
        Account.side, Account.kind
    )
    amounts_q = (
        select(Account.side, Account.kind, func.sum(Holding.balance))
        .join(Account, Account.address == Holding.account)
        .group_by(Account.side, Account.kind)
    )
    if side:
        code = side_code(side)
        accounts_q = accounts_q.where(Account.side == code)
        amounts_q = amounts_q.where(Account.side == code)
    accounts = {(s, k): as_int(n) for s, k, n in session.execute(accounts_q).all()}
    amounts = {(s, k): as_int(n) for s, k, n in session.execute(amounts_q).all()}
    rows, totals = _type_rows(accounts, amounts)
    return AccountTypeReport(indexed_block=indexed_block(session), rows=rows, totals=totals)


def annual(session: Session, year: int, side: str | None = None) -> AnnualReport:
    """The year's transactions per kind and side, and quantities per account type at its end."""
    start = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC) if year < 9999 else datetime.max.replace(tzinfo=UTC)
    lo, hi = int(start.timestamp()), int(end.timestamp())
    side = side_code(side) if side else None
    m = Movement
    acting_side = func.coalesce(m.from_side, m.to_side)
    tx_q = (
        select(acting_side, m.kind, func.count(), func.sum(m.quantity))
        .where(m.timestamp >= lo, m.timestamp < hi)
        .group_by(acting_side, m.kind)
    )
    if side:
        tx_q = tx_q.where(acting_side == side)
    transactions = sorted(
        (
            AnnualRow.model_validate(
                {"side": s, "kind": k, "transactions": as_int(n), "quantity": as_int(q)}
            )
            for s, k, n, q in session.execute(tx_q).all()
        ),
        key=lambda r: (r.side, MOVEMENT_KINDS.index(r.kind)),
    )

    balances: dict[tuple[str, str], int] = defaultdict(int)
    for column, sign in ((m.to_account, 1), (m.from_account, -1)):
        q = (
            select(Account.side, Account.kind, func.sum(m.quantity))
            .join(Account, Account.address == column)
            .where(m.timestamp < hi)
            .group_by(Account.side, Account.kind)
        )
        for s, k, total in session.execute(q).all():
            balances[(s, k)] += sign * as_int(total)
    opened_q = (
        select(Account.side, Account.kind, func.count())
        .where(Account.timestamp < hi)
        .group_by(Account.side, Account.kind)
    )
    opened = {(s, k): as_int(n) for s, k, n in session.execute(opened_q).all()}
    if side:
        balances = defaultdict(int, {k: v for k, v in balances.items() if k[0] == side})
        opened = {k: v for k, v in opened.items() if k[0] == side}
    rows, _totals = _type_rows(opened, dict(balances))

    cp = session.get(Checkpoint, 1)
    reached = 0
    if cp is not None and cp.block_number >= 0:
        block = session.get(Block, cp.block_number)
        reached = block.timestamp if block is not None else 0
    return AnnualReport(
        year=year,
        start=start,
        end=end,
        complete=reached >= hi,
        transactions=transactions,
        year_end=rows,
    )


def health(
    session: Session, rpc_url: str | None, allowed_lag: int = 10, timeout: float = 5.0
) -> Health:
    """What the index serves and how far behind the chain it is (``lagging`` beyond ``allowed_lag``
    blocks)."""
    meta = {row.key: row.value for row in session.execute(select(Meta)).scalars()}
    cp = session.get(Checkpoint, 1)
    a = CommitteeAssignment
    latest = {}
    for row in session.execute(select(a).order_by(a.block_number, a.log_index)).scalars():
        latest[row.country] = row.committee
    indexed = cp.block_number if cp is not None else -1
    head: int | None = None
    error: str | None = None
    if rpc_url:
        try:
            with RpcClient(rpc_url, timeout=timeout) as rpc:
                head = rpc.block_number()
        except RpcError as exc:
            error = str(exc)
    else:
        error = "no JSON-RPC endpoint configured (JCM_RPC_URL)"
    lag = head - indexed if head is not None and indexed >= 0 else None
    if not meta.get("registry"):
        status = "empty"
    elif head is None:
        status = "chain_unreachable"
    elif CATCH_UP_KEY in meta:
        status = "catching_up"  # correct answers, slow ones: the API's indexes are set aside
    else:
        status = "ok" if lag is not None and lag <= allowed_lag else "lagging"
    return Health(
        status=status,  # type: ignore[arg-type]
        node=public_node_url(rpc_url) if rpc_url else None,
        chain_id=int(meta["chain_id"]) if "chain_id" in meta else None,
        registry=meta.get("registry"),
        projects=meta.get("projects"),
        committees=[
            CommitteeAddress(country=c, committee=addr) for c, addr in sorted(latest.items())
        ],
        paused=governance.pause_state(session).paused,
        chain_head=head,
        indexed_block=indexed,
        indexed_block_hash=(cp.block_hash or None) if cp is not None else None,
        lag=lag,
        error=error,
    )
