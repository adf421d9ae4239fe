"""``/v1/stats``, ``/v1/countries``, ``/v1/projects``, ``/v1/batches``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.models import (
    AuthorizationName,
    BatchDetail,
    BatchOut,
    CountryDetail,
    CountryOut,
    Page,
    ProjectDetail,
    ProjectOut,
    Stats,
)
from api.problems import problem_responses
from api.queries import entities, reports
from api.routes.deps import (
    SIDE_PATTERN,
    TEXT_PATTERN,
    IdPath,
    PageDep,
    SessionDep,
    SessionRoute,
    SideQuery,
    TextQuery,
)

router = APIRouter(prefix="/v1", tags=["registry"], route_class=SessionRoute)


@router.get("/stats", response_model=Stats, summary="Registry-wide totals")
def get_stats(session: SessionDep) -> Stats:
    """Credits issued, held, retired and cancelled: in total, by partner country, by vintage and by
    registry side (with international transfers in and out)."""
    return reports.stats(session)


@router.get("/countries", response_model=Page[CountryOut], summary="Partner countries")
def list_countries(session: SessionDep, page: PageDep) -> Page[CountryOut]:
    """Partner countries in the order they joined, each with its joint committee's members per side
    and
    thresholds."""
    return entities.list_countries(session, page.limit, page.offset)


@router.get(
    "/countries/{iso2}",
    response_model=CountryDetail,
    responses=problem_responses(404),
    summary="One partner country",
)
def get_country(
    session: SessionDep,
    iso2: Annotated[
        str, Path(pattern=SIDE_PATTERN, description="ISO 3166-1 alpha-2", examples=["ID"])
    ],
) -> CountryDetail:
    """A partner country, its joint committee (members per side, thresholds, nonce), the history of
    its
    committee address and the decisions the committee executed."""
    return entities.get_country(session, iso2)


@router.get("/projects", response_model=Page[ProjectOut], summary="Registered projects")
def list_projects(
    session: SessionDep,
    page: PageDep,
    country: SideQuery = None,
    methodology: TextQuery = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=256,
            pattern=TEXT_PATTERN,
            description="text in the title or reference",
        ),
    ] = None,
) -> Page[ProjectOut]:
    """Projects in registration order."""
    return entities.list_projects(
        session, page.limit, page.offset, country=country, methodology=methodology, q=q
    )


@router.get(
    "/projects/{ref}",
    response_model=ProjectDetail,
    responses=problem_responses(404),
    summary="One project",
)
def get_project(
    session: SessionDep,
    ref: Annotated[
        str, Path(min_length=1, max_length=256, pattern=TEXT_PATTERN, examples=["ID012"])
    ],
) -> ProjectDetail:
    """A project with its batches."""
    return entities.get_project(session, ref)


@router.get("/batches", response_model=Page[BatchOut], summary="Batches (issuances)")
def list_batches(
    session: SessionDep,
    page: PageDep,
    project: TextQuery = None,
    country: SideQuery = None,
    vintage: Annotated[int | None, Query(ge=0, le=9999)] = None,
    authorization: Annotated[AuthorizationName | None, Query()] = None,
    internationally_transferred: Annotated[bool | None, Query()] = None,
) -> Page[BatchOut]:
    """Batches by id with their issuance data and conservation figures."""
    return entities.list_batches(
        session,
        page.limit,
        page.offset,
        project=project,
        country=country,
        vintage=vintage,
        authorization=authorization,
        internationally_transferred=internationally_transferred,
    )


@router.get(
    "/batches/{batch_id}",
    response_model=BatchDetail,
    responses=problem_responses(404),
    summary="One batch",
)
def get_batch(session: SessionDep, batch_id: IdPath) -> BatchDetail:
    """A batch with its current holders and its allocations at issuance."""
    return entities.get_batch(session, batch_id)
