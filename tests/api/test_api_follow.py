"""The indexer follows the head in a background thread (as ``jcm api --with-indexer`` and the devnet
run it) while the API serves from the same SQLite file."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from api.database import make_engine
from api.server import start_indexer_thread
from registry_client.settings import Settings
from support.api_chain import Chain


def _wait_for(condition: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_indexer_thread_follows_the_head(sandbox: Chain, tmp_path: Path) -> None:
    chain = sandbox
    deployment = tmp_path / "deployment.json"
    deployment.write_text(json.dumps({**chain.deployment, "rpc_url": chain.url}), encoding="utf-8")
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'followed.sqlite3'}",
        rpc_url=chain.url,
        deployment=deployment,
        poll_interval=0.1,
        block_range=10,
    )
    engine = make_engine(settings.database_url)
    client = TestClient(create_app(settings, engine=engine))
    stop = threading.Event()
    thread = start_indexer_thread(settings, stop)
    try:

        def indexed() -> int:
            return int(client.get("/v1/health").json()["indexed_block"])

        _wait_for(lambda: indexed() == chain.w3.eth.block_number, "the catch-up")
        before = client.get("/v1/transactions?kind=transfer").json()["total"]
        receipt = chain.transfer("mitsui", "jp_government", 2, 3)
        _wait_for(lambda: indexed() >= receipt["blockNumber"], "the new block")
        latest = client.get("/v1/transactions?kind=transfer&limit=1").json()
        assert latest["total"] == before + 1
        assert latest["items"][0]["proof"]["tx_hash"] == "0x" + receipt[
            "transactionHash"
        ].hex().removeprefix("0x")
        assert latest["items"][0]["quantity"] == 3
        assert client.get("/v1/health").json()["lag"] == 0
    finally:
        stop.set()
        thread.join(30)
        engine.dispose()
    assert not thread.is_alive()
