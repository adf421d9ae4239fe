"""The explorer: server-rendered HTML pages over the same queries as the JSON API, in Japanese and
English (see :mod:`api.i18n`).

Pages: ``/`` (totals, charts, recent movements, projects), ``/search?q=`` (a serial, serial block
id, account address or holder name, project reference or title, batch, retirement, cancellation,
country code or name, transaction hash), ``/countries`` and ``/countries/{code}``, ``/projects``
and ``/projects/{ref}``, ``/batches/{id}``, ``/accounts`` and ``/accounts/{address}``,
``/movements`` (filtered: the rows behind every figure), ``/retirements`` and
``/retirements/{id}``, ``/cancellations`` and ``/cancellations/{id}``, ``/serials/{serial}``,
``/transactions/{tx_hash}``, ``/reports``, ``/reports/aef`` (a party's Article 6 tables),
``/governance`` (the pause, country proposals, each side's roles), ``/about/health``.
Downloads (PDF, CSV) are in :mod:`api.downloads`. No build step: Jinja2 templates, one
stylesheet, a little JavaScript.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from babel import Locale
from eth_utils import to_checksum_address
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api import aef, documents, i18n
from api.models import (
    MOVEMENT_KINDS,
    AccountKindName,
    CancellationOut,
    MovementKind,
    RetirementOut,
)
from api.queries import entities, governance, movements, reports
from api.queries.common import MAX_DB_INT, BadQueryError, NotFoundError, when
from api.routes.deps import (
    MAX_LIMIT,
    SIDE_PATTERN,
    TEXT_PATTERN,
    SessionDep,
    SessionRoute,
    SettingsDep,
)
from api.tables import Account, Country, Movement as MovementRow, Project
from api.web import locale_of, page
from registry_client.domain import AccountKind, side_code

router = APIRouter(include_in_schema=False, route_class=SessionRoute)

_TX = re.compile(r"0[xX][0-9a-fA-F]{64}")
_ADDRESS = re.compile(r"0[xX][0-9a-fA-F]{40}")
_BATCH = re.compile(r"(?:batch\s*#?\s*|#|バッチ\s*)(\d{1,18})", re.IGNORECASE)
_RETIREMENT = re.compile(r"(?:retirement\s*#?\s*|R-?|無効化\s*)(\d{1,18})", re.IGNORECASE)
_CANCELLATION = re.compile(r"(?:cancellation\s*#?\s*|C-?|取消\s*)(\d{1,18})", re.IGNORECASE)
_SIDE = re.compile(r"[A-Za-z]{2}")

ACCOUNT_KINDS: tuple[str, ...] = AccountKind.keys()[1:]  # every kind but NONE

Offset = Annotated[int, Query(ge=0, le=MAX_DB_INT)]
Side = Annotated[str | None, Query(pattern=f"{SIDE_PATTERN}|^$")]
Text = Annotated[str | None, Query(max_length=256, pattern=TEXT_PATTERN)]
PAGE_SIZE = 50
JAPAN = "JP"


def _gettext(request: Request) -> Callable[[str], str]:
    return i18n.translations(locale_of(request)).gettext


def _not_found(request: Request, exc: Exception) -> HTMLResponse:
    _ = _gettext(request)
    status = 404 if isinstance(exc, NotFoundError) else 400
    heading = _("Not found") if status == 404 else _("Not understood")
    return page(request, "message.html", status_code=status, heading=heading, message=str(exc))


def _render(request: Request, template: str, load: Callable[[], dict[str, Any]]) -> HTMLResponse:
    try:
        context = load()
    except (NotFoundError, BadQueryError) as exc:
        return _not_found(request, exc)
    return page(request, template, **context)


def _bars(items: list[tuple[str, int, str]]) -> list[dict[str, Any]]:
    """Bars of a server-rendered SVG chart: ``(label, value, link to the rows behind it)``."""
    top = max((value for _label, value, _href in items), default=0) or 1
    return [
        {"label": label, "value": value, "width": round(320 * value / top, 1), "href": href}
        for label, value, href in items
    ]


def _id(text: str, what: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_DB_INT:
        raise NotFoundError(f"{text!r} is not a {what} id")
    return int(text)


def _clean_side(side: str | None) -> str | None:
    return side_code(side) if side else None


@router.get("/", response_class=HTMLResponse)
def index(request: Request, session: SessionDep) -> HTMLResponse:
    """The explorer's front page."""
    stats = reports.stats(session)
    return page(
        request,
        "index.html",
        stats=stats,
        by_country=_bars(
            [(q.country, q.issued, f"/countries/{q.country}") for q in stats.by_country]
        ),
        by_vintage=_bars(
            [
                (str(q.vintage), q.issued, f"/movements?kind=issuance&year={q.vintage}")
                for q in stats.by_vintage
            ]
        ),
        pause=governance.pause_state(session),
        recent=movements.list_movements(session, 10, 0).items,
        projects=entities.list_projects(session, 50, 0).items,
    )


def _country_code(session: Any, text: str) -> str | None:
    """A registry side named by its code or its name in English or Japanese."""
    codes: set[str] = {"JP", *session.execute(select(Country.code)).scalars()}
    if _SIDE.fullmatch(text) and side_code(text) in codes:
        return side_code(text)
    needle = text.casefold()
    for locale in i18n.LOCALES:
        territories = Locale.parse(locale).territories
        for code in codes:
            name: str | None = territories.get(code)
            if name and name.casefold() == needle:
                return code
    return None


def classify(session: Any, text: str) -> str | None:
    """Where a search for ``text`` leads, or ``None`` if nowhere."""
    q = text.strip()
    if not q:
        return None
    if _TX.fullmatch(q):
        return f"/transactions/{q.lower()}"
    if _ADDRESS.fullmatch(q):
        return f"/accounts/{to_checksum_address(q.lower())}"
    if q.replace(",", "").isdigit() or q.upper().startswith("JCM-"):
        return f"/serials/{quote(q, safe='')}"
    for pattern, path in ((_BATCH, "batches"), (_RETIREMENT, "retirements")):
        found = pattern.fullmatch(q)
        if found:
            return f"/{path}/{found.group(1)}"
    cancellation = _CANCELLATION.fullmatch(q)
    if cancellation:
        return f"/cancellations/{cancellation.group(1)}"
    code = _country_code(session, q)
    if code is not None:
        return f"/countries/{code}"
    ref = session.execute(
        select(Project.ref).where(func.lower(Project.ref) == q.lower()).limit(1)
    ).scalar()
    if ref is not None:
        return f"/projects/{quote(ref, safe='')}"
    needle = q.lower()
    holders = session.execute(
        select(Account.address)
        .where(func.lower(Account.holder_name).contains(needle, autoescape=True))
        .limit(2)
    ).all()
    if len(holders) == 1:
        return f"/accounts/{holders[0].address}"
    if holders:
        return f"/accounts?{urlencode({'q': q})}"
    if entities.list_projects(session, 1, 0, q=q).total:
        return f"/projects?{urlencode({'q': q})}"
    return None


@router.get("/search", response_model=None)
def search(
    request: Request,
    session: SessionDep,
    q: Annotated[str, Query(max_length=300, pattern=TEXT_PATTERN)] = "",
) -> Response:
    """Send a search to the page it names."""
    target = classify(session, q)
    if target is None:
        _ = _gettext(request)
        return page(
            request,
            "message.html",
            status_code=404,
            heading=_("Nothing found"),
            message=_(
                "%(query)s is not a serial, serial block id, account, holder, project, batch, "
                "retirement, cancellation, country or transaction."
            )
            % {"query": repr(q)},
            query=q,
        )
    return RedirectResponse(target, status_code=303)


@router.get("/countries", response_class=HTMLResponse)
def countries_page(request: Request, session: SessionDep) -> HTMLResponse:
    """Every partner country with its committee and quantities."""
    listed = entities.list_countries(session, MAX_LIMIT, 0).items
    return page(
        request,
        "countries.html",
        countries=listed,
        proposals=governance.list_proposals(session, MAX_LIMIT, 0, status="pending").items,
        chart=_bars([(c.code, c.quantities.issued, f"/countries/{c.code}") for c in listed]),
    )


@router.get("/countries/{code}", response_class=HTMLResponse)
def country_page(request: Request, session: SessionDep, code: str) -> HTMLResponse:
    """A partner country: its joint committee, projects, charts and decisions."""

    if code.upper() == JAPAN:
        return _japan_page(request, session)

    def load() -> dict[str, Any]:
        if not _SIDE.fullmatch(code):
            raise NotFoundError(f"{code!r} is not a country code")
        country = entities.get_country(session, code)
        projects = entities.list_projects(session, MAX_LIMIT, 0, country=country.code).items
        batches = entities.list_batches(session, MAX_LIMIT, 0, country=country.code).items
        vintages: dict[int, int] = {}
        for b in batches:
            vintages[b.vintage] = vintages.get(b.vintage, 0) + b.quantity
        members = []
        if country.membership is not None:
            members = [*country.membership.japan_members, *country.membership.partner_members]
        members += country.authorities
        return {
            "country": country,
            "projects": projects,
            "names": movements.holder_names(session, set(members)),
            "vintages": _bars(
                [
                    (str(v), n, f"/movements?kind=issuance&country={country.code}&year={v}")
                    for v, n in sorted(vintages.items())
                ]
            ),
            "by_project": _bars(
                [(p.ref, p.quantities.issued, f"/projects/{p.ref}") for p in projects]
            ),
        }

    return _render(request, "country.html", load)


def _japan_page(request: Request, session: Any) -> HTMLResponse:
    """Japan's registry side: it has no joint committee of its own, so no country record."""
    gettext = _gettext(request)
    types = reports.account_types(session, JAPAN).rows
    side = next((s for s in reports.stats(session).by_side if s.side == JAPAN), None)
    chart = _bars(
        [
            (
                gettext(i18n.label_msgid(row.kind, account_kind=True)),
                row.accounts,
                f"/accounts?side={JAPAN}&kind={row.kind}",
            )
            for row in types
        ]
    )
    return page(request, "side.html", code=JAPAN, quantities=side, chart=chart)


@router.get("/projects", response_class=HTMLResponse)
def projects_page(
    request: Request,
    session: SessionDep,
    country: Side = None,
    q: Text = None,
    offset: Offset = 0,
) -> HTMLResponse:
    """Registered projects, by country or title."""
    side = _clean_side(country)
    params = {k: v for k, v in (("country", side), ("q", q)) if v}
    return page(
        request,
        "projects.html",
        page=entities.list_projects(session, PAGE_SIZE, offset, country=side, q=q or None),
        country=side,
        base=f"/projects?{urlencode(params)}",
        query=q or "",
    )


@router.get("/projects/{ref}", response_class=HTMLResponse)
def project_page(request: Request, session: SessionDep, ref: str) -> HTMLResponse:
    """A project and its batches."""

    def load() -> dict[str, Any]:
        if "\x00" in ref:
            raise NotFoundError("a project reference has no NUL character")
        project = entities.get_project(session, ref)
        chart = _bars(
            [(f"#{b.id} {b.vintage}", b.quantity, f"/batches/{b.id}") for b in project.batches]
        )
        return {"project": project, "chart": chart}

    return _render(request, "project.html", load)


@router.get("/batches/{batch_id}", response_class=HTMLResponse)
def batch_page(request: Request, session: SessionDep, batch_id: str) -> HTMLResponse:
    """A batch, its holders (by name) and allocations."""

    def load() -> dict[str, Any]:
        batch = entities.get_batch(session, _id(batch_id, "batch"))
        gettext = _gettext(request)
        per_kind: dict[str, int] = {}
        for h in batch.holders:
            per_kind[h.kind] = per_kind.get(h.kind, 0) + h.balance
        chart = _bars(
            [
                (
                    gettext(i18n.label_msgid(kind, account_kind=True)),
                    per_kind[kind],
                    "#holders",
                )
                for kind in ACCOUNT_KINDS
                if kind in per_kind
            ]
        )
        return {"batch": batch, "chart": chart}

    return _render(request, "batch.html", load)


@router.get("/accounts", response_class=HTMLResponse)
def accounts_page(
    request: Request,
    session: SessionDep,
    side: Side = None,
    kind: Annotated[AccountKindName | None, Query()] = None,
    q: Text = None,
    offset: Offset = 0,
) -> HTMLResponse:
    """Registry accounts with their holders' public names, by side and kind."""
    code = _clean_side(side)
    params = {k: v for k, v in (("side", code), ("kind", kind), ("q", q)) if v}
    return page(
        request,
        "accounts.html",
        page=entities.list_accounts(session, PAGE_SIZE, offset, side=code, kind=kind, q=q or None),
        kinds=ACCOUNT_KINDS,
        kind=kind,
        side_code=code,
        base=f"/accounts?{urlencode(params)}",
        query=q or "",
    )


@router.get("/accounts/{address}", response_class=HTMLResponse)
def account_page(request: Request, session: SessionDep, address: str) -> HTMLResponse:
    """An account, its holdings and its movements."""

    def load() -> dict[str, Any]:
        if not _ADDRESS.fullmatch(address):
            raise NotFoundError(f"{address!r} is not an account address")
        checksummed = to_checksum_address(address.lower())
        info = entities.get_account(session, checksummed)
        holdings = entities.list_holdings(session, checksummed, MAX_LIMIT, 0).items
        registrar = movements.holder_names(session, {info.registrar}).get(info.registrar)
        return {
            "account": {
                "info": info,
                "registrar": registrar or info.registrar,
                "holdings": holdings,
                "movements": movements.list_movements(session, PAGE_SIZE, 0, account=checksummed),
            },
            "chart": _bars(
                [
                    (f"#{h.batch_id} {h.project_ref}", h.balance, f"/batches/{h.batch_id}")
                    for h in holdings
                ]
            ),
        }

    return _render(request, "account.html", load)


@router.get("/movements", response_class=HTMLResponse)
def movements_page(
    request: Request,
    session: SessionDep,
    kind: Annotated[list[MovementKind] | None, Query()] = None,
    side: Side = None,
    account: Annotated[str | None, Query(pattern=r"^0[xX][0-9a-fA-F]{40}$")] = None,
    batch_id: Annotated[int | None, Query(ge=1, le=MAX_DB_INT)] = None,
    project: Text = None,
    country: Side = None,
    year: Annotated[int | None, Query(ge=1970, le=9998)] = None,
    offset: Offset = 0,
) -> HTMLResponse:
    """Movements filtered by kind, side, account, batch, project, country and year: the rows
    behind each figure of the other pages."""
    filters: dict[str, Any] = {
        "kind": kind or None,
        "side": _clean_side(side),
        "account": to_checksum_address(account.lower()) if account else None,
        "batch_id": batch_id,
        "project": project or None,
        "country": _clean_side(country),
    }
    if year is not None:
        filters["since"] = datetime(year, 1, 1, tzinfo=UTC)
        filters["until"] = datetime(year, 12, 31, 23, 59, 59, tzinfo=UTC)
    shown = {
        k: v for k, v in {**filters, "year": year}.items() if v and k not in ("since", "until")
    }
    found = movements.list_movements(session, PAGE_SIZE, offset, **filters)
    _ = _gettext(request)
    names = {
        "side": _("Registry side"),
        "account": _("Account"),
        "batch_id": _("Batch"),
        "project": _("Project"),
        "country": _("Country"),
        "year": _("Year"),
    }
    described = " · ".join(f"{names[k]}: {v}" for k, v in shown.items() if k in names)
    return page(
        request,
        "movements.html",
        page=found,
        total_quantity=movements.movements_quantity(session, **filters),
        kinds=MOVEMENT_KINDS,
        kind=kind,
        filters=shown,
        described=described,
        base=f"/movements?{urlencode(shown, doseq=True)}",
    )


def _records_page(
    request: Request,
    kind: str,
    list_records: Callable[..., Any],
    session: Session,
    side: str | None,
    batch_id: int | None,
    project: str | None,
    offset: int,
) -> HTMLResponse:
    """The page listing ``kind`` (retirements or cancellations) by side, batch and project."""
    code = _clean_side(side)
    params = {k: v for k, v in (("side", code), ("batch_id", batch_id), ("project", project)) if v}
    return page(
        request,
        f"{kind}.html",
        page=list_records(
            session, PAGE_SIZE, offset, side=code, batch_id=batch_id, project=project or None
        ),
        base=f"/{kind}?{urlencode(params)}",
    )


@router.get("/retirements", response_class=HTMLResponse)
def retirements_page(
    request: Request,
    session: SessionDep,
    side: Side = None,
    batch_id: Annotated[int | None, Query(ge=1, le=MAX_DB_INT)] = None,
    project: Text = None,
    offset: Offset = 0,
) -> HTMLResponse:
    """Retirements (無効化) with their certificates."""
    return _records_page(
        request, "retirements", movements.list_retirements, session, side, batch_id, project, offset
    )


def _certificate(
    request: Request,
    session: Session,
    kind: str,
    record: RetirementOut | CancellationOut,
    account: str,
) -> dict[str, Any]:
    """What a certificate page shows besides its record: the name of the retirement or
    cancellation account's holder, and the QR code of the record's API document."""
    verify = str(request.url_for(f"get_{kind}", **{f"{kind}_id": record.id}))
    return {
        "names": movements.holder_names(session, {account}),
        "qr": documents.qr_data_uri(verify),
    }


@router.get("/retirements/{retirement_id}", response_class=HTMLResponse)
def retirement_page(request: Request, session: SessionDep, retirement_id: str) -> HTMLResponse:
    """A retirement certificate."""

    def load() -> dict[str, Any]:
        r = movements.get_retirement(session, _id(retirement_id, "retirement"))
        return {"r": r, **_certificate(request, session, "retirement", r, r.retirement_account)}

    return _render(request, "certificate.html", load)


@router.get("/cancellations", response_class=HTMLResponse)
def cancellations_page(
    request: Request,
    session: SessionDep,
    side: Side = None,
    batch_id: Annotated[int | None, Query(ge=1, le=MAX_DB_INT)] = None,
    project: Text = None,
    offset: Offset = 0,
) -> HTMLResponse:
    """Cancellations (取消), corrections included."""
    return _records_page(
        request, "cancellations", movements.list_cancellations, session, side, batch_id, project,
        offset,
    )  # fmt: skip


@router.get("/cancellations/{cancellation_id}", response_class=HTMLResponse)
def cancellation_page(request: Request, session: SessionDep, cancellation_id: str) -> HTMLResponse:
    """A cancellation certificate."""

    def load() -> dict[str, Any]:
        c = movements.get_cancellation(session, _id(cancellation_id, "cancellation"))
        return {"c": c, **_certificate(request, session, "cancellation", c, c.cancellation_account)}

    return _render(request, "cancellation.html", load)


@router.get("/serials/{query}", response_class=HTMLResponse)
def serial_page(request: Request, session: SessionDep, query: str) -> HTMLResponse:
    """Where serials are and how they got there."""

    def load() -> dict[str, Any]:
        if "\x00" in query:
            raise BadQueryError("a serial or block id has no NUL character")
        return {"lookup": movements.lookup_serials(session, query, 200, 0)}

    return _render(request, "serial.html", load)


@router.get("/transactions/{tx_hash}", response_class=HTMLResponse)
def transaction_page(request: Request, session: SessionDep, tx_hash: str) -> HTMLResponse:
    """A transaction's movements and events."""

    def load() -> dict[str, Any]:
        if not _TX.fullmatch(tx_hash):
            raise NotFoundError(f"{tx_hash!r} is not a transaction hash")
        return {"tx": movements.get_transaction(session, tx_hash)}

    return _render(request, "transaction.html", load)


def _movement_years(session: Any) -> list[int]:
    """The years from the first movement to the last (this year before any)."""
    first, last = session.execute(
        select(func.min(MovementRow.timestamp), func.max(MovementRow.timestamp))
    ).one()
    if first is None:
        return [datetime.now(UTC).year]
    return list(range(when(first).year, when(last).year + 1))


@router.get("/reports", response_class=HTMLResponse)
def reports_page(
    request: Request,
    session: SessionDep,
    year: Annotated[int | None, Query(ge=1970, le=9998)] = None,
) -> HTMLResponse:
    """The public reports: holdings per account type and a year's transactions per side."""
    years = _movement_years(session)
    chosen = year if year is not None else years[-1]
    types = reports.account_types(session)
    gettext = _gettext(request)
    chart = _bars(
        [
            (
                gettext(i18n.label_msgid(row.kind, account_kind=True)),
                row.quantity,
                f"/accounts?kind={row.kind}",
            )
            for row in types.totals
        ]
    )
    return page(
        request,
        "reports.html",
        types=types,
        chart=chart,
        annual=reports.annual(session, chosen),
        years=sorted({*years, chosen}),
    )


@router.get("/reports/aef", response_class=HTMLResponse)
def aef_page(
    request: Request,
    session: SessionDep,
    party: Side = None,
    year: Annotated[int | None, Query(ge=1970, le=9998)] = None,
) -> HTMLResponse:
    """A party's Article 6 tables (AEF) for one year, with their CSV and XLSX downloads."""
    years = _movement_years(session)
    chosen = year if year is not None else years[-1]
    codes = session.execute(select(Country.code).order_by(Country.code)).scalars()

    def load() -> dict[str, Any]:
        return {
            "report": aef.report(session, party or JAPAN, chosen),
            "parties": [JAPAN, *codes],
            "years": sorted({*years, chosen}),
        }

    return _render(request, "aef.html", load)


@router.get("/governance", response_class=HTMLResponse)
def governance_page(request: Request, session: SessionDep) -> HTMLResponse:
    """The bilateral governance: the pause and its history, country proposals, side roles."""
    state = governance.overview(session)
    return page(
        request,
        "governance.html",
        governance=state,
        sides=governance.sides(state.roles),
        pauses=governance.list_pauses(session, PAGE_SIZE, 0),
        proposals=governance.list_proposals(session, MAX_LIMIT, 0).items,
        names=movements.holder_names(session, {h.account for h in state.roles}),
    )


@router.get("/about/health", response_class=HTMLResponse)
def health_page(request: Request, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    """The index against the chain, as a page."""
    return page(request, "health.html", health=reports.health(session, settings.rpc_url))
