"""Re-runs and later runs of a data-set asset extend their partition without duplicates; a dead
venue is a recorded fetch failure while the other venues' data is complete."""
from __future__ import annotations

import polars as pl

from datasets_runs import materialize, write_config
from lake_reader import metadata, read_table


def _files(data_dir, table: str) -> int:
    return len(list((data_dir / "lake" / table).glob("day=*/exchange=*/*.parquet")))


def test_rerun_adds_nothing_and_a_later_run_extends_the_partition(sim, scenario, tmp_path):
    from assets.market_data.open_interest import raw_open_interest
    from assets.market_data.tickers import raw_tickers

    config = write_config(tmp_path / "config.yaml", scenario, sim.url)
    data_dir = tmp_path / "data"
    exchanges = ["kucoinfutures", "okx"]  # adjacent partitions: the run covers exactly these
    t0 = scenario.day_start_ms + 2 * 3_600_000  # 02:00
    sim.set_clock(t0)
    first = materialize([raw_tickers, raw_open_interest], data_dir, config, exchanges)
    oi_first = read_table(data_dir, "raw_open_interest")
    tickers_first = read_table(data_dir, "raw_tickers")
    again = materialize([raw_tickers, raw_open_interest], data_dir, config, exchanges)  # same instant
    assert metadata(again, "raw_open_interest")["rows_added"] == 0 and metadata(again, "raw_tickers")["rows_added"] == 0
    assert read_table(data_dir, "raw_open_interest").sort(pl.all()).equals(oi_first.sort(pl.all()))
    sim.set_clock(t0 + 5 * 60_000)
    materialize([raw_tickers, raw_open_interest], data_dir, config, exchanges)
    oi = read_table(data_dir, "raw_open_interest")
    history = oi.filter(pl.col("kind") == "history_5m")
    assert history.group_by("exchange", "symbol").len()["len"].to_list() == [2 * 12 + 2] * 6  # 00:00 .. 02:05
    assert history.select("exchange", "symbol", "ts").is_duplicated().sum() == 0
    assert read_table(data_dir, "raw_tickers").height == 2 * tickers_first.height == 2 * 9
    assert _files(data_dir, "raw_open_interest") == 2  # one file per partition, replaced on every merge
    assert metadata(first, "raw_open_interest")["fetch_failures"] == []


def test_dead_venue_is_a_recorded_failure_and_the_others_complete(sim, scenario, tmp_path):
    from assets.market_data.funding import raw_funding

    config = write_config(tmp_path / "config.yaml", scenario, sim.url)
    data_dir = tmp_path / "data"
    sim.set_clock(scenario.day_start_ms + 3 * 3_600_000)
    sim.set_down("gate", 503)
    try:
        result = materialize([raw_funding], data_dir, config, ["bybit", "gate"])
    finally:
        sim.set_down("gate", None)
    assert result.success
    rows = read_table(data_dir, "raw_funding")
    assert {(e, n) for e, n in rows.group_by("exchange").len().iter_rows()} == {("bybit", 3)}
    failures = metadata(result, "raw_funding")["fetch_failures"]
    assert len(failures) == 1 and failures[0].startswith("gate: markets did not load: ExchangeNotAvailable")


def test_a_venue_not_configured_for_a_data_set_is_a_note(sim, scenario, tmp_path):
    from assets.market_data.ohlcv import raw_ohlcv_1m

    config = write_config(tmp_path / "config.yaml", scenario, sim.url, bybit={"datasets": ["orderbooks", "trades"]})
    sim.set_clock(scenario.day_start_ms + 600_000)
    result = materialize([raw_ohlcv_1m], tmp_path / "data", config, ["bybit", "gate"])
    assert "bybit: skipped, its config does not list ohlcv" in metadata(result, "raw_ohlcv_1m")["skipped"]
    assert set(read_table(tmp_path / "data", "raw_ohlcv_1m")["exchange"]) == {"gate"}
