"""Every ``jcm`` command on its happy path, driven as a user runs it (output checked in --json and
in the tables people read)."""

from __future__ import annotations

import json
from pathlib import Path

from registry_client.client import RegistryClient
from support.cli import PASSWORD, Jcm, World, assert_one_line_error


def test_help_and_no_arguments(world: World) -> None:
    result = world.jcm("--help")
    assert result.exit_code == 0
    for command in ("keys", "deploy", "country", "registrar", "account", "project", "batch",
                    "decision", "transfer", "retire", "cancel", "holdings", "serial", "devnet",
                    "index", "api"):  # fmt: skip
        assert command in result.stdout
    bare = world.jcm()
    assert bare.exit_code == 0 and "Usage" in bare.stdout + bare.stderr


def test_keys_new_import_list(world: World, tmp_path: Path) -> None:
    jcm = Jcm({**world.jcm.env, "JCM_KEYSTORE_DIR": str(tmp_path / "keys")})
    assert "no keys" in jcm.ok("keys", "list").stderr
    created = jcm.json("keys", "new", "alice")
    assert created["name"] == "alice" and created["address"].startswith("0x")
    key_file = tmp_path / "bob.key"
    key_file.write_text("0x" + world.accounts["acme"].key.hex().removeprefix("0x") + "\n")
    imported = jcm.json("keys", "import", "bob", "--key-file", str(key_file))
    assert imported["address"] == world.address("acme")
    piped = jcm("keys", "import", "carol", "--key-file", "-", "--json",
                input=world.accounts["globex"].key.hex() + "\n")  # fmt: skip
    assert piped.exit_code == 0, piped.stderr
    assert json.loads(piped.stdout)["address"] == world.address("globex")
    listed = {k["name"]: k["address"] for k in jcm.json("keys", "list")}
    assert listed == {
        "alice": created["address"],
        "bob": world.address("acme"),
        "carol": world.address("globex"),
    }
    table = jcm.ok("keys", "list").stdout
    assert "alice" in table and world.address("acme") in table
    # The new key decrypts with its password and signs: it is a registry address like any other.
    shown = jcm("account", "show", "alice")
    assert_one_line_error(shown, "has no registry account")
    assert_one_line_error(jcm("keys", "new", "alice"), "already exists")
    assert_one_line_error(jcm("keys", "new", "bad/name"), "must be 1-64 letters")
    (tmp_path / "junk.key").write_text("not a key")
    assert_one_line_error(
        jcm("keys", "import", "dave", "--key-file", str(tmp_path / "junk.key")),
        "not a private key",
    )
    assert_one_line_error(jcm("keys", "new", "erin", JCM_KEYSTORE_PASSWORD=None), "no password")


def test_registry_views(world: World) -> None:
    jcm, batch = world.jcm, world.batches["authorized"]
    countries = jcm.json("country", "list")
    assert [c["country"] for c in countries] == ["ID"]
    committee = jcm.json("country", "show", "ID")
    assert committee["address"] == world.committee
    assert committee["japan_members"] == [world.address(n) for n in ("jp1", "jp2", "jp3")]
    assert (committee["japan_threshold"], committee["partner_threshold"]) == (2, 1)
    assert "jp2" in jcm.ok("country", "show", "ID").stdout  # members named by the user's keys
    project = jcm.json("project", "show", "ID012")
    assert project["methodology"] == "ID_AM002" and project["batch_count"] == 2
    assert project["first_monitoring_start"] is not None
    shown = jcm.ok("project", "show", "ID012").stdout
    assert "batch 1" in shown and "batch 2" in shown and "2024-06-30" in shown  # their periods
    assert [p["ref"] for p in jcm.json("project", "list", "--country", "id")] == ["ID012"]
    assert "ID012" in jcm.ok("project", "list").stdout
    shown = jcm.json("batch", "show", str(batch))
    assert shown["info"]["quantity"] == 1000 and shown["info"]["authorization"] == "ndc"
    assert shown["totals"] == {"issued": 1000, "held": 1000, "retired": 0, "cancelled": 0}
    assert {h["account"]: h["balance"] for h in shown["holdings"]} == {
        world.address("gov-jp"): 500,
        world.address("gov-id"): 200,
        world.address("acme"): 250,
        world.address("nusantara"): 50,
    }
    table = jcm.ok("batch", "show", str(batch)).stdout
    assert "issued 1,000 = held 1,000 + retired 0 + cancelled 0" in table
    listed = jcm.json("batch", "list", "--project", "ID012")
    assert [b["info"]["id"] for b in listed] == [1, 2]
    holdings = jcm.json("holdings", "acme")
    assert [(h["batch_id"], h["balance"]) for h in holdings] == [(1, 250), (2, 300)]
    block = holdings[0]["block_ids"][0]
    assert block == "JCM-JP-ID012-2023-000000501-000000750"
    assert "JCM-JP-ID012-2023-000000501-000000750" in jcm.ok("holdings", "acme").stdout
    located = jcm.json("serial", block)  # a block id: every piece of the block
    assert located["complete"] and len(located["pieces"]) == 1
    piece = located["pieces"][0]
    assert (piece["location"], piece["account"]) == ("held", world.address("acme"))
    assert (piece["range"]["first"], piece["range"]["last"]) == (501, 750)
    assert jcm.json("serial", "951")["account"] == world.address("nusantara")
    assert "has not been issued" in jcm.ok("serial", "99999").stdout
    account = jcm.json("account", "show", "nusantara")
    assert account["account"]["side"] == "ID" and account["account"]["kind"] == "holding"
    shown = jcm.ok("account", "show", "nusantara").stdout
    assert "PT Nusantara Energi" in shown
    assert "holding (法人等保有口座)" in shown  # the kind in English, its Japanese term beside it


def test_transfer_retire_cancel(world: World) -> None:
    jcm = world.jcm
    batch = world.batches["authorized"]
    moved = jcm.json("transfer", "globex", str(batch), "40", "-k", "acme")
    assert moved["international"] is False and moved["ranges"] == [{"first": 501, "last": 540}]
    abroad = jcm.json("transfer", "acme", str(batch), "30", "-k", "nusantara")
    assert abroad["international"] is True and abroad["first_international"] is True
    text = jcm.ok("transfer", "acme", str(batch), "5", "-k", "nusantara").stdout
    assert "international transfer of 5 credits" in text
    retired = jcm.json(
        "retire", str(batch), "100", "--using-party", "JP", "--purpose", "ndc",
        "--beneficiary", "Government of Japan", "--note", "FY2030 NDC", "-k", "gov-jp",
    )  # fmt: skip
    assert retired["quantity"] == 100 and retired["retirement_id"] == 1
    offset = jcm.ok(
        "retire", str(batch), "10", "--using-party", "JP", "--purpose", "voluntary-offset",
        "--beneficiary", "Globex Japan Ltd.", "-k", "globex",
    ).stdout  # fmt: skip
    assert "retirement 2: 10 credits" in offset
    cancelled = jcm.json(
        "cancel", str(batch), "20", "--reason", "overall-mitigation", "-k", "gov-id"
    )
    assert cancelled["cancellation_id"] == 1 and cancelled["quantity"] == 20
    totals = jcm.json("batch", "show", str(batch))["totals"]
    assert totals == {"issued": 1000, "held": 870, "retired": 110, "cancelled": 20}
    balances = {h["batch_id"]: h["balance"] for h in jcm.json("holdings", "acme")}
    assert balances[batch] == 250 - 40 + 35
    assert jcm.json("serial", "1")["location"] == "retired"


def test_account_lifecycle(world: World) -> None:
    jcm = world.jcm
    opened = jcm.json(
        "account", "open", world.address("spare"), "--side", "JP", "--kind", "holding",
        "--name", "Spare Co., Ltd.", "-k", "registrar-jp",
    )  # fmt: skip
    assert opened["status"] == "active"
    assert "froze account" in jcm.ok("account", "freeze", "spare", "-k", "registrar-jp").stdout
    assert jcm.json("account", "show", "spare")["account"]["status"] == "frozen"
    assert jcm.json("account", "unfreeze", "spare", "-k", "registrar-jp")["status"] == "active"
    assert jcm.json("account", "close", "spare", "-k", "registrar-jp")["status"] == "closed"
    assert_one_line_error(
        jcm("account", "open", "spare", "--side", "JP", "--kind", "holding", "--name", "Again",
            "-k", "registrar-jp"),
        "already has (or had) an account",
    )  # fmt: skip


def test_registrar_roles_and_pause(world: World) -> None:
    jcm = world.jcm
    jcm.ok("registrar", "grant", "JP", "spare", "--keystore", "governance")
    jcm.ok(
        "account", "open", "newcomer", "--side", "JP", "--kind", "holding", "--name", "Newcomer",
        "-k", "spare",
    )  # fmt: skip
    jcm.ok("registrar", "revoke", "JP", "spare", "--keystore", "governance")
    assert_one_line_error(jcm("account", "freeze", "newcomer", "-k", "spare"), "registrar role")
    # Japan's authority governs Japan's registrars only.
    assert_one_line_error(
        jcm("registrar", "grant", "ID", "spare", "--keystore", "governance"),
        "lacks the registry authority of side ID",
    )
    assert_one_line_error(
        jcm("pause", "--side", "JP", "--hours", "2", "-k", "authority-id"),
        "is not the registry authority of side JP",
    )
    assert jcm.json("pause", "--side", "ID", "--hours", "2", "-k", "authority-id")["paused"]
    assert_one_line_error(
        jcm("transfer", "globex", "1", "1", "-k", "acme"),
        "paused until",
        "by the authority of side ID",
    )
    assert_one_line_error(jcm("unpause", "-k", "governance"), "registry authority of side ID")
    assert jcm.json("unpause", "-k", "authority-id")["paused"] is False
    jcm.ok("transfer", "globex", "1", "1", "-k", "acme")


def test_authorities_hand_over_to_new_keys(world: World) -> None:
    jcm = world.jcm
    jcm.ok("authority", "grant", "ID", "spare", "--keystore", "authority-id")
    jcm.ok("authority", "revoke", "ID", "authority-id", "--keystore", "spare")
    assert world.client().is_authority("ID", world.address("spare"))
    assert not world.client().is_authority("ID", world.address("authority-id"))
    assert_one_line_error(
        jcm("authority", "grant", "JP", "spare", "--keystore", "spare"),
        "lacks the registry authority of side JP",
    )


def test_global_keystore_option_and_env(world: World) -> None:
    jcm = world.jcm
    jcm.ok("--keystore", "acme", "transfer", "globex", "1", "2")
    jcm.ok("transfer", "globex", "1", "3", JCM_KEYSTORE="acme")
    assert world.client().balance(world.address("globex"), 1) == 5
    assert_one_line_error(jcm("transfer", "globex", "1", "3"), "choose a key with --keystore")


def test_deploy_writes_a_new_deployment_file(world: World, tmp_path: Path) -> None:
    jcm = world.jcm
    assert_one_line_error(jcm("deploy", "-k", "governance"), "exists already")
    target = tmp_path / "second.json"
    deployed = jcm.json("--deployment", str(target), "deploy", "-k", "governance",
                        "--admin", "spare")  # fmt: skip
    assert json.loads(target.read_text())["registry"] == deployed["registry"]
    assert deployed["registry"] != json.loads(world.deployment.read_text())["registry"]
    second = RegistryClient.connect(world.anvil.url, target)
    assert second.is_authority("JP", world.address("spare"))
    assert not second.is_authority("JP", world.address("governance"))
    assert jcm.json("--deployment", str(target), "country", "list") == []


def test_a_committee_hands_over_to_a_successor_by_its_own_decision(
    world: World, tmp_path: Path
) -> None:
    jcm = world.jcm
    successor = jcm.json(
        "country", "successor", "ID", "--japan-members", "jp1,jp2", "--partner-members", "id1",
        "--japan-threshold", "2", "--partner-threshold", "1", "-k", "outsider",
    )["address"]  # fmt: skip
    assert jcm.json("country", "show", "ID")["address"] == world.committee  # not yet
    draft = tmp_path / "handover.json"
    jcm.ok("decision", "new", "replace-committee", "--country", "ID", "--successor", successor,
           "--out", str(draft))  # fmt: skip
    signatures = []
    for signer in ("jp1", "jp2", "id1"):
        jcm.ok("decision", "sign", str(draft), "-k", signer, "-y")
        signatures.append(str(tmp_path / f"handover.{signer}.sig.json"))
    # Japan's members alone cannot hand the committee over.
    assert_one_line_error(
        jcm("decision", "submit", str(draft), *signatures[:2], "-k", "outsider"),
        "side ID has 0 of 1 required signatures",
    )
    receipt = jcm.json("decision", "submit", str(draft), *signatures, "-k", "outsider")
    assert receipt["committee"] == successor
    assert jcm.json("country", "show", "ID")["address"] == successor
    assert world.client().committee("ID").japan_threshold == 2


def test_decision_show_and_status(world: World, tmp_path: Path) -> None:
    jcm = world.jcm
    out = tmp_path / "register.json"
    drafted = jcm.json(
        "decision", "new", "register-project", "--country", "ID", "--ref", "ID930",
        "--title", "Solar PV at a textile factory", "--methodology", "ID_AM901",
        "--pdd-hash", "0x" + "11" * 32, "--validation-report-hash", "0x" + "12" * 32,
        "--out", str(out),
    )  # fmt: skip
    assert drafted["kind"] == "RegisterProject" and drafted["digest"].startswith("0x")
    assert json.loads(out.read_text())["digest"] == drafted["digest"]
    assert 'Register project "ID930"' in jcm.ok("decision", "show", str(out)).stdout
    jcm.ok("decision", "sign", str(out), "-k", "jp1", "-y")
    status = jcm.json("decision", "status", str(out), str(tmp_path / "register.jp1.sig.json"))
    assert status["ready"] is False and status["japan"]["count"] == 1
    text = jcm.ok("decision", "status", str(out), str(tmp_path / "register.jp1.sig.json")).stdout
    assert "not ready: JP needs 1 more, ID needs 1 more" in text
    # Without --yes the summary is shown and the member confirms.
    declined = jcm("decision", "sign", str(out), "-k", "jp2", input="n\n")
    assert declined.exit_code == 1 and 'Register project "ID930"' in declined.stderr
    assert declined.stderr.strip().endswith("error: not signed: you declined")
    no_answer = jcm("decision", "sign", str(out), "-k", "jp2", input="")
    assert no_answer.exit_code == 1 and "pass --yes" in no_answer.stderr
    assert not (tmp_path / "register.jp2.sig.json").exists()
    accepted = jcm("decision", "sign", str(out), "-k", "jp2", input="y\n")
    assert accepted.exit_code == 0 and (tmp_path / "register.jp2.sig.json").exists()


def test_correction_and_change_members(world: World, tmp_path: Path) -> None:
    jcm = world.jcm
    correction = tmp_path / "correct.json"
    jcm.ok(
        "decision", "new", "correct", "--batch", "1", "--account", "acme",
        "--serials", "JCM-JP-ID012-2023-000000701-000000705", "--decision-id", "JC-ID-2024-C1",
        "--out", str(correction),
    )  # fmt: skip
    for signer in ("jp1", "jp2", "id1"):
        jcm.ok("decision", "sign", str(correction), "-k", signer, "-y")
    signatures = [str(p) for p in sorted(tmp_path.glob("correct.*.sig.json"))]
    corrected = jcm.json("decision", "submit", str(correction), *signatures, "-k", "acme")
    assert corrected["cancellation_id"] == 1
    assert world.client().cancellation(1).reason.name == "CORRECTION"
    assert jcm.json("holdings", "acme")[0]["balance"] == 245

    change = tmp_path / "members.json"
    jcm.ok(
        "decision", "new", "change-members", "--country", "ID",
        "--japan-members", "jp1,jp2,newcomer", "--partner-members", "id1",
        "--japan-threshold", "2", "--partner-threshold", "1", "--out", str(change),
    )  # fmt: skip
    for signer in ("jp2", "jp3", "id2"):
        jcm.ok("decision", "sign", str(change), "-k", signer, "-y")
    signatures = [str(p) for p in sorted(tmp_path.glob("members.*.sig.json"))]
    changed = jcm.json("decision", "submit", str(change), *signatures, "-k", "governance")
    assert changed["nonce"] == 1
    committee = jcm.json("country", "show", "ID")
    assert committee["japan_members"][2] == world.address("newcomer")
    assert committee["partner_members"] == [world.address("id1")] and committee["nonce"] == 1
    # The old member jp3's signature of a fresh decision no longer counts.
    fresh = tmp_path / "after.json"
    jcm.ok(
        "decision", "new", "register-project", "--country", "ID", "--ref", "ID931",
        "--title", "LED lighting", "--methodology", "ID_AM902", "--pdd-hash", "0x" + "21" * 32,
        "--validation-report-hash", "0x" + "22" * 32, "--out", str(fresh),
    )  # fmt: skip
    jcm.ok("decision", "sign", str(fresh), "-k", "jp3", "-y")
    status = jcm.json("decision", "status", str(fresh), str(tmp_path / "after.jp3.sig.json"))
    assert status["checks"][0]["reason"] == "not a current member"
    assert status["japan"]["count"] == 0


def test_password_prompt_is_used_without_the_environment(world: World) -> None:
    # No $JCM_KEYSTORE_PASSWORD and no terminal: refused with a clear line, nothing asked.
    result = world.jcm("transfer", "globex", "1", "1", "-k", "acme", JCM_KEYSTORE_PASSWORD=None)
    assert_one_line_error(result, "no password")
    assert PASSWORD not in result.stdout + result.stderr


def test_index_once_and_devnet_env(world: World, tmp_path: Path) -> None:
    import sqlite3

    database = tmp_path / "index.sqlite3"
    url = f"sqlite:///{database}"
    world.jcm.ok("index", "--once", "--quiet", "--database-url", url)
    world.jcm.ok("transfer", "globex", "1", "7", "-k", "acme")
    world.jcm.ok("index", "--once", "--quiet", "--database-url", url)  # resumes from its checkpoint
    with sqlite3.connect(database) as db:
        assert db.execute("select count(*) from batches").fetchone() == (2,)
        assert db.execute("select count(*) from projects").fetchone() == (1,)
        transfers = db.execute("select count(*) from movements where quantity = 7").fetchone()
    assert transfers == (1,)
    assert_one_line_error(
        world.jcm("index", "--once", "--quiet", "--database-url", url,
                  JCM_DEPLOYMENT=str(tmp_path / "other.json")),
        "no deployment file",
    )  # fmt: skip
    assert_one_line_error(world.jcm("devnet", "env"), "no devnet deployment")
