"""Jinja2 templates and static files of the explorer and the retirement certificate."""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from pathlib import Path

from fastapi.templating import Jinja2Templates

PACKAGE_DIR = Path(str(resources.files("api")))
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"


def _number(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def _date(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def _day(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d")


def _label(value: str | None) -> str:
    """An enum name as words: ``ndc_and_other_purposes`` -> ``NDC and other purposes``."""
    if value is None:
        return ""
    return " ".join("NDC" if word == "ndc" else word for word in value.split("_"))


def _short(value: str | None, keep: int = 10) -> str:
    if not value:
        return ""
    return value if len(value) <= keep + 4 else f"{value[:keep]}…{value[-4:]}"


templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.filters.update(number=_number, date=_date, day=_day, label=_label, short=_short)
