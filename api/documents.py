"""Downloadable documents: retirement and cancellation certificates and the public reports, as PDF
(WeasyPrint, fonts from fontconfig: Noto Sans CJK for Japanese) and CSV.

Text from the chain (holder names, beneficiaries, notes) reaches the PDF only through Jinja2's
autoescaping, and WeasyPrint's URL fetcher here refuses every URL but the ``data:`` URI of the QR
code, so nothing in a record can make the renderer read a file or the network.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Sequence
from functools import lru_cache

from api import i18n
from api.models import AccountTypeReport, AnnualReport, CancellationOut, RetirementOut

# WeasyPrint logs every rendering step at INFO level: keep its warnings only.
logging.getLogger("weasyprint").setLevel(logging.WARNING)

Gettext = Callable[[str], str]


# Rendering takes about a second of CPU; the same HTML (a record's every field, its proof and the
# index's block included) always gives the same document, so recent ones are kept.
@lru_cache(maxsize=64)
def pdf(html: str) -> bytes:
    """``html`` (a rendered ``*_pdf.html`` template) as PDF bytes."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # Only the QR code's data: URI is ever loaded; any other URL is refused (and left out).
    fetcher = URLFetcher(timeout=5, allowed_protocols={"data"}, allow_redirects=False)
    document: bytes = HTML(string=html, url_fetcher=fetcher).write_pdf()
    return document


def qr_data_uri(url: str) -> str:
    """A QR code of ``url`` as an SVG ``data:`` URI."""
    import segno

    uri: str = segno.make(url, error="m").svg_data_uri(scale=4, border=2)
    return uri


def csv_text(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A CSV document (RFC 4180, CRLF) with a header row; cells that a spreadsheet would run as a
    formula are prefixed with an apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _labels(locale: str) -> tuple[Gettext, Callable[[str], str], Callable[[str], str]]:
    gettext = i18n.translations(locale).gettext
    return (
        gettext,
        lambda value: gettext(i18n.label_msgid(value)),
        lambda value: gettext(i18n.label_msgid(value, account_kind=True)),
    )


def account_types_table(
    report: AccountTypeReport, locale: str
) -> tuple[list[str], list[list[object]]]:
    """Header and rows of the holdings-per-account-type report (side ``*``: all sides)."""
    _, _label, kind = _labels(locale)
    header = [_("Registry side"), _("Account kind"), "kind", _("Accounts"), _("Quantity")]
    rows: list[list[object]] = [
        [row.side, kind(row.kind), row.kind, row.accounts, row.quantity]
        for row in [*report.rows, *report.totals]
    ]
    return header, rows


def annual_table(report: AnnualReport, locale: str) -> tuple[list[str], list[list[object]]]:
    """Header and rows of the annual transactions report: one row per side and kind."""
    _, label, _kind = _labels(locale)
    header = [_("Registry side"), _("Kind"), "kind", _("Transactions"), _("Quantity")]
    rows: list[list[object]] = [
        [row.side, label(row.kind), row.kind, row.transactions, row.quantity]
        for row in report.transactions
    ]
    return header, rows


def _named(address: str, name: str | None) -> str:
    return f"{name} ({address})" if name else address


def retirement_facts(
    r: RetirementOut, locale: str, account_name: str | None = None
) -> list[tuple[str, str]]:
    """The labelled lines of a retirement certificate (``account_name``: the retirement
    account's holder name)."""
    _, label, _kind = _labels(locale)
    return [
        (_("Certificate No."), str(r.id)),
        (_("Retired by"), _named(r.account, r.holder_name)),
        (_("Beneficiary"), r.beneficiary or "—"),
        (_("Purpose"), label(r.purpose)),
        (_("Using party"), r.using_party),
        (_("Registry side"), r.side),
        (_("Project"), f"{r.project_ref} {r.project_title} ({r.country})"),
        (_("Batch"), f"{r.batch_id} · {_('vintage %(vintage)s') % {'vintage': r.vintage}}"),
        (_("Quantity"), f"{r.quantity:,} t-CO2e"),
        (_("Note"), r.note or "—"),
        (_("Retirement account"), _named(r.retirement_account, account_name)),
    ]


def cancellation_facts(
    c: CancellationOut, locale: str, account_name: str | None = None
) -> list[tuple[str, str]]:
    """The labelled lines of a cancellation certificate (``account_name``: the cancellation
    account's holder name)."""
    _, label, _kind = _labels(locale)
    facts = [
        (_("Certificate No."), str(c.id)),
        (_("Cancelled by"), _named(c.account, c.holder_name)),
        (_("Reason"), label(c.reason)),
        (_("Registry side"), c.side),
        (_("Project"), c.project_ref),
        (_("Batch"), f"{c.batch_id} · {_('vintage %(vintage)s') % {'vintage': c.vintage}}"),
        (_("Quantity"), f"{c.quantity:,} t-CO2e"),
        (_("Note"), c.note or "—"),
        (_("Cancellation account"), _named(c.cancellation_account, account_name)),
    ]
    if c.decision_id:
        facts.insert(3, (_("Decision"), c.decision_id))
    return facts
