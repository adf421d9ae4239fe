"""``/v1/accounts``: public holder information and holdings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.models import (
    AccountDetail,
    AccountKindName,
    AccountOut,
    AccountStatusName,
    Page,
)
from api.problems import problem_responses
from api.queries import entities
from api.routes.deps import (
    TEXT_PATTERN,
    AddressPath,
    PageDep,
    SessionDep,
    SessionRoute,
    SideQuery,
    checksum,
)

router = APIRouter(prefix="/v1/accounts", tags=["accounts"], route_class=SessionRoute)


@router.get("", response_model=Page[AccountOut], summary="Accounts")
def list_accounts(
    session: SessionDep,
    page: PageDep,
    side: SideQuery = None,
    kind: Annotated[AccountKindName | None, Query()] = None,
    status: Annotated[AccountStatusName | None, Query()] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=256,
            pattern=TEXT_PATTERN,
            description="text in the holder's name",
        ),
    ] = None,
) -> Page[AccountOut]:
    """Accounts in the order they were opened: holder, registry side, kind, status and balance (the
    public information of the JCM registry)."""
    return entities.list_accounts(
        session, page.limit, page.offset, side=side, kind=kind, status=status, q=q
    )


@router.get(
    "/{address}",
    response_model=AccountDetail,
    responses=problem_responses(404),
    summary="One account",
)
def get_account(session: SessionDep, address: AddressPath) -> AccountDetail:
    """An account with its status history."""
    return entities.get_account(session, checksum(address) or "")
