"""An issuance as the index sees it: the ledger logs only each allocation's ERC-1155 mint
(``TransferSingle`` from the zero address), and the batch's ``BatchIssued`` of the same
transaction gives the serials. The applier derives each allocation's range by the rule of
``IJCMRegistry.mint`` (Japan's allocations take the batch's lowest serials, the host's the rest,
each side in log order) and refuses mints and records that do not fit together. By the same rule
it derives the first transfer of Japan's share of a batch authorized at issuance, which
``JCMArticle6`` announces with no event of its own.

The logs are encoded here from the contracts' ABIs, as a node would serve them, so every case,
including ones the shipped contracts never emit, is one applier run on a fresh SQLite index.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_abi import encode
from eth_utils import keccak, to_checksum_address
from eth_utils.abi import collapse_if_tuple, event_abi_to_log_topic
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from api.abi import ROLES, ContractRole, EventDecoder
from api.apply import AccountFacts, Applier, DecodedLog, IndexCache, IndexIntegrityError
from api.database import create_schema, make_engine
from api.tables import Batch, FirstTransferRange, HoldingRange, Movement, table_of
from registry_client.contracts import abi

DECODER = EventDecoder()
ZERO = "0x" + "00" * 20
PROJECTS = "0x" + "ab" * 20  # the mints' operator
JP_A = "0x" + "a1" * 20
JP_B = "0x" + "a2" * 20
HOST = "0x" + "b1" * 20
THIRD = "0x" + "c1" * 20
SIDES = {JP_A: "JP", JP_B: "JP", HOST: "ID", THIRD: "TH"}


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'index.db'}")
    create_schema(engine)
    yield engine
    engine.dispose()


def _log(role: ContractRole, name: str, values: dict[str, Any], log_index: int) -> DecodedLog:
    entry = next(e for e in abi(ROLES[role]) if e.get("type") == "event" and e["name"] == name)
    indexed = [i for i in entry["inputs"] if i["indexed"]]
    plain = [i for i in entry["inputs"] if not i["indexed"]]
    topics = ["0x" + event_abi_to_log_topic(entry).hex()] + [
        "0x" + encode([collapse_if_tuple(i)], [values[i["name"]]]).hex() for i in indexed
    ]
    data = encode([collapse_if_tuple(i) for i in plain], [values[i["name"]] for i in plain])
    spec = DECODER.spec(role, topics[0])
    assert spec is not None, name
    return DecodedLog(
        role=role, name=name, address=PROJECTS, topics=topics, data="0x" + data.hex(),
        block_number=7, block_hash="0x" + "11" * 32, tx_hash="0x" + "22" * 32, tx_index=0,
        log_index=log_index, timestamp=1_700_000_000, spec=spec,
    )  # fmt: skip


def _mint(account: str, amount: int, log_index: int, batch_id: int = 1) -> DecodedLog:
    values = {"operator": PROJECTS, "from": ZERO, "to": account, "id": batch_id, "value": amount}
    return _log("registry", "TransferSingle", values, log_index)


def _issued(
    first: int, quantity: int, log_index: int, last: int | None = None, authorization: int = 0
) -> DecodedLog:
    decision = keccak(text="JC-ID-2024-01")
    loa, date = ("ID-LoA-1", 1_690_000_000) if authorization else ("", 0)
    record = (
        1, "ID012", b"ID", 1_600_000_000, 1_630_000_000, 2021, quantity, quantity, first,
        first + quantity - 1 if last is None else last, decision, "JC-ID-2024-01",
        keccak(text="report"), authorization, loa, date, 1_700_000_000, False,
    )  # fmt: skip
    values = {"batchId": 1, "projectKey": keccak(text="ID012"), "decisionId": decision,
              "batch": record}  # fmt: skip
    return _log("projects", "BatchIssued", values, log_index)


def _apply(engine: Engine, logs: list[DecodedLog]) -> None:
    cache = IndexCache()
    for account, side in SIDES.items():
        cache.accounts[to_checksum_address(account)] = AccountFacts(side=side, kind="holding")
    with Session(engine) as session, session.begin():
        applier = Applier(session, cache)
        for log in logs:
            applier.apply(log)
        applier.flush()


def test_each_allocation_gets_its_sides_next_serials_in_log_order(engine: Engine) -> None:
    """Host first in the decision, Japan's two after it, and one of them named twice: Japan's
    allocations still take the lowest serials, in their order, and the host's the rest."""
    logs = [_mint(HOST, 5, 0), _mint(JP_A, 3, 1), _mint(JP_B, 2, 2), _mint(JP_A, 1, 3)]
    _apply(engine, [*logs, _issued(101, 11, 5)])
    with Session(engine) as session:
        t = table_of(HoldingRange)
        held = session.execute(
            select(t.c.account, t.c.first, t.c.last, t.c.log_index).order_by(t.c.first)
        ).all()
        moves = session.execute(
            select(Movement.log_index, Movement.to_account, Movement.to_side, Movement.quantity)
            .where(Movement.kind == "issuance")
            .order_by(Movement.log_index)
        ).all()
        batch = session.get(Batch, 1)
    a, b, host = (to_checksum_address(x) for x in (JP_A, JP_B, HOST))
    # JP_A's second allocation (serial 106) is adjacent to JP_B's, not to its own first range.
    assert [tuple(r) for r in held] == [(a, 101, 103, 1), (b, 104, 105, 2), (a, 106, 106, 3),
                                        (host, 107, 111, 0)]  # fmt: skip
    assert [tuple(m) for m in moves] == [(0, host, "ID", 5), (1, a, "JP", 3), (2, b, "JP", 2),
                                         (3, a, "JP", 1)]  # fmt: skip
    assert batch is not None
    assert (batch.first_serial, batch.last_serial, batch.quantity) == (101, 111, 11)
    assert (batch.created_log_index, batch.log_index) == (0, 5)


@pytest.mark.parametrize(
    ("logs", "message"),
    [
        ([_issued(1, 5, 0)], "BatchIssued for batch 1 without its mints"),
        ([_mint(JP_A, 5, 0)], "credits of batch 1 minted without its BatchIssued"),
        ([_mint(JP_A, 5, 0), _issued(1, 6, 1)], "quantity 6, but its mints credit 5"),
        ([_mint(JP_A, 5, 0), _issued(1, 5, 1, last=9)], "serials 1-9 and quantity 5"),
        ([_mint(HOST, 5, 0), _mint(THIRD, 1, 1), _issued(1, 6, 2)], "of registry TH"),
        ([_mint(JP_A, 0, 0), _mint(HOST, 5, 1), _issued(1, 5, 2)], "0 credits minted to"),
    ],
    ids=["record-without-mints", "mints-without-record", "short", "serials", "third", "zero"],
)
def test_mints_and_a_record_that_do_not_fit_together_are_refused(
    engine: Engine, logs: list[DecodedLog], message: str
) -> None:
    with pytest.raises(IndexIntegrityError, match=message):
        _apply(engine, logs)
    with Session(engine) as session:
        assert session.execute(select(Movement)).first() is None  # nothing written


def test_a_transfer_single_that_is_not_a_mint_is_only_kept(engine: Engine) -> None:
    """A transfer's ``TransferSingle`` mirrors its ``CreditsTransferred``: the applier keeps it
    verbatim, never decodes it (its ``from`` topic is not zero) and keeps nothing pending."""
    values = {"operator": JP_A, "from": JP_A, "to": JP_B, "id": 1, "value": 4}
    log = _log("registry", "TransferSingle", values, 0)
    _apply(engine, [log])
    assert log._args is None  # the decoded arguments, filled on first use
    with Session(engine) as session:
        assert session.execute(select(Movement)).first() is None


def _first_transfers(engine: Engine) -> list[tuple[Any, ...]]:
    t = table_of(FirstTransferRange)
    with Session(engine) as session:
        rows = session.execute(
            select(t.c.batch_id, t.c.first, t.c.last, t.c.from_party, t.c.to_party, t.c.trigger,
                   t.c.block_number, t.c.log_index, t.c.seq, t.c.tx_hash, t.c.timestamp)
            .order_by(t.c.first)
        ).all()  # fmt: skip
    return [tuple(r) for r in rows]


#: Japan's allocations interleaved with the host's: Japan's 3 + 2 + 1 take serials 101-106.
INTERLEAVED = [_mint(HOST, 5, 0), _mint(JP_A, 3, 1), _mint(HOST, 1, 2), _mint(JP_B, 2, 3),
               _mint(JP_A, 1, 4)]  # fmt: skip


@pytest.mark.parametrize("authorization", [1, 2, 3], ids=["ndc", "oimp", "both"])
def test_an_authorized_issuance_first_transfers_japans_share_once(
    engine: Engine, authorization: int
) -> None:
    """Japan's share of a batch authorized at issuance (and not first-transferred whole) is one
    first transfer from the host to Japan, of the batch's lowest serials, at the issuance's time,
    its ``BatchIssued`` the row's provenance."""
    _apply(engine, [*INTERLEAVED, _issued(101, 12, 6, authorization=authorization)])
    assert _first_transfers(engine) == [
        (1, 101, 106, "ID", "JP", "international_transfer", 7, 6, 0, "0x" + "22" * 32,
         1_700_000_000),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("logs", "authorization"),
    [(INTERLEAVED, 0), ([_mint(HOST, 12, 0)], 1)],
    ids=["unauthorized", "nothing-to-japan"],
)
def test_an_issuance_without_an_authorized_share_for_japan_first_transfers_nothing(
    engine: Engine, logs: list[DecodedLog], authorization: int
) -> None:
    _apply(engine, [*logs, _issued(101, 12, 6, authorization=authorization)])
    assert _first_transfers(engine) == []
    with Session(engine) as session:  # the issuance itself was indexed
        assert session.get(Batch, 1) is not None


def test_a_batch_first_transferred_whole_at_issuance_has_only_that_record(engine: Engine) -> None:
    """An OIMP-authorized batch of a country whose definition is ``Issuance``: ``JCMArticle6``
    first-transfers every serial at once (its event precedes ``BatchIssued``), Japan's share
    included, so the issuance adds no first transfer to Japan of its own."""
    values = {"batchId": 1, "fromParty": b"ID", "toParty": b"\x00\x00", "trigger": 2,
              "ranges": [(101, 112)]}  # fmt: skip
    whole = _log("article6", "SerialsFirstTransferred", values, 5)
    _apply(engine, [*INTERLEAVED, whole, _issued(101, 12, 6, authorization=2)])
    assert _first_transfers(engine) == [
        (1, 101, 112, "ID", None, "issuance", 7, 5, 0, "0x" + "22" * 32, 1_700_000_000),
    ]  # fmt: skip
