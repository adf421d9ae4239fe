"""Run the indexer and crash it inside a block range's transaction (``os._exit``, as a killed
process would stop: no rollback, no cleanup). Used by ``test_api_resume.py`` in a subprocess::

    python crash_indexer.py RPC_URL DATABASE_URL DEPLOYMENT_JSON CRASH_AT_RANGE BLOCK_RANGE
"""

from __future__ import annotations

import json
import os
import sys

from api.database import make_engine
from api.indexer import Indexer, IndexTarget
from registry_client.chain import RpcClient

CRASH_EXIT_CODE = 86


def main(argv: list[str]) -> int:
    """Index until the ``CRASH_AT_RANGE``-th range, and die in the middle of its transaction."""
    rpc_url, database_url, deployment, crash_at, block_range = argv
    ranges = 0

    def before_commit(first: int, last: int) -> None:
        nonlocal ranges
        ranges += 1
        if ranges == int(crash_at):
            print(f"crashing while applying blocks {first}-{last}", flush=True)
            os._exit(CRASH_EXIT_CODE)

    indexer = Indexer(
        rpc=RpcClient(rpc_url),
        engine=make_engine(database_url),
        target=IndexTarget.from_deployment(json.loads(deployment)),
        block_range=int(block_range),
        before_commit=before_commit,
    )
    indexer.prepare()
    indexer.sync()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
