"""``/v1/governance``: the emergency pause, country proposals and each side's roles."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.models import CountryProposalOut, GovernanceOut, Page, PauseOut, RoleHolderOut, RoleName
from api.queries import governance
from api.routes.deps import PageDep, SessionDep, SessionRoute, SideQuery

router = APIRouter(prefix="/v1/governance", tags=["governance"], route_class=SessionRoute)


@router.get("", response_model=GovernanceOut, summary="The bilateral governance now")
def get_governance(session: SessionDep) -> GovernanceOut:
    """Whether holders' movements are paused (and by which side, until when), the countries Japan's
    authority proposed that await their partner authority's acceptance, and who holds each registry
    side's authority and registrar roles."""
    return governance.overview(session)


@router.get(
    "/proposals", response_model=Page[CountryProposalOut], summary="Proposals that countries join"
)
def list_proposals(
    session: SessionDep,
    page: PageDep,
    country: SideQuery = None,
    status: Annotated[Literal["pending", "accepted", "replaced"] | None, Query()] = None,
) -> Page[CountryProposalOut]:
    """Every proposal of Japan's authority that a partner country join, newest first: ``pending``
    until the partner authority it names accepts, ``accepted``, or ``replaced`` by a later one."""
    return governance.list_proposals(
        session, page.limit, page.offset, country=country, status=status
    )


@router.get("/pauses", response_model=Page[PauseOut], summary="Emergency pauses")
def list_pauses(session: SessionDep, page: PageDep) -> Page[PauseOut]:
    """Pauses started (with their deadline) and lifted early, newest first."""
    return governance.list_pauses(session, page.limit, page.offset)


@router.get("/roles", response_model=list[RoleHolderOut], summary="Who holds each side's roles")
def list_roles(
    session: SessionDep,
    side: SideQuery = None,
    role: Annotated[RoleName | None, Query()] = None,
) -> list[RoleHolderOut]:
    """The registry authorities and registrars of each side now (a side's authority grants and
    revokes that side's roles only)."""
    return governance.role_holders(session, side=side, role=role)
