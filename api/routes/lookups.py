"""The look-ups read most: an account's holdings, where serials are, one transaction.

They are the registry's public view (explorers, auditors and both governments ask them all day),
so they are answered on the short path of :func:`api.answers.json_answer`: one hand-off to the
thread pool, the cache check on the answer's connection, statements built once, the answer
serialised once. Their parameters, answers and problem documents are those of every other route.
This router is included first and without :func:`api.caching.http_cache` (the answer sets the
same caching headers itself).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from api.answers import documented, json_answer
from api.models import HoldingOut, Page, SerialLookup, TransactionOut
from api.problems import problem_responses
from api.queries import entities, movements
from api.routes.deps import (
    DEFAULT_LIMIT,
    TEXT_PATTERN,
    TX_HASH_PATTERN,
    AddressPath,
    IdQuery,
    LimitQuery,
    OffsetQuery,
    TextQuery,
    checksum,
)

router = APIRouter(prefix="/v1")


@router.get(
    "/accounts/{address}/holdings",
    tags=["accounts"],
    response_model=None,
    responses={**documented(Page[HoldingOut]), **problem_responses(404)},
    summary="An account's holdings",
)
def list_holdings(
    request: Request,
    address: AddressPath,
    batch_id: IdQuery = None,
    project: TextQuery = None,
    include_empty: Annotated[
        bool, Query(description="also batches the account no longer holds")
    ] = False,
    limit: LimitQuery = DEFAULT_LIMIT,
    offset: OffsetQuery = 0,
) -> Response:
    """Per batch: the balance and the exact serial ranges with their serial block ids, each with the
    event that left it as it is."""
    account = checksum(address) or ""
    return json_answer(
        request,
        lambda session: entities.list_holdings(
            session, account, limit, offset, batch_id=batch_id, project=project,
            include_empty=include_empty,
        ),
    )  # fmt: skip


@router.get(
    "/serials/{serial_or_block_id}",
    tags=["movements"],
    response_model=None,
    responses={**documented(SerialLookup), **problem_responses(400, 404)},
    summary="Where serials are and how they got there",
)
def lookup_serials(
    request: Request,
    serial_or_block_id: Annotated[
        str,
        Path(
            min_length=1,
            max_length=300,
            pattern=TEXT_PATTERN,
            description="a serial number or a serial block id",
            examples=["131", "JCM-JP-ID012-2022-000000131-000000140"],
        ),
    ],
    limit: LimitQuery = DEFAULT_LIMIT,
    offset: OffsetQuery = 0,
) -> Response:
    """Where a serial, or every serial of a block id (``JCM-JP-ID012-2023-000100001-000105000``),
    is now (held by which account, or retired or cancelled by which record), and every movement
    that brought them there. Both lists are paginated with ``limit``/``offset``: the whereabouts by
    serial (``whereabouts_total`` pieces in all), the movements oldest first."""
    return json_answer(
        request,
        lambda session: movements.lookup_serials(session, serial_or_block_id, limit, offset),
    )


@router.get(
    "/transactions/{tx_hash}",
    tags=["movements"],
    response_model=None,
    responses={**documented(TransactionOut), **problem_responses(404)},
    summary="One transaction",
)
def get_transaction(
    request: Request, tx_hash: Annotated[str, Path(pattern=TX_HASH_PATTERN)]
) -> Response:
    """Every movement and every registry event of one transaction."""
    return json_answer(request, lambda session: movements.get_transaction(session, tx_hash))
