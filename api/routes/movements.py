"""``/v1/serials``, ``/v1/transactions``, ``/v1/retirements``, ``/v1/cancellations``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import HTMLResponse

from api.models import (
    CancellationOut,
    Movement,
    MovementKind,
    Page,
    PurposeName,
    ReasonName,
    RetirementOut,
    SerialLookup,
    TransactionOut,
)
from api.problems import problem_responses
from api.queries import movements
from api.routes.deps import (
    TEXT_PATTERN,
    TX_HASH_PATTERN,
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


@router.get(
    "/serials/{serial_or_block_id}",
    response_model=SerialLookup,
    responses=problem_responses(400, 404),
    summary="Where serials are and how they got there",
)
def lookup_serials(
    session: SessionDep,
    serial_or_block_id: Annotated[
        str,
        Path(
            min_length=1,
            max_length=300,
            pattern=TEXT_PATTERN,
            description="a serial number or a serial block id",
            examples=["131", "JCM-JP-ID012-2022-000000131-000000140"],
        ),
    ],
    page: PageDep,
) -> SerialLookup:
    """Where a serial, or every serial of a block id (``JCM-JP-ID012-2023-000100001-000105000``),
    is now (held by which account, or retired or cancelled by which record), and every movement
    that brought them there. Both lists are paginated with ``limit``/``offset``: the whereabouts by
    serial (``whereabouts_total`` pieces in all), the movements oldest first."""
    return movements.lookup_serials(session, serial_or_block_id, page.limit, page.offset)


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


@router.get(
    "/transactions/{tx_hash}",
    response_model=TransactionOut,
    responses=problem_responses(404),
    summary="One transaction",
)
def get_transaction(
    session: SessionDep, tx_hash: Annotated[str, Path(pattern=TX_HASH_PATTERN)]
) -> TransactionOut:
    """Every movement and every registry event of one transaction."""
    return movements.get_transaction(session, tx_hash)


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
