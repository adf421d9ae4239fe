"""The AEF tables (Article 6 actions and holdings) of the reference history, through the API."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from registry_client.article6 import parse_unit_id
from registry_client.cli import main

YEAR = datetime.now(UTC).year  # the reference history is mined at the chain's (today's) time


def _report(client: TestClient, party: str, year: int = YEAR) -> dict[str, Any]:
    response = client.get(f"/v1/reports/aef/{party}/{year}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _summary(report: dict[str, Any]) -> dict[tuple[str, str, str, str], int]:
    """Quantities per (action type, transferring, acquiring, using party), authorizations aside.

    (A row covers units of one originating registry, so one movement may give several rows.)
    """
    totals: dict[tuple[str, str, str, str], int] = {}
    for a in report["actions"]:
        if a["action_type"] != "authorization":
            parties = (a["transferring_party"], a["acquiring_party"], a["using_party"])
            key = (a["action_type"], *parties)
            totals[key] = totals.get(key, 0) + a["quantity"]
    return totals


def test_each_party_reports_its_own_side_of_every_action(client: TestClient) -> None:
    japan, indonesia = _report(client, "JP"), _report(client, "ID")
    # Batch 1 (NDC): 500 issued into Japan's registry = first transfer ID -> JP; 100 moved
    # ID -> JP (first transfer); 30 back JP -> ID (a transfer: those serials crossed at issuance);
    # 70 used toward Japan's NDC; 10 cancelled voluntarily. Batch 3 (both purposes): 60 ID -> JP.
    assert _summary(japan) == {
        ("acquisition", "ID", "JP", ""): 500 + 100 + 60,
        ("transfer", "JP", "ID", ""): 30,
        ("use toward NDC", "", "", "JP"): 70,
        ("overall mitigation or voluntary cancellation", "", "", ""): 10,
    }
    assert _summary(indonesia) == {
        ("first transfer", "ID", "JP", ""): 500 + 100 + 60,
        ("acquisition", "JP", "ID", ""): 30,
        ("overall mitigation or voluntary cancellation", "", "", ""): 20,
    }
    # Batch 2 was never authorized: none of its movements is an Article 6 action.
    for party in ("JP", "ID"):
        # The authorizations are reported in the year of their date (2023), not of the issuance.
        assert all(a["action_type"] != "authorization" for a in _report(client, party)["actions"])
        authorizations = _report(client, party, 2023)["actions"]
        assert {a["action_type"] for a in authorizations} == {"authorization"}
        assert sum(a["quantity"] for a in authorizations) == 1000 + 300
        assert {a["authorization_id"] for a in authorizations} == {"AUTH-1", "AUTH-3"}
        assert all(a["action_date"] == "2023-11-14" for a in authorizations)


def test_every_row_names_its_proof_and_well_formed_identifiers(client: TestClient) -> None:
    for party in ("JP", "ID"):
        report = _report(client, party)
        for row in report["actions"] + report["holdings"]:
            first = parse_unit_id(row["first_unique_identifier"])
            last = parse_unit_id(row["last_unique_identifier"])
            assert last.serial - first.serial + 1 == row["quantity"]
            assert first.first_transferring_party == "ID"
            tx = client.get(f"/v1/transactions/{row['proof']['tx_hash']}")
            assert tx.status_code == 200, tx.text


def test_holdings_at_the_end_of_the_year(client: TestClient) -> None:
    held = {
        party: sum(h["quantity"] for h in _report(client, party)["holdings"])
        for party in ("JP", "ID", "VN")
    }
    # Japan: 500 + 100 + 60 acquired, 30 sent back, 70 retired, 10 cancelled.
    # Indonesia: batch 1 200 + 300 - 100 + 30 - 10 (corrected), batch 3 300 - 60 - 20.
    assert held == {"JP": 550, "ID": 640, "VN": 0}
    assert _report(client, "JP", YEAR - 1)["holdings"] == []


def test_reconciliation_pairs_every_transfer(client: TestClient) -> None:
    body = client.get("/v1/reports/aef/reconciliation").json()
    assert body["unmatched"] == []
    # 400 + 100 at issuance, 100 and 60 moved ID -> JP, 30 moved back (several rows each when
    # the units come from both registries).
    assert body["pairs"] >= 5


def test_csv_and_xlsx(client: TestClient) -> None:
    csv_response = client.get(f"/v1/reports/aef/JP/{YEAR}/actions.csv")
    assert csv_response.status_code == 200
    assert csv_response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(csv_response.text)))
    assert len(rows) == len(_report(client, "JP")["actions"])
    holdings = client.get(f"/v1/reports/aef/JP/{YEAR}/holdings.csv")
    assert sum(int(r["Quantity"]) for r in csv.DictReader(io.StringIO(holdings.text))) == 550
    xlsx = client.get(f"/v1/reports/aef/ID/{YEAR}.xlsx")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["Cover", "Actions", "Holdings"]
    assert book["Actions"].max_row == len(_report(client, "ID")["actions"]) + 1


def test_unknown_party_and_bad_year(client: TestClient) -> None:
    missing = client.get(f"/v1/reports/aef/XX/{YEAR}")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert client.get("/v1/reports/aef/JPN/2024").status_code == 422
    assert client.get("/v1/reports/aef/JP/1800").status_code == 422
    assert client.get("/v1/reports/aef/XX/2024.xlsx").status_code == 404


def _jcm_report(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["report", "aef", *args, "--api-url", "http://testserver/"])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_jcm_report_aef_from_a_running_api(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asked: list[str] = []

    def get(url: str, timeout: float) -> httpx.Response:
        asked.append(url)
        return client.get(url.removeprefix("http://testserver"))

    monkeypatch.setattr(httpx, "get", get)
    code, out, err = _jcm_report(capsys, "--party", "id", "--year", str(YEAR))
    assert (code, err) == (0, "")
    assert json.loads(out) == _report(client, "ID")
    assert asked == [f"http://testserver/v1/reports/aef/ID/{YEAR}"]
    code, out, err = _jcm_report(capsys, "--party", "XX", "--year", str(YEAR))
    assert code == 1 and out == ""
    assert err.startswith("error: the query API refused XX") and "no participating Party" in err


def test_jcm_report_aef_when_the_api_cannot_be_reached(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(url: str, timeout: float) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    monkeypatch.setattr(httpx, "get", refuse)
    code, out, err = _jcm_report(capsys, "--party", "JP", "--year", "2024")
    assert code == 1 and out == ""
    assert (
        err == "error: the query API at http://testserver/ cannot be reached: connection refused\n"
    )
