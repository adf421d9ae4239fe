"""Views of RegistryClient against the populated registry (see conftest.World)."""

from __future__ import annotations

from sdk_world import PROJECT, VINTAGE, World

from registry_client.models import AccountKind, AccountStatus


def test_world_builds(world: World) -> None:
    client = world.client()
    alice = client.account(world.alice.address)
    assert alice.kind == AccountKind.HOLDING
    assert alice.status == AccountStatus.ACTIVE
    assert alice.side == "JP"
    holdings = client.holdings(world.alice.address)
    assert [(h.batch_id, h.balance) for h in holdings] == [(1, 6000), (2, 500)]
    assert holdings[0].block_ids == (f"JCM-JP-{PROJECT}-{VINTAGE}-000000001-000006000",)
