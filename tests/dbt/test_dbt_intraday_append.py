"""Intraday runs (MMWATCH_DBT_APPEND=1) compute only the snapshots fct_orderbook_snapshot_metrics
does not hold yet and keep the day's rows: the marts must equal a whole-day rebuild of the same lake."""
from __future__ import annotations

import pytest

from dbt_harness import day_start_ms, query, run_dbt, snapshot, write_lake_orderbooks, write_obligations_csv
from lake_cases import COMPLIANT_BOOK, WIDE_BOOK, ZZZ_OBLIGATION

DAY, S = "2025-11-20", 1000
MARTS = ("fct_orderbook_snapshot_metrics", "int_obligation_snapshots_evaluated",
         "fct_mm_breach_episodes", "fct_mm_compliance_daily")
COMPILED = ("dbt_target", "compiled", "mmwatch", "models", "marts", "fct_orderbook_snapshot_metrics.sql")


def _book(symbol: str, t: int, book: tuple) -> dict:
    return snapshot("binance", symbol, day_start_ms(DAY) + t * S, book[0], book[1])


BTC_USDT = ([(50_000.0, 1.0)], [(50_010.0, 1.0)])
ETH_BTC = ([(0.05, 10.0)], [(0.0501, 10.0)])


def _rows(data_dir) -> dict[str, list[dict]]:
    return {mart: sorted(query(data_dir, f"select * from {mart} where day = ?", [DAY]), key=repr) for mart in MARTS}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The day built whole from batch 1, then batch 2 lands: an appending run, then a whole-day rebuild."""
    data_dir = tmp_path_factory.mktemp("dbt_append")
    csv_path = write_obligations_csv(data_dir / "obligations.csv", [ZZZ_OBLIGATION])
    dbt_vars = {"day": DAY, "obligations_csv": str(csv_path)}
    write_lake_orderbooks(data_dir, [_book("ZZZ/USDT", 0, COMPLIANT_BOOK), _book("ZZZ/USDT", 10, WIDE_BOOK),
                                     _book("BTC/USDT", 0, BTC_USDT), _book("ETH/BTC", 5, ETH_BTC)])
    run_dbt(data_dir, ["build"], dbt_vars)
    before = _rows(data_dir)
    repeated = {**_book("ZZZ/USDT", 10, WIDE_BOOK), "received_ts": day_start_ms(DAY) + 90 * S}  # same id, later copy
    write_lake_orderbooks(data_dir, [repeated, _book("ZZZ/USDT", 20, WIDE_BOOK), _book("ZZZ/USDT", 30, COMPLIANT_BOOK),
                                     _book("ETH/BTC", 35, ETH_BTC)], batch="batch-0002")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MMWATCH_DBT_APPEND", "1")
        run_dbt(data_dir, ["run", "--select", "+fct_mm_compliance_daily", "+fct_mm_breach_episodes"], dbt_vars)
    appended, appended_sql = _rows(data_dir), data_dir.joinpath(*COMPILED).read_text()
    run_dbt(data_dir, ["run", "--select", "+fct_mm_compliance_daily", "+fct_mm_breach_episodes"], dbt_vars)
    return before, appended, appended_sql, _rows(data_dir), data_dir.joinpath(*COMPILED).read_text()


def test_the_appending_run_took_the_append_path_and_the_rebuild_did_not(built):
    _, _, appended_sql, _, rebuilt_sql = built
    assert "snapshot_id not in (select snapshot_id from" in appended_sql and "union all by name" in appended_sql
    assert "not in (select snapshot_id" not in rebuilt_sql and "union all by name" not in rebuilt_sql


def test_appending_gives_the_rows_of_a_whole_day_rebuild(built):
    before, appended, _, rebuilt, _ = built
    assert appended == rebuilt
    snapshots = appended["fct_orderbook_snapshot_metrics"]
    # 4 + 3 new snapshots: the repeated id counts once, and the kept rows are the ones built before
    assert len(snapshots) == 7 and len({row["snapshot_id"] for row in snapshots}) == 7
    assert all(row in snapshots for row in before["fct_orderbook_snapshot_metrics"])
    # ETH/BTC priced through BTC/USDT's mid (50,005) in both batches
    assert sorted(row["usd_rate"] for row in snapshots if row["symbol"] == "ETH/BTC") == [50_005.0, 50_005.0]
    [episode] = appended["fct_mm_breach_episodes"]  # wide at 10 and 20, ended by the compliant book at 30
    assert episode["duration_s"] == pytest.approx(20.0)
