"""The governance's events in the index and the API: country proposals (pending, accepted,
replaced), the emergency pause (started, lifted, running now) and each side's roles."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from support.api_chain import Chain, index_chain, make_client


def _iso(timestamp: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")


def test_governance_overview(client: TestClient, seeded_chain: Chain) -> None:
    r = seeded_chain.roles
    body = client.get("/v1/governance").json()
    pause = body["pause"]
    assert pause["paused"] is False and pause["side"] == "JP"
    assert pause["last"]["kind"] == "lifted" and pause["last"]["authority"] == r["governance"]
    pending = body["pending_proposals"]
    assert [(p["country"], p["authority"], p["status"]) for p in pending] == [
        ("KE", r["authority_kh"], "pending")
    ]
    held = {(h["side"], h["role"], h["account"]) for h in body["roles"]}
    assert ("JP", "authority", r["governance"]) in held
    assert ("ID", "authority", r["authority_id"]) in held
    assert ("TH", "authority", r["authority_th"]) in held
    assert {("JP", "registrar", r["registrar"]), ("ID", "registrar", r["registrar"])} <= held
    grants = {(h["side"], h["role"]): h["granted_by"] for h in body["roles"]}
    assert grants[("ID", "registrar")] == r["authority_id"]  # each side's authority grants its own


def test_proposals_with_their_status(client: TestClient, seeded_chain: Chain) -> None:
    r = seeded_chain.roles
    page = client.get("/v1/governance/proposals").json()
    status = [(p["country"], p["status"]) for p in page["items"]]
    assert status[:2] == [("KE", "pending"), ("KE", "replaced")]  # newest first
    assert {("ID", "accepted"), ("VN", "accepted"), ("TH", "accepted")} <= set(status)
    assert page["total"] == len(status) == 5
    replaced = page["items"][1]
    assert replaced["authority"] == r["authority_vn"]
    pending = client.get("/v1/governance/proposals?status=pending").json()
    assert [p["country"] for p in pending["items"]] == ["KE"]
    kenya = client.get("/v1/governance/proposals?country=ke&limit=1&offset=1").json()
    assert kenya["total"] == 2 and kenya["items"][0]["status"] == "replaced"
    assert client.get("/v1/governance/proposals?status=maybe").status_code == 422

    country = client.get("/v1/countries/ID").json()
    assert country["proposal"]["status"] == "accepted"
    assert country["proposal"]["committee"] == country["committee_history"][0]["committee"]
    assert country["authorities"] == [r["authority_id"]]
    assert client.get("/v1/countries/KE").status_code == 404  # proposed, not a side yet


def test_pause_history(client: TestClient, seeded_chain: Chain) -> None:
    pauses = client.get("/v1/governance/pauses").json()
    assert pauses["total"] == 2
    lifted, started = pauses["items"]
    assert (lifted["kind"], started["kind"]) == ("lifted", "started")
    assert lifted["side"] == started["side"] == "JP"
    block = seeded_chain.w3.eth.get_block(started["proof"]["block_number"])
    assert started["until"] == _iso(block["timestamp"] + 3600)
    assert lifted["until"] == lifted["proof"]["timestamp"]
    assert client.get("/v1/health").json()["paused"] is False


def test_running_pause_and_role_changes(sandbox: Chain, tmp_path: Path) -> None:
    chain = sandbox
    r = chain.roles
    gov = chain.governance
    chain.send(gov.functions.pause(b"ID", 7200), r["authority_id"])
    role = chain.registry.functions.registrarRole(b"ID").call()
    chain.send(chain.registry.functions.revokeRole(role, r["registrar"]), r["authority_id"])
    url = f"sqlite:///{tmp_path / 'paused.sqlite3'}"
    index_chain(chain.url, url, chain.deployment, block_range=50)
    client, engine = make_client(url, chain.url)
    try:
        with client:
            pause = client.get("/v1/governance").json()["pause"]
            assert pause["paused"] is True and pause["side"] == "ID"
            assert pause["last"]["authority"] == r["authority_id"]
            assert client.get("/v1/health").json()["paused"] is True
            registrars = client.get("/v1/governance/roles?role=registrar").json()
            assert {h["side"] for h in registrars} == {"JP", "TH"}  # ID's was revoked
            only_id = client.get("/v1/governance/roles?side=id").json()
            assert [(h["role"], h["account"]) for h in only_id] == [
                ("authority", r["authority_id"])
            ]
            assert client.get("/v1/governance/roles?role=owner").status_code == 422
            front = client.get("/?lang=ja").text
            assert 'id="pause-banner"' in front and "ID の管理当局により" in front
    finally:
        engine.dispose()
        chain.send(gov.functions.unpause(), r["authority_id"])


def test_explorer_shows_the_governance(client: TestClient, seeded_chain: Chain) -> None:
    r = seeded_chain.roles
    page = client.get("/governance?lang=en").text
    assert "Not paused." in page and "Pause lifted" in page and "Pause started" in page
    assert "Awaiting acceptance" in page and "Replaced by a later proposal" in page
    assert 'id="pause-banner"' not in client.get("/?lang=en").text
    japanese = client.get("/governance?lang=ja").text
    assert "緊急一時停止" in japanese and "受諾待ち" in japanese and "登録簿管理当局" in japanese
    countries = client.get("/countries?lang=en").text
    assert 'id="pending-proposals"' in countries and "Kenya" in countries
    country = client.get("/countries/ID?lang=en").text
    assert "Registry authority" in country and r["authority_id"] in country
