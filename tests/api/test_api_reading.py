"""Where the indexer reads: a thread of its own process while following the chain, a process of its
own while catching up a long history (api.reader.ProcessReads). Both give the same index; the
reading process is gone when the indexer returns, and its failures reach the indexer as they
would from a thread."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from api.database import make_engine
from api.indexer import READING_PROCESS_RANGES, Indexer, IndexTarget
from api.reader import ProcessReads, RangeRead, ThreadReads
from registry_client.chain import RpcClient, RpcError
from support.api_chain import Chain, dump_index, index_chain


def _spied(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Record the reads each sync started."""
    started: list[Any] = []
    for kind in (ProcessReads, ThreadReads):

        def init(self: Any, *args: Any, _init: Any = kind.__init__) -> None:
            started.append(self)
            _init(self, *args)

        monkeypatch.setattr(kind, "__init__", init)
    return started


@contextmanager
def _indexer(rpc: RpcClient, chain: Chain, tmp_path: Path) -> Iterator[Indexer]:
    """An indexer of ``chain`` into a new SQLite index, two blocks per range."""
    engine = make_engine(f"sqlite:///{tmp_path / 'index.sqlite3'}")
    target = IndexTarget.from_deployment(chain.deployment)
    indexer = Indexer(rpc=rpc, engine=engine, target=target, block_range=2)
    indexer.prepare()
    try:
        yield indexer
    finally:
        engine.dispose()


def test_a_reading_process_gives_the_same_index_as_a_reading_thread(
    seeded_chain: Chain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = _spied(monkeypatch)
    by_thread = f"sqlite:///{tmp_path / 'thread.sqlite3'}"
    by_process = f"sqlite:///{tmp_path / 'process.sqlite3'}"
    index_chain(seeded_chain.url, by_thread, seeded_chain.deployment, reading_process=False)
    stats = index_chain(seeded_chain.url, by_process, seeded_chain.deployment, reading_process=True)
    assert [type(reads) for reads in started] == [ThreadReads, ProcessReads]
    assert started[1].process.returncode == 0, "the reading process ended with the sync"
    assert stats.events > 0
    assert dump_index(by_process) == dump_index(by_thread)


def test_a_catch_up_reads_in_a_process_and_following_in_a_thread(
    seeded_chain: Chain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Automatically: a process when more than READING_PROCESS_RANGES ranges are to go, and only
    with a plain node client (the process makes its own from the URLs)."""
    started = _spied(monkeypatch)
    head = seeded_chain.w3.eth.block_number
    with RpcClient(seeded_chain.url) as rpc, _indexer(rpc, seeded_chain, tmp_path) as indexer:
        assert head - indexer.checkpoint().number > READING_PROCESS_RANGES * indexer.block_range
        indexer.sync(until=head - 3)
        indexer.sync()  # three blocks to go
    assert [type(reads) for reads in started] == [ProcessReads, ThreadReads]


class _OtherClient(RpcClient):
    """A client that is not the plain one: a process could not make the same."""


def test_a_client_of_its_own_kind_is_read_in_a_thread(
    seeded_chain: Chain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = _spied(monkeypatch)
    with _OtherClient(seeded_chain.url) as rpc, _indexer(rpc, seeded_chain, tmp_path) as indexer:
        indexer.sync()
    assert [type(reads) for reads in started] == [ThreadReads]


def _reads(chain: Chain, tmp_path: Path) -> ProcessReads:
    with RpcClient(chain.url) as rpc, _indexer(rpc, chain, tmp_path) as indexer:
        return ProcessReads(rpc, indexer._contracts(), indexer.target.start_block)


def test_the_reading_process_hands_over_the_errors_of_a_read(
    seeded_chain: Chain, tmp_path: Path
) -> None:
    reads = _reads(seeded_chain, tmp_path)
    head = seeded_chain.w3.eth.block_number
    try:
        read = reads.submit((), seeded_chain.start_block, seeded_chain.start_block + 5, 6)
        assert isinstance(read.result(), RangeRead)
        assert read.result().decoded, "the deployment's first blocks have events"
        with pytest.raises(RpcError):  # as the node's refusal reaches a reading thread
            reads.submit((), head + 10, head + 20, 11).result()
        assert isinstance(reads.submit((), head, head, 1).result(), RangeRead)
    finally:
        reads.close()


def test_a_reading_process_that_dies_is_a_clear_error(seeded_chain: Chain, tmp_path: Path) -> None:
    reads = _reads(seeded_chain, tmp_path)
    try:
        reads.process.kill()
        reads.process.wait()
        with pytest.raises(RuntimeError, match="reading process stopped"):
            reads.submit((), seeded_chain.start_block, seeded_chain.start_block, 1).result()
    finally:
        reads.close()
