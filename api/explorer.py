"""The explorer: server-rendered HTML pages over the same queries as the JSON API.

Pages: ``/`` (totals, charts by country and vintage, recent movements, projects, a search box),
``/search?q=`` (a serial, serial block id, account address, project reference, batch or transaction
hash), ``/projects/{ref}``, ``/batches/{id}``, ``/accounts/{address}``, ``/retirements/{id}``,
``/serials/{serial_or_block_id}``, ``/transactions/{tx_hash}``. No build step: Jinja2 templates, one
stylesheet and a little vanilla JavaScript.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from eth_utils import to_checksum_address
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select

from api.queries import entities, movements, reports
from api.queries.common import MAX_DB_INT, BadQueryError, NotFoundError
from api.routes.deps import TEXT_PATTERN, SessionDep, SettingsDep
from api.tables import Project
from api.web import templates

router = APIRouter(include_in_schema=False)

_TX = re.compile(r"0[xX][0-9a-fA-F]{64}")
_ADDRESS = re.compile(r"0[xX][0-9a-fA-F]{40}")
_BATCH = re.compile(r"(?:batch\s*#?\s*|#)(\d{1,18})", re.IGNORECASE)


def _page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    settings = request.app.state.settings
    return templates.TemplateResponse(
        request, template, {"title": settings.title, **context}, status_code=status_code
    )


def _render(request: Request, template: str, load: Callable[[], Any], name: str) -> HTMLResponse:
    try:
        data = load()
    except (NotFoundError, BadQueryError) as exc:
        status = 404 if isinstance(exc, NotFoundError) else 400
        return _page(
            request, "message.html", status_code=status, heading="Not found", message=str(exc)
        )
    return _page(request, template, **{name: data})


def _bars(items: list[tuple[str, int]]) -> list[dict[str, Any]]:
    top = max((value for _label, value in items), default=0) or 1
    return [
        {"label": label, "value": value, "width": round(320 * value / top, 1)}
        for label, value in items
    ]


@router.get("/", response_class=HTMLResponse)
def index(request: Request, session: SessionDep) -> HTMLResponse:
    """The explorer's front page."""
    stats = reports.stats(session)
    return _page(
        request,
        "index.html",
        stats=stats,
        by_country=_bars([(q.country, q.issued) for q in stats.by_country]),
        by_vintage=_bars([(str(q.vintage), q.issued) for q in stats.by_vintage]),
        recent=movements.list_movements(session, 10, 0).items,
        projects=entities.list_projects(session, 50, 0).items,
    )


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
    batch = _BATCH.fullmatch(q)
    if batch:
        return f"/batches/{batch.group(1)}"
    ref = session.execute(
        select(Project.ref).where(func.lower(Project.ref) == q.lower()).limit(1)
    ).scalar()
    if ref is not None:
        return f"/projects/{quote(ref, safe='')}"
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
        return _page(
            request,
            "message.html",
            status_code=404,
            heading="Nothing found",
            message=f"{q!r} is not a serial, serial block id, account, project, batch "
            "or transaction.",
        )
    return RedirectResponse(target, status_code=303)


@router.get("/projects/{ref}", response_class=HTMLResponse)
def project_page(request: Request, session: SessionDep, ref: str) -> HTMLResponse:
    """A project and its batches."""

    def load() -> Any:
        if "\x00" in ref:
            raise NotFoundError("a project reference has no NUL character")
        return entities.get_project(session, ref)

    return _render(request, "project.html", load, "project")


@router.get("/batches/{batch_id}", response_class=HTMLResponse)
def batch_page(request: Request, session: SessionDep, batch_id: str) -> HTMLResponse:
    """A batch, its holders and allocations."""

    def load() -> Any:
        if not batch_id.isdigit() or not 1 <= int(batch_id) <= MAX_DB_INT:
            raise NotFoundError(f"{batch_id!r} is not a batch id")
        return entities.get_batch(session, int(batch_id))

    return _render(request, "batch.html", load, "batch")


@router.get("/accounts/{address}", response_class=HTMLResponse)
def account_page(request: Request, session: SessionDep, address: str) -> HTMLResponse:
    """An account, its holdings and its movements."""

    def load() -> dict[str, Any]:
        if not _ADDRESS.fullmatch(address):
            raise NotFoundError(f"{address!r} is not an account address")
        checksummed = to_checksum_address(address.lower())
        return {
            "info": entities.get_account(session, checksummed),
            "holdings": entities.list_holdings(session, checksummed, 500, 0).items,
            "movements": movements.list_movements(session, 50, 0, account=checksummed).items,
        }

    return _render(request, "account.html", load, "account")


@router.get("/retirements/{retirement_id}", response_class=HTMLResponse)
def retirement_page(request: Request, session: SessionDep, retirement_id: str) -> HTMLResponse:
    """A retirement certificate."""

    def load() -> Any:
        if not retirement_id.isdigit() or not 1 <= int(retirement_id) <= MAX_DB_INT:
            raise NotFoundError(f"{retirement_id!r} is not a retirement id")
        return movements.get_retirement(session, int(retirement_id))

    return _render(request, "certificate.html", load, "r")


@router.get("/serials/{query}", response_class=HTMLResponse)
def serial_page(request: Request, session: SessionDep, query: str) -> HTMLResponse:
    """Where serials are and how they got there."""

    def load() -> Any:
        if "\x00" in query:
            raise BadQueryError("a serial or block id has no NUL character")
        return movements.lookup_serials(session, query, 200, 0)

    return _render(request, "serial.html", load, "lookup")


@router.get("/transactions/{tx_hash}", response_class=HTMLResponse)
def transaction_page(request: Request, session: SessionDep, tx_hash: str) -> HTMLResponse:
    """A transaction's movements and events."""

    def load() -> Any:
        if not _TX.fullmatch(tx_hash):
            raise NotFoundError(f"{tx_hash!r} is not a transaction hash")
        return movements.get_transaction(session, tx_hash)

    return _render(request, "transaction.html", load, "tx")


@router.get("/about/health", response_class=HTMLResponse)
def health_page(request: Request, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    """The index against the chain, as a page."""
    return _page(request, "health.html", health=reports.health(session, settings.rpc_url))
