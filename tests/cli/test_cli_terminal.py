"""What ``jcm`` really shows on a terminal when a decision file or the chain carries hostile text
(issue 11, part 2).

The output of each command is played into ``pyte``, a VT100 terminal emulator, and the test reads
the resulting screen as a member would: a decision file crafted to clear the screen, move the
cursor, overwrite lines, reorder text or inject Rich markup must appear as its real content, with
every such character visible as an escape, and ``sign`` must show that real content (and its full
digest) before asking, or refuse.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyte
from eth_utils import keccak

from registry_client import decisions
from registry_client.cli import output
from registry_client.decisions import CommitteeDomain, ProjectRegistration
from support.cli import World, assert_one_line_error

# Clears the screen, homes the cursor and writes a fake, harmless-looking summary over it; then a
# right-to-left override, a zero-width space, Rich markup and an OSC 8 hyperlink.
REDRAW = "\x1b[2J\x1b[H" + 'Register project "ID001" (ID): title "Harmless"\r\x1b[1A'
TITLE = f"Solar{REDRAW}\u202eevil\u200b[bold red]x[/] \x1b]8;;http://evil.example\x07link"


def screen_of(*texts: str, columns: int = 200, lines: int = 60) -> list[str]:
    """The screen after a terminal received ``texts`` (as a tty does: LF as CR LF)."""
    screen = pyte.Screen(columns, lines)
    stream = pyte.Stream(screen)
    for text in texts:
        stream.feed(text.replace("\n", "\r\n"))
    return [line.rstrip() for line in screen.display]


def crafted_decision(world: World, path: Path, title: str = TITLE) -> decisions.Decision:
    committee = world.client().committee("ID")
    decision = decisions.RegisterProjectDecision(
        domain=CommitteeDomain(chain_id=world.client().chain_id, committee=committee.address),
        nonce=committee.nonce,
        deadline=world.client().chain_time() + 86_400,
        project=ProjectRegistration(
            ref="ID777",
            country="ID",
            title=title,
            methodology="ID_AM\x1b[8m002",  # ESC [8m: conceals what follows
            pdd_hash="0x" + "ab" * 32,
            validation_report_hash="0x" + "cd" * 32,
        ),
    )
    path.write_text(decision.to_json(), encoding="utf-8")
    return decision


def test_a_crafted_decision_file_is_shown_harmlessly(world: World, tmp_path: Path) -> None:
    path = tmp_path / "crafted.json"
    decision = crafted_decision(world, path)
    shown = world.jcm.ok("decision", "show", str(path))
    screen = screen_of(shown.stdout, shown.stderr)
    text = "".join(screen)  # long lines wrap at the screen's edge
    # Nothing was cleared or overwritten: the real summary is on the first line, whole.
    assert screen[0].startswith('Register project "ID777" (ID): title "Solar\\x1b[2J\\x1b[H')
    assert 'Register project \\"ID001\\"' in screen[0]  # the fake summary, inside the real title
    assert not any(line.startswith('Register project "ID001"') for line in screen)
    for visible in ("\\x0d\\x1b[1A", "\\u202eevil\\u200b", "[bold red]x[/]", "\\x1b]8;;", "\\x07"):
        assert visible in text, visible
    assert 'methodology "ID_AM\\x1b[8m002"' in text
    assert f"Digest {decision.digest_hex}" in text  # in full
    assert "shown escaped" in shown.stderr  # and the member is told why
    # The raw bytes never reach the terminal.
    assert "\x1b" not in shown.stdout + shown.stderr
    assert "\u202e" not in shown.stdout + shown.stderr


def test_sign_shows_the_real_content_or_refuses(world: World, tmp_path: Path) -> None:
    path = tmp_path / "crafted.json"
    decision = crafted_decision(world, path)
    signing = world.jcm("decision", "sign", str(path), "-k", "jp1", input="n\n")
    signature = tmp_path / "crafted.jp1.sig.json"
    if decision.problems():  # the contracts refuse control characters in on-chain text
        assert_one_line_error(signing, "not signed: the committee would refuse this decision")
        assert not signature.exists()
        return
    screen = "".join(screen_of(signing.stderr))
    assert 'Register project "ID777" (ID): title "Solar\\x1b[2J\\x1b[H' in screen
    assert f"Digest {decision.digest_hex}" in screen
    assert "Sign this decision?" in screen
    assert signing.exit_code == 1 and not signature.exists()  # declined


def test_sign_runs_the_decisions_own_checks_first(world: World, tmp_path: Path) -> None:
    path = tmp_path / "too-long.json"
    crafted_decision(world, path, title="x" * 257)  # more than the contracts' 256 bytes
    refused = world.jcm("decision", "sign", str(path), "-k", "jp1", "-y")
    assert_one_line_error(
        refused, "not signed: the committee would refuse this decision", "the title is 257 bytes"
    )
    assert not (tmp_path / "too-long.jp1.sig.json").exists()


def test_decision_new_warns_when_the_chain_would_refuse(world: World, tmp_path: Path) -> None:
    """ID012 had its last period end on 2024-06-30, and batch 1 was issued for the verification
    report of decision JC-ID-2024-01 (tests/support/cli.py)."""
    world.jcm.ok("account", "freeze", "globex", "--keystore", "registrar-jp")
    used_report = "0x" + keccak(text="report JC-ID-2024-01").hex()
    drafted = world.jcm.json(
        "decision", "new", "issue", "--project", "ID012", "--decision-id", "JC-ID-2024-01",
        "--monitoring-start", "2024-06-01", "--monitoring-end", "2024-12-31",
        "--quantity", "10", "--verification-report-hash", used_report,
        "--allocate", "globex=5", "--allocate", "retirement-jp=5",
        "--out", str(tmp_path / "refused.json"),
    )  # fmt: skip
    warnings = "\n".join(drafted["warnings"])
    assert "overlaps batch 2 of project ID012, which covers 2024-01-01 to 2024-06-30" in warnings
    batch = world.batches["authorized"]
    assert f"verification report {used_report} was issued for already, as batch {batch}" in (
        warnings
    )
    assert f"allocation account {world.address('globex')} is frozen" in warnings
    assert f"allocation account {world.address('retirement-jp')} is a retirement account" in (
        warnings
    )
    text = world.jcm(
        "decision", "new", "register-project", "--country", "ID", "--ref", "ID012",
        "--title", "again", "--methodology", "ID_AM002", "--pdd-hash", "0x" + "ee" * 32,
        "--validation-report-hash", "0x" + "ef" * 32, "--out", str(tmp_path / "again.json"),
    )  # fmt: skip
    assert text.exit_code == 0
    assert "the chain would refuse this decision as it stands: project ID012 is registered" in (
        text.stderr
    )


def test_rich_markup_from_the_chain_is_never_parsed(world: World) -> None:
    holder = "[/][bold red]Acme[/bold red] [link=http://evil.example]pay here[/link] :warning:"
    address = "0x" + "77" * 20
    world.jcm.ok(
        "account", "open", address, "--side", "JP", "--kind", "holding", "--name", holder,
        "--keystore", "registrar-jp",
    )  # fmt: skip
    shown = world.jcm.ok("account", "show", address)  # "[/]" used to crash Rich
    assert holder in "\n".join(screen_of(shown.stdout))


def test_every_table_cell_is_escaped() -> None:
    from io import StringIO

    from rich.console import Console

    hostile = "A\x1b[2J\x1b[HB\u202eC\u200bD[bold]E[/]\nF\tG\x00"
    buffer = StringIO()
    console = Console(file=buffer, force_terminal=True, width=200, color_system=None)
    console.print(output.table(hostile, ["name", "value"], [(hostile, [hostile, "second"])]))
    console.print(output.fields(hostile, [("holder", hostile)]))
    screen = "\n".join(screen_of(buffer.getvalue()))
    escaped = "A\\x1b[2J\\x1b[HB\\u202eC\\u200bD[bold]E[/]\\x0aF\\x09G\\x00"
    assert screen.count(escaped) == 5  # two titles, two cells and the second line of a cell
    assert "second" in screen


def test_json_output_escapes_what_a_terminal_would_act_on(world: World, tmp_path: Path) -> None:
    path = tmp_path / "crafted.json"
    crafted_decision(world, path)
    shown = world.jcm.ok("decision", "show", str(path), "--json")
    assert "\x1b" not in shown.stdout and "\u202e" not in shown.stdout
    assert json.loads(shown.stdout)["typed_data"]["message"]["title"] == TITLE  # exact content


def test_control_characters_from_the_chain_are_escaped(world: World) -> None:
    """A holder name with ESC sequences and a bidi override, where the contracts accept it."""
    holder = "Acme\x1b[2J\x1b[H\u202eK.K."
    address = "0x" + "78" * 20
    opened = world.jcm(
        "account", "open", address, "--side", "JP", "--kind", "holding", "--name", holder,
        "--keystore", "registrar-jp",
    )  # fmt: skip
    if opened.exit_code != 0:  # contracts that refuse control characters in on-chain text
        assert_one_line_error(opened)
        return
    for args in (("account", "show", address), ("account", "show", address, "--json")):
        shown = world.jcm.ok(*args)
        assert "\x1b" not in shown.stdout and "\u202e" not in shown.stdout
    screen = "".join(screen_of(world.jcm.ok("account", "show", address).stdout))
    assert "Acme\\x1b[2J\\x1b[H\\u202eK.K." in screen
    document = json.loads(world.jcm.ok("account", "show", address, "--json").stdout)
    assert document["account"]["holder_name"] == holder  # JSON keeps the exact text
