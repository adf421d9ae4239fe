"""Crash and resume: an indexer killed in the middle of a block range's transaction loses nothing
and applies nothing twice once restarted; the result equals a fresh index of the chain."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from api import catchup
from api.database import IndexSchemaError, create_schema, dump, make_engine
from api.indexer import Indexer, IndexTarget
from api.tables import SCHEMA_VERSION, Checkpoint, Event, Meta
from registry_client.chain import RpcClient, RpcError
from support import crash_indexer
from support.api_chain import Chain, index_chain, make_client
from support.crash_indexer import CRASH_EXIT_CODE


def _state(url: str) -> tuple[int, int, int, dict[str, Any]]:
    """Checkpoint block, number of events, highest event block, all rows."""
    engine = make_engine(url)
    with Session(engine) as session:
        cp = session.get(Checkpoint, 1)
        assert cp is not None
        events = session.execute(select(func.count()).select_from(Event)).scalar_one()
        highest = session.execute(select(func.max(Event.block_number))).scalar() or -1
        rows = dump(session)
    engine.dispose()
    return cp.block_number, events, highest, rows


def _catch_up_state(url: str) -> tuple[bool, set[str]]:
    """Whether the index says it is catching up, and which of the API's secondary indexes that
    a catch-up sets aside exist."""
    engine = make_engine(url)
    with Session(engine) as session:
        flagged = catchup.catching_up(session)
        inspector = inspect(session.connection())
        present = {
            index["name"]
            for model in catchup.GROWING_TABLES
            for index in inspector.get_indexes(model.__tablename__)
        }
    engine.dispose()
    return flagged, present & {str(index.name) for index in catchup.deferred_indexes()}


def _crash(chain: Chain, url: str, at_range: int, block_range: int) -> None:
    result = subprocess.run(
        [
            sys.executable,
            crash_indexer.__file__,
            chain.url,
            url,
            json.dumps(chain.deployment),
            str(at_range),
            str(block_range),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == CRASH_EXIT_CODE, result.stderr[-2000:]
    assert "crashing while applying blocks" in result.stdout


def _check_resume(chain: Chain, url: str, fresh: str) -> None:
    head = chain.w3.eth.block_number
    crashed_at, events_before, highest, _rows = _state(url)
    assert chain.start_block <= crashed_at < head
    assert highest <= crashed_at, "rows of the crashed range were committed"
    # The crash came while catching up an empty index: the API's secondary indexes are still set
    # aside, the index says so, and the API answers from the tables meanwhile.
    assert _catch_up_state(url) == (True, set())
    client, engine = make_client(url, chain.url)
    with client:
        assert client.get("/v1/health").json()["status"] == "catching_up"
        assert client.get("/v1/stats").json()["indexed_block"] == crashed_at
    engine.dispose()
    stats = index_chain(chain.url, url, chain.deployment, block_range=3)
    resumed_at, events_after, _highest, rows = _state(url)
    assert resumed_at == head
    assert stats.events == events_after - events_before
    every = {str(index.name) for index in catchup.deferred_indexes()}
    assert _catch_up_state(url) == (False, every), "the resumed catch-up built the indexes"
    index_chain(chain.url, fresh, chain.deployment, block_range=100)
    assert _catch_up_state(fresh) == (False, every)
    _, fresh_events, _, fresh_rows = _state(fresh)
    assert events_after == fresh_events
    for table in fresh_rows:
        assert rows[table] == fresh_rows[table], table


def test_crash_mid_transaction_and_resume_sqlite(seeded_chain: Chain, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crashed.sqlite3'}"
    _crash(seeded_chain, url, at_range=6, block_range=3)
    _check_resume(seeded_chain, url, f"sqlite:///{tmp_path / 'fresh.sqlite3'}")


def test_crash_mid_transaction_and_resume_postgresql(
    seeded_chain: Chain, postgres: Callable[[], str]
) -> None:
    url = postgres()
    _crash(seeded_chain, url, at_range=9, block_range=3)
    _check_resume(seeded_chain, url, postgres())


class _Failure(RuntimeError):
    pass


def test_failed_ranges_roll_back_and_resume(seeded_chain: Chain, tmp_path: Path) -> None:
    """A range whose transaction fails (a lost connection, a full disk) leaves nothing behind; the
    next run starts from the last committed range."""
    url = f"sqlite:///{tmp_path / 'failing.sqlite3'}"
    engine = make_engine(url)
    applied: list[int] = []
    failing = {2, 3, 6}

    def before_commit(first: int, _last: int) -> None:
        applied.append(first)
        if len(applied) in failing:
            raise _Failure(f"simulated failure at block {first}")

    failures = 0
    with RpcClient(seeded_chain.url) as rpc:
        while True:
            indexer = Indexer(
                rpc=rpc,
                engine=engine,
                target=IndexTarget.from_deployment(seeded_chain.deployment),
                block_range=4,
                before_commit=before_commit,
            )
            indexer.prepare()
            try:
                indexer.sync()
                break
            except _Failure:
                failures += 1
                assert _state(url)[2] <= _state(url)[0]
    engine.dispose()
    assert failures == 3
    assert len(applied) > len(set(applied)), "failed ranges were not read again"
    fresh = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    index_chain(seeded_chain.url, fresh, seeded_chain.deployment, block_range=100)
    assert _state(url)[1:] == _state(fresh)[1:]


class _LimitedNode(RpcClient):
    """A node that refuses ``eth_getLogs`` over more than 3 blocks, as public nodes limit ranges."""

    def logs(self, addresses: list[str], from_block: int, to_block: int) -> list[dict[str, Any]]:
        if to_block - from_block + 1 > 3:
            raise RpcError("eth_getLogs failed: query exceeds the maximum block range (3)")
        return super().logs(addresses, from_block, to_block)


def test_range_limits_of_the_node_are_respected(seeded_chain: Chain, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'limited.sqlite3'}"
    engine = make_engine(url)
    with _LimitedNode(seeded_chain.url) as rpc:
        indexer = Indexer(
            rpc=rpc,
            engine=engine,
            target=IndexTarget.from_deployment(seeded_chain.deployment),
            block_range=50,
        )
        indexer.prepare()
        assert indexer.sync() == seeded_chain.w3.eth.block_number
    engine.dispose()
    fresh = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    index_chain(seeded_chain.url, fresh, seeded_chain.deployment, block_range=100)
    assert _state(url)[1:] == _state(fresh)[1:]


def test_an_index_of_another_registry_is_refused(seeded_chain: Chain, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'one-registry.sqlite3'}"
    index_chain(seeded_chain.url, url, seeded_chain.deployment)
    other = {**seeded_chain.deployment, "registry": seeded_chain.roles["mitsui"]}
    with pytest.raises(IndexSchemaError, match="built for registry"):
        index_chain(seeded_chain.url, url, other)
    with pytest.raises(IndexSchemaError, match="on chain 1 but the node is on chain"):
        index_chain(seeded_chain.url, url, {**seeded_chain.deployment, "chain_id": 1})


def test_an_index_of_an_older_schema_is_refused_unless_rebuilding_is_asked(
    seeded_chain: Chain, tmp_path: Path
) -> None:
    """A resumed devnet after an upgrade (``jcm api --rebuild-stale-index``) rebuilds its index
    from the chain; any other index of an older schema is refused, and kept as it was."""
    url = f"sqlite:///{tmp_path / 'older.sqlite3'}"
    index_chain(seeded_chain.url, url, seeded_chain.deployment)
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        stored = session.get(Meta, "schema_version")
        assert stored is not None and stored.value == SCHEMA_VERSION
        stored.value = "older"
    with pytest.raises(IndexSchemaError, match="schema version older, this code writes"):
        create_schema(engine)
    assert _state(url)[1] > 0  # refused, and nothing dropped

    create_schema(engine, rebuild_stale=True)
    with Session(engine) as session:
        assert session.execute(select(func.count()).select_from(Event)).scalar_one() == 0
        version = session.get(Meta, "schema_version")
        assert version is not None and version.value == SCHEMA_VERSION
    engine.dispose()
    index_chain(seeded_chain.url, url, seeded_chain.deployment)
    fresh = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    index_chain(seeded_chain.url, fresh, seeded_chain.deployment)
    assert _state(url)[1:] == _state(fresh)[1:]


def test_two_indexers_taking_turns_on_one_database(seeded_chain: Chain, tmp_path: Path) -> None:
    """Each indexer keeps the holdings it touched between its ranges; when the other one has
    moved the checkpoint in between, what it kept is stale and must not be used."""
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    engine = make_engine(url)
    head = seeded_chain.w3.eth.block_number
    with RpcClient(seeded_chain.url) as rpc:
        turns = [
            Indexer(
                rpc=rpc,
                engine=engine,
                target=IndexTarget.from_deployment(seeded_chain.deployment),
                block_range=2,
            )
            for _ in range(2)
        ]
        for indexer in turns:
            indexer.prepare()
        start = turns[0].checkpoint().number
        for step, until in enumerate(range(start + 3, head + 3, 3)):
            turns[step % 2].sync(until=min(until, head))
    engine.dispose()
    assert _state(url)[0] == head
    fresh = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    index_chain(seeded_chain.url, fresh, seeded_chain.deployment, block_range=100)
    assert _state(url)[1:] == _state(fresh)[1:]


class _Crash(RuntimeError):
    pass


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_setting_indexes_aside_and_building_them_are_each_one_transaction(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """A crash while the indexes are dropped or built leaves the flag and the indexes as they
    were: the database never says it has its indexes when it has not, nor the other way round."""
    url = (
        f"sqlite:///{tmp_path / 'aside.sqlite3'}"
        if backend == "sqlite"
        else request.getfixturevalue("postgres")()
    )
    engine = make_engine(url)
    create_schema(engine)
    every = {str(index.name) for index in catchup.deferred_indexes()}
    with pytest.raises(_Crash), Session(engine) as session, session.begin():
        catchup.enter(session, -1)
        raise _Crash
    assert _catch_up_state(url) == (False, every)
    with Session(engine) as session, session.begin():
        catchup.enter(session, -1)
    assert _catch_up_state(url) == (True, set())
    with pytest.raises(_Crash), Session(engine) as session, session.begin():
        catchup.leave(session)
        raise _Crash
    assert _catch_up_state(url) == (True, set())
    with Session(engine) as session, session.begin():
        catchup.leave(session)
    engine.dispose()
    assert _catch_up_state(url) == (False, every)
