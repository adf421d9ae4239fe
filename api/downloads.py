"""The explorer's downloads: certificates as PDF and the public reports as CSV and PDF, in the
request's language (``?lang=ja`` or ``en``, else the cookie or ``Accept-Language``).

``/retirements/{id}.pdf``, ``/cancellations/{id}.pdf``, ``/reports/account-types.{csv,pdf}``,
``/reports/annual/{year}.{csv,pdf}``.
"""

from __future__ import annotations

from typing import Annotated, Any

from anyio import CapacityLimiter, to_thread
from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from api import documents, i18n
from api.models import CancellationOut, RetirementOut
from api.queries import movements, reports
from api.routes.deps import IdPath, SessionDep, SessionRoute
from api.web import locale_of, render

router = APIRouter(include_in_schema=False, route_class=SessionRoute)

Format = Annotated[str, Path(pattern="^(csv|pdf)$")]
Year = Annotated[int, Path(ge=1970, le=9998)]


def _renderers(request: Request) -> CapacityLimiter:
    """At most two PDFs render at once (per app, so per event loop): a burst of downloads queues
    instead of taking every worker thread and core from the API."""
    state = request.app.state
    if getattr(state, "pdf_renderers", None) is None:
        state.pdf_renderers = CapacityLimiter(2)
    limiter: CapacityLimiter = state.pdf_renderers
    return limiter


def _filename_headers(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "no-store"}


async def _pdf_response(request: Request, template: str, name: str, **context: Any) -> Response:
    settings = request.app.state.settings
    html = render(request, template, {"title": settings.title, **context})
    body = await to_thread.run_sync(documents.pdf, html, limiter=_renderers(request))
    return Response(body, media_type="application/pdf", headers=_filename_headers(name))


async def _certificate_pdf(
    request: Request, kind: str, record: RetirementOut | CancellationOut, locale: str, **text: Any
) -> Response:
    """A certificate of a retirement or cancellation ``record`` as PDF, with the QR code of its
    API document; ``text`` holds the translated heading, statement and facts."""
    verify_url = str(request.url_for(f"get_{kind}", **{f"{kind}_id": record.id}))
    return await _pdf_response(
        request,
        "certificate_pdf.html",
        f"jcm-{kind}-{record.id}-{locale}.pdf",
        record=record,
        verify_url=verify_url,
        qr=documents.qr_data_uri(verify_url),
        **text,
    )


@router.get("/retirements/{retirement_id}.pdf")
async def retirement_pdf(request: Request, session: SessionDep, retirement_id: IdPath) -> Response:
    """A retirement certificate (PDF)."""
    r = movements.get_retirement(session, retirement_id)
    locale = locale_of(request)
    gettext = i18n.translations(locale).gettext
    return await _certificate_pdf(
        request,
        "retirement",
        r,
        locale,
        heading=gettext("Retirement certificate No. %(id)s") % {"id": r.id},
        statement=gettext(
            "%(quantity)s JCM credit(s) (t-CO2e) of project %(project)s “%(title)s” "
            "(%(country)s), vintage %(vintage)s, were retired by %(holder)s on %(date)s."
        )
        % {
            "quantity": f"{r.quantity:,}",
            "project": r.project_ref,
            "title": r.project_title,
            "country": r.country,
            "vintage": r.vintage,
            "holder": r.holder_name,
            "date": r.retired_at.strftime("%Y-%m-%d %H:%M UTC"),
        },
        facts=documents.retirement_facts(
            r,
            locale,
            movements.holder_names(session, {r.retirement_account}).get(r.retirement_account),
        ),
    )


@router.get("/cancellations/{cancellation_id}.pdf")
async def cancellation_pdf(
    request: Request, session: SessionDep, cancellation_id: IdPath
) -> Response:
    """A cancellation certificate (PDF)."""
    c = movements.get_cancellation(session, cancellation_id)
    locale = locale_of(request)
    gettext = i18n.translations(locale).gettext
    return await _certificate_pdf(
        request,
        "cancellation",
        c,
        locale,
        heading=gettext("Cancellation certificate No. %(id)s") % {"id": c.id},
        statement=gettext(
            "%(quantity)s JCM credit(s) (t-CO2e) of project %(project)s, vintage %(vintage)s, "
            "were cancelled by %(holder)s on %(date)s."
        )
        % {
            "quantity": f"{c.quantity:,}",
            "project": c.project_ref,
            "vintage": c.vintage,
            "holder": c.holder_name,
            "date": c.cancelled_at.strftime("%Y-%m-%d %H:%M UTC"),
        },
        facts=documents.cancellation_facts(
            c,
            locale,
            movements.holder_names(session, {c.cancellation_account}).get(c.cancellation_account),
        ),
    )


async def _report(
    request: Request,
    fmt: str,
    name: str,
    heading: str,
    table: tuple[list[str], list[list[object]]],
    indexed_block: int,
    note: str = "",
) -> Response:
    header, rows = table
    if fmt == "csv":
        return Response(
            documents.csv_text(header, rows),
            media_type="text/csv; charset=utf-8",
            headers=_filename_headers(f"{name}.csv"),
        )
    return await _pdf_response(
        request,
        "report_pdf.html",
        f"{name}.pdf",
        heading=heading,
        header=header,
        rows=rows,
        indexed_block=indexed_block,
        note=note,
    )


@router.get("/reports/account-types.{fmt}")
async def account_types_download(request: Request, session: SessionDep, fmt: Format) -> Response:
    """Holdings per account type (口座種別), as CSV or PDF."""
    locale = locale_of(request)
    report = reports.account_types(session)
    return await _report(
        request,
        fmt,
        f"jcm-account-types-{locale}",
        i18n.translations(locale).gettext("Holdings per account type"),
        documents.account_types_table(report, locale),
        report.indexed_block,
    )


@router.get("/reports/annual/{year}.{fmt}")
async def annual_download(
    request: Request, session: SessionDep, year: Year, fmt: Format
) -> Response:
    """The year's transactions per registry side and kind, as CSV or PDF."""
    locale = locale_of(request)
    gettext = i18n.translations(locale).gettext
    report = reports.annual(session, year)
    note = (
        ""
        if report.complete
        else gettext("The index has not reached the end of this year: figures may still grow.")
    )
    return await _report(
        request,
        fmt,
        f"jcm-annual-{year}-{locale}",
        gettext("Annual transactions per registry side: %(year)s") % {"year": year},
        documents.annual_table(report, locale),
        reports.indexed_block(session),
        note,
    )
