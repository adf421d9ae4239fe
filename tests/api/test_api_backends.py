"""The same chain history indexed into SQLite and into a real PostgreSQL server gives identical
rows and identical answers on every endpoint."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.database import dump, make_engine
from support.api_chain import Chain


def _urls(client: TestClient, chain: Chain) -> list[str]:
    """Every list (with filters) and every entity of the seeded history."""
    urls = [
        "/v1/stats",
        "/v1/countries",
        "/v1/projects",
        "/v1/projects?country=ID&limit=1&offset=1",
        "/v1/batches",
        "/v1/batches?vintage=2023&authorization=none",
        "/v1/batches?internationally_transferred=true",
        "/v1/accounts",
        "/v1/accounts?side=JP&kind=holding",
        "/v1/accounts?status=closed",
        "/v1/accounts?q=gov",
        "/v1/transactions?limit=500",
        "/v1/transactions?kind=international_transfer",
        "/v1/transactions?project=ID013&order=asc",
        "/v1/retirements",
        "/v1/retirements?purpose=ndc",
        "/v1/cancellations",
        "/v1/cancellations?reason=correction",
        "/v1/reports/account-types",
        "/v1/reports/account-types?side=ID",
    ]
    stats = client.get("/v1/stats").json()
    for country in client.get("/v1/countries").json()["items"]:
        urls.append(f"/v1/countries/{country['code']}")
    for project in client.get("/v1/projects").json()["items"]:
        urls.append(f"/v1/projects/{project['ref']}")
    for batch in client.get("/v1/batches").json()["items"]:
        urls.append(f"/v1/batches/{batch['id']}")
        for serial in (batch["first_serial"], batch["last_serial"], batch["first_serial"] + 57):
            urls.append(f"/v1/serials/{serial}")
    for account in client.get("/v1/accounts?limit=500").json()["items"]:
        urls.append(f"/v1/accounts/{account['address']}")
        urls.append(f"/v1/accounts/{account['address']}/holdings?include_empty=true")
        urls.append(f"/v1/transactions?account={account['address']}")
        for holding in client.get(f"/v1/accounts/{account['address']}/holdings").json()["items"]:
            for piece in holding["ranges"]:
                urls.append(f"/v1/serials/{piece['block_id']}")
    for movement in client.get("/v1/transactions?limit=500").json()["items"]:
        urls.append(f"/v1/transactions/{movement['proof']['tx_hash']}")
    for retirement in client.get("/v1/retirements").json()["items"]:
        urls.append(f"/v1/retirements/{retirement['id']}")
    for cancellation in client.get("/v1/cancellations").json()["items"]:
        urls.append(f"/v1/cancellations/{cancellation['id']}")
    year = client.get("/v1/transactions?limit=1").json()["items"][0]["proof"]["timestamp"][:4]
    urls.append(f"/v1/reports/annual/{year}")
    assert stats["counts"]["batches"] == 3
    return urls


def test_sqlite_and_postgresql_hold_the_same_rows(sqlite_url: str, postgres_url: str) -> None:
    dumps = []
    for url in (sqlite_url, postgres_url):
        engine = make_engine(url)
        with Session(engine) as session:
            dumps.append(dump(session))
        engine.dispose()
    sqlite_rows, postgres_rows = dumps
    assert sqlite_rows.keys() == postgres_rows.keys()
    for table in sqlite_rows:
        assert sqlite_rows[table] == postgres_rows[table], table
    assert len(sqlite_rows["movements"]) == 19


def test_sqlite_and_postgresql_answer_identically(
    client: TestClient, pg_client: TestClient, seeded_chain: Chain
) -> None:
    urls = _urls(client, seeded_chain)
    assert len(urls) > 80
    for url in urls:
        from_sqlite = client.get(url)
        from_postgres = pg_client.get(url)
        assert from_sqlite.status_code == 200, (url, from_sqlite.text)
        assert from_postgres.status_code == 200, (url, from_postgres.text)
        assert from_sqlite.json() == from_postgres.json(), url
    health = [c.get("/v1/health").json() for c in (client, pg_client)]
    assert health[0] == health[1]
    assert health[0]["status"] == "ok"
