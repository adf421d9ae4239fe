"""Views of RegistryClient against the populated registry (see ``support.sdk``)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest
from eth_account import Account
from web3.exceptions import Web3RPCError

from registry_client import records
from registry_client.client import RegistryClient
from registry_client.errors import ChainUnavailable, InvalidInput, NotFound, RecordMismatch
from registry_client.models import (
    AccountKind,
    AccountStatus,
    Authorization,
    SerialLocation,
    SerialRange,
)
from support.parties import doc_hash
from support.sdk import PROJECT, VINTAGE, World


def test_account(world: World) -> None:
    client = world.client()
    alice = client.account(world.alice.address.lower())
    assert alice.address == world.alice.address
    assert (alice.kind, alice.status, alice.side) == (
        AccountKind.HOLDING,
        AccountStatus.ACTIVE,
        "JP",
    )
    assert alice.holder_name == "Alice Trading K.K."
    assert alice.non_empty_holdings == 2 and alice.exists
    assert alice.opened_at is not None and alice.opened_at.tzinfo == UTC
    sink = client.account(world.sinks["ID-retirement"])
    assert (sink.kind, sink.side) == (AccountKind.RETIREMENT, "ID")
    assert sink.non_empty_holdings is None  # the ledger counts no sink's batches
    nobody = client.account(Account.create().address)
    assert not nobody.exists and nobody.side is None and nobody.opened_at is None


def test_holdings_with_ranges_and_block_ids(world: World) -> None:
    client = world.client()
    alice = client.holdings(world.alice.address)
    assert [(h.batch_id, h.balance, h.side) for h in alice] == [(1, 6000, "JP"), (2, 500, "JP")]
    assert alice[0].ranges == (SerialRange(first=1, last=6000),)
    assert alice[0].block_ids == (f"JCM-JP-{PROJECT}-{VINTAGE}-000000001-000006000",)
    assert alice[1].block_ids == (f"JCM-JP-{PROJECT}-{VINTAGE}-000010001-000010500",)
    bob = client.holding(world.bob.address, 1)
    assert bob.block_ids == (f"JCM-ID-{PROJECT}-{VINTAGE}-000006001-000010000",)
    world.client(world.alice).transfer(world.carol.address, 2, 500)
    assert [h.batch_id for h in client.holdings(world.alice.address)] == [1]
    emptied = client.holdings(world.alice.address, include_empty=True)
    assert [(h.batch_id, h.balance, h.ranges) for h in emptied] == [
        (1, 6000, alice[0].ranges),
        (2, 0, ()),
    ]
    holders = client.batch_holdings(1)
    assert {h.account: h.balance for h in holders} == {
        world.alice.address: 6000, world.bob.address: 4000,
    }  # fmt: skip


def test_batches(world: World) -> None:
    client = world.client()
    assert client.batch_count() == 2
    batch = client.batch(1)
    info = batch.info
    assert (info.id, info.project_ref, info.country, info.vintage) == (1, PROJECT, "ID", VINTAGE)
    assert (info.quantity, info.verified_reductions) == (10000, 10100)
    assert info.serials == SerialRange(first=1, last=10000)
    assert info.monitoring_start == datetime(2023, 1, 1, tzinfo=UTC)
    assert info.monitoring_end == datetime(2023, 6, 30, tzinfo=UTC)
    assert info.authorization == Authorization.NDC and info.authorization_id == "ID-A6-2023-001"
    assert info.authorization_date == datetime(2023, 6, 1, tzinfo=UTC)
    assert info.verification_report_hash == doc_hash("JC-ID-2024-issuance-1 report")
    assert not info.internationally_transferred
    assert (batch.totals.issued, batch.totals.held, batch.totals.retired) == (10000, 10000, 0)
    assert batch.totals.conserved
    second = client.batch(2).info
    assert second.authorization == Authorization.NONE and second.authorization_date is None
    assert [b.info.id for b in client.batches()] == [1, 2]
    state = client.batch_state(2)
    assert (state.country, state.first_serial, state.last_serial) == ("ID", 10001, 10500)


def test_batch_records_come_from_verified_events(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issuance data is read from ``BatchIssued`` and verified against the hash the chain
    keeps: the genuine record is returned, a node serving an altered one is caught."""
    client = world.client()
    record = client.batch_record(1)
    assert record.decision_ref and record.project_ref == PROJECT
    assert record == client.batch_info(1)  # nothing changed its authorization since
    with pytest.raises(NotFound, match="there is no batch 3"):
        client.batch_record(3)

    genuine = client.w3.eth.get_logs

    def altered(query: Any) -> Any:
        logs = genuine(query)
        forged = bytearray(logs[0]["data"])
        # The record is a dynamic tuple: after its offset word come id, projectRef's offset,
        # country, monitoringStart, monitoringEnd, then vintage (word 6, bytes 192-223).
        forged[223] ^= 1
        return [{**logs[0], "data": bytes(forged)}, *logs[1:]]

    monkeypatch.setattr(client.w3.eth, "get_logs", altered)
    with pytest.raises(RecordMismatch, match="does not match the hash"):
        client.batch(1)
    monkeypatch.setattr(client.w3.eth, "get_logs", lambda query: [])
    with pytest.raises(RecordMismatch, match="served no BatchIssued event of batch 1"):
        client.batch_info(1)


def test_projects(world: World) -> None:
    client = world.client()
    project = client.project(PROJECT)
    assert project.country == "ID" and project.methodology == "ID_AM002"
    assert project.pdd_hash == doc_hash("ID012 PDD") and project.batch_count == 2
    assert project.last_monitoring_end == datetime(2023, 12, 31, tzinfo=UTC)
    assert [p.ref for p in client.projects()] == [PROJECT]
    with pytest.raises(NotFound, match="no project 'XX999' is registered"):
        client.project("XX999")


def test_project_batches_and_what_a_late_period_may_fill(world: World) -> None:
    """The project's two batches have consecutive periods (2023-01-01 to 06-30, then 07-01 to
    12-31): their records come from one log query on the project's key, verified, and nothing
    between them is free, so a period there is warned of before anyone signs."""
    client = world.client()
    project = client.project(PROJECT)
    assert project.first_monitoring_start == datetime(2023, 1, 1, tzinfo=UTC)
    batches = client.project_batches(PROJECT)
    assert [(b.id, b.monitoring_start.day, b.monitoring_end.month) for b in batches] == [
        (1, 1, 6),
        (2, 1, 12),
    ]
    assert batches[0] == client.batch_record(1)
    assert client.period_gaps(PROJECT) == []
    with pytest.raises(NotFound, match="no project 'XX999'"):
        client.project_batches("XX999")

    def warnings(start: str, end: str) -> list[str]:
        issuance = world.issuance("JC-ID-late", [(world.alice.address, 1)], start=start, end=end)
        return client.decision_warnings(world.decision_for(client, issuance=issuance))

    assert warnings("2022-01-01", "2022-12-31") == []  # before the first period
    assert warnings("2024-01-01", "2024-12-31") == []  # after the latest
    assert warnings("2023-06-01", "2023-07-31") == [
        "the monitoring period overlaps batch 1 of project ID012, which covers 2023-01-01 to "
        "2023-06-30"
    ]
    # after batch 1's last day begins and before batch 2's first: no overlap to the second,
    # but the two periods are consecutive and nothing is kept between them
    assert warnings("2023-06-30T12:00:00Z", "2023-06-30T13:00:00Z") == [
        "the monitoring period falls between two consecutive periods of project ID012 (at most a "
        "day apart), where no period can be issued"
    ]


def test_project_batches_refuses_a_node_that_hides_one(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = world.client()
    real = client.w3.eth.get_logs
    monkeypatch.setattr(client.w3.eth, "get_logs", lambda query: real(query)[:1])
    with pytest.raises(RecordMismatch, match="served 1 BatchIssued events of project ID012"):
        client.project_batches(PROJECT)


def test_locate_serials_and_block_ids(world: World) -> None:
    client = world.client()
    held = client.locate(4500)
    assert held.location == SerialLocation.HELD and held.account == world.alice.address
    assert (held.batch_id, held.side, held.record_id) == (1, "JP", None)
    assert held.block_id == f"JCM-JP-{PROJECT}-{VINTAGE}-000000001-000006000"
    assert client.locate(held.block_id) == held.model_copy(update={"serial": 1})
    assert client.locate("6001").account == world.bob.address
    assert client.locate(10501).location == SerialLocation.UNISSUED
    alice = world.client(world.alice)
    retired = alice.retire(1, 10, "JP", "voluntary offset", "Alice")
    where = client.locate(5)
    assert where.location == SerialLocation.RETIRED
    assert where.record_id == retired.retirement_id
    assert where.account == world.sinks["JP-retirement"]
    assert where.block_id == f"JCM-JP-{PROJECT}-{VINTAGE}-000000001-000000010"
    cancelled = world.client(world.bob).cancel(1, 5, "voluntary cancellation")
    gone = client.locate(6003)
    assert gone.location == SerialLocation.CANCELLED and gone.record_id == cancelled.cancellation_id
    assert gone.account == world.sinks["ID-cancellation"] and gone.side == "ID"
    with pytest.raises(InvalidInput, match="names project ID099"):
        client.locate(f"JCM-JP-ID099-{VINTAGE}-000000011-000000020")
    with pytest.raises(InvalidInput):
        client.locate("serial five")


def test_records(world: World) -> None:
    client = world.client()
    assert client.retirements() == [] and client.cancellations() == []
    with pytest.raises(NotFound, match="there is no retirement 1"):
        client.retirement(1)
    with pytest.raises(NotFound, match="there is no cancellation 3"):
        client.cancellation(3)
    # A voluntary offset may name any party; an NDC use only the party whose registry retires it.
    world.client(world.alice).retire(1, 7, "ID", "voluntary-offset", "Alice", "for ID's target")
    world.client(world.bob).cancel(1, 3, "overall mitigation")
    [retirement] = client.retirements()
    assert retirement.using_party == "ID" and retirement.quantity == 7
    [cancellation] = client.cancellations()
    assert cancellation.account == world.bob.address
    assert cancellation.block_ids == (f"JCM-ID-{PROJECT}-{VINTAGE}-000006001-000006003",)


def test_records_are_proven_against_the_ledger(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SDK rebuilds each record from its event and hashes it as the ledger does; a node that
    serves an altered event gets no record out of the SDK, only ``RecordMismatch``."""
    world.client(world.alice).retire(1, 7, "JP", "voluntary offset", "Alice", "note")
    world.client(world.bob).cancel(1, 3, "overall mitigation", "why")
    client = world.client()
    functions = client.registry_contract.functions
    retirement, cancellation = client.retirement(1), client.cancellation(1)
    assert records.retirement_hash(retirement) == bytes(functions.retirementHash(1).call())
    assert records.cancellation_hash(cancellation) == bytes(functions.cancellationHash(1).call())
    assert functions.verifyRetirement(records.retirement_struct(retirement)).call()
    assert functions.verifyCancellation(records.cancellation_struct(cancellation)).call()
    assert client.retirements(batch_id=1) == [retirement] and client.retirements(batch_id=2) == []
    assert client.cancellations(batch_id=1) == [cancellation]

    genuine = client._record_events

    def altered(event: str, **indexed: int) -> list[dict[str, Any]]:
        return [{**a, "note": "altered"} for a in genuine(event, **indexed)]

    monkeypatch.setattr(client, "_record_events", altered)
    with pytest.raises(RecordMismatch, match="retirement 1: the ledger commits to 0x"):
        client.retirement(1)
    with pytest.raises(RecordMismatch, match="cancellation 1"):
        client.cancellations()
    with pytest.raises(RecordMismatch, match="serial 1 of batch 1 is retired or cancelled"):
        client.locate(1)
    monkeypatch.setattr(client, "_record_events", lambda event, **indexed: [])  # logs pruned
    with pytest.raises(RecordMismatch, match="the node's logs hold no event"):
        client.retirement(1)


def test_committee_countries_and_sides(world: World) -> None:
    client = world.client()
    committee = client.committee("id")
    assert committee.address == world.committee == world.deployment.committees["ID"]
    assert committee.japan_members == tuple(m.address for m in world.japan_members)
    assert committee.partner_members == tuple(m.address for m in world.partner_members)
    assert (committee.japan_threshold, committee.partner_threshold, committee.nonce) == (2, 1, 0)
    assert client.committees() == [committee]
    assert client.countries() == ["ID"] and client.sides() == ["JP", "ID"]
    with pytest.raises(NotFound, match="country VN has no joint committee"):
        client.committee("VN")
    domain = client.decision_domain("ID")
    assert (domain.chain_id, domain.committee) == (31337, world.committee)
    with pytest.raises(NotFound, match="country VN has no joint committee"):
        client.decision_domain("VN")
    assert client.chain_time() == client.w3.eth.get_block("latest")["timestamp"]
    sides = client.side_accounts("JP")
    assert sides.retirement_account == world.sinks["JP-retirement"]
    assert sides.cancellation_account == world.sinks["JP-cancellation"]
    with pytest.raises(NotFound, match="there is no registry side VN"):
        client.side_accounts("VN")


def test_totals_and_roles(world: World) -> None:
    client = world.client()
    world.client(world.alice).retire(1, 100, "JP", "ndc", "Alice")
    world.client(world.bob).cancel(1, 50, "overall mitigation")
    totals = client.totals()
    assert (totals.batches, totals.latest_serial, totals.issued) == (2, 10500, 10500)
    assert (totals.held, totals.retired, totals.cancelled) == (10350, 100, 50)
    assert (totals.retirements, totals.cancellations) == (1, 1)
    assert totals.countries == ("ID",) and not totals.paused
    assert client.is_registrar("JP", world.jp_registrar.address)
    assert not client.is_registrar("ID", world.jp_registrar.address)
    assert client.is_authority("JP", world.governance.address)
    assert not client.is_authority("JP", world.alice.address)
    assert not client.is_authority("ID", world.governance.address)


def test_tally_against_the_committee_on_chain(world: World) -> None:
    client = world.client()
    issuance = world.issuance(
        "JC-ID-tally", [(world.carol.address, 5)], start="2024-01-01", end="2024-01-31"
    )
    decision = world.decision_for(client, issuance=issuance)
    outsider_signature = decision.sign(world.outsider)
    tally = client.tally(decision, [*world.sign(decision, 1, 1), outsider_signature])
    assert not tally.ready
    assert (tally.japan.count, tally.japan.threshold) == (1, 2)
    assert (tally.partner.side, tally.partner.count, tally.partner.met) == ("ID", 1, True)
    assert [c.signer for c in tally.rejected] == [world.outsider.address]
    assert client.tally(decision, world.sign(decision)).ready


def test_records_are_read_in_block_ranges_a_node_accepts(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A node that refuses ``eth_getLogs`` over more than a few blocks (as Besu does beyond its
    ``--rpc-max-logs-range``) still serves every record, read ``log_block_range`` blocks at a
    time from the deployment block to the head; one query wider than it allows is a typed error
    that names the setting."""
    world.client(world.alice).retire(1, 7, "JP", "voluntary offset", "Alice", "note")
    world.client(world.bob).cancel(1, 3, "overall mitigation", "why")
    limit = 3

    def refusing(client: RegistryClient) -> list[tuple[int, int]]:
        asked: list[tuple[int, int]] = []
        genuine = client.w3.eth.get_logs

        def get_logs(params: Any) -> Any:
            first, last = (_block(params[k]) for k in ("fromBlock", "toBlock"))
            asked.append((first, last))
            if last - first + 1 > limit:
                raise Web3RPCError(f"exceed maximum block range: {limit}")
            return genuine(params)

        monkeypatch.setattr(client.w3.eth, "get_logs", get_logs)
        return asked

    client = RegistryClient.connect(world.rpc_url(), world.deployment, log_block_range=limit)
    asked = refusing(client)
    assert client.retirement(1).quantity == 7
    assert [c.quantity for c in client.cancellations(batch_id=1)] == [3]
    assert client.batch_record(1).quantity > 0
    head = int(client.w3.eth.block_number)
    first_pass = asked[: next(i for i, (_, last) in enumerate(asked) if last == head) + 1]
    assert len(first_pass) > 1, "the chain is longer than one range: several queries"
    assert first_pass[0][0] == world.deployment.block_number
    assert all(b - a + 1 <= limit for a, b in asked)
    assert all(b + 1 == c for (_, b), (c, _) in itertools.pairwise(first_pass))

    wide = RegistryClient.connect(world.rpc_url(), world.deployment, log_block_range=10_000)
    refusing(wide)
    with pytest.raises(ChainUnavailable, match="JCM_BLOCK_RANGE below 10000"):
        wide.retirement(1)
    with pytest.raises(InvalidInput, match="log_block_range"):
        RegistryClient(world.client().w3, world.deployment, log_block_range=0)


def _block(value: Any) -> int:
    return int(value, 16) if isinstance(value, str) else int(value)
