"""Right answers and machine-readable refusals of ``jcm`` (issue 11, parts 3 and 5).

- Retirement and cancellation accounts hold what ERC-1155 ``balanceOf`` says they hold, and
  ``jcm account show`` counts the batches they hold (the ledger keeps no count for them).
- ``jcm serial <block id>`` describes every piece of the block, not only its first serial.
- With ``--json`` a refusal is a JSON error object with a stable code on standard output, and its
  one-line message on standard error.
- ``jcm keys check`` and every use of a key refuse a keystore whose stated address is not its key's.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from support.cli import World, assert_one_line_error


def test_retirement_and_cancellation_accounts_hold_what_balance_of_says(world: World) -> None:
    jcm, batch = world.jcm, world.batches["authorized"]
    jcm.ok("retire", str(batch), "30", "--using-party", "JP", "--purpose", "ndc", "-k", "acme")
    jcm.ok("cancel", str(batch), "12", "--reason", "overall-mitigation", "-k", "acme")
    client = world.client()
    for sink, expected in (("retirement-jp", 30), ("cancellation-jp", 12)):
        address = world.address(sink)
        assert client.balance(address, batch) == expected  # ERC-1155 balanceOf
        held = jcm.json("holdings", sink)
        assert [(h["batch_id"], h["balance"]) for h in held] == [(batch, expected)], sink
        shown = jcm.json("account", "show", sink)
        assert [(h["batch_id"], h["balance"]) for h in shown["holdings"]] == [(batch, expected)]
        # The ledger counts no sink's batches: JSON says so (null), the table counts the holdings.
        assert shown["account"]["non_empty_holdings"] is None
        table = jcm.ok("account", "show", sink).stdout
        assert re.search(r"batches held\W+1\b", table), table
        assert f"{expected}" in jcm.ok("holdings", sink).stdout


def test_serial_of_a_block_describes_every_piece(world: World) -> None:
    jcm, batch = world.jcm, world.batches["authorized"]
    block = "JCM-JP-ID012-2023-000000501-000000750"  # acme's whole holding of batch 1
    jcm.ok("retire", str(batch), "30", "--using-party", "JP", "--purpose", "ndc", "-k", "acme")
    jcm.ok("cancel", str(batch), "20", "--reason", "overall-mitigation", "-k", "acme")
    jcm.ok("transfer", "globex", str(batch), "50", "-k", "acme")
    described = jcm.json("serial", block)
    assert described["complete"] is True
    pieces = [
        (p["range"]["first"], p["range"]["last"], p["location"], p["account"], p["record_id"])
        for p in described["pieces"]
    ]
    assert pieces == [
        (501, 530, "retired", world.address("retirement-jp"), 1),
        (531, 550, "cancelled", world.address("cancellation-jp"), 1),
        (551, 600, "held", world.address("globex"), None),
        (601, 750, "held", world.address("acme"), None),
    ]
    table = jcm.ok("serial", block).stdout
    for text in ("501 .. 530", "retirement 1", "531 .. 550", "cancellation 1", "601 .. 750"):
        assert text in table, text
    single = jcm.json("serial", "560")  # one serial: where it is, as before
    assert (single["location"], single["account"]) == ("held", world.address("globex"))


def test_a_refusal_with_json_is_a_json_error_object(world: World) -> None:
    before = world.snapshot()
    refused = world.jcm("transfer", "globex", str(world.batches["authorized"]), "9999", "-k",
                        "acme", "--json")  # fmt: skip
    line = assert_one_line_error(refused, "holds 250 credits")
    document = json.loads(refused.stdout)
    assert document["error"]["code"] == "insufficient_credits"
    assert document["error"]["contract_error"] == "RegistryInsufficientCredits"
    assert document["error"]["args"]["needed"] == 9999
    assert document["error"]["exit_code"] == refused.exit_code == 1
    assert "error: " + document["error"]["message"] == line
    assert world.snapshot() == before

    usage = world.jcm("holdings", "--json")  # the account is missing
    assert usage.exit_code == 2
    assert json.loads(usage.stdout)["error"]["code"] == "usage"
    missing = world.jcm("holdings", "no-such-key", "--json")
    assert json.loads(missing.stdout)["error"]["code"] == "keystore_error"
    plain = world.jcm("holdings", "no-such-key")  # without --json, nothing on standard output
    assert plain.exit_code == 1 and plain.stdout == ""


def test_a_keystore_whose_address_was_edited_is_refused(world: World) -> None:
    checked = world.jcm.json("keys", "check", "acme")
    assert checked == {**checked, "address": world.address("acme"), "matches": True}
    path = Path(world.jcm.env["JCM_KEYSTORE_DIR"] or "") / "acme.json"
    data = json.loads(path.read_text())
    data["address"] = world.address("globex").removeprefix("0x").lower()
    path.write_text(json.dumps(data))
    try:
        refused = world.jcm("keys", "check", "acme")
        assert_one_line_error(
            refused, "keystore 'acme' states address", world.address("acme"), "altered"
        )
        spend = world.jcm("transfer", "gov-jp", str(world.batches["authorized"]), "1", "-k", "acme")
        assert_one_line_error(spend, "states address")
    finally:
        data["address"] = world.address("acme").removeprefix("0x").lower()
        path.write_text(json.dumps(data))
