"""Read queries of the bilateral governance: country proposals, the emergency pause, side roles."""

from __future__ import annotations

import time
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.apply_governance import OTHER_ROLE, PAUSE_STARTED
from api.models import (
    CountryProposalOut,
    GovernanceOut,
    Page,
    PauseOut,
    PauseState,
    RoleHolderOut,
)
from api.queries.common import chain_time, count, proof
from api.tables import Country, CountryProposal, PauseChange, RoleChange
from registry_client.domain import side_code


def _proposals(session: Session, country: str | None = None) -> list[CountryProposalOut]:
    """Every proposal in chain order with its status. Per country, the last proposal is accepted
    once the country was added (accepting deletes it and nothing can be proposed afterwards) and
    pending before; every earlier one was replaced."""
    p = CountryProposal
    query = select(p).order_by(p.block_number, p.log_index)
    if country is not None:
        query = query.where(p.country == side_code(country))
    rows = list(session.execute(query).scalars())
    added = set(session.execute(select(Country.code)).scalars())
    last = {row.country: (row.block_number, row.log_index) for row in rows}
    out = []
    for row in rows:
        if (row.block_number, row.log_index) != last[row.country]:
            status = "replaced"
        else:
            status = "accepted" if row.country in added else "pending"
        out.append(
            CountryProposalOut(
                country=row.country,
                committee=row.committee,
                authority=row.authority,
                status=status,  # type: ignore[arg-type]
                proof=proof(row),
            )
        )
    return out


def list_proposals(
    session: Session,
    limit: int,
    offset: int,
    *,
    country: str | None = None,
    status: str | None = None,
) -> Page[CountryProposalOut]:
    """Proposals that partner countries join, newest first (one per country and proposal; the
    number is bounded by the proposals Japan's authority made)."""
    rows = [p for p in _proposals(session, country) if status is None or p.status == status]
    rows.reverse()
    return Page[CountryProposalOut](
        items=rows[offset : offset + limit], total=len(rows), limit=limit, offset=offset
    )


def accepted_proposal(session: Session, country: str) -> CountryProposalOut | None:
    """The proposal the partner's authority accepted for ``country``, if it joined that way."""
    return next((p for p in _proposals(session, country) if p.status == "accepted"), None)


def _pause_out(row: PauseChange) -> PauseOut:
    return PauseOut(
        kind=row.kind,  # type: ignore[arg-type]
        side=row.side,
        authority=row.authority,
        until=chain_time(row.until),
        proof=proof(row),
    )


def pause_state(session: Session, now: int | None = None) -> PauseState:
    """Whether the registry is paused at ``now`` (unix seconds, default the wall clock): its last
    pause started and its deadline is still ahead. A pause ends by itself at its deadline, which
    emits no event."""
    c = PauseChange
    row = session.execute(
        select(c).order_by(c.block_number.desc(), c.log_index.desc()).limit(1)
    ).scalar_one_or_none()
    if row is None:
        return PauseState(paused=False, side=None, until=None, last=None)
    moment = int(time.time()) if now is None else now
    return PauseState(
        paused=row.kind == PAUSE_STARTED and moment < row.until,
        side=row.side,
        until=chain_time(row.until),
        last=_pause_out(row),
    )


def list_pauses(session: Session, limit: int, offset: int) -> Page[PauseOut]:
    """Pauses started and lifted, newest first."""
    c = PauseChange
    total = count(session, select(c.block_number))
    rows = session.execute(
        select(c).order_by(c.block_number.desc(), c.log_index.desc()).limit(limit).offset(offset)
    ).scalars()
    return Page[PauseOut](
        items=[_pause_out(row) for row in rows], total=total, limit=limit, offset=offset
    )


def role_holders(
    session: Session, side: str | None = None, role: str | None = None
) -> list[RoleHolderOut]:
    """Who holds each side's registrar and authority roles now: the role events replayed in chain
    order, by side, role and grant."""
    c = RoleChange
    query = select(c).where(c.role != OTHER_ROLE).order_by(c.block_number, c.log_index)
    if side is not None:
        query = query.where(c.side == side_code(side))
    if role is not None:
        query = query.where(c.role == role)
    holders: dict[tuple[str, str, str], RoleChange] = {}
    for row in session.execute(query).scalars():
        key = (str(row.side), row.role, row.account)
        if row.granted:
            holders.setdefault(key, row)
        else:
            holders.pop(key, None)
    return [
        RoleHolderOut(
            role=row.role,  # type: ignore[arg-type]
            side=str(row.side),
            account=row.account,
            granted_by=row.sender,
            proof=proof(row),
        )
        for _key, row in sorted(holders.items(), key=lambda item: _order(item[1]))
    ]


def _order(row: RoleChange) -> tuple[str, str, int, int]:
    return (str(row.side), row.role, row.block_number, row.log_index)


def authorities(session: Session, side: str) -> list[str]:
    """The accounts holding ``side``'s registry authority now."""
    return [h.account for h in role_holders(session, side=side, role="authority")]


def overview(session: Session, now: int | None = None) -> GovernanceOut:
    """The governance now."""
    return GovernanceOut(
        pause=pause_state(session, now),
        pending_proposals=[p for p in _proposals(session) if p.status == "pending"],
        roles=role_holders(session),
    )


def sides(rows: Iterable[RoleHolderOut]) -> list[str]:
    """The sides named by ``rows``, Japan first."""
    found = {row.side for row in rows}
    return sorted(found, key=lambda side: (side != "JP", side))
