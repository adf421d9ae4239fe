"""``make bench``'s own bookkeeping (``bench.run``): its whole time against the issue's limit, and
the Go tools built beside the histories."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import index_api, run


def _results(*cached: bool) -> index_api.IndexApiResults:
    results = index_api.IndexApiResults()
    for n, from_cache in zip((5_000, 50_000, 500_000), cached, strict=False):
        results.sizes[n] = index_api.SizeResult(n, 1.0, {"events": 2 * n}, cached=from_cache)
    return results


def test_make_bench_time_is_met_under_25_minutes_and_says_whether_it_built_the_histories() -> None:
    fresh = run.make_bench_target(24.5 * 60, _results(False, False, False))
    assert (fresh.met, fresh.value, fresh.name) == (
        True,
        "24.5 min",
        "make bench, install included (histories built)",
    )
    slow = run.make_bench_target(25 * 60, _results(False, True, False))
    assert not slow.met
    assert slow.name == "make bench, install included (histories from the cache)"


def test_a_tool_build_that_fails_stops_the_run_with_its_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "install-good.sh").write_text("echo built\n", encoding="utf-8")
    (tools / "install-bad.sh").write_text("echo 'no Go here' >&2; exit 3\n", encoding="utf-8")
    monkeypatch.setattr(run, "ROOT", tmp_path)
    run.ToolBuilds(["good"]).wait()
    with pytest.raises(RuntimeError, match=r"tools/install-bad.sh failed: no Go here"):
        run.ToolBuilds(["good", "bad"]).wait()
