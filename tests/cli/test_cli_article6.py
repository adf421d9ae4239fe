"""Article 6 through ``jcm`` (rule 9): authorization decisions that the host's members alone sign
(recorded, amended, revoked before any first transfer), first-transfer facts of a serial and a
batch, the issuance's decision reference, and the refusals of NDC uses rule 9 forbids, each one
readable line."""

from __future__ import annotations

from pathlib import Path

from support.cli import World, assert_one_line_error


def _decide(world: World, out: Path, *args: str, signers: tuple[str, ...] = ("id2",)) -> dict:
    """Draft ``jcm decision new ARGS --out OUT``, sign it offline and submit it."""
    jcm = world.jcm
    jcm.ok("decision", "new", *args, "--out", str(out))
    signatures = []
    for signer in signers:
        jcm.ok("decision", "sign", str(out), "--keystore", signer, "--yes")
        signatures.append(str(out.with_name(f"{out.stem}.{signer}.sig.json")))
    status = jcm.json("decision", "status", str(out), *signatures)
    assert status["ready"] is True, status
    return dict(jcm.json("decision", "submit", str(out), *signatures, "--keystore", "outsider"))


def test_the_host_s_members_authorize_amend_and_cannot_revoke_after_a_first_transfer(
    world: World, tmp_path: Path
) -> None:
    jcm = world.jcm
    batch = str(world.batches["unauthorized"])
    receipt = _decide(
        world, tmp_path / "authorize.json", "authorize", "--batch", batch,
        "--authorization", "ndc", "--authorization-id", "ID-LoA-2026-011",
        "--authorization-date", "2026-01-15",
    )  # fmt: skip
    assert receipt["kind"] == "set_authorization" and receipt["authorization"] == "ndc"
    # Recording it twice is caught while drafting, before anyone signs.
    again = jcm(
        "decision", "new", "authorize", "--batch", batch, "--authorization", "ndc",
        "--authorization-id", "X", "--authorization-date", "2026-01-15",
        "--out", str(tmp_path / "again.json"),
    )  # fmt: skip
    assert_one_line_error(again, f"batch {batch} is authorized for NDC use already")
    submitted = jcm(
        "decision", "submit", str(tmp_path / "authorize.json"),
        str(tmp_path / "authorize.id2.sig.json"), "--keystore", "outsider",
    )  # fmt: skip
    assert_one_line_error(submitted)  # the same decision runs once

    amended = _decide(
        world, tmp_path / "amend.json", "amend-authorization", "--batch", batch,
        "--authorization", "ndc-and-other-purposes", "--authorization-id", "ID-LoA-2026-011-A1",
        "--authorization-date", "2026-02-01",
    )  # fmt: skip
    assert amended["authorization"] == "ndc_and_other_purposes"
    shown = jcm.json("batch", "show", batch)
    assert shown["article6"]["authorization"] == "ndc_and_other_purposes"
    assert shown["article6"]["authorization_id"] == "ID-LoA-2026-011-A1"
    assert shown["first_transfers"] == []  # authorized after Japan's share entered: not an ITMO

    # gov-id's credits cross to Japan: a first transfer; revocation is refused from then on.
    jcm.ok("transfer", "gov-jp", batch, "40", "--keystore", "gov-id")
    firsts = jcm.json("batch", "show", batch)["first_transfers"]
    assert [(f["from_party"], f["to_party"], f["last"] - f["first"] + 1) for f in firsts] == [
        ("ID", "JP", 40)
    ]
    jcm.ok(
        "decision", "new", "revoke-authorization", "--batch", batch,
        "--authorization-id", "ID-REV-2026-001", "--authorization-date", "2026-03-01",
        "--out", str(tmp_path / "revoke.json"),
    )  # fmt: skip
    jcm.ok("decision", "sign", str(tmp_path / "revoke.json"), "--keystore", "id1", "--yes")
    refused = jcm(
        "decision", "submit", str(tmp_path / "revoke.json"),
        str(tmp_path / "revoke.id1.sig.json"), "--keystore", "outsider",
    )  # fmt: skip
    assert_one_line_error(refused, "first transferred")


def test_serial_and_batch_show_first_transfers_and_the_decision_reference(world: World) -> None:
    jcm = world.jcm
    batch = world.batches["authorized"]
    shown = jcm.json("batch", "show", str(batch))
    assert shown["info"]["decision_ref"] == "JC-ID-2024-01"
    firsts = shown["first_transfers"]
    # Japan's share at issuance went to JP: gov-jp's 500 serials and acme's 250 (allocated in the
    # order gov-jp 500, gov-id 200, acme 250, nusantara 50; Japan's take the lowest serials): one
    # range.
    start = shown["info"]["first_serial"]
    assert [(f["first"], f["last"]) for f in firsts] == [(start, start + 749)]
    assert {(f["from_party"], f["to_party"], f["trigger"]) for f in firsts} == {
        ("ID", "JP", "international_transfer")
    }
    first, host_serial = start, start + 750  # gov-id's allocation starts after Japan's share
    text = jcm.ok("batch", "show", str(batch)).output
    assert "JC-ID-2024-01" in text and "750 of 1,000 credits" in text

    serial = jcm.json("serial", str(first))
    assert serial["first_transfer"]["transferred"] is True
    assert serial["first_transfer"]["record"]["to_party"] == "JP"
    line = jcm.ok("serial", str(first)).output
    assert "yes," in line and "from ID to JP" in line
    host = jcm.ok("serial", str(host_serial)).output  # gov-id's allocation never left Indonesia
    assert "only its host party may count it" in host


def test_ndc_retirements_rule_9_refuses_read_as_one_line(world: World) -> None:
    jcm = world.jcm
    authorized = str(world.batches["authorized"])
    unauthorized = str(world.batches["unauthorized"])
    before = world.snapshot()
    # Japan's registry counts toward Japan's NDC only units first transferred to it.
    refused = jcm(
        "retire", unauthorized, "10", "--using-party", "JP", "--purpose", "ndc",
        "--beneficiary", "Acme", "--keystore", "acme",
    )  # fmt: skip
    assert_one_line_error(refused, "not authorized")
    # A party counts only what is retired in its own registry.
    elsewhere = jcm(
        "retire", authorized, "10", "--using-party", "ID", "--purpose", "ndc",
        "--beneficiary", "Acme", "--keystore", "acme",
    )  # fmt: skip
    assert_one_line_error(elsewhere, "held in registry JP", "NDC of ID")
    assert world.snapshot() == before
    # Allowed: gov-jp's share (first transferred at issuance) toward Japan's NDC, and gov-id's
    # own allocation (never first transferred) toward Indonesia's.
    jcm.ok(
        "retire", authorized, "100", "--using-party", "JP", "--purpose", "ndc",
        "--beneficiary", "Government of Japan", "--keystore", "gov-jp",
    )  # fmt: skip
    jcm.ok(
        "retire", authorized, "50", "--using-party", "ID", "--purpose", "ndc",
        "--beneficiary", "Government of Indonesia", "--keystore", "gov-id",
    )  # fmt: skip


def test_authorize_and_amend_send_a_revocation_to_its_own_command(
    world: World, tmp_path: Path
) -> None:
    batch = str(world.batches["unauthorized"])
    for command in ("authorize", "amend-authorization"):
        refused = world.jcm(
            "decision", "new", command, "--batch", batch, "--authorization", " None ",
            "--authorization-id", "X", "--authorization-date", "2026-01-15",
            "--out", str(tmp_path / f"{command}.json"),
        )  # fmt: skip
        assert_one_line_error(refused, "--authorization none revokes")
        assert not (tmp_path / f"{command}.json").exists()
