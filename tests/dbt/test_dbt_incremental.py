"""Day-partitioned incremental marts: rebuilding a day is idempotent and replaces only that day."""
from __future__ import annotations

import shutil

import pytest

from dbt_harness import day_start_ms, query, run_dbt, snapshot, write_lake_orderbooks, write_obligations_csv
from lake_cases import COMPLIANT_BOOK, WIDE_BOOK, ZZZ_OBLIGATION

PREVIOUS_DAY, DAY = "2025-11-19", "2025-11-20"
S = 1000
MARTS = ("fct_orderbook_snapshot_metrics", "int_obligation_snapshots_evaluated",
         "fct_mm_breach_episodes", "fct_mm_compliance_daily")


def books(day: str, timeline: list[tuple[int, tuple]]) -> list[dict]:
    start = day_start_ms(day)
    return [snapshot("binance", "ZZZ/USDT", start + t * S, book[0], book[1]) for t, book in timeline]


def mart_rows(data_dir, day: str) -> dict[str, list[dict]]:
    """Every row of every day-partitioned mart for `day`, in a stable order."""
    return {mart: sorted(query(data_dir, f"select * from {mart} where day = ?", [day]), key=repr)
            for mart in MARTS}


@pytest.fixture(scope="module")
def states(tmp_path_factory):
    """Build D-1 and D, rebuild D unchanged, with shrunk lake data, and with none; keep each state."""
    data_dir = tmp_path_factory.mktemp("dbt_incremental")
    csv_path = write_obligations_csv(data_dir / "obligations.csv", [ZZZ_OBLIGATION])
    write_lake_orderbooks(data_dir, books(PREVIOUS_DAY, [(0, COMPLIANT_BOOK), (10, COMPLIANT_BOOK)]))
    write_lake_orderbooks(data_dir, books(DAY, [(0, COMPLIANT_BOOK), (10, WIDE_BOOK), (20, WIDE_BOOK),
                                                (30, COMPLIANT_BOOK)]))

    def build(day: str | None, command: str = "run") -> None:
        run_dbt(data_dir, [command], {"day": day or "", "obligations_csv": str(csv_path)})

    recorded = {}
    build(PREVIOUS_DAY, "build")  # seeds, models and data tests
    build(DAY)
    recorded["first"] = {d: mart_rows(data_dir, d) for d in (PREVIOUS_DAY, DAY)}
    build(DAY)
    recorded["again"] = {d: mart_rows(data_dir, d) for d in (PREVIOUS_DAY, DAY)}
    # the day's lake data is rewritten smaller (same batch file name, fewer snapshots)
    write_lake_orderbooks(data_dir, books(DAY, [(0, COMPLIANT_BOOK), (10, COMPLIANT_BOOK)]))
    build(DAY)
    recorded["shrunk"] = {d: mart_rows(data_dir, d) for d in (PREVIOUS_DAY, DAY)}
    shutil.rmtree(data_dir / "lake" / "raw_orderbooks" / f"day={DAY}")
    build(DAY)
    recorded["vanished"] = {d: mart_rows(data_dir, d) for d in (PREVIOUS_DAY, DAY)}
    build(None)  # every day found in the lake
    recorded["all_days"] = {d: mart_rows(data_dir, d) for d in (PREVIOUS_DAY, DAY)}
    return recorded


def test_first_build_has_both_days(states):
    first = states["first"]
    assert len(first[PREVIOUS_DAY]["fct_orderbook_snapshot_metrics"]) == 2
    assert len(first[DAY]["fct_orderbook_snapshot_metrics"]) == 4
    assert len(first[DAY]["fct_mm_breach_episodes"]) == 1  # N@10 N@20 ended by C@30


def test_rebuilding_a_day_gives_identical_rows(states):
    assert states["again"] == states["first"]


def test_rebuild_after_lake_change_replaces_that_day_only(states):
    shrunk = states["shrunk"]
    assert shrunk[PREVIOUS_DAY] == states["first"][PREVIOUS_DAY]
    assert len(shrunk[DAY]["fct_orderbook_snapshot_metrics"]) == 2
    assert shrunk[DAY]["fct_mm_breach_episodes"] == []  # the stale episode is gone
    [daily] = shrunk[DAY]["fct_mm_compliance_daily"]
    assert (daily["usable_snapshots"], daily["uptime_pct"], daily["breach_episodes"]) == (2, 100.0, 0)


def test_day_without_lake_data_keeps_no_stale_rows(states):
    vanished = states["vanished"]
    assert vanished[PREVIOUS_DAY] == states["first"][PREVIOUS_DAY]
    assert vanished[DAY]["fct_orderbook_snapshot_metrics"] == []
    assert vanished[DAY]["fct_mm_breach_episodes"] == []
    # the built day still has its row per obligation: no data, coverage 0
    [daily] = vanished[DAY]["fct_mm_compliance_daily"]
    assert (daily["coverage_pct"], daily["usable_snapshots"], daily["verdict"]) == (0.0, 0, "insufficient_data")


def test_build_without_day_covers_every_lake_day(states):
    all_days = states["all_days"]
    assert all_days[PREVIOUS_DAY] == states["first"][PREVIOUS_DAY]
    # D has no lake data any more, so without `day` it is not a reported day
    assert all(rows == [] for rows in all_days[DAY].values())

