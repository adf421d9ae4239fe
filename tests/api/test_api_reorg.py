"""Reorganisations on anvil (snapshot, revert, different transactions): the index rolls back what it
had indexed past the fork and ends equal to a fresh index of the final chain."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from api.database import make_engine
from api.indexer import Indexer, IndexTarget
from api.tables import Checkpoint
from registry_client.chain import RpcClient
from support.api_chain import (
    AUTH_NDC,
    VOLUNTARY_CANCELLATION,
    VOLUNTARY_OFFSET,
    Chain,
    deploy_committee,
    dump_index,
    index_chain,
    join,
)
from support.invariants import assert_registry_invariants


def _checkpoint(url: str) -> int:
    engine = make_engine(url)
    with Session(engine) as session:
        cp = session.get(Checkpoint, 1)
        assert cp is not None
        number = cp.block_number
    engine.dispose()
    return number


def _branch_a(chain: Chain, committee: str) -> None:
    """Transactions that the reorganisation will drop: movements, a committee change, a new project
    and batch, and a new country whose committee contract was deployed before the fork."""
    join(chain, b"KH", committee, chain.roles["authority_kh"])
    chain.transfer("mitsui", "jp_government", 1, 11)
    # A voluntary offset: pt_energi's lowest serials of batch 1 came back from Japan, first
    # transferred, so the host may no longer count them toward its NDC (rule 9).
    chain.retire("pt_energi", 1, 5, "ID", VOLUNTARY_OFFSET, "dropped")
    chain.send(
        chain.governance.functions.replaceCommittee(b"VN", chain.roles["committee_vn"]),
        chain.roles["committee_vn2"],
    )
    chain.register_project("ID099", "ID", "committee_id")
    chain.issue("ID099", 2024, [("mitsui", 70), ("pt_energi", 30)], AUTH_NDC)
    chain.transfer("pt_energi", "mitsui", 4, 30)


def _branch_b(chain: Chain, extra_blocks: int) -> None:
    """The transactions of the chain that wins."""
    chain.transfer("jp_government", "mitsui", 1, 7)
    chain.cancel("mitsui", 2, 3, VOLUNTARY_CANCELLATION)
    chain.register_project("ID100", "ID", "committee_id")
    chain.issue("ID100", 2024, [("pt_energi", 40)], AUTH_NDC)
    for _ in range(extra_blocks):
        chain.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


@pytest.mark.parametrize("extra_blocks", [0, 12], ids=["shorter-new-chain", "longer-new-chain"])
def test_reorg_rolls_back_to_the_fork(sandbox: Chain, tmp_path: Path, extra_blocks: int) -> None:
    chain = sandbox
    url = f"sqlite:///{tmp_path / 'followed.sqlite3'}"
    index_chain(chain.url, url, chain.deployment, block_range=4)
    committee = deploy_committee(chain, "KH")
    fork = chain.w3.eth.block_number
    snapshot = chain.w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]

    _branch_a(chain, committee)
    dropped_head = chain.w3.eth.block_number
    index_chain(chain.url, url, chain.deployment, block_range=4)
    assert _checkpoint(url) == dropped_head
    dropped = dump_index(url)
    assert any(row[0] == "ID099" for row in dropped["projects"])
    assert any(row[0] == committee for row in dropped["committee_memberships"])

    reverted = chain.w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
    assert reverted["result"] is True
    _branch_b(chain, extra_blocks)
    assert_registry_invariants(chain.registry, chain.projects)
    head = chain.w3.eth.block_number
    assert (head > dropped_head) == bool(extra_blocks)

    stats = index_chain(chain.url, url, chain.deployment, block_range=4)
    assert stats.reorgs == 1
    assert stats.events_undone > 0
    assert _checkpoint(url) == head

    fresh = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    index_chain(chain.url, fresh, chain.deployment, block_range=50)
    followed_rows, fresh_rows = dump_index(url), dump_index(fresh)
    for table in fresh_rows:
        assert followed_rows[table] == fresh_rows[table], table
    projects = [row[0] for row in fresh_rows["projects"]]
    assert "ID100" in projects and "ID099" not in projects
    assert all(row[0] <= head for row in fresh_rows["events"])
    assert not any(row[0] == committee for row in followed_rows["committee_memberships"])
    assert fork < head


def test_confirmations_keep_the_index_behind_the_head(sandbox: Chain, tmp_path: Path) -> None:
    chain = sandbox
    url = f"sqlite:///{tmp_path / 'confirmed.sqlite3'}"
    head = chain.w3.eth.block_number
    index_chain(chain.url, url, chain.deployment, confirmations=6)
    assert _checkpoint(url) == head - 6
    # A reorganisation shallower than the confirmations never reaches the index.
    snapshot = chain.w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    chain.transfer("mitsui", "jp_government", 1, 1)
    chain.w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
    chain.transfer("mitsui", "jp_government", 1, 2)
    engine = make_engine(url)
    with RpcClient(chain.url) as rpc:
        indexer = Indexer(
            rpc=rpc,
            engine=engine,
            target=IndexTarget.from_deployment(chain.deployment),
            confirmations=6,
            block_range=5,
        )
        indexer.prepare()
        assert indexer.sync() == chain.w3.eth.block_number - 6
        assert indexer.stats.reorgs == 0
    engine.dispose()
