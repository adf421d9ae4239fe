"""``/v1/reports`` and ``/v1/health``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.models import AccountTypeReport, AnnualReport, Health
from api.queries import reports
from api.routes.deps import SessionDep, SessionRoute, SettingsDep, SideQuery

router = APIRouter(prefix="/v1", tags=["reports"], route_class=SessionRoute)


@router.get(
    "/reports/account-types",
    response_model=AccountTypeReport,
    summary="Quantities per account type",
)
def account_types(session: SessionDep, side: SideQuery = None) -> AccountTypeReport:
    """How many accounts of each kind each registry side has and the credits in them (holding and
    government holding accounts: held; retirement and cancellation accounts: consumed)."""
    return reports.account_types(session, side)


@router.get(
    "/reports/annual/{year}", response_model=AnnualReport, summary="Annual transaction summary"
)
def annual(
    session: SessionDep,
    year: Annotated[int, Path(ge=1970, le=9998, examples=[2024])],
    side: SideQuery = None,
) -> AnnualReport:
    """The year's transactions per kind and registry side (UTC calendar year), and the quantities
    per
    account type at the year's end."""
    return reports.annual(session, year, side)


@router.get("/health", response_model=Health, tags=["health"], summary="Index health")
def health(session: SessionDep, settings: SettingsDep) -> Health:
    """Chain id, the registry's, projects' and committees' addresses, the chain head, the indexed
    head
    and the lag, so anyone can check the API against the chain itself."""
    return reports.health(session, settings.rpc_url, allowed_lag=settings.confirmations + 10)
