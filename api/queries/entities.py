"""Read queries of countries, projects, batches, accounts and holdings."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, bindparam, exists, func, select
from sqlalchemy.orm import Session

from api.models import (
    AccountDetail,
    AccountOut,
    BatchDetail,
    BatchHolder,
    BatchOut,
    CommitteeAssignmentOut,
    CommitteeOut,
    CountryDetail,
    CountryOut,
    DecisionOut,
    HoldingOut,
    Page,
    ProjectDetail,
    ProjectOut,
    ProvenRange,
    Quantities,
    StatusChange,
)
from api.queries import article6, governance
from api.queries.common import (
    MAX_DB_INT,
    PROVENANCE,
    AnySelect,
    NotFoundError,
    PagedQuery,
    as_int,
    block_id,
    chain_time,
    maybe_chain_time,
    paginate,
    proof,
    when,
)
from api.tables import (
    Account,
    AccountStatusChange,
    Batch,
    CancellationRecord,
    CommitteeAssignment,
    CommitteeMember,
    CommitteeMembership,
    Country,
    Decision,
    Holding,
    HoldingRange,
    Movement,
    Project,
    RetirementRecord,
    table_of,
)
from registry_client.domain import JAPAN, AccountStatus, MemberSide, side_code

# -- shared expressions ------------------------------------------------------------------------


def account_status() -> ColumnElement[str]:
    """An account's current status: its latest status change, else ``active``."""
    c = AccountStatusChange
    latest = (
        select(c.status)
        .where(c.address == Account.address)
        .order_by(c.block_number.desc(), c.log_index.desc())
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(latest, AccountStatus.ACTIVE.key)


def _batch_retired() -> Any:
    r = RetirementRecord
    return (
        select(func.coalesce(func.sum(r.quantity), 0))
        .where(r.batch_id == Batch.id)
        .scalar_subquery()
    )


def _batch_cancelled() -> Any:
    c = CancellationRecord
    return (
        select(func.coalesce(func.sum(c.quantity), 0))
        .where(c.batch_id == Batch.id)
        .scalar_subquery()
    )


def _internationally_transferred() -> Any:
    m = Movement
    return exists().where(m.batch_id == Batch.id, m.first_international.is_(True))


def quantities(issued: Any, retired: Any, cancelled: Any) -> Quantities:
    """Quantities from issued, retired and cancelled totals (held is the rest)."""
    i, r, c = as_int(issued), as_int(retired), as_int(cancelled)
    return Quantities(issued=i, held=i - r - c, retired=r, cancelled=c)


# -- countries ---------------------------------------------------------------------------------


def _current_committee(session: Session, country: str) -> str:
    a = CommitteeAssignment
    return str(
        session.execute(
            select(a.committee)
            .where(a.country == country)
            .order_by(a.block_number.desc(), a.log_index.desc())
            .limit(1)
        ).scalar_one()
    )


def committee_membership(session: Session, committee: str) -> CommitteeOut | None:
    """A committee's latest membership, or ``None`` if it never emitted one."""
    m = CommitteeMembership
    row = session.execute(
        select(m).where(m.committee == committee).order_by(m.nonce.desc()).limit(1)
    ).scalar_one_or_none()
    if row is None:
        return None
    members = session.execute(
        select(CommitteeMember.member, CommitteeMember.side)
        .where(CommitteeMember.committee == committee, CommitteeMember.nonce == row.nonce)
        .order_by(CommitteeMember.side, CommitteeMember.position)
    ).all()
    return CommitteeOut(
        address=committee,
        nonce=row.nonce,
        japan_members=[m.member for m in members if m.side == MemberSide.JAPAN.key],
        partner_members=[m.member for m in members if m.side == MemberSide.PARTNER.key],
        japan_threshold=row.japan_threshold,
        partner_threshold=row.partner_threshold,
        proof=proof(row),
    )


def _country_out(session: Session, country: Country) -> dict[str, Any]:
    issued, retired, cancelled = _country_quantities(session, country.code)
    committee = _current_committee(session, country.code)
    projects = session.execute(select(func.count()).where(Project.country == country.code)).scalar()
    return {
        "code": country.code,
        "committee": committee,
        "membership": committee_membership(session, committee),
        "quantities": quantities(issued, retired, cancelled),
        "projects": as_int(projects),
        "proof": proof(country),
    }


def _country_quantities(session: Session, code: str) -> tuple[Any, Any, Any]:
    issued = session.execute(select(func.sum(Batch.quantity)).where(Batch.country == code)).scalar()
    retired = session.execute(
        select(func.sum(RetirementRecord.quantity))
        .join(Batch, Batch.id == RetirementRecord.batch_id)
        .where(Batch.country == code)
    ).scalar()
    cancelled = session.execute(
        select(func.sum(CancellationRecord.quantity))
        .join(Batch, Batch.id == CancellationRecord.batch_id)
        .where(Batch.country == code)
    ).scalar()
    return issued, retired, cancelled


def list_countries(session: Session, limit: int, offset: int) -> Page[CountryOut]:
    """Partner countries in the order they were added."""
    query = select(Country).order_by(Country.block_number, Country.log_index)

    def convert(rows: Sequence[Any]) -> list[CountryOut]:
        return [CountryOut(**_country_out(session, row.Country)) for row in rows]

    return paginate(session, query, limit, offset, convert)


def get_country(session: Session, code: str) -> CountryDetail:
    """A partner country with its committee's history and decisions.

    Raises:
        NotFoundError: no such partner country.
    """
    code = side_code(code)
    country = session.get(Country, code)
    if country is None:
        if code == JAPAN:
            raise NotFoundError("JP is Japan's registry side, not a partner country")
        raise NotFoundError(f"no partner country {code} has been added")
    a = CommitteeAssignment
    history = session.execute(
        select(a).where(a.country == code).order_by(a.block_number, a.log_index)
    ).scalars()
    committees = sorted(
        {row.committee for row in session.execute(select(a.committee).where(a.country == code))}
    )
    decisions = session.execute(
        select(Decision)
        .where(Decision.committee.in_(committees))
        .order_by(Decision.block_number, Decision.log_index)
    ).scalars()
    return CountryDetail(
        **_country_out(session, country),
        committee_history=[
            CommitteeAssignmentOut(committee=h.committee, previous=h.previous, proof=proof(h))
            for h in history
        ],
        decisions=[
            DecisionOut(
                committee=d.committee,
                digest=d.digest,
                kind=d.kind,
                nonce=d.nonce,
                submitter=d.submitter,
                signers=json.loads(d.signers),
                proof=proof(d),
            )
            for d in decisions
        ],
        proposal=governance.accepted_proposal(session, code),
        authorities=governance.authorities(session, code),
        first_transfer_definition=article6.definition(session, code),
    )


# -- projects ----------------------------------------------------------------------------------


def _project_query() -> AnySelect:
    b = Batch
    per_project = b.project_ref == Project.ref
    return select(
        Project,
        select(func.count(b.id)).where(per_project).scalar_subquery().label("batch_count"),
        select(func.coalesce(func.sum(b.quantity), 0))
        .where(per_project)
        .scalar_subquery()
        .label("issued"),
        select(func.max(b.monitoring_end)).where(per_project).scalar_subquery().label("last_end"),
        select(func.coalesce(func.sum(RetirementRecord.quantity), 0))
        .join(b, b.id == RetirementRecord.batch_id)
        .where(per_project)
        .scalar_subquery()
        .label("retired"),
        select(func.coalesce(func.sum(CancellationRecord.quantity), 0))
        .join(b, b.id == CancellationRecord.batch_id)
        .where(per_project)
        .scalar_subquery()
        .label("cancelled"),
    )


def _project_fields(row: Any) -> dict[str, Any]:
    p: Project = row.Project
    return {
        "ref": p.ref,
        "project_key": p.project_key,
        "country": p.country,
        "title": p.title,
        "methodology": p.methodology,
        "pdd_hash": p.pdd_hash,
        "validation_report_hash": p.validation_report_hash,
        "registered_at": when(p.timestamp),
        "batch_count": as_int(row.batch_count),
        "last_monitoring_end": maybe_chain_time(as_int(row.last_end)),
        "quantities": quantities(row.issued, row.retired, row.cancelled),
        "proof": proof(p),
    }


def list_projects(
    session: Session,
    limit: int,
    offset: int,
    country: str | None = None,
    methodology: str | None = None,
    q: str | None = None,
) -> Page[ProjectOut]:
    """Registered projects in registration order, filtered."""
    query = _project_query()
    if country:
        query = query.where(Project.country == side_code(country))
    if methodology:
        query = query.where(Project.methodology == methodology)
    if q:
        needle = q.lower()
        query = query.where(
            func.lower(Project.title).contains(needle, autoescape=True)
            | func.lower(Project.ref).contains(needle, autoescape=True)
        )
    query = query.order_by(Project.block_number, Project.log_index)
    return paginate(
        session, query, limit, offset, lambda rows: [ProjectOut(**_project_fields(r)) for r in rows]
    )


def get_project(session: Session, ref: str) -> ProjectDetail:
    """A project and its batches.

    Raises:
        NotFoundError: no such project.
    """
    row = session.execute(_project_query().where(Project.ref == ref)).first()
    if row is None:
        raise NotFoundError(f"no project {ref!r} is registered")
    batches = list_batches(session, limit=MAX_DB_INT, offset=0, project=ref).items
    return ProjectDetail(**_project_fields(row), batches=batches)


# -- batches -----------------------------------------------------------------------------------

FIRST_TRANSFERS = 500
"""First-transfer pieces a batch shows (``first_transfers.total`` says if it has more; a batch keeps
at most ``MAX_FIRST_TRANSFER_RANGES``, and ``/v1/serials`` pages through any range of them)."""


def _batch_query() -> AnySelect:
    return select(
        Batch,
        _batch_retired().label("retired"),
        _batch_cancelled().label("cancelled"),
        _internationally_transferred().label("international"),
        *article6.current_authorization_columns(),
    )


def _batch_fields(row: Any) -> dict[str, Any]:
    b: Batch = row.Batch
    return {
        "id": b.id,
        "project_ref": b.project_ref,
        "country": b.country,
        "vintage": b.vintage,
        "monitoring_start": chain_time(b.monitoring_start),
        "monitoring_end": chain_time(b.monitoring_end),
        "quantity": b.quantity,
        "verified_reductions": b.verified_reductions,
        "first_serial": b.first_serial,
        "last_serial": b.last_serial,
        "decision_id": b.decision_id,
        "decision_ref": b.decision_ref,
        "verification_report_hash": b.verification_report_hash,
        "authorization": row.current_authorization,
        "authorization_id": row.current_authorization_id,
        "authorization_date": maybe_chain_time(as_int(row.current_authorization_date)),
        "issued_at": when(b.timestamp),
        "internationally_transferred": bool(row.international),
        "quantities": quantities(b.quantity, row.retired, row.cancelled),
        "proof": proof(b),
        "ledger_log_index": b.created_log_index,
    }


def list_batches(
    session: Session,
    limit: int,
    offset: int,
    project: str | None = None,
    country: str | None = None,
    vintage: int | None = None,
    authorization: str | None = None,
    internationally_transferred: bool | None = None,
) -> Page[BatchOut]:
    """Batches by id, filtered."""
    query = _batch_query()
    if project:
        query = query.where(Batch.project_ref == project)
    if country:
        query = query.where(Batch.country == side_code(country))
    if vintage is not None:
        query = query.where(Batch.vintage == vintage)
    if authorization:
        query = query.where(article6.current_authorization() == authorization)
    if internationally_transferred is not None:
        flag = _internationally_transferred()
        query = query.where(flag if internationally_transferred else ~flag)
    query = query.order_by(Batch.id)
    return paginate(
        session, query, limit, offset, lambda rows: [BatchOut(**_batch_fields(r)) for r in rows]
    )


def get_batch(session: Session, batch_id: int) -> BatchDetail:
    """A batch with its holders and allocations.

    Raises:
        NotFoundError: no such batch.
    """
    from api.queries.movements import list_movements

    row = (
        session.execute(_batch_query().where(Batch.id == batch_id)).first()
        if batch_id <= MAX_DB_INT
        else None
    )
    if row is None:
        raise NotFoundError(f"no batch {batch_id} has been issued")
    holders = session.execute(
        select(Holding, Account.holder_name, Account.side, Account.kind)
        .join(Account, Account.address == Holding.account)
        .where(Holding.batch_id == batch_id, Holding.balance > 0)
        .order_by(Holding.account)
    ).all()
    allocations = list_movements(
        session, MAX_DB_INT, 0, batch_id=batch_id, kind="issuance", newest_first=False
    )
    return BatchDetail(
        **_batch_fields(row),
        holders=[
            BatchHolder(
                account=h.Holding.account,
                holder_name=h.holder_name,
                side=h.side,
                kind=h.kind,
                balance=h.Holding.balance,
                proof=proof(h.Holding),
            )
            for h in holders
        ],
        allocations=allocations.items,
        authorization_history=article6.authorization_history(session, batch_id),
        first_transfers=article6.first_transfers(
            session, batch_id, row.Batch.first_serial, row.Batch.last_serial, FIRST_TRANSFERS, 0
        ),
    )


# -- accounts and holdings ---------------------------------------------------------------------


def _account_query() -> AnySelect:
    h = Holding
    return select(
        Account,
        account_status().label("status"),
        select(func.coalesce(func.sum(h.balance), 0))
        .where(h.account == Account.address)
        .scalar_subquery()
        .label("balance"),
        select(func.count())
        .where(h.account == Account.address, h.balance > 0)
        .scalar_subquery()
        .label("batches"),
    )


def _account_fields(row: Any) -> dict[str, Any]:
    a: Account = row.Account
    return {
        "address": a.address,
        "side": a.side,
        "kind": a.kind,
        "holder_name": a.holder_name,
        "status": row.status,
        "opened_at": when(a.timestamp),
        "registrar": a.registrar,
        "balance": as_int(row.balance),
        "batches": as_int(row.batches),
        "proof": proof(a),
    }


def list_accounts(
    session: Session,
    limit: int,
    offset: int,
    side: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    q: str | None = None,
) -> Page[AccountOut]:
    """Accounts in the order they were opened, filtered."""
    query = _account_query()
    if side:
        query = query.where(Account.side == side_code(side))
    if kind:
        query = query.where(Account.kind == kind)
    if status:
        query = query.where(account_status() == status)
    if q:
        query = query.where(func.lower(Account.holder_name).contains(q.lower(), autoescape=True))
    query = query.order_by(Account.block_number, Account.log_index)
    return paginate(
        session, query, limit, offset, lambda rows: [AccountOut(**_account_fields(r)) for r in rows]
    )


def get_account(session: Session, address: str) -> AccountDetail:
    """An account and its status history.

    Raises:
        NotFoundError: the address has no account.
    """
    row = session.execute(_account_query().where(Account.address == address)).first()
    if row is None:
        raise NotFoundError(f"{address} has no registry account")
    c = AccountStatusChange
    changes = session.execute(
        select(c).where(c.address == address).order_by(c.block_number, c.log_index)
    ).scalars()
    return AccountDetail(
        **_account_fields(row),
        status_history=[
            StatusChange(status=ch.status, registrar=ch.registrar, proof=proof(ch))
            for ch in changes
        ],
    )


_accounts, _holding_ranges = table_of(Account), table_of(HoldingRange)

_ACCOUNT_SIDE = select(_accounts.c.side).where(_accounts.c.address == bindparam("address"))


@cache
def _holdings_query(include_empty: bool, by_batch: bool, by_project: bool) -> PagedQuery:
    """An account's holdings with their batches' project, country and vintage, by batch: one
    statement per combination of filters, built once."""
    h, b = table_of(Holding), table_of(Batch)
    query = (
        select(h.c.batch_id, h.c.balance, b.c.project_ref, b.c.country, b.c.vintage,
               *(h.c[name] for name in PROVENANCE))
        .join(b, b.c.id == h.c.batch_id)
        .where(h.c.account == bindparam("address"))
        .order_by(h.c.batch_id)
    )  # fmt: skip
    if not include_empty:
        query = query.where(h.c.balance > 0)
    if by_batch:
        query = query.where(h.c.batch_id == bindparam("batch_id"))
    if by_project:
        query = query.where(b.c.project_ref == bindparam("project"))
    return PagedQuery.of(query)


_HELD_PIECES = (
    select(*(_holding_ranges.c[name] for name in ("batch_id", "first", "last", *PROVENANCE)))
    .where(
        _holding_ranges.c.account == bindparam("address"),
        _holding_ranges.c.spent_block_number.is_(None),
        _holding_ranges.c.batch_id.between(bindparam("from_batch"), bindparam("to_batch")),
    )
    .order_by(_holding_ranges.c.batch_id, _holding_ranges.c.first)
)
"""The unspent pieces of an account's holdings of batches ``from_batch..to_batch`` (a page of
holdings, in batch order, spans them; pieces of batches the page filtered out are not shown)."""


def list_holdings(
    session: Session,
    address: str,
    limit: int,
    offset: int,
    batch_id: int | None = None,
    project: str | None = None,
    include_empty: bool = False,
) -> Page[HoldingOut]:
    """An account's holdings per batch, with serial ranges and block ids.

    Raises:
        NotFoundError: the address has no account.
    """
    connection = session.connection()
    side = connection.execute(_ACCOUNT_SIDE, {"address": address}).scalar()
    if side is None:
        raise NotFoundError(f"{address} has no registry account")
    query = _holdings_query(include_empty, batch_id is not None, bool(project))
    params = {"address": address, "batch_id": batch_id, "project": project}
    rows, total = query.run(session, limit, offset, **params)
    pieces: dict[int, list[Any]] = defaultdict(list)
    if rows:
        for piece in connection.execute(
            _HELD_PIECES,
            {"address": address, "from_batch": rows[0].batch_id, "to_batch": rows[-1].batch_id},
        ):
            pieces[piece.batch_id].append(piece)
    items = [
        HoldingOut(
            account=address,
            batch_id=r.batch_id,
            project_ref=r.project_ref,
            country=r.country,
            vintage=r.vintage,
            balance=r.balance,
            ranges=[
                ProvenRange(
                    first=p.first,
                    last=p.last,
                    quantity=p.last - p.first + 1,
                    block_id=block_id(side, r.project_ref, r.vintage, p.first, p.last),
                    proof=proof(p),
                )
                for p in pieces[r.batch_id]
            ],
            proof=proof(r),
        )
        for r in rows
    ]
    return Page[HoldingOut](items=items, total=total, limit=limit, offset=offset)
