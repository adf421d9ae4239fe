"""The explorer in Japanese and English: the catalogue covers every message, the language is chosen
from ``lang``, the cookie and ``Accept-Language``, and every page answers in both."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from api import i18n
from registry_client.models import AccountKind
from support.api_chain import REPO, Chain

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@pytest.fixture(autouse=True)
def _forget_the_language(client: TestClient) -> Iterator[None]:
    """``?lang=`` sets a cookie on the session's shared client: drop it after each test."""
    yield
    client.cookies.clear()


def _extracted() -> set[str]:
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    keywords = {"_": None, "gettext": None, "N_": None}
    return {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(REPO / "api"), method_map, options, keywords=keywords
        )
    }


def test_every_message_has_a_japanese_translation_with_the_same_placeholders() -> None:
    path = i18n.LOCALE_DIR / "ja" / "LC_MESSAGES" / "messages.po"
    with Path(path).open("rb") as po:
        catalog = read_po(po, locale="ja")
    translated = {m.id: m.string for m in catalog if m.id and not m.fuzzy}
    messages = _extracted()
    assert len(messages) > 150
    missing = sorted(m for m in messages if not translated.get(m))
    assert not missing, f"no Japanese for {missing}"
    for msgid in messages:
        assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(translated[msgid])), msgid
    stale = sorted(set(translated) - messages)
    assert not stale, f"catalogue entries no template or module uses: {stale}"


def test_account_kinds_use_the_registry_s_japanese_terms() -> None:
    ja = i18n.translations("ja")
    for kind in ("holding", "government_holding", "retirement", "cancellation"):
        term = AccountKind[kind.upper()].japanese
        assert ja.gettext(i18n.label_msgid(kind, account_kind=True)) == term
    assert [AccountKind[k].japanese for k in ("HOLDING", "GOVERNMENT_HOLDING")] == [
        "法人等保有口座",
        "政府保有口座",
    ]
    assert ja.gettext(i18n.label_msgid("transfer")) == "振替"
    assert ja.gettext(i18n.label_msgid("retirement")) == "無効化"
    assert ja.gettext(i18n.label_msgid("cancellation")) == "取消"
    assert ja.gettext("Account kind") == "口座種別"


def test_every_enum_value_of_the_api_has_words() -> None:
    """Each value a page can show (kinds, statuses, purposes, reasons, ...) has a label."""
    from typing import get_args

    from api import models
    from registry_client.domain import KeyOf

    literals = [
        models.AccountKindName,
        models.AccountStatusName,
        models.AuthorizationName,
        models.PurposeName,
        models.ReasonName,
        models.MovementKind,
        models.Location,
        models.DecisionOut.model_fields["kind"].annotation,
        models.Health.model_fields["status"].annotation,
        models.PauseOut.model_fields["kind"].annotation,
        models.CountryProposalOut.model_fields["status"].annotation,
        models.RoleName,
        models.DefinitionName,
    ]
    values: set[str] = set()
    for literal in literals:
        # Enums of the contracts are Annotated[str, KeyOf(...)] (registry_client.domain); the
        # API's own ones are Literals.
        for arg in get_args(literal):
            if isinstance(arg, KeyOf):
                values.update(arg.keys)
            elif isinstance(arg, str):
                values.add(arg)
    assert len(values) > 25
    missing = sorted(v for v in values if i18n.label_msgid(v) == v.replace("_", " "))
    assert not missing, f"no label for {missing}"


@pytest.mark.parametrize(
    ("query", "cookie", "accept", "chosen"),
    [
        (None, None, None, "en"),
        (None, None, "ja-JP,ja;q=0.9,en;q=0.8", "ja"),
        (None, None, "ja", "ja"),
        (None, None, "fr-FR, en;q=0.5, ja;q=0.7", "ja"),
        (None, None, "de, fr", "en"),
        (None, None, "ja;q=0, en", "en"),
        (None, None, "ja;q=nonsense, en", "en"),
        (None, "ja", "en", "ja"),
        ("en", "ja", "ja", "en"),
        ("xx", "ja", None, "ja"),
        ("JA", None, None, "ja"),
    ],
)
def test_language_choice(
    query: str | None, cookie: str | None, accept: str | None, chosen: str
) -> None:
    assert i18n.choose(query, cookie, accept) == chosen


def test_an_unknown_locale_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported locale"):
        i18n.translations("fr")


def _pages(client: TestClient, chain: Chain) -> list[str]:
    mitsui = chain.roles["mitsui"]
    tx_hash = client.get("/v1/transactions?limit=1").json()["items"][0]["proof"]["tx_hash"]
    return [
        "/",
        "/countries",
        "/countries/ID",
        "/countries/JP",
        "/projects",
        "/projects/ID013",
        "/batches/1",
        "/accounts",
        f"/accounts/{mitsui}",
        "/movements?kind=retirement",
        "/retirements",
        "/retirements/1",
        "/cancellations",
        "/cancellations/1",
        "/serials/520",
        f"/transactions/{tx_hash}",
        "/reports",
        "/governance",
        "/about/health",
    ]


def test_every_page_answers_in_both_languages(client: TestClient, seeded_chain: Chain) -> None:
    for url in _pages(client, seeded_chain):
        english = client.get(url, headers={"Accept-Language": "en-GB,en;q=0.9"})
        japanese = client.get(url, headers={"Accept-Language": "ja-JP,ja;q=0.9"})
        for response, lang in ((english, "en"), (japanese, "ja")):
            assert response.status_code == 200, (url, lang)
            assert f'<html lang="{lang}">' in response.text, (url, lang)
            assert response.headers["content-language"] == lang
        assert "JCM登録簿エクスプローラー" in japanese.text, url
        assert "JCM registry explorer" in english.text, url
        assert english.text != japanese.text


def test_japanese_pages_use_the_domain_s_terms(client: TestClient, seeded_chain: Chain) -> None:
    ja = {"Accept-Language": "ja"}
    account = client.get(f"/accounts/{seeded_chain.roles['mitsui']}", headers=ja).text
    assert "口座種別" in account and "法人等保有口座" in account
    certificate = client.get("/retirements/1", headers=ja).text
    assert "無効化証明書 第1号" in certificate
    assert 'id="certificate-qr" src="data:image/svg+xml' in certificate
    assert "取消証明書 第1号" in client.get("/cancellations/1", headers=ja).text
    movements = client.get("/movements?kind=transfer", headers=ja).text
    assert "振替" in movements
    accounts = client.get("/accounts?kind=government_holding", headers=ja).text
    assert "政府保有口座" in accounts
    types = client.get("/reports", headers=ja).text
    assert "無効化口座" in types and "取消口座" in types
    assert 'id="chart-account-types"' in types
    assert '<text x="0" y="16">政府保有口座</text>' in types
    indonesia = client.get("/countries/ID", headers=ja).text
    assert "インドネシア" in indonesia


def test_the_switch_keeps_the_language_in_a_cookie(client: TestClient) -> None:
    client.cookies.clear()
    try:
        switched = client.get("/batches/1?lang=ja", headers={"Accept-Language": "en"})
        assert '<html lang="ja">' in switched.text
        assert "lang=ja" in switched.headers["set-cookie"]
        assert 'href="/batches/1?lang=en"' in switched.text
        later = client.get("/projects/ID013", headers={"Accept-Language": "en"})
        assert '<html lang="ja">' in later.text
        back = client.get("/projects/ID013?lang=en")
        assert '<html lang="en">' in back.text
    finally:
        client.cookies.clear()


def test_movements_show_holder_names(client: TestClient, seeded_chain: Chain) -> None:
    mitsui = seeded_chain.roles["mitsui"]
    moved = client.get("/v1/transactions", params={"account": mitsui}).json()["items"]
    assert moved and all(
        m["to_name"] == "Mitsui & Co., Ltd." or m["from_name"] == "Mitsui & Co., Ltd."
        for m in moved
    )
    page = client.get(f"/movements?account={mitsui}").text
    assert f'title="{mitsui}">Mitsui &amp; Co., Ltd.</a>' in page


def test_every_total_links_to_the_rows_behind_it(client: TestClient) -> None:
    stats = client.get("/v1/stats").json()
    index = client.get("/?lang=en").text
    for kinds, total in (
        ("kind=issuance", stats["totals"]["issued"]),
        ("kind=retirement", stats["totals"]["retired"]),
        ("kind=cancellation&amp;kind=correction", stats["totals"]["cancelled"]),
    ):
        assert f'href="/movements?{kinds}">{total:,}</a>' in index
        rows = client.get(f"/movements?{kinds.replace('&amp;', '&')}&lang=en").text
        assert f"Total quantity of these movements: {total:,}" in rows
    for side in stats["by_side"]:
        if side["retired"]:
            behind = client.get("/v1/retirements", params={"side": side["side"], "limit": 500})
            assert sum(r["quantity"] for r in behind.json()["items"]) == side["retired"]
            assert f'href="/retirements?side={side["side"]}">{side["retired"]:,}</a>' in index


@pytest.mark.parametrize(
    ("query", "target"),
    [
        ("R-1", "/retirements/1"),
        ("retirement 2", "/retirements/2"),
        ("C-1", "/cancellations/1"),
        ("取消 1", "/cancellations/1"),
        ("id", "/countries/ID"),
        ("Indonesia", "/countries/ID"),
        ("インドネシア", "/countries/ID"),
        ("JP", "/countries/JP"),
        ("Mitsui", None),
        ("Mitsui & Co., Ltd.", None),
    ],
)
def test_search_reaches_records_countries_and_holders(
    client: TestClient, seeded_chain: Chain, query: str, target: str | None
) -> None:
    expected = target or f"/accounts/{seeded_chain.roles['mitsui']}"
    response = client.get("/search", params={"q": query}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == expected


def test_every_link_of_the_explorer_leads_somewhere(client: TestClient) -> None:
    """Follow every explorer link from the overview (breadth first, in Japanese): each answers
    200, so no figure links to a page that does not exist."""
    href = re.compile(r'href="(/[^"#]*)')
    seen: set[str] = set()
    queue = ["/?lang=ja"]
    while queue and len(seen) < 400:
        url = queue.pop(0).replace("&amp;", "&")
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code == 200, url
        if not response.headers["content-type"].startswith("text/html"):
            continue
        for link in href.findall(response.text):
            if not link.startswith(("/v1/", "/docs", "/static/")) and "lang=" not in link:
                queue.append(link)
    kinds = {url.split("?")[0].split("/")[1] for url in seen}
    assert {
        "countries", "projects", "batches", "accounts", "movements", "retirements",
        "cancellations", "serials", "transactions", "reports", "governance", "about",
    } <= kinds  # fmt: skip
