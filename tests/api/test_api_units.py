"""Small pure parts of the API: serial-range arithmetic, deployment and URL parsing, settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from api import ranges
from api.database import normalize_url
from api.indexer import IndexTarget
from api.routes.movements import _prefers_html
from registry_client.models import Deployment
from registry_client.settings import Settings

REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
PROJECTS = "0xa16E02E87b7454126E5E10d957A927A7F5B5d2be"


def test_ranges_merge_split_and_refuse() -> None:
    assert ranges.normalize([(11, 20), (1, 10), (30, 31)]) == [(1, 20), (30, 31)]
    assert ranges.add([(1, 5), (10, 12)], [(6, 9)]) == [(1, 12)]
    assert ranges.subtract([(1, 20)], [(5, 6), (1, 1)]) == [(2, 4), (7, 20)]
    assert ranges.subtract([(1, 5), (6, 9)], [(1, 5)]) == [(6, 9)]
    assert ranges.size([(1, 5), (10, 10)]) == 6
    assert ranges.clip([(1, 5), (8, 20)], 4, 9) == [(4, 5), (8, 9)]
    with pytest.raises(ranges.RangeError, match="overlaps"):
        ranges.add([(1, 5)], [(5, 6)])
    with pytest.raises(ranges.RangeError, match="not held"):
        ranges.subtract([(1, 5)], [(4, 6)])
    with pytest.raises(ranges.RangeError, match="empty"):
        ranges.normalize([(3, 2)])


@given(
    st.lists(st.integers(0, 60), unique=True, max_size=12).map(sorted),
    st.integers(0, 60),
    st.integers(-1, 6),
)
def test_adding_one_range_equals_the_general_merge(
    points: list[int], first: int, size: int
) -> None:
    """The applier's usual case (one range received) takes a shortcut; it must answer what
    merging the whole holding again answers, refusals included."""
    # sorted distinct points taken in pairs: disjoint ranges, adjacent ones merged
    held = ranges.normalize([(points[i], points[i + 1]) for i in range(0, len(points) - 1, 2)])

    def outcome(add: object) -> object:
        try:
            return add()  # type: ignore[operator]
        except ranges.RangeError as exc:
            return type(exc)

    added = [(first, first + size)]
    assert outcome(lambda: ranges.add(held, added)) == outcome(
        lambda: ranges.normalize([*held, *added])
    )


def test_index_target_from_any_deployment(tmp_path: Path) -> None:
    model = Deployment(
        chain_id=31337,
        rpc_url="http://127.0.0.1:8545",
        registry=REGISTRY.lower(),
        projects=PROJECTS,
        block_number=7,
    )
    path = tmp_path / "deployment.json"
    path.write_text(model.to_json(), encoding="utf-8")
    expected = IndexTarget(registry=REGISTRY, projects=PROJECTS, start_block=7, chain_id=31337)
    assert IndexTarget.from_deployment(model) == expected
    assert IndexTarget.from_deployment(path) == expected
    assert IndexTarget.from_deployment(str(path)) == expected
    assert IndexTarget.from_deployment({"registry": REGISTRY}) == IndexTarget(registry=REGISTRY)


def test_database_urls() -> None:
    assert normalize_url("postgresql://u:p@h:5/db") == "postgresql+psycopg://u:p@h:5/db"
    assert normalize_url("postgres://h/db").startswith("postgresql+psycopg://")
    assert normalize_url("sqlite:///x.sqlite3") == "sqlite:///x.sqlite3"
    with pytest.raises(ValueError, match="unsupported"):
        normalize_url("mysql://h/db")


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JCM_DATABASE_URL", "postgresql://h/db")
    monkeypatch.setenv("JCM_CONFIRMATIONS", "12")
    settings = Settings()
    assert (settings.database_url, settings.confirmations) == ("postgresql://h/db", 12)


def test_accept_header_negotiation() -> None:
    assert _prefers_html("text/html,application/xhtml+xml,*/*;q=0.8")
    assert not _prefers_html("application/json, text/html")
    assert not _prefers_html("*/*")
