"""``/v1/serials``, ``/v1/transactions``, ``/v1/retirements``, ``/v1/cancellations``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse

from api.models import (
    CancellationOut,
    Movement,
    MovementKind,
    Page,
    PurposeName,
    ReasonName,
    RetirementOut,
)
from api.problems import problem_responses
from api.queries import movements
from api.routes.deps import (
    AddressQuery,
    IdPath,
    IdQuery,
    PageDep,
    SessionDep,
    SessionRoute,
    SideQuery,
    SinceQuery,
    TextQuery,
    UntilQuery,
    checksum,
)
from api.web import page

router = APIRouter(prefix="/v1", tags=["movements"], route_class=SessionRoute)

HTML_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {"schema": {"type": "string"}}}}
}


@router.get("/transactions", response_model=Page[Movement], summary="Movements of credits")
def list_transactions(
    session: SessionDep,
    page: PageDep,
    account: AddressQuery = None,
    batch_id: IdQuery = None,
    project: TextQuery = None,
    kind: Annotated[MovementKind | None, Query()] = None,
    side: SideQuery = None,
    since: SinceQuery = None,
    until: UntilQuery = None,
    order: Annotated[str, Query(pattern="^(asc|desc)$")] = "desc",
) -> Page[Movement]:
    """Issuances, transfers, international transfers, retirements, cancellations and corrections,
    each
    with its exact serial ranges; newest first unless ``order=asc``."""
    return movements.list_movements(
        session,
        page.limit,
        page.offset,
        account=checksum(account),
        batch_id=batch_id,
        project=project,
        kind=kind,
        side=side,
        since=since,
        until=until,
        newest_first=order == "desc",
    )


@router.get("/retirements", response_model=Page[RetirementOut], summary="Retirements")
def list_retirements(
    session: SessionDep,
    page: PageDep,
    account: AddressQuery = None,
    batch_id: IdQuery = None,
    project: TextQuery = None,
    side: SideQuery = None,
    using_party: SideQuery = None,
    purpose: Annotated[PurposeName | None, Query()] = None,
    since: SinceQuery = None,
    until: UntilQuery = None,
) -> Page[RetirementOut]:
    """Retirements (無効化), newest first."""
    return movements.list_retirements(
        session,
        page.limit,
        page.offset,
        account=checksum(account),
        batch_id=batch_id,
        project=project,
        side=side,
        using_party=using_party,
        purpose=purpose,
        since=since,
        until=until,
    )


def _certificate(request: Request, retirement: RetirementOut) -> HTMLResponse:
    return page(request, "certificate.html", r=retirement)


@router.get(
    "/retirements/{retirement_id}.html",
    response_class=HTMLResponse,
    responses=problem_responses(404),
    summary="A retirement certificate (HTML)",
)
def get_retirement_certificate(
    request: Request, session: SessionDep, retirement_id: IdPath
) -> HTMLResponse:
    """A printable retirement certificate a company can link to."""
    return _certificate(request, movements.get_retirement(session, retirement_id))


@router.get(
    "/retirements/{retirement_id}",
    response_model=RetirementOut,
    responses={**HTML_RESPONSE, **problem_responses(404)},
    summary="One retirement (JSON, or the certificate as HTML)",
)
def get_retirement(
    request: Request, session: SessionDep, retirement_id: IdPath
) -> RetirementOut | Response:
    """A retirement certificate's content; with ``Accept: text/html`` the certificate page
    itself."""
    retirement = movements.get_retirement(session, retirement_id)
    if _prefers_html(request.headers.get("accept", "")):
        return _certificate(request, retirement)
    return retirement


def _prefers_html(accept: str) -> bool:
    """Whether an Accept header asks for HTML before JSON."""
    kinds = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    html = kinds.index("text/html") if "text/html" in kinds else None
    json_ = kinds.index("application/json") if "application/json" in kinds else None
    return html is not None and (json_ is None or html < json_)


@router.get("/cancellations", response_model=Page[CancellationOut], summary="Cancellations")
def list_cancellations(
    session: SessionDep,
    page: PageDep,
    account: AddressQuery = None,
    batch_id: IdQuery = None,
    project: TextQuery = None,
    side: SideQuery = None,
    reason: Annotated[ReasonName | None, Query()] = None,
    since: SinceQuery = None,
    until: UntilQuery = None,
) -> Page[CancellationOut]:
    """Cancellations (取消), corrections included (reason ``correction``), newest first."""
    return movements.list_cancellations(
        session,
        page.limit,
        page.offset,
        account=checksum(account),
        batch_id=batch_id,
        project=project,
        side=side,
        reason=reason,
        since=since,
        until=until,
    )


@router.get(
    "/cancellations/{cancellation_id}",
    response_model=CancellationOut,
    responses=problem_responses(404),
    summary="One cancellation",
)
def get_cancellation(session: SessionDep, cancellation_id: IdPath) -> CancellationOut:
    """A cancellation with its serial ranges."""
    return movements.get_cancellation(session, cancellation_id)
