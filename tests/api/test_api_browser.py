"""A headless Chromium opens the explorer, searches a serial and reaches its page (screenshot saved
and its path printed).

The screenshot goes to ``$JCM_TEST_ARTIFACTS`` if set, else the test's temporary directory.
Chromium is Debian's ``chromium`` package at ``/usr/bin/chromium``: when it is missing this test
installs it with ``apt-get`` (as CI does) and fails, never skips, if that is impossible.
``playwright-core`` comes from the repository's ``package.json`` (``npm ci``).
"""

from __future__ import annotations

import csv
import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from api.app import create_app
from api.database import make_engine
from api.i18n import translations
from registry_client.settings import Settings, load_settings
from support.api_chain import REPO, Chain, served
from support.debian import ensure_chromium

HERE = Path(__file__).resolve().parent


def _run_node(*args: str, timeout: int = 120) -> dict[str, Any]:
    """Run a browser script with node; return the JSON line it prints last."""
    result = subprocess.run(
        ["node", *args], cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    seen: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return seen


@pytest.fixture
def explorer_url(sqlite_url: str, seeded_chain: Chain) -> Iterator[str]:
    """The API and explorer served by uvicorn on a random port."""
    engine = make_engine(sqlite_url)
    app = create_app(Settings(database_url=sqlite_url, rpc_url=seeded_chain.url), engine=engine)
    try:
        with served(app) as url:
            yield url
    finally:
        engine.dispose()


def test_explorer_search_reaches_the_serial_page(
    explorer_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ensure_chromium()
    assert (REPO / "node_modules" / "playwright-core").is_dir(), "run npm ci (make install)"
    # JCM_TEST_ARTIFACTS keeps the screenshot somewhere pytest does not rotate away (CI artifacts).
    folder = load_settings().test_artifacts or tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    screenshot = folder / "explorer-serial-520.png"
    seen = _run_node(str(HERE / "explorer_search.cjs"), explorer_url, "520", str(screenshot))
    assert seen["url"] == f"{explorer_url}/serials/520"
    assert seen["title"] == "Serial 520"
    assert seen["hint"] == "serial"
    assert seen["rows"] == 1
    assert screenshot.stat().st_size > 10_000
    with capsys.disabled():
        print(f"\nexplorer screenshot: {screenshot}")


def _searches(explorer_url: str, chain: Chain) -> dict[str, str]:
    """Search box entries and the page each must reach."""
    import httpx

    tx_hash = httpx.get(f"{explorer_url}/v1/transactions?limit=1").json()["items"][0]["proof"][
        "tx_hash"
    ]
    mitsui = chain.roles["mitsui"]
    return {
        "520": "/serials/520",
        "JCM-JP-ID012-2022-000000131-000000140": "/serials/JCM-JP-ID012-2022-000000131-000000140",
        mitsui.lower(): f"/accounts/{mitsui}",
        "Mitsui": f"/accounts/{mitsui}",
        "Government of Indonesia": f"/accounts/{chain.roles['id_government']}",
        "ID013": "/projects/ID013",
        "batch 2": "/batches/2",
        "#3": "/batches/3",
        "R-1": "/retirements/1",
        "無効化 2": "/retirements/2",
        "C-1": "/cancellations/1",
        "ID": "/countries/ID",
        "インドネシア": "/countries/ID",
        "JP": "/countries/JP",
        tx_hash: f"/transactions/{tx_hash}",
    }


def test_explorer_in_japanese_with_real_glyphs_and_every_page_from_search(
    explorer_url: str, seeded_chain: Chain, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ensure_chromium()
    folder = load_settings().test_artifacts or tmp_path
    expected = _searches(explorer_url, seeded_chain)
    searches = [{"query": q, "lang": lang} for q in expected for lang in ("ja", "en")]
    seen = _run_node(
        str(HERE / "explorer_pages.cjs"),
        explorer_url,
        json.dumps(searches),
        str(folder),
        timeout=300,
    )

    glyphs = seen["glyphs"]
    assert glyphs["h1"] == translations("ja").gettext("Joint Crediting Mechanism credits")
    assert glyphs["inked"] and glyphs["distinct"] and glyphs["notTofu"], glyphs
    overview = Path(seen["overview"])
    assert overview.stat().st_size > 50_000

    for landed in seen["searches"]:
        target = expected[landed["query"]]
        assert landed["url"] == explorer_url + target, landed
        assert landed["status"] == 200 and landed["htmlLang"] == landed["lang"], landed
        assert landed["h1"], landed
    by_query = {(s["query"], s["lang"]): s["h1"] for s in seen["searches"]}
    assert by_query[("R-1", "ja")].startswith("無効化証明書 第1号")
    assert by_query[("R-1", "en")].startswith("Retirement certificate No. 1")
    assert by_query[("ID", "ja")].startswith("インドネシア")
    assert by_query[("batch 2", "ja")].startswith("バッチ 2")

    sections = {s["href"]: s for s in seen["sections"]}
    assert set(sections) == {
        "/countries",
        "/projects",
        "/accounts",
        "/movements",
        "/retirements",
        "/cancellations",
        "/reports",
        "/governance",
    }
    for href, landed in sections.items():
        assert landed["url"] == explorer_url + href and landed["status"] == 200, landed
    shots = [Path(shot) for shot in seen["shots"]]
    assert {shot.name for shot in shots} == {
        f"explorer-{kind}-ja.png"
        for kind in (
            "serials", "accounts", "projects", "batches", "retirements", "cancellations",
            "countries", "transactions",
        )
    }  # fmt: skip
    assert all(shot.stat().st_size > 20_000 for shot in shots)
    with capsys.disabled():
        print("\nexplorer screenshots:", overview, *shots, sep="\n  ")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_explorer_shows_a_party_s_aef_tables_and_their_downloads(
    explorer_url: str, tmp_path: Path, lang: str
) -> None:
    ensure_chromium()
    folder = load_settings().test_artifacts or tmp_path
    seen = _run_node(str(HERE / "explorer_aef.cjs"), explorer_url, lang, "ID", str(folder))
    year = datetime.now(UTC).year  # the reference history is mined at today's time
    assert seen["first"] == f"{explorer_url}/reports/aef?party=JP&year={year}"
    assert seen["url"] == f"{explorer_url}/reports/aef?party=ID&year={year}"
    assert seen["lang"] == lang
    heading = translations(lang).gettext("Article 6 report (AEF): %(party)s, %(year)s")
    assert heading.split("%(party)s")[0] in seen["h1"] and str(year) in seen["h1"]
    with httpx.Client(base_url=explorer_url) as client:
        expected = client.get(f"/v1/reports/aef/ID/{year}").json()
    assert seen["actions"] == len(expected["actions"]) > 0
    assert seen["holdings"] == len(expected["holdings"]) > 0
    files = {key: Path(value) for key, value in seen["downloads"].items()}
    assert files["aef-actions-csv"].name == f"aef-ID-{year}-actions.csv"
    with files["aef-actions-csv"].open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["Record ID"] for r in rows] == [a["record_id"] for a in expected["actions"]]
    with files["aef-holdings-csv"].open(encoding="utf-8", newline="") as handle:
        held = [int(r["Quantity"]) for r in csv.DictReader(handle)]
    assert held == [h["quantity"] for h in expected["holdings"]]
    book = load_workbook(files["aef-xlsx"])
    assert book.sheetnames == ["Cover", "Actions", "Holdings"]
    assert book["Actions"].max_row == len(expected["actions"]) + 1
    assert (folder / f"aef-ID-{lang}.png").stat().st_size > 10_000
