"""Article 6 from the chain's events into the index, the API, the explorer and the AEF tables: the
issuance's decision reference, authorization decisions of the host's members (recorded, amended),
first transfers with their exact ranges (at issuance for Japan's share, by international transfer),
and the refusal of what rule 9 forbids."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web3.exceptions import ContractLogicError

from registry_client import contracts
from support.api_chain import AUTH_BOTH, AUTH_NDC, Chain, index_chain, make_client


def _article6(chain: Chain) -> Any:
    return contracts.at(chain.w3, "JCMArticle6", chain.registry.functions.article6().call())


def _authorize(chain: Chain, batch_id: int, authorization: int, reference: str) -> None:
    """The Indonesian committee (the stand-in the tests send from) on its members' decision."""
    day = chain.w3.eth.get_block("latest")["timestamp"] - 86_400
    chain.send(
        _article6(chain).functions.setAuthorization((batch_id, authorization, reference, day)),
        chain.roles["committee_id"],
    )


def test_first_transfers_are_the_chain_s_ranges(client: TestClient, seeded_chain: Chain) -> None:
    article6 = _article6(seeded_chain)
    batch = client.get("/v1/batches/1").json()
    firsts = batch["first_transfers"]["items"]
    assert firsts, "batch 1 (authorized for NDC use) has first transfers"
    on_chain = article6.functions.firstTransfers(1).call()
    assert [(f["first"], f["last"]) for f in firsts] == [(r[0], r[1]) for r in on_chain]
    assert {(f["from_party"], f["to_party"]) for f in firsts} == {("ID", "JP")}
    assert {f["trigger"] for f in firsts} == {"international_transfer"}
    assert sum(f["quantity"] for f in firsts) == 500 + 100  # Japan's share, then 100 moved ID->JP
    # Batch 2 was never authorized: nothing first transferred, and it says so.
    unauthorized = client.get("/v1/batches/2").json()
    assert unauthorized["authorization"] == "none" and unauthorized["first_transfers"]["total"] == 0
    assert unauthorized["decision_ref"].startswith("JC-ID-")
    serial = firsts[0]["first"]
    lookup = client.get(f"/v1/serials/{serial}").json()
    assert [(f["first"], f["last"]) for f in lookup["first_transfers"]] == [(serial, serial)]
    transferred, batch_id, record = article6.functions.firstTransferOf(serial).call()
    assert transferred and batch_id == 1 and record[0] <= serial <= record[1]
    assert lookup["first_transfers"][0]["proof"]["timestamp"] is not None
    never = client.get(f"/v1/serials/{batch['last_serial']}").json()  # the host's own allocation
    assert never["first_transfers"] == []


def test_explorer_shows_decision_reference_and_first_transfers(
    client: TestClient, seeded_chain: Chain
) -> None:
    page = client.get("/batches/1?lang=en").text
    assert 'id="decision-ref"' in page and "JC-ID-" in page
    assert "First transfers (Article 6.2)" in page
    japanese = client.get("/batches/1?lang=ja").text
    assert "初回移転" in japanese and "合同委員会の決定" in japanese
    first = client.get("/v1/batches/1").json()["first_transfers"]["items"][0]["first"]
    serial = client.get(f"/serials/{first}?lang=en").text
    assert 'id="first-transfer"' in serial and "International transfer" in serial
    country = client.get("/countries/ID?lang=en").text
    assert "First transfer definition" in country


def test_authorization_decisions_then_first_transfers(sandbox: Chain, tmp_path: Path) -> None:
    chain = sandbox
    # Batch 2 was issued without authorization; Indonesia's members authorize it, then amend it.
    _authorize(chain, 2, AUTH_NDC, "ID-LoA-2026-007")
    _authorize(chain, 2, AUTH_BOTH, "ID-LoA-2026-007-A1")
    chain.transfer("pt_energi", "mitsui", 2, 15)  # now a first transfer ID -> JP
    # Japan's share of batch 2 entered Japan's registry unauthorized: it stays there for good.
    with pytest.raises(ContractLogicError):
        chain.transfer("mitsui", "pt_energi", 2, 1)
    url = f"sqlite:///{tmp_path / 'article6.sqlite3'}"
    index_chain(chain.url, url, chain.deployment, block_range=50)
    client, engine = make_client(url, chain.url)
    try:
        with client:
            batch = client.get("/v1/batches/2").json()
            assert batch["authorization"] == "ndc_and_other_purposes"
            assert batch["authorization_id"] == "ID-LoA-2026-007-A1"
            history = batch["authorization_history"]
            assert [(h["previous"], h["authorization"]) for h in history] == [
                ("none", "ndc"),
                ("ndc", "ndc_and_other_purposes"),
            ]
            firsts = batch["first_transfers"]["items"]
            assert [(f["from_party"], f["to_party"], f["quantity"]) for f in firsts] == [
                ("ID", "JP", 15)
            ]
            listed = client.get("/v1/batches?authorization=ndc_and_other_purposes").json()
            assert 2 in {b["id"] for b in listed["items"]}
            assert 2 not in {
                b["id"] for b in client.get("/v1/batches?authorization=none").json()["items"]
            }
            year = int(firsts[0]["proof"]["timestamp"][:4])
            japan = client.get(f"/v1/reports/aef/JP/{year}").json()["actions"]
            acquired = [
                a
                for a in japan
                if a["action_type"] == "acquisition" and "ID012" in a["block_start"]
            ]
            assert any(a["quantity"] == 15 for a in acquired)
            reconciliation = client.get("/v1/reports/aef/reconciliation").json()
            assert reconciliation["unmatched"] == []
            page = client.get("/batches/2?lang=en").text
            assert "ID-LoA-2026-007-A1" in page and 'id="authorization-history"' in page
    finally:
        engine.dispose()
