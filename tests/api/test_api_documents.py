"""Certificates as PDF (Japanese and English) and the public reports as CSV and PDF.

Each PDF is read back with poppler (``pdftotext``, ``pdffonts``) and drawn as PNG with
``pdftoppm``; the PNGs go to ``$JCM_TEST_ARTIFACTS`` if set, else the test's temporary directory,
and their paths are printed.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from api import documents
from api.models import Proof, RetirementOut, SerialRangeOut
from api.web import TEMPLATES
from registry_client.settings import load_settings
from support.debian import ensure_cjk_fonts, ensure_poppler


@pytest.fixture(autouse=True)
def _forget_the_language(client: TestClient) -> Iterator[None]:
    """``?lang=`` sets a cookie on the session's shared client: drop it after each test."""
    yield
    client.cookies.clear()


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ensure_cjk_fonts()
    ensure_poppler()
    folder = load_settings().test_artifacts or tmp_path_factory.mktemp("documents")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def _png(pdf: Path) -> Path:
    """The first page drawn at 100 dpi; returns the PNG's path."""
    stem = pdf.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(stem)],
        check=True,
    )
    return stem.with_suffix(".png")


def _word_box(pdf: Path, word: str) -> tuple[float, float, float, float]:
    """Where ``word`` is on the first page, in points: ``pdftotext -bbox``."""
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = re.search(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
        + re.escape(word)
        + "</word>",
        html,
    )
    assert found, f"{word} is not a word of the PDF's first page"
    x0, y0, x1, y1 = (float(v) for v in found.groups())
    return x0, y0, x1, y1


def _drawn_at(png: Path, box: tuple[float, float, float, float], dpi: int = 100) -> float:
    """The share of dark pixels of the PNG inside ``box`` (points): how much ink is there."""
    scale = dpi / 72
    with Image.open(png) as image:
        crop = image.convert("L").crop(tuple(round(v * scale) for v in box))
        histogram = crop.histogram()
        return sum(histogram[:128]) / max(crop.width * crop.height, 1)


def _inked(png: Path) -> float:
    """The share of the page that is not white."""
    with Image.open(png) as image:
        grey = image.convert("L")
        histogram = grey.histogram()
        return 1 - sum(histogram[250:]) / (grey.width * grey.height)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_retirement_certificate_pdf(
    client: TestClient, artifacts: Path, lang: str, capsys: pytest.CaptureFixture[str]
) -> None:
    record = client.get("/v1/retirements/1").json()
    response = client.get(f"/retirements/1.pdf?lang={lang}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    pdf = artifacts / f"retirement-1-{lang}.pdf"
    pdf.write_bytes(response.content)

    text = _text(pdf)
    flat = " ".join(text.split())
    for serial_block in (r["block_id"] for r in record["ranges"]):
        assert serial_block in flat
    assert record["proof"]["tx_hash"][:40] in text.replace("\n", "").replace(" ", "")
    assert record["beneficiary"] in flat and record["holder_name"] in flat
    retirement_account = client.get(f"/v1/accounts/{record['retirement_account']}").json()
    assert retirement_account["holder_name"] in flat
    assert str(client.base_url) + "/v1/retirements/1" in flat
    if lang == "ja":
        for term in ("無効化証明書", "使用締約国", "目的", "受益者", "取引の証明"):
            assert term in flat, term
    else:
        for term in ("Retirement certificate No. 1", "Using party", "Purpose", "Beneficiary"):
            assert term in flat, term
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    if lang == "ja":
        assert "Noto-Sans-CJK-JP" in fonts  # Japanese glyphs embedded, not left to the viewer

    png = _png(pdf)
    with Image.open(png) as image:
        assert image.width > 700 and image.height > 1000  # A4 at 100 dpi: 827 x 1169
    assert _inked(png) > 0.02
    for serial_block in (r["block_id"] for r in record["ranges"]):
        # The block id is drawn where the PDF says it is: dark pixels in its box of the PNG.
        assert _drawn_at(png, _word_box(pdf, serial_block)) > 0.05, serial_block
    with capsys.disabled():
        print(f"\ncertificate PDF: {pdf}\ncertificate PNG: {png}")


def test_cancellation_certificate_pdf(client: TestClient, artifacts: Path) -> None:
    record = client.get("/v1/cancellations/1").json()
    pdf = artifacts / "cancellation-1-ja.pdf"
    pdf.write_bytes(client.get("/cancellations/1.pdf?lang=ja").content)
    flat = " ".join(_text(pdf).split())
    assert "取消証明書 第1号" in flat and "自主的取消" in flat
    assert all(r["block_id"] in flat for r in record["ranges"])
    assert _inked(_png(pdf)) > 0.02


def test_certificates_of_unknown_records_are_404(client: TestClient) -> None:
    for url in ("/retirements/9999.pdf", "/cancellations/9999.pdf"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"


def test_chain_text_is_text_in_the_pdf(artifacts: Path) -> None:
    """Markup in a beneficiary or a note is printed as written, never interpreted or fetched."""
    proof = Proof(
        block_number=1,
        block_hash="0x" + "11" * 32,
        tx_hash="0x" + "22" * 32,
        log_index=0,
        timestamp=datetime(2026, 1, 1, tzinfo=UTC),
    )
    hostile = RetirementOut(
        id=7,
        batch_id=1,
        project_ref="ID012",
        project_title='<img src="file:///etc/hostname">',
        country="ID",
        vintage=2022,
        account="0x" + "33" * 20,
        holder_name="<b>Bold</b> & Co",
        retirement_account="0x" + "44" * 20,
        side="JP",
        using_party="JP",
        purpose="ndc",
        quantity=5,
        beneficiary='<link rel="stylesheet" href="http://127.0.0.1:9/x.css">',
        note="</td></tr></table><h1>forged</h1>",
        retired_at=datetime(2026, 1, 1, tzinfo=UTC),
        ranges=[SerialRangeOut(first=1, last=5, quantity=5, block_id="JCM-JP-ID012-2022-1-5")],
        certificate_url="/v1/retirements/7.html",
        proof=proof,
    )
    html = (
        TEMPLATES["en"]
        .get_template("certificate_pdf.html")
        .render(
            heading="Retirement certificate No. 7",
            title="JCM registry explorer",
            statement=hostile.holder_name,
            facts=documents.retirement_facts(hostile, "en"),
            record=hostile,
            verify_url="http://example.invalid/v1/retirements/7",
            qr=documents.qr_data_uri("http://example.invalid/v1/retirements/7"),
        )
    )
    pdf = artifacts / "hostile.pdf"
    pdf.write_bytes(documents.pdf(html))
    flat = " ".join(_text(pdf).split())
    assert "<b>Bold</b> & Co" in flat
    assert '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">' in flat
    assert "</td></tr></table><h1>forged</h1>" in flat
    assert '<img src="file:///etc/hostname">' in flat


def test_account_types_report_csv_and_pdf(client: TestClient, artifacts: Path) -> None:
    report = client.get("/v1/reports/account-types").json()
    response = client.get("/reports/account-types.csv?lang=ja")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["登録簿", "口座種別", "kind", "口座", "数量"]
    expected = [
        [r["side"], r["kind"], str(r["accounts"]), str(r["quantity"])]
        for r in report["rows"] + report["totals"]
    ]
    assert [[r[0], r[2], r[3], r[4]] for r in rows[1:]] == expected
    assert {r[1] for r in rows[1:]} == {"法人等保有口座", "政府保有口座", "無効化口座", "取消口座"}
    english = list(csv.reader(io.StringIO(client.get("/reports/account-types.csv?lang=en").text)))
    assert english[0] == ["Registry side", "Account kind", "kind", "Accounts", "Quantity"]

    pdf = artifacts / "account-types-ja.pdf"
    pdf.write_bytes(client.get("/reports/account-types.pdf?lang=ja").content)
    flat = " ".join(_text(pdf).split())
    assert "口座種別ごとの保有量" in flat and "政府保有口座" in flat


def test_annual_report_csv_and_pdf(client: TestClient, artifacts: Path) -> None:
    year = datetime.fromisoformat(
        client.get("/v1/transactions?limit=1").json()["items"][0]["proof"]["timestamp"]
    ).year
    report = client.get(f"/v1/reports/annual/{year}").json()
    rows = list(csv.reader(io.StringIO(client.get(f"/reports/annual/{year}.csv").text)))
    assert rows[0] == ["Registry side", "Kind", "kind", "Transactions", "Quantity"]
    assert [[r[0], r[2], int(r[3]), int(r[4])] for r in rows[1:]] == [
        [t["side"], t["kind"], t["transactions"], t["quantity"]] for t in report["transactions"]
    ]
    assert any(r[1] == "Retirement" for r in rows[1:])
    pdf = artifacts / f"annual-{year}-ja.pdf"
    pdf.write_bytes(client.get(f"/reports/annual/{year}.pdf?lang=ja").content)
    flat = " ".join(_text(pdf).split())
    assert f"登録簿別の年間取引\uff1a{year}年" in flat and "振替" in flat
    assert client.get("/reports/annual/1969.csv").status_code == 422
    assert client.get("/reports/annual/2024.xls").status_code == 422


def test_a_rendered_pdf_is_reused(client: TestClient) -> None:
    first = client.get("/retirements/2.pdf?lang=en").content
    hits = documents.pdf.cache_info().hits
    assert client.get("/retirements/2.pdf?lang=en").content == first
    assert documents.pdf.cache_info().hits == hits + 1
    assert client.get("/retirements/2.pdf?lang=ja").content != first


def test_csv_cells_cannot_become_formulas() -> None:
    text = documents.csv_text(["name"], [['=HYPERLINK("http://x")'], ["-1"], ["plain"]])
    assert text.splitlines() == ["name", '"\'=HYPERLINK(""http://x"")"', "'-1", "plain"]
