"""Jinja2 templates and static files of the explorer, one template environment per language.

Each environment has its catalogue installed (Jinja2's i18n extension, new-style gettext), so
macros imported by a template translate too, and its filters format in its language.
:func:`page` renders a template in the request's language (see :mod:`api.i18n`) and remembers an
explicit ``?lang=`` in a cookie.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel import Locale
from babel.numbers import format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from api import i18n

PACKAGE_DIR = Path(str(resources.files("api")))
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"


def _number(value: int | None, locale: str) -> str:
    return "" if value is None else format_decimal(value, locale=locale)


def _date(value: datetime | int | None) -> str:
    if isinstance(value, int):  # a uint64 date beyond 9999-12-31 (see api.models.ChainTime)
        return f"unix time {value}"
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def _day(value: datetime | int | None) -> str:
    if isinstance(value, int):
        return f"unix time {value}"
    return "" if value is None else value.strftime("%Y-%m-%d")


def _short(value: str | None, keep: int = 10) -> str:
    if not value:
        return ""
    return value if len(value) <= keep + 4 else f"{value[:keep]}…{value[-4:]}"


def country_name(code: str | None, locale: str) -> str:
    """A registry side's country in ``locale`` (``ID`` -> ``インドネシア``), else the code."""
    if not code:
        return ""
    name: str | None = Locale.parse(locale).territories.get(code.upper())
    return name or code


def _templates(locale: str) -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True, extensions=["jinja2.ext.i18n"]
    )
    templates = Jinja2Templates(env=env)
    translations = i18n.translations(locale)
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]

    def label(value: str | None) -> str:
        return translations.gettext(i18n.label_msgid(value)) if value is not None else ""

    def kind_label(value: str | None) -> str:
        return translations.gettext(i18n.label_msgid(value, account_kind=True)) if value else ""

    env.filters.update(
        number=partial(_number, locale=locale),
        date=_date,
        day=_day,
        label=label,
        kind=kind_label,
        short=_short,
        country=partial(country_name, locale=locale),
    )
    env.globals.update(lang=locale, locales=i18n.LOCALES, language_name=i18n.language_name)
    return templates


TEMPLATES = {locale: _templates(locale) for locale in i18n.LOCALES}


def locale_of(request: Request) -> str:
    """The language a request is answered in."""
    return i18n.choose(
        request.query_params.get("lang"),
        request.cookies.get(i18n.COOKIE),
        request.headers.get("accept-language"),
    )


def switch_url(request: Request, locale: str) -> str:
    """The current page's URL in another language."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return f"{request.url.path}?{urlencode([*params, ('lang', locale)])}"


def render(request: Request, template: str, context: dict[str, Any]) -> str:
    """A template rendered to text in the request's language (for PDFs)."""
    locale = locale_of(request)
    return TEMPLATES[locale].get_template(template).render({"request": request, **context})


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """An explorer page in the request's language."""
    locale = locale_of(request)
    settings = request.app.state.settings
    response = TEMPLATES[locale].TemplateResponse(
        request,
        template,
        {
            "title": settings.title,
            "switch": {other: switch_url(request, other) for other in i18n.LOCALES},
            **context,
        },
        status_code=status_code,
    )
    response.headers["Content-Language"] = locale
    response.headers["Vary"] = "Accept-Language, Cookie"
    if request.query_params.get("lang") == locale:
        response.set_cookie(i18n.COOKIE, locale, max_age=365 * 24 * 3600, samesite="lax")
    return response
