"""End to end (issue 3): a joint committee of three Japanese and two partner members, thresholds 2
and 1. Two Japanese members sign offline, one partner member signs offline, anyone submits with
``jcm decision submit``, and the batch's allocation lands in the right accounts on both sides."""

from __future__ import annotations

import json
from pathlib import Path

from registry_client.anvil import free_port
from support.cli import World, assert_one_line_error

ALLOCATION = {"gov-jp": 600, "acme": 150, "gov-id": 180, "nusantara": 70}


def test_issue_signed_offline_by_both_sides(world: World, tmp_path: Path) -> None:
    jcm = world.jcm
    committee = jcm.json("country", "show", "ID")
    assert (len(committee["japan_members"]), committee["japan_threshold"]) == (3, 2)
    assert (len(committee["partner_members"]), committee["partner_threshold"]) == (2, 1)

    decision = tmp_path / "issue-2025.json"
    drafted = jcm.json(
        "decision", "new", "issue", "--project", "ID012", "--decision-id", "JC-ID-2026-03",
        "--monitoring-start", "2025-01-01", "--monitoring-end", "2025-12-31",
        "--quantity", "1000", "--verified", "1040", "--verification-report-hash", "0x" + "5e" * 32,
        "--authorization", "ndc", "--authorization-id", "ID-LoA-2026-007",
        "--authorization-date", "2026-02-15", "--out", str(decision),
        *(a for name, amount in ALLOCATION.items() for a in ("--allocate", f"{name}={amount}")),
    )  # fmt: skip
    assert 'Issue 1,000 t for project "ID012"' in drafted["summary"]
    # Each allocation on its own line, with the account's side, kind and holder from the chain.
    assert (
        f"600 t to {world.address('gov-jp')} (JP government holding, holder " in drafted["summary"]
    )
    assert f"70 t to {world.address('nusantara')} (ID holding, holder " in drafted["summary"]
    assert "verification report hash 0x" + "5e" * 32 in drafted["summary"]  # hashes in full

    # Members sign offline: no node and no deployment file are reachable while they sign.
    offline = {"JCM_RPC_URL": f"http://127.0.0.1:{free_port()}",
               "JCM_DEPLOYMENT": str(tmp_path / "no-deployment.json")}  # fmt: skip
    signatures = []
    for member in ("jp1", "jp3", "id2"):
        signed = jcm.json("decision", "sign", str(decision), "-k", member, "-y", **offline)
        assert signed["signer"] == world.address(member)
        assert signed["digest"] == drafted["digest"]
        signatures.append(signed["file"])
    assert json.loads(Path(signatures[0]).read_text())["signer"] == world.address("jp1")

    # Japan alone cannot issue: refused with the side and count, nothing changes.
    before = world.snapshot()
    refused = jcm("decision", "submit", str(decision), *signatures[:2], "-k", "outsider")
    assert_one_line_error(refused, "side ID has 0 of 1 required signatures")
    assert world.snapshot() == before

    status = jcm.json("decision", "status", str(decision), *signatures)
    assert status["ready"] is True
    assert status["japan"]["signers"] == sorted(
        (world.address("jp1"), world.address("jp3")), key=lambda a: int(a, 16)
    )
    assert status["partner"]["signers"] == [world.address("id2")]

    # Anyone may submit (here the holder of no registry role, paying the gas).
    receipt = jcm.json("decision", "submit", str(decision), *signatures, "-k", "outsider")
    batch = receipt["batch_id"]
    assert receipt["kind"] == "issue_credits" and receipt["sender"] == world.address("outsider")
    assert (receipt["first_serial"], receipt["last_serial"]) == (1401, 2400)

    shown = jcm.json("batch", "show", str(batch))
    assert shown["info"]["quantity"] == 1000 and shown["info"]["verified_reductions"] == 1040
    assert shown["info"]["authorization_id"] == "ID-LoA-2026-007"
    held = {(h["account"], h["side"]): h["balance"] for h in shown["holdings"]}
    assert held == {
        (world.address("gov-jp"), "JP"): 600,
        (world.address("acme"), "JP"): 150,
        (world.address("gov-id"), "ID"): 180,
        (world.address("nusantara"), "ID"): 70,
    }
    nusantara = {h["batch_id"]: h for h in jcm.json("holdings", "nusantara")}[batch]
    assert nusantara["block_ids"] == ["JCM-ID-ID012-2025-000002331-000002400"]

    # The decision executes once: its verification report is spent.
    again = jcm("decision", "submit", str(decision), *signatures, "-k", "outsider")
    assert_one_line_error(
        again, f"verification report 0x{'5e' * 32} was already issued for, as batch {batch}"
    )
