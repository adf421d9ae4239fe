"""What the endpoints answer on the seeded history: values, filters, pagination, errors as problem
details, content negotiation, and the explorer's pages and search."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from support.api_chain import Chain, make_client

PROBLEM = "application/problem+json"


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail", "instance"} <= body.keys()
    assert body["status"] == status
    return body


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("GET", "/v1/batches/99", 404),
        ("GET", "/v1/batches/abc", 422),
        ("GET", "/v1/batches?limit=0", 422),
        ("GET", "/v1/batches?limit=501", 422),
        ("GET", "/v1/accounts/0x1234", 422),
        ("GET", "/v1/accounts/0x0000000000000000000000000000000000000001", 404),
        ("GET", "/v1/serials/hello", 400),
        ("GET", "/v1/serials/99999999", 404),
        ("GET", "/v1/serials/18446744073709551615", 404),
        ("GET", "/v1/serials/JCM-JP-ID013-2022-000000001-000000010", 404),
        ("GET", "/v1/serials/JCM-JP-ID012-2022-000000990-000001010", 400),
        ("GET", "/v1/countries/JP", 404),
        ("GET", "/v1/projects/NOPE", 404),
        ("GET", "/v1/retirements/9", 404),
        ("GET", "/v1/retirements/9.html", 404),
        ("GET", "/v1/transactions/0x" + "ab" * 32, 404),
        ("GET", "/v1/reports/annual/1969", 422),
        ("GET", "/v1/nowhere", 404),
        ("POST", "/v1/stats", 405),
    ],
)
def test_errors_are_problem_details(client: TestClient, method: str, url: str, status: int) -> None:
    body = _problem(client.request(method, url), status)
    assert body["instance"] == url.split("?")[0]
    if status == 422:
        assert body["errors"] and body["type"] == "/problems/validation-error"


def test_stats(client: TestClient) -> None:
    stats = client.get("/v1/stats").json()
    assert stats["totals"] == {"issued": 1800, "held": 1685, "retired": 90, "cancelled": 25}
    assert [v["vintage"] for v in stats["by_vintage"]] == [2022, 2023]
    sides = {s["side"]: s for s in stats["by_side"]}
    assert set(sides) == {"JP", "ID", "TH", "VN"}
    assert sides["JP"]["issued"] + sides["ID"]["issued"] == 1800
    assert sides["ID"]["transferred_out"] == 160 and sides["JP"]["transferred_in"] == 160
    assert sum(s["held"] for s in sides.values()) == 1685
    assert stats["counts"]["retirements"] == 2 and stats["counts"]["accounts"] == 10


def test_pagination_and_filters(client: TestClient, seeded_chain: Chain) -> None:
    first = client.get("/v1/transactions?limit=5").json()
    second = client.get("/v1/transactions?limit=5&offset=5").json()
    assert first["total"] == second["total"] == 19
    keys = [
        (m["proof"]["tx_hash"], m["proof"]["log_index"]) for m in first["items"] + second["items"]
    ]
    assert len(set(keys)) == 10
    beyond = client.get("/v1/transactions?offset=100").json()
    assert beyond["items"] == [] and beyond["total"] == 19
    # A full page is counted; a last page, short, tells the total; a page past the end counts.
    full = client.get("/v1/accounts?limit=3").json()
    last = client.get("/v1/accounts?limit=3&offset=9").json()
    past = client.get("/v1/accounts?limit=3&offset=12").json()
    assert full["total"] == last["total"] == past["total"] == 10
    assert (len(full["items"]), len(last["items"]), past["items"]) == (3, 1, [])
    oldest = client.get("/v1/transactions?order=asc&limit=1").json()["items"][0]
    assert oldest["kind"] == "issuance"

    retirements = client.get("/v1/transactions?kind=retirement").json()
    assert retirements["total"] == 2
    assert {m["kind"] for m in retirements["items"]} == {"retirement"}
    mitsui = seeded_chain.roles["mitsui"]
    touching = client.get(f"/v1/transactions?account={mitsui.lower()}&limit=500").json()["items"]
    assert touching and all(mitsui in (m["from_account"], m["to_account"]) for m in touching)
    assert client.get("/v1/transactions?project=ID013").json()["total"] == 3
    assert client.get("/v1/transactions?since=2999-01-01T00:00:00Z").json()["total"] == 0
    assert client.get("/v1/transactions?until=2000-01-01").json()["total"] == 0
    assert client.get("/v1/transactions?side=TH").json()["total"] == 0
    intl = client.get("/v1/transactions?kind=international_transfer").json()["items"]
    assert [m["first_international"] for m in reversed(intl)] == [True, False, True]

    assert client.get("/v1/batches?internationally_transferred=false").json()["total"] == 1
    assert client.get("/v1/accounts?kind=retirement").json()["total"] == 2
    assert (
        client.get("/v1/accounts?status=closed").json()["items"][0]["holder_name"]
        == "Short-lived KK"
    )
    assert client.get("/v1/accounts?q=MITSUI").json()["total"] == 1
    assert client.get("/v1/projects?q=id01").json()["total"] == 2
    assert client.get("/v1/cancellations?reason=correction").json()["total"] == 1
    assert client.get("/v1/retirements?using_party=id").json()["total"] == 1


def test_holdings_carry_block_ids_and_proofs(client: TestClient, seeded_chain: Chain) -> None:
    pt = seeded_chain.roles["pt_energi"]
    holdings = client.get(f"/v1/accounts/{pt}/holdings").json()["items"]
    batch1 = next(h for h in holdings if h["batch_id"] == 1)
    assert [(r["first"], r["last"]) for r in batch1["ranges"]] == [(51, 55), (66, 80), (601, 800)]
    assert batch1["ranges"][0]["block_id"] == "JCM-ID-ID012-2022-000000051-000000055"
    assert all(r["proof"]["tx_hash"].startswith("0x") for r in batch1["ranges"])
    only = client.get(f"/v1/accounts/{pt}/holdings?batch_id=3").json()
    assert only["total"] == 1 and only["items"][0]["balance"] == 220
    closed = client.get(f"/v1/accounts/{seeded_chain.roles['short_lived']}/holdings").json()
    assert closed["total"] == 0
    government = client.get(f"/v1/accounts/{seeded_chain.roles['id_government']}").json()
    assert [s["status"] for s in government["status_history"]] == ["frozen", "active"]
    assert government["status"] == "active"


def test_serial_block_lookup(client: TestClient) -> None:
    whole = client.get("/v1/serials/JCM-JP-ID012-2022-000000001-000001000?limit=500").json()
    assert whole["quantity"] == 1000
    assert sum(w["quantity"] for w in whole["whereabouts"]) == 1000
    assert {w["location"] for w in whole["whereabouts"]} == {"held", "retired", "cancelled"}
    spans = [(w["first"], w["last"]) for w in whole["whereabouts"]]
    assert spans == sorted(spans)
    assert all(spans[i][1] + 1 == spans[i + 1][0] for i in range(len(spans) - 1))
    corrected = client.get("/v1/serials/60").json()
    assert corrected["whereabouts"][0]["location"] == "cancelled"
    assert [m["kind"] for m in corrected["movements"]["items"]] == [
        "issuance",
        "international_transfer",
        "correction",
    ]
    moved = client.get("/v1/serials/520").json()
    assert [m["kind"] for m in moved["movements"]["items"]] == [
        "issuance",
        "international_transfer",
    ]
    paged = client.get("/v1/serials/JCM-JP-ID012-2022-000000001-000001000?limit=2&offset=1").json()
    assert paged["movements"]["total"] == whole["movements"]["total"]
    assert paged["movements"]["items"] == whole["movements"]["items"][1:3]


def test_retirement_certificate(client: TestClient) -> None:
    json_body = client.get("/v1/retirements/1").json()
    assert json_body["beneficiary"] == "Mitsui & Co., Ltd. FY2024"
    assert json_body["quantity"] == sum(r["quantity"] for r in json_body["ranges"]) == 70
    assert json_body["certificate_url"] == "/v1/retirements/1.html"
    for response in (
        client.get("/v1/retirements/1.html"),
        client.get("/v1/retirements/1", headers={"Accept": "text/html,application/xhtml+xml"}),
        client.get("/retirements/1"),
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert "Retirement certificate No. 1" in response.text
        assert "Mitsui &amp; Co., Ltd. FY2024" in response.text
        assert json_body["proof"]["tx_hash"] in response.text


def test_transaction_and_countries(client: TestClient, seeded_chain: Chain) -> None:
    correction = client.get("/v1/cancellations?reason=correction").json()["items"][0]
    tx_hash = correction["proof"]["tx_hash"]
    tx = client.get(f"/v1/transactions/{tx_hash.upper().replace('0X', '0x')}").json()
    assert [m["kind"] for m in tx["movements"]] == ["correction"]
    assert [e["name"] for e in tx["events"]] == [
        "TransferSingle",
        "CreditsCancelled",
        "CreditsCorrected",
    ]
    # Each event's arguments, decoded from the log kept verbatim (the indexer never decodes a
    # TransferSingle that is not a mint: it only keeps it).
    mirror, cancelled = tx["events"][0]["args"], tx["events"][1]["args"]
    assert (mirror["from"], mirror["id"], mirror["value"]) == (
        correction["account"],
        correction["batch_id"],
        correction["quantity"],
    )
    assert (cancelled["cancellationId"], cancelled["quantity"]) == (
        correction["id"],
        correction["quantity"],
    )
    assert correction["decision_id"] is not None

    vietnam = client.get("/v1/countries/vn").json()
    # The successor committee's membership, from its constructor's MembersChanged.
    assert vietnam["membership"]["address"] == seeded_chain.roles["committee_vn2"]
    assert vietnam["membership"]["nonce"] == 0
    assert [h["committee"] for h in vietnam["committee_history"]] == [
        seeded_chain.roles["committee_vn"],
        seeded_chain.roles["committee_vn2"],
    ]
    assert vietnam["committee"] == seeded_chain.roles["committee_vn2"]
    indonesia = client.get("/v1/countries/ID").json()
    assert indonesia["quantities"]["issued"] == 1800 and indonesia["projects"] == 2


def test_reports_and_health(client: TestClient, seeded_chain: Chain) -> None:
    types = client.get("/v1/reports/account-types").json()
    totals = {t["kind"]: t for t in types["totals"]}
    assert totals["retirement"]["quantity"] == 90 and totals["cancellation"]["quantity"] == 25
    assert totals["holding"]["quantity"] + totals["government_holding"]["quantity"] == 1685
    assert {r["side"] for r in client.get("/v1/reports/account-types?side=jp").json()["rows"]} == {
        "JP"
    }

    year = int(client.get("/v1/transactions?limit=1").json()["items"][0]["proof"]["timestamp"][:4])
    annual = client.get(f"/v1/reports/annual/{year}").json()
    issuances = [r for r in annual["transactions"] if r["kind"] == "issuance"]
    assert sum(r["transactions"] for r in issuances) == 7
    assert sum(r["quantity"] for r in issuances) == 1800
    assert sum(r["quantity"] for r in annual["year_end"]) == 1800
    before = client.get(f"/v1/reports/annual/{year - 1}").json()
    assert before["transactions"] == [] and before["complete"] is True

    health = client.get("/v1/health").json()
    assert health["status"] == "ok" and health["lag"] == 0
    assert health["chain_id"] == seeded_chain.w3.eth.chain_id
    assert health["registry"] == seeded_chain.registry.address
    assert health["projects"] == seeded_chain.projects.address
    assert health["indexed_block"] == seeded_chain.w3.eth.block_number
    assert [c["country"] for c in health["committees"]] == ["ID", "TH", "VN"]
    assert health["paused"] is False


def test_openapi_documents_problem_details(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "Problem" in schema["components"]["schemas"]
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    batch = schema["paths"]["/v1/batches/{batch_id}"]["get"]["responses"]
    assert PROBLEM in batch["404"]["content"] and PROBLEM in batch["422"]["content"]
    assert client.get("/docs").status_code == 200


@pytest.mark.parametrize(
    ("query", "target"),
    [
        ("520", "/serials/520"),
        ("JCM-JP-ID012-2022-000000131-000000140", "/serials/JCM-JP-ID012-2022-000000131-000000140"),
        ("id012", "/projects/ID012"),
        ("batch 2", "/batches/2"),
        ("#3", "/batches/3"),
    ],
)
def test_explorer_search_redirects(client: TestClient, query: str, target: str) -> None:
    response = client.get("/search", params={"q": query}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == target
    page = client.get(target)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")


def test_explorer_pages(client: TestClient, seeded_chain: Chain) -> None:
    mitsui = seeded_chain.roles["mitsui"]
    response = client.get("/search", params={"q": mitsui.lower()}, follow_redirects=False)
    assert response.headers["location"] == f"/accounts/{mitsui}"
    tx_hash = client.get("/v1/transactions?limit=1").json()["items"][0]["proof"]["tx_hash"]
    response = client.get("/search", params={"q": tx_hash}, follow_redirects=False)
    assert response.headers["location"] == f"/transactions/{tx_hash}"
    index = client.get("/")
    assert index.status_code == 200
    assert 'id="chart-country"' in index.text and 'id="chart-vintage"' in index.text
    assert "1,800" in index.text
    for url, text in (
        (f"/accounts/{mitsui}", "Mitsui &amp; Co., Ltd."),
        ("/batches/1", "Batch 1"),
        ("/projects/ID013", "Project ID013"),
        (f"/transactions/{tx_hash}", "Transaction"),
        ("/serials/JCM-JP-ID012-2022-000000001-000001000", "Serials 1\u20131000"),
        ("/about/health", "Index health: Up to date"),
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert text in page.text, url
    for url in ("/batches/77", "/batches/x", "/accounts/0x12", "/projects/NOPE", "/serials/nope"):
        page = client.get(url)
        assert page.status_code in (400, 404), url
        assert page.headers["content-type"].startswith("text/html")
    nothing = client.get("/search", params={"q": "no such thing"})
    assert nothing.status_code == 404 and "Nothing found" in nothing.text


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/v1/projects/ID%00", 422),
        ("/v1/serials/1%00", 422),
        ("/v1/accounts?q=a%00b", 422),
        ("/v1/batches?project=%00", 422),
        ("/projects/ID%00", 404),
        ("/serials/1%00", 400),
        ("/search?q=%00", 422),
    ],
)
def test_nul_characters_are_refused_on_postgresql(
    pg_client: TestClient, url: str, status: int
) -> None:
    """PostgreSQL cannot compare text with NUL: such requests are refused, never a server error."""
    assert pg_client.get(url).status_code == status


@pytest.mark.parametrize("reachable", [True, False])
def test_health_shows_the_node_as_scheme_and_host_only(
    sqlite_url: str, seeded_chain: Chain, reachable: bool
) -> None:
    """A node URL with credentials, a key in its path and one in its query: none of them is shown,
    by the health document, its error, or the explorer's health page."""
    port = seeded_chain.url.rsplit(":", 1)[1].split("/")[0] if reachable else "1"
    url = f"http://operator:s3cret@127.0.0.1:{port}/v3/PATHKEY?apikey=QUERYKEY"
    api, engine = make_client(sqlite_url, url)
    try:
        with api:
            health = api.get("/v1/health")
            page = api.get("/about/health")
    finally:
        engine.dispose()
    assert health.status_code == 200 and page.status_code == 200
    assert health.json()["node"] == f"http://127.0.0.1:{port}"
    if not reachable:
        assert health.json()["status"] == "chain_unreachable" and health.json()["error"]
    for secret in ("operator", "s3cret", "PATHKEY", "QUERYKEY", "/v3"):
        assert secret not in health.text and secret not in page.text, secret


@pytest.mark.parametrize(
    "path",
    [
        "/v1/accounts?side={}",
        "/v1/projects?country={}",
        "/v1/batches?country={}",
        "/v1/transactions?side={}&limit=500",
        "/v1/retirements?side={}",
        "/v1/retirements?using_party={}",
        "/v1/cancellations?side={}",
        "/v1/governance/roles?side={}",
        "/v1/reports/account-types?side={}",
        "/accounts?side={}",
        "/projects?country={}",
        "/movements?side={}",
    ],
)
@pytest.mark.parametrize("code", ["JP", "ID"])
def test_a_side_filter_reads_a_code_in_any_case(client: TestClient, path: str, code: str) -> None:
    upper = client.get(path.format(code))
    lower = client.get(path.format(code.lower()))
    assert upper.status_code == 200, upper.text
    # a page's language links repeat the query as it was asked
    asked, normalized = path.format(code.lower()), path.format(code)
    assert lower.status_code == 200
    assert lower.text.replace(asked.split("?")[1], normalized.split("?")[1]) == upper.text
