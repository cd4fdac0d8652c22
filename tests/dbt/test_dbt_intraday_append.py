"""Appending refreshes (MMWATCH_DBT_APPEND=1) recompute only what is new, and every table they
leave equals a whole-day rebuild of the same lake (tests/dbt/intraday_batches.py: the batches)."""
from __future__ import annotations

import pytest

from dbt_harness import day_start_ms, query, run_dbt, write_obligations_csv
from intraday_batches import DAY, NOON, OBLIGATIONS, PREVIOUS_DAY, S, write_batch, write_history
from warehouse_rows import BOOKKEEPING, same_rows, table_rows

SEEDS = ("mm_obligations", "market_settings", "taker_fees", "usd_stable_quotes")
M = 60 * S


def _tables(data_dir) -> dict[str, list[dict]]:
    return table_rows(data_dir, BOOKKEEPING + SEEDS)


def _log_lines(data_dir, after) -> dict[str, dict[str, int | None]]:
    """{run: {model: from_ts}} of the refresh log lines of DAY written after `after`, run by run."""
    lines = query(data_dir, "select model, refreshed_at, from_ts from _mart_refreshes "
                            "where day = ? and refreshed_at > ? order by refreshed_at", [DAY, after])
    runs: dict = {}
    for line in lines:
        runs.setdefault(line["refreshed_at"], {})[line["model"]] = line["from_ts"]
    return runs


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory):
    """The day before built whole; DAY refreshed after each of 5 batches and once more with nothing
    new, appending; then DAY rebuilt whole from the same lake."""
    data_dir = tmp_path_factory.mktemp("dbt_append")
    csv_path = write_obligations_csv(data_dir / "obligations.csv", OBLIGATIONS)
    write_history(data_dir)
    run_dbt(data_dir, ["seed"], {})
    run_dbt(data_dir, ["run"], {"day": PREVIOUS_DAY, "obligations_csv": str(csv_path)})
    [start] = query(data_dir, "select max(refreshed_at) as at from _mart_refreshes")
    dbt_vars = {"day": DAY, "obligations_csv": str(csv_path)}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MMWATCH_DBT_APPEND", "1")
        for number in (1, 2, 3, 4, 5):
            write_batch(data_dir, number)
            run_dbt(data_dir, ["run"], dbt_vars)
        run_dbt(data_dir, ["run"], dbt_vars)  # nothing new
    appended, runs = _tables(data_dir), _log_lines(data_dir, start["at"])
    run_dbt(data_dir, ["run"], dbt_vars)
    return appended, list(runs.values()), _tables(data_dir)


def test_every_table_equals_a_whole_day_rebuild(refreshed):
    appended, _, rebuilt = refreshed
    assert appended.keys() == rebuilt.keys()
    assert len(appended) == 29  # the 24 marts and 5 intermediate tables
    for table, rows in rebuilt.items():
        assert same_rows(appended[table], rows), table
    for table in ("fct_orderbook_snapshot_metrics", "fct_trades_minute", "fct_mm_breach_episodes",
                  "fct_perp_basis_minute", "fct_open_interest", "fct_fund_flow", "fct_contract_stats",
                  "fct_long_short_ratio", "fct_arbitrage_opportunities", "fct_indicators_hourly", "fct_book_levels"):
        assert rebuilt[table], f"{table} has no row: the case does not exercise it"


def test_the_first_refresh_of_the_day_builds_it_whole(refreshed):
    first = refreshed[1][0]
    assert first["fct_orderbook_snapshot_metrics"] is None and first["fct_mm_compliance_daily"] is None
    assert first["raw_orderbooks"] == NOON  # the lake's first file of the day, from its first book


def test_each_refresh_starts_at_the_earliest_new_row(refreshed):
    _, (_, second, third, fourth, fifth), _ = refreshed
    # batch 2: its earliest book is the repeated ETH/BTC snapshot of 12:01:05
    assert second["raw_orderbooks"] == second["fct_orderbook_snapshot_metrics"] == NOON + 65 * S
    assert second["int_obligation_snapshots_evaluated"] == NOON + 65 * S
    assert second["fct_liquidity_minute"] == second["int_lake_rows_counted"] == NOON + M
    assert second["raw_trades"] == NOON + 90_500  # the late trade
    assert second["int_trades_usd_rated"] == NOON + 65 * S  # the rates of trades after a changed book
    assert second["raw_fetch_errors"] == NOON + 195 * S
    # batch 3: the late BTC/USDT book of 12:03:52; the repeated trade of 12:00:17; the funding of 12:03 again
    assert third["fct_orderbook_snapshot_metrics"] == NOON + 232 * S
    assert third["fct_cross_venue_minute"] == third["int_spot_minutes_usd_quoted"] == NOON + 3 * M
    assert third["raw_trades"] == NOON + 17 * S and third["fct_candles_1h"] == NOON
    assert third["raw_funding"] == NOON + 200 * S  # the merged file's rows received after the last ones
    # batch 4: the next minute, in order: everything from 12:06; breach episodes resumed, not the day
    assert fourth["fct_orderbook_snapshot_metrics"] == NOON + 360 * S
    assert fourth["fct_trades_minute"] == fourth["fct_liquidity_minute"] == NOON + 6 * M
    # batch 5: only a funding reading of 12:07: the books' marts have nothing to do
    assert fifth["raw_funding"] == NOON + 440 * S and fifth["fct_perp_basis_minute"] == NOON + 7 * M
    assert fifth["fct_open_interest"] == NOON + 440 * S
    assert "fct_orderbook_snapshot_metrics" not in fifth and "fct_trades_minute" not in fifth
    # day-level rollups rebuild their day from the small marts whenever an input changed
    assert second["fct_liquidity_daily"] is None and second["fct_data_coverage_daily"] is None
    assert fourth["raw_fetch_errors"] == NOON + 365 * S  # a streamed book's interval, landed when it ended


def test_a_refresh_with_nothing_new_writes_nothing(refreshed):
    runs = refreshed[1]
    assert len(runs) == 5  # the sixth run wrote no log line: no table was touched


def test_late_rows_rate_and_breach_like_a_rebuild(refreshed):
    appended = refreshed[0]
    rated = {row["ts"]: row for row in appended["fct_orderbook_snapshot_metrics"] if row["symbol"] == "ETH/BTC"}
    assert rated[NOON + 235 * S]["usd_rate"] == 50_500.0  # priced by the late BTC/USDT book of 12:03:52
    assert rated[NOON + 225 * S]["usd_rate"] == 50_000.0 + 22  # the 12:03:40 book (mid 50,022), before it
    assert len([ts for ts in rated if ts == NOON + 65 * S]) == 1  # the repeated snapshot counts once
    [trade] = [row for row in appended["int_trades_usd_rated"] if row["trade_key"] == "e-236"]
    assert trade["usd_rate"] == 50_500.0  # rated in batch 2 by the 12:03:50 book, again after batch 3
    [episode] = [row for row in appended["fct_mm_breach_episodes"] if row["day"].isoformat() == DAY
                 and row["obligation_id"] == "o-zzz"]
    # wide from 12:01:30 (batch 1) to 12:02:30 (batch 2), the late 12:01:55 among them; compliant at 12:02:40
    assert (episode["start_ts"], episode["end_ts"], episode["snapshots"]) == (NOON + 90 * S, NOON + 160 * S, 8)
    minutes = {row["minute"].minute: row for row in appended["fct_trades_minute"] if row["symbol"] == "BTC/USDT"
               and row["day"].isoformat() == DAY and row["minute"].hour == 12}
    assert minutes[1]["close"] == 50_119.0 and minutes[2]["open"] == 50_121.0  # across the minute boundary
    assert minutes[1]["trade_count"] == 6  # 12:01:02, :17, :30.5 (late), :32, :47, :59.9
    [coverage] = [row for row in appended["fct_data_coverage_daily"] if row["symbol"] == "ZZZ/USDT"
                  and row["dataset"] == "orderbooks"]
    assert (coverage["received_samples"], coverage["usable_samples"]) == (44, 43)  # 42 + late + crossed
    [streamed] = [row for row in appended["fct_data_coverage_daily"] if row["symbol"] == "BTC/USDT"
                  and row["exchange"] == "binance" and row["dataset"] == "orderbooks" and row["day"].isoformat() == DAY]
    assert (streamed["stream_out_of_sync_events"], streamed["stream_unsynced_s"]) == (1, 15.0)  # batch 4's interval
    # ETH/BTC's depth (4.99 BTC) is under 249,800 USD below a rate of 50,060: in breach from 12:04:05
    # to the end, an episode that ran to the end of batches 3 and 4 and was carried on each time
    ethbtc = [row for row in appended["fct_mm_breach_episodes"] if row["obligation_id"] == "o-ethbtc"]
    last = max(ethbtc, key=lambda row: row["episode_number"])
    assert (last["start_ts"], last["last_breach_ts"], last["snapshots"], last["ended_by"]) == (
        NOON + 245 * S, NOON + 415 * S, 18, "end_of_day")
    # fct_book_levels keeps its levels where it starts and where it ends now, not where it ended after
    # batch 3 (12:05:55, then the last snapshot), nor batch 2's end of the o-zzz episode
    bounds = {(row["ts"], row["breach_start_of"], row["breach_end_of"]) for row in appended["fct_book_levels"]
              if row["symbol"] in ("ETH/BTC", "ZZZ/USDT") and (row["breach_start_of"] or row["breach_end_of"])}
    ethbtc_bounds = {(e["start_ts"], "o-ethbtc", None) for e in ethbtc} | {
        (e["end_ts"], None, "o-ethbtc") for e in ethbtc}
    assert bounds == ethbtc_bounds | {(NOON + 90 * S, "o-zzz", None), (NOON + 160 * S, None, "o-zzz")}
    assert (NOON + 355 * S, None, "o-ethbtc") not in bounds


def test_indicators_resume_after_the_day_before(refreshed):
    candles = [row for row in refreshed[0]["fct_indicators_hourly"] if row["symbol"] == "BTC/USDT"]
    assert [row["candle_index"] for row in sorted(candles, key=lambda row: row["candle_start"])] == list(range(1, 38))
    assert day_start_ms(DAY) < NOON
