"""Real JCM reference data shipped with the package, read into typed records.

The CSV files next to this module are verbatim copies of the project's sourced reference tables
(see ``README.md`` here for what each holds and where it comes from). They seed the devnet
(:mod:`registry_client.seed`); nothing in them is made up, and a blank cell means no public source
gave the value. Readers return frozen dataclasses in file order.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

__all__ = [
    "FundedProject",
    "Methodology",
    "Participant",
    "PartnerCountry",
    "RegisteredProject",
    "funded_projects",
    "methodologies",
    "participants",
    "partner_countries",
    "registered_projects",
]


def _rows(name: str) -> list[dict[str, str]]:
    text = (resources.files(__name__) / name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class PartnerCountry:
    """A JCM partner country (``partner_countries.csv``), in signing order."""

    signing_order: int
    iso2: str
    name_en: str
    name_ja: str
    signing_date: date | None
    region: str


@dataclass(frozen=True)
class RegisteredProject:
    """A registered JCM project with a public source (``jcm_registered_projects.csv``)."""

    country: str
    reference: str
    """The official reference number (``PW001``), or empty where no source prints one."""
    title: str
    title_ja: str
    registration_date: date | None
    registration_basis: str
    methodology: str
    """An approved methodology reference (``SA_AM001``), or empty where the source gives none."""
    funded_key: str
    """The matching ``funded_projects.csv`` key (``PW-F001``), or empty."""
    notes: str


@dataclass(frozen=True)
class FundedProject:
    """A project funded by Japan's Ministry of the Environment (``funded_projects.csv``)."""

    key: str
    country: str
    category: str
    name_en: str
    name_ja: str
    capacity_mw: float | None
    technology: str
    registered: bool
    registered_count: int


@dataclass(frozen=True)
class Methodology:
    """An approved (or proposed) JCM methodology (``jcm_methodologies.csv``)."""

    reference: str
    country: str
    title: str
    sectoral_scope: str = ""
    """The JCM sectoral scope, e.g. ``1. Energy industries`` (empty when the source gives none)."""

    @property
    def approved(self) -> bool:
        """Whether it is an approved methodology (``<ISO2>_AM<nnn>``), not a proposal."""
        return "_AM" in self.reference


@dataclass(frozen=True)
class Participant:
    """A Japanese company named as a JCM project participant (``project_participants.csv``)."""

    company_en: str
    company_ja: str
    country: str
    project_en: str


@cache
def partner_countries() -> tuple[PartnerCountry, ...]:
    """The 29 partner countries in signing order."""
    return tuple(
        PartnerCountry(
            signing_order=int(r["signing_order"]),
            iso2=r["iso2"],
            name_en=r["name_en"],
            name_ja=r["name_ja"],
            signing_date=_date(r["signing_date"]),
            region=r["region"],
        )
        for r in _rows("partner_countries.csv")
    )


@cache
def registered_projects() -> tuple[RegisteredProject, ...]:
    """The registered projects with public sources, in file order."""
    return tuple(
        RegisteredProject(
            country=r["country_iso2"],
            reference=r["reference_number"].strip(),
            title=r["title_en"].strip(),
            title_ja=r["title_ja"].strip(),
            registration_date=_date(r["registration_date"]),
            registration_basis=r["registration_date_basis"],
            methodology=r["methodology_ref"].strip(),
            funded_key=r["funded_project_key_match"].strip(),
            notes=r["notes"],
        )
        for r in _rows("jcm_registered_projects.csv")
    )


@cache
def funded_projects() -> tuple[FundedProject, ...]:
    """The Ministry of the Environment's funded projects, in file order."""
    return tuple(
        FundedProject(
            key=r["project_key"],
            country=r["country_iso2"],
            category=r["category_marker"],
            name_en=r["name_en"].strip(),
            name_ja=r["name_ja"].strip(),
            capacity_mw=_float(r["capacity_mw"]),
            technology=r["technology"],
            registered=r["registered_jcm"] == "true",
            registered_count=int(r["registered_mark_count"] or 0),
        )
        for r in _rows("funded_projects.csv")
    )


@cache
def methodologies() -> tuple[Methodology, ...]:
    """The methodologies in the sample, in file order."""
    return tuple(
        Methodology(
            reference=r["methodology_ref"],
            country=r["country_iso2"],
            title=r["title"],
            sectoral_scope=r["sectoral_scope"],
        )
        for r in _rows("jcm_methodologies.csv")
    )


@cache
def participants() -> tuple[Participant, ...]:
    """Japanese project participants, in file order (a company may appear for several countries)."""
    return tuple(
        Participant(
            company_en=r["company_en"],
            company_ja=r["company_ja"],
            country=r["country_iso2"],
            project_en=r["project_en"],
        )
        for r in _rows("project_participants.csv")
    )
