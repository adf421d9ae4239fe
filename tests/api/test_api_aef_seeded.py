"""The seed's history replayed at its real dates, and the AEF tables of Japan and two partners for
three years in every format: every action type occurs, paired parties' rows agree one to one, and
every unique identifier round-trips through the SDK's parser."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from web3 import Web3

from registry_client.anvil import TEST_MNEMONIC, start_anvil
from registry_client.article6 import ACTION_COLUMNS, ActionType, parse_unit_id
from registry_client.cli import main
from registry_client.seed import (
    GENESIS_TIME,
    SEED_START,
    SeedResult,
    build_plan,
    issued_on,
    run_seed,
)
from support.api_chain import index_chain, make_client

PARTNERS = ("ID", "TH", "VN")
PARTIES = ("JP", "ID", "TH")
YEARS = (2022, 2023, 2024)


DATABASE: dict[str, str] = {}


@pytest.fixture(scope="module")
def seeded(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TestClient, Web3, SeedResult]]:
    node = start_anvil("--silent", "--timestamp", str(GENESIS_TIME))
    try:
        Account.enable_unaudited_hdwallet_features()
        funder = Account.from_mnemonic(TEST_MNEMONIC)
        result = run_seed(node.url, funder, plan=build_plan(PARTNERS))
        database = f"sqlite:///{tmp_path_factory.mktemp('aef') / 'index.db'}"
        index_chain(node.url, database, result.deployment, block_range=500)
        DATABASE["url"] = database
        client, engine = make_client(database, None)
        try:
            yield client, Web3(Web3.HTTPProvider(node.url)), result
        finally:
            engine.dispose()
    finally:
        node.stop()


@pytest.fixture(scope="module")
def reports(seeded: tuple[TestClient, Web3, SeedResult]) -> dict[tuple[str, int], dict[str, Any]]:
    client = seeded[0]
    found = {}
    for party in ("JP", *PARTNERS):
        for year in range(SEED_START.year, datetime.now(UTC).year + 1):
            response = client.get(f"/v1/reports/aef/{party}/{year}")
            assert response.status_code == 200, response.text
            found[(party, year)] = response.json()
    return found


def test_the_history_is_mined_at_its_dates(seeded: tuple[TestClient, Web3, SeedResult]) -> None:
    client, w3, _result = seeded
    plan = build_plan(PARTNERS)
    batches = client.get("/v1/batches?limit=500").json()["items"]
    assert len(batches) == len(plan.issuances)
    issued = {b["id"]: b for b in batches}
    years = set()
    for number, issuance in enumerate(plan.issuances, start=1):
        # Batch ids follow the replay's order (by day), so find each by its decision's data.
        match = [
            b for b in issued.values()
            if b["project_ref"] == issuance.project_ref and b["vintage"] == issuance.vintage
            and b["quantity"] == issuance.quantity
        ]  # fmt: skip
        assert match, (number, issuance)
        day = datetime.fromisoformat(match[0]["proof"]["timestamp"]).date()
        assert day == min(issued_on(issuance), datetime.now(UTC).date())
        years.add(day.year)
    assert len(years) >= 5
    # After the replay the chain's clock is back at the present.
    latest = w3.eth.get_block("latest")["timestamp"]
    assert abs(latest - datetime.now(UTC).timestamp()) < 3600


def test_every_action_type_occurs(reports: dict[tuple[str, int], dict[str, Any]]) -> None:
    types: Counter[str] = Counter()
    ndc_users: set[str] = set()
    for report in reports.values():
        for row in report["actions"]:
            types[row["action_type"]] += 1
            if row["action_type"] == ActionType.USE_TOWARD_NDC:
                ndc_users.add(row["using_party"])
    assert set(types) == {t.value for t in ActionType}, types
    assert {"JP", "ID", "TH"} <= ndc_users  # NDC uses by both sides of a cooperative approach
    authorized = {r["authorization_id"] for rep in reports.values() for r in rep["actions"]}
    assert all(a for a in authorized)


def test_paired_parties_rows_agree_one_to_one(
    seeded: tuple[TestClient, Web3, SeedResult], reports: dict[tuple[str, int], dict[str, Any]]
) -> None:
    def key(row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(
            row[k] for k in (
                "record_id", "cooperative_approach", "first_unique_identifier",
                "last_unique_identifier", "quantity", "transferring_party", "acquiring_party",
                "action_date",
            )
        )  # fmt: skip

    sent: Counter[tuple[Any, ...]] = Counter()
    received: Counter[tuple[Any, ...]] = Counter()
    for (party, _year), report in reports.items():
        for row in report["actions"]:
            if row["action_type"] in (ActionType.FIRST_TRANSFER, ActionType.TRANSFER):
                assert row["transferring_party"] == party
                sent[key(row)] += 1
            elif row["action_type"] == ActionType.ACQUISITION:
                assert row["acquiring_party"] == party
                received[key(row)] += 1
    assert sent and sent == received
    assert max(sent.values()) == 1
    body = seeded[0].get("/v1/reports/aef/reconciliation").json()
    assert body["unmatched"] == []
    assert body["pairs"] == sum(sent.values())


def test_every_unique_identifier_round_trips(
    reports: dict[tuple[str, int], dict[str, Any]],
) -> None:
    count = 0
    for (party, year), report in reports.items():
        for row in report["actions"] + report["holdings"]:
            first = parse_unit_id(row["first_unique_identifier"])
            last = parse_unit_id(row["last_unique_identifier"])
            assert str(first) == row["first_unique_identifier"]
            assert str(last) == row["last_unique_identifier"]
            assert (
                first.cooperative_approach
                == last.cooperative_approach
                == (f"JCM-JP-{first.first_transferring_party}")
            )
            assert last.serial - first.serial + 1 == row["quantity"]
            assert first.vintage == row["vintage"]
            count += 2
        assert all(date.fromisoformat(r["action_date"]).year == year for r in report["actions"])
        assert report["party"] == party
    assert count > 500


@pytest.mark.parametrize("party", PARTIES)
@pytest.mark.parametrize("year", YEARS)
def test_tables_in_every_format(
    seeded: tuple[TestClient, Web3, SeedResult],
    reports: dict[tuple[str, int], dict[str, Any]],
    party: str,
    year: int,
) -> None:
    client = seeded[0]
    report = reports[(party, year)]
    assert report["actions"], (party, year)
    actions = list(csv.DictReader(io.StringIO(
        client.get(f"/v1/reports/aef/{party}/{year}/actions.csv").text
    )))  # fmt: skip
    assert [r["Record ID"] for r in actions] == [a["record_id"] for a in report["actions"]]
    assert [r["Transaction"] for r in actions] == [a["proof"]["tx_hash"] for a in report["actions"]]
    holdings = list(csv.DictReader(io.StringIO(
        client.get(f"/v1/reports/aef/{party}/{year}/holdings.csv").text
    )))  # fmt: skip
    assert sum(int(h["Quantity"]) for h in holdings) == sum(
        h["quantity"] for h in report["holdings"]
    )
    book = load_workbook(io.BytesIO(client.get(f"/v1/reports/aef/{party}/{year}.xlsx").content))
    sheet = list(book["Actions"].iter_rows(values_only=True))
    assert sheet[0] == tuple(heading for _key, heading in ACTION_COLUMNS)
    assert [row[0] for row in sheet[1:]] == [a["record_id"] for a in report["actions"]]
    assert book["Holdings"].max_row == len(report["holdings"]) + 1


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def jcm(capsys: pytest.CaptureFixture[str]) -> Callable[..., Ran]:
    """``jcm report aef ARGS`` in this process (as the console script runs it)."""

    def run(*args: str) -> Ran:
        capsys.readouterr()
        code = main(["report", "aef", *args])
        out = capsys.readouterr()
        return Ran(code, out.out, out.err)

    return run


@pytest.mark.parametrize("party", PARTIES)
def test_jcm_report_aef_in_every_format(
    jcm: Callable[..., Ran],
    seeded: tuple[TestClient, Web3, SeedResult],
    reports: dict[tuple[str, int], dict[str, Any]],
    tmp_path: Path,
    party: str,
) -> None:
    database = ("--database-url", DATABASE["url"])
    for year in YEARS:
        expected = reports[(party, year)]
        as_json = jcm("--party", party.lower(), "--year", str(year), *database)
        assert as_json.returncode == 0, as_json.stderr
        assert json.loads(as_json.stdout) == expected
        as_csv = jcm("--party", party, "--year", str(year), "--format", "csv", *database)
        rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
        assert [r["Record ID"] for r in rows] == [a["record_id"] for a in expected["actions"]]
        held = jcm("--party", party, "--year", str(year), "--format", "csv", "--table",
                    "holdings", *database)  # fmt: skip
        quantities = [int(r["Quantity"]) for r in csv.DictReader(io.StringIO(held.stdout))]
        assert quantities == [h["quantity"] for h in expected["holdings"]]
        workbook = tmp_path / f"aef-{party}-{year}.xlsx"
        as_xlsx = jcm("--party", party, "--year", str(year), "--format", "xlsx", "-o",
                       str(workbook), *database)  # fmt: skip
        assert as_xlsx.returncode == 0, as_xlsx.stderr
        book = load_workbook(workbook)
        assert book.sheetnames == ["Cover", "Actions", "Holdings"]
        assert book["Actions"].max_row == len(expected["actions"]) + 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--party", "XX", "--year", "2023"), "no participating Party XX"),
        (("--party", "J1", "--year", "2023"), "'J1' is not a two-letter country code"),
        (("--party", "JP", "--year", "2023", "--format", "xlsx"), "needs a file"),
    ],
)
def test_jcm_report_aef_refusals(
    jcm: Callable[..., Ran],
    seeded: tuple[TestClient, Web3, SeedResult],
    args: tuple[str, ...],
    message: str,
) -> None:
    refused = jcm(*args, "--database-url", DATABASE["url"])
    assert refused.returncode == 1
    assert refused.stdout == ""
    assert message in refused.stderr and len(refused.stderr.strip().splitlines()) == 1


def test_jcm_report_aef_without_an_index(jcm: Callable[..., Ran], tmp_path: Path) -> None:
    missing = f"sqlite:///{tmp_path / 'none.sqlite3'}"
    refused = jcm("--party", "JP", "--year", "2023", "--database-url", missing)
    assert refused.returncode == 1 and "no index database" in refused.stderr
    assert not (tmp_path / "none.sqlite3").exists()


def test_a_non_host_party_reports_uses_only_of_units_first_transferred(
    seeded: tuple[TestClient, Web3, SeedResult], reports: dict[tuple[str, int], dict[str, Any]]
) -> None:
    """Japan's share of a batch authorized after its issuance never became an ITMO (JCMArticle6):
    holding or using it is no Article 6 matter of Japan's, even though the batch is authorized
    now. Every holding, use or cancellation a party other than the host reports covers only
    serials the chain first transferred."""
    from sqlalchemy import create_engine, select

    from api.tables import FirstTransferRange

    consumption = {
        ActionType.USE_TOWARD_NDC,
        ActionType.CANCELLATION_FOR_OIMP,
        ActionType.OVERALL_MITIGATION_OR_VOLUNTARY,
    }
    engine = create_engine(DATABASE["url"])
    try:
        with engine.connect() as connection:
            transferred: dict[int, list[tuple[int, int]]] = {}
            for batch_id, first, last in connection.execute(
                select(
                    FirstTransferRange.batch_id, FirstTransferRange.first, FirstTransferRange.last
                )
            ):
                transferred.setdefault(batch_id, []).append((first, last))
    finally:
        engine.dispose()
    checked = 0
    for (party, _year), report in reports.items():
        for row in [*report["actions"], *report["holdings"]]:
            host = row["cooperative_approach"].removeprefix("JCM-JP-")
            if row.get("action_type", "holding") not in {*consumption, "holding"} or party == host:
                continue
            first = parse_unit_id(row["first_unique_identifier"]).serial
            last = parse_unit_id(row["last_unique_identifier"]).serial
            batch_id = seeded[0].get(f"/v1/serials/{first}").json()["batch"]["id"]
            covered = sum(
                max(0, min(last, b) - max(first, a) + 1) for a, b in transferred.get(batch_id, [])
            )
            assert covered == last - first + 1, (party, row)
            checked += 1
    assert checked > 0  # Japan's NDC uses at least
