"""Bad input: each refusal is one clear ``error:`` line and a non-zero exit, and nothing changes on
chain (no block mined, no nonce used, no balance moved)."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry_client.anvil import free_port
from support.cli import World, assert_one_line_error

BATCH = "1"  # authorized for NDC use: gov-jp 500, gov-id 200, acme 250, nusantara 50
UNAUTHORIZED = "2"  # acme 300, gov-id 100

CASES: dict[str, tuple[tuple[str, ...], dict[str, str | None], str]] = {
    # name: (arguments, environment overrides, expected fragment of the error line)
    "malformed address": (
        ("transfer", "0x1234", BATCH, "10", "-k", "acme"), {}, "'0x1234' is not an address"),
    "address with a bad checksum": (
        ("transfer", "0x9965507d1A55bcC2695C58ba16FB37d819B0A4dc", BATCH, "10", "-k", "acme"),
        {}, "is not an address: its upper/lower case letters are not its EIP-55 checksum"),
    "name that is no key": (
        ("transfer", "nobody", BATCH, "10", "-k", "acme"), {},
        "'nobody' is neither an address (0x...) nor a key"),
    "unknown batch": (
        ("transfer", "globex", "999", "10", "-k", "acme"), {}, "there is no batch 999"),
    "too large a quantity": (
        ("transfer", "globex", BATCH, "251", "-k", "acme"), {},
        "holds 250 credits of batch 1, 251 needed"),
    "retire more than held": (
        ("retire", BATCH, "5000", "--using-party", "JP", "--purpose", "ndc", "-k", "gov-jp"), {},
        "holds 500 credits of batch 1, 5,000 needed"),
    "zero quantity": (
        ("transfer", "globex", BATCH, "0", "-k", "acme"), {}, "greater than or equal to 1"),
    "international transfer of an unauthorized batch": (
        ("transfer", "nusantara", UNAUTHORIZED, "10", "-k", "acme"), {},
        "batch 2 has no Article 6 authorization"),
    "account without a registry account": (
        ("transfer", "outsider", BATCH, "10", "-k", "acme"), {}, "has no registry account"),
    "sender without a registry account": (
        ("transfer", "acme", BATCH, "10", "-k", "outsider"), {}, "has no registry account"),
    "wrong keystore password": (
        ("transfer", "globex", BATCH, "10", "-k", "acme"), {"JCM_KEYSTORE_PASSWORD": "wrong"},
        "wrong password for keystore 'acme'"),
    "unknown keystore": (
        ("transfer", "globex", BATCH, "10", "-k", "nobody"), {}, "no keystore 'nobody'"),
    "unreachable RPC URL": (
        ("holdings", "acme"), {"JCM_RPC_URL": "http://127.0.0.1:{port}"}, "cannot reach"),
    "unreachable RPC URL when sending": (
        ("transfer", "globex", BATCH, "10", "-k", "acme"),
        {"JCM_RPC_URL": "http://127.0.0.1:{port}"}, "cannot reach"),
    "missing deployment file": (
        ("batch", "show", BATCH), {"JCM_DEPLOYMENT": "{tmp}/missing.json"},
        "no deployment file at"),
    "not the registrar of the side": (
        ("account", "open", "spare", "--side", "JP", "--kind", "holding", "--name", "X",
         "-k", "registrar-id"), {}, "lacks the registrar role of side JP"),
    "unknown account kind": (
        ("account", "open", "spare", "--side", "JP", "--kind", "savings", "--name", "X",
         "-k", "registrar-jp"), {}, "account kind"),
    "bad retirement purpose": (
        ("retire", BATCH, "1", "--using-party", "JP", "--purpose", "fun", "-k", "acme"), {},
        "not a valid RetirementPurpose"),
    "unknown using party": (
        ("retire", BATCH, "1", "--using-party", "VN", "--purpose", "ndc", "-k", "acme"), {},
        "using party VN is not a registry side"),
    "correction reserved to committees": (
        ("cancel", BATCH, "1", "--reason", "correction", "-k", "acme"), {},
        "reserved for joint-committee"),
    "text too long": (
        ("retire", BATCH, "1", "--using-party", "JP", "--purpose", "ndc", "--note", "x" * 300,
         "-k", "acme"), {}, "over the limit of 256 bytes"),
    "unknown project": (("project", "show", "XX999"), {}, "no project 'XX999'"),
    "bad serial": (("serial", "JCM-JP-nonsense"), {}, "is not a serial block id"),
    "missing argument": (("transfer", "globex", BATCH, "-k", "acme"), {}, "Missing argument"),
    "global option after the command": (
        ("holdings", "acme", "--rpc-url", "http://127.0.0.1:1"), {}, "is a global option"),
    "unknown command": (("mint", "1000"), {}, "No such command 'mint'"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_refusal_is_one_line_and_changes_nothing(world: World, case: str, tmp_path: Path) -> None:
    args, overrides, expected = CASES[case]
    port = str(free_port())
    env = {k: v.format(port=port, tmp=tmp_path) if v else v for k, v in overrides.items()}
    before = world.snapshot()
    result = world.jcm(*args, **env)
    assert_one_line_error(result, expected)
    assert world.snapshot() == before


def test_frozen_account_neither_sends_nor_receives(world: World) -> None:
    world.jcm.ok("account", "freeze", "globex", "-k", "registrar-jp")
    world.jcm.ok("transfer", "acme", BATCH, "1", "-k", "gov-jp")  # others still move
    before = world.snapshot()
    receiving = world.jcm("transfer", "globex", BATCH, "10", "-k", "acme")
    assert_one_line_error(receiving, f"account {world.address('globex')} is frozen")
    sending = world.jcm("transfer", "acme", BATCH, "1", "-k", "globex")
    assert_one_line_error(sending, "is frozen")
    assert world.snapshot() == before


def test_decision_refusals(world: World, tmp_path: Path) -> None:
    jcm = world.jcm
    out = tmp_path / "issue.json"
    allocations = ("--allocate", "gov-jp=60", "--allocate", "gov-id=40")
    common = ("--project", "ID012", "--decision-id", "JC-ID-2025-01", "--monitoring-start",
              "2025-01-01", "--monitoring-end", "2025-12-31", "--verification-report-hash",
              "0x" + "ef" * 32)  # fmt: skip
    before = world.snapshot()
    # Refused while drafting: nothing is written.
    assert_one_line_error(
        jcm("decision", "new", "issue", *common, "--quantity", "120", *allocations,
            "--out", str(out)),
        "the allocations add up to 100, not the quantity 120",
    )  # fmt: skip
    assert not out.exists()
    assert_one_line_error(
        jcm("decision", "new", "issue", *common, "--quantity", "100", "--allocate", "gov-jp",
            "--out", str(out)),
        "write ACCOUNT=AMOUNT",
    )  # fmt: skip
    jcm.ok(
        "decision", "new", "issue", *common, "--quantity", "100", *allocations, "--out", str(out)
    )
    assert_one_line_error(
        jcm("decision", "new", "issue", *common, "--quantity", "100", *allocations,
            "--out", str(out)),
        "exists already",
    )  # fmt: skip
    for signer in ("jp1", "jp2", "outsider"):
        jcm.ok("decision", "sign", str(out), "-k", signer, "-y")
    japan_only = [str(tmp_path / f"issue.{s}.sig.json") for s in ("jp1", "jp2", "outsider")]
    submitted = jcm("decision", "submit", str(out), *japan_only, "-k", "governance")
    assert submitted.exit_code == 1
    lines = submitted.stderr.strip().splitlines()
    assert lines[0].startswith("ignoring the signature of " + world.address("outsider"))
    assert lines[-1] == (
        "error: side ID has 0 of 1 required signatures: collect 1 more from current ID members "
        "of the joint committee"
    )
    (tmp_path / "garbage.sig.json").write_text("{}")
    assert_one_line_error(
        jcm("decision", "submit", str(out), str(tmp_path / "garbage.sig.json"), "-k", "jp1"),
        "is not a member signature file",
    )
    assert_one_line_error(
        jcm("decision", "status", str(tmp_path / "nothing.json")), "does not exist"
    )
    (tmp_path / "tampered.json").write_text(
        out.read_text().replace('"quantity": 100', '"quantity": 99')
    )
    assert_one_line_error(jcm("decision", "show", str(tmp_path / "tampered.json")), "digest")
    assert world.snapshot() == before
