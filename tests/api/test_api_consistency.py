"""The API's numbers equal the contracts' own views, for every batch, account, serial and record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from web3 import Web3

from registry_client import contracts
from registry_client.domain import MAX_PAGE_SIZE, SerialLocation
from support.api_chain import Chain
from support.batches import BatchRecord, issued_batches

SINKS = {"retirement", "cancellation"}
LOCATIONS = {1: "held", 2: "retired", 3: "cancelled"}


def _unix(text: str) -> int:
    """An API time (ISO 8601) as unix seconds."""
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def _all(client: TestClient, url: str) -> list[dict[str, Any]]:
    page = client.get(url, params={"limit": 500}).json()
    assert page["total"] == len(page["items"])
    return list(page["items"])


def _whole(view: Any, key: Any) -> list[Any]:
    """Every item of a paged list view of the ledger (``batchHolders``, ``accountBatches``)."""
    items: list[Any] = []
    cursor = 0
    while True:
        page, cursor = view(key, cursor, MAX_PAGE_SIZE).call()
        items.extend(page)
        if cursor == 0:
            return items


def test_batches_match_batch_totals_and_batch_info(client: TestClient, seeded_chain: Chain) -> None:
    registry, projects = seeded_chain.registry, seeded_chain.projects
    batches = _all(client, "/v1/batches")
    # the issuance records from BatchIssued, each verified against JCMProjects' hash
    records = {b: BatchRecord(*r) for b, r in issued_batches(projects).items()}
    article6_contract = contracts.at(
        seeded_chain.w3, "JCMArticle6", registry.functions.article6().call()
    )
    assert [b["id"] for b in batches] == list(range(1, registry.functions.batchCount().call() + 1))
    for batch in batches:
        totals = registry.functions.batchTotals(batch["id"]).call()
        assert [batch["quantities"][k] for k in ("issued", "held", "retired", "cancelled")] == list(
            totals
        )
        info = records[batch["id"]]
        assert (info.projectRef, info.vintage, info.firstSerial, info.lastSerial) == (
            batch["project_ref"],
            batch["vintage"],
            batch["first_serial"],
            batch["last_serial"],
        )
        article6 = article6_contract.functions.batchArticle6(batch["id"]).call()
        assert article6[9] == batch["internationally_transferred"]
        assert "0x" + info.decisionId.hex() == batch["decision_id"]
        assert info.decisionRef == batch["decision_ref"]
        detail = client.get(f"/v1/batches/{batch['id']}").json()
        on_chain_holders = {
            h: registry.functions.balanceOf(h, batch["id"]).call()
            for h in _whole(registry.functions.batchHolders, batch["id"])
        }
        assert {h["account"]: h["balance"] for h in detail["holders"]} == {
            h: b for h, b in on_chain_holders.items() if b > 0
        }


def test_accounts_match_balances_and_holding_ranges(
    client: TestClient, seeded_chain: Chain
) -> None:
    registry = seeded_chain.registry
    accounts = _all(client, "/v1/accounts")
    assert len(accounts) == 10
    compared = 0
    for account in accounts:
        address = account["address"]
        info = registry.functions.accountInfo(address).call()
        assert info.holderName == account["holder_name"]
        assert ["none", "active", "frozen", "closed"][info.status] == account["status"]
        assert info.side.decode() == account["side"]
        holdings = {
            h["batch_id"]: h
            for h in _all(client, f"/v1/accounts/{address}/holdings?include_empty=true")
        }
        on_chain_batches = _whole(registry.functions.accountBatches, address)
        assert sorted(holdings) == sorted(on_chain_batches)
        non_empty = 0
        for batch_id in on_chain_batches:
            balance = registry.functions.balanceOf(address, batch_id).call()
            assert holdings[batch_id]["balance"] == balance, (address, batch_id)
            non_empty += balance > 0
            ranges = [list(r) for r in registry.functions.holdingRanges(address, batch_id).call()]
            api_ranges = [[r["first"], r["last"]] for r in holdings[batch_id]["ranges"]]
            assert api_ranges == ([] if account["kind"] in SINKS else ranges), (address, batch_id)
            assert sum(r["quantity"] for r in holdings[batch_id]["ranges"]) == (
                0 if account["kind"] in SINKS else balance
            )
            compared += 1
        assert account["batches"] == non_empty
        # The ledger counts the batches of holding accounts only (sinks never close).
        assert info.nonEmptyHoldings == (0 if account["kind"] in SINKS else non_empty)
        assert account["balance"] == sum(h["balance"] for h in holdings.values())
    assert compared == 15


def test_serials_are_where_locate_serial_says(client: TestClient, seeded_chain: Chain) -> None:
    registry = seeded_chain.registry
    boundaries: set[int] = set()
    for movement in _all(client, "/v1/transactions"):
        for r in movement["ranges"]:
            boundaries |= {r["first"], r["last"], r["first"] - 1, r["last"] + 1}
    latest = registry.functions.latestSerial().call()
    serials = sorted(s for s in boundaries if 1 <= s <= latest)
    assert len(serials) >= 40
    for serial in serials:
        where = registry.functions.locateSerial(serial).call()
        found = client.get(f"/v1/serials/{serial}").json()
        assert found["batch"]["id"] == where.batchId
        (place,) = found["whereabouts"]
        if where.location == SerialLocation.CONSUMED:  # the ledger keeps the record as a hash
            assert place["location"] in ("retired", "cancelled") and place["record_id"]
        else:
            assert (place["location"], place["account"]) == (
                LOCATIONS[where.location],
                where.account,
            )
        history = found["movements"]["items"]
        assert history[0]["kind"] == "issuance"
        assert history[-1]["to_account"] == place["account"]
    assert client.get(f"/v1/serials/{latest + 1}").status_code == 404


def test_records_match_retirement_and_cancellation_views(
    client: TestClient, seeded_chain: Chain
) -> None:
    registry = seeded_chain.registry
    retirements = _all(client, "/v1/retirements")
    assert len(retirements) == registry.functions.retirementCount().call() == 2
    purposes = ["ndc", "voluntary_offset"]
    for r in retirements:
        # The API's row, as the Retirement the ledger hashed: it proves against the commitment.
        record = (
            r["id"], r["batch_id"], r["account"], r["retirement_account"],
            r["using_party"].encode(), purposes.index(r["purpose"]), r["quantity"],
            _unix(r["retired_at"]), r["beneficiary"], r["note"],
            [(x["first"], x["last"]) for x in r["ranges"]],
        )  # fmt: skip
        assert registry.functions.verifyRetirement(record).call(), r
    cancellations = _all(client, "/v1/cancellations")
    assert len(cancellations) == registry.functions.cancellationCount().call() == 3
    reasons = ["voluntary_cancellation", "other_international_mitigation_purposes"]
    reasons += ["overall_mitigation", "correction"]
    for c in cancellations:
        record = (
            c["id"], c["batch_id"], c["account"], c["cancellation_account"],
            reasons.index(c["reason"]), c["quantity"], _unix(c["cancelled_at"]),
            bytes.fromhex((c["decision_id"] or "0x" + "00" * 32)[2:]), c["note"],
            [(x["first"], x["last"]) for x in c["ranges"]],
        )  # fmt: skip
        assert registry.functions.verifyCancellation(record).call(), c


def test_stats_and_committees_match_the_chain(client: TestClient, seeded_chain: Chain) -> None:
    registry = seeded_chain.registry
    stats = client.get("/v1/stats").json()
    count = registry.functions.batchCount().call()
    totals = [registry.functions.batchTotals(i).call() for i in range(1, count + 1)]
    assert [stats["totals"][k] for k in ("issued", "held", "retired", "cancelled")] == [
        sum(t[i] for t in totals) for i in range(4)
    ]
    countries = [c.decode() for c in registry.functions.countries().call()]
    listed = _all(client, "/v1/countries")
    assert [c["code"] for c in listed] == countries
    for country in listed:
        assert (
            country["committee"] == registry.functions.committeeOf(country["code"].encode()).call()
        )
    thailand = client.get("/v1/countries/TH").json()
    committee = seeded_chain.committees["TH"]
    japan, partner, japan_threshold, partner_threshold = committee.functions.members().call()
    membership = thailand["membership"]
    assert membership["nonce"] == committee.functions.nonce().call() == 1
    assert (membership["japan_members"], membership["partner_members"]) == (
        list(japan),
        list(partner),
    )
    assert (membership["japan_threshold"], membership["partner_threshold"]) == (
        japan_threshold,
        partner_threshold,
    )
    assert [d["kind"] for d in thailand["decisions"]] == ["register_project", "change_members"]
    # The decisions listed are those the committee announced executing (not every kind is recorded
    # in its state: see JointCommittee.executed).
    logged = committee.events.DecisionExecuted().get_logs(from_block=0)
    assert sorted(d["digest"].lower() for d in thailand["decisions"]) == sorted(
        Web3.to_hex(log.args.digest) for log in logged
    )
