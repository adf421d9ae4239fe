"""``/v1/reports/aef``: each party's Article 6 tables (AEF) as JSON, CSV and XLSX, and their
cross-party reconciliation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response

from api import aef
from api.problems import problem_responses
from api.routes.deps import SIDE_PATTERN, SessionDep, SessionRoute
from registry_client.article6 import CSV_TABLES, AefReport, report_xlsx

router = APIRouter(prefix="/v1/reports/aef", tags=["article 6"], route_class=SessionRoute)

Party = Annotated[
    str, Path(pattern=SIDE_PATTERN, description="JP or a partner country", examples=["JP"])
]
Year = Annotated[int, Path(ge=1970, le=9998, examples=[2024])]
Table = Annotated[str, Path(pattern="^(actions|holdings)$", description="the AEF table")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(body: str | bytes, media_type: str, name: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/reconciliation", response_model=aef.Reconciliation, summary="Cross-party check")
def reconciliation(session: SessionDep) -> aef.Reconciliation:
    """Every first transfer and transfer paired with the acquiring party's acquisition of the same
    units (identifiers, quantity, date); ``unmatched`` lists any row without its counterpart."""
    return aef.reconciliation(session)


@router.get(
    "/{party}/{year}/{table}.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, **problem_responses(404)},
    summary="An AEF table (CSV)",
)
def aef_csv(session: SessionDep, party: Party, year: Year, table: Table) -> Response:
    """The "Actions" table, or the "Holdings" table at the year's end, as CSV."""
    report = aef.report(session, party, year)
    name = f"aef-{report.party}-{year}-{table}.csv"
    return _download(CSV_TABLES[table](report), "text/csv; charset=utf-8", name)


@router.get(
    "/{party}/{year}.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}, **problem_responses(404)},
    summary="AEF workbook (XLSX)",
)
def aef_xlsx(session: SessionDep, party: Party, year: Year) -> Response:
    """The AEF workbook: a cover sheet, then the "Actions" and "Holdings" tables."""
    report = aef.report(session, party, year)
    return _download(report_xlsx(report), XLSX, f"aef-{report.party}-{year}.xlsx")


# Last: "/{party}/{year}" would also match "2024.xlsx" (and then refuse it as not a year).
@router.get(
    "/{party}/{year}",
    response_model=AefReport,
    responses=problem_responses(404),
    summary="A party's AEF tables",
)
def aef_report(session: SessionDep, party: Party, year: Year) -> AefReport:
    """The party's Article 6 actions of the calendar year (UTC) and its holdings at the year's end,
    each row with the transaction and log that prove it."""
    return aef.report(session, party, year)
