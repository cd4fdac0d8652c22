"""raw_trades and raw_fetch_errors, and a range run of raw_ingest_job over a day's exchanges."""
from __future__ import annotations

from hashlib import sha256

import dagster as dg

from assets.partitions import partition_range_tags
from assets.raw.fetch_errors import raw_fetch_errors
from assets.raw.trades import raw_trades
from landing_factory import (DAY, DAY_START_MS, book, books_frame, fetch_error, fetch_errors_frame, levels,
                             trade, trades_frame)
from mmwatch.landing.zone import write_landing
from raw_runs import materialize_raw, read_lake


def test_trades_deduplicated_by_trade_key(data_dir, instance):
    rows = [
        trade(0, 100.0, 0.5, "buy", "t1"),
        trade(0, 100.0, 0.5, "buy", "t1"),  # same id: one trade
        trade(1000, 101.0, 0.25, "sell", None),  # no id: keyed by (ts, price, amount, side)
        trade(1000, 101.0, 0.25, "sell", None),  # the same trade again
        trade(1000, 101.0, 0.25, "buy", None),  # other side: another trade
        trade(0, 100.0, 0.5, "buy", "t1", symbol="ETH/USDT"),  # same id, other market: kept
    ]
    write_landing(data_dir, "trades", DAY, "binance", trades_frame(rows), "collector")
    metadata = materialize_raw(raw_trades, data_dir, f"{DAY}|binance", instance)
    lake = read_lake(data_dir, "raw_trades", DAY, "binance")
    assert lake.height == 4
    assert metadata["duplicates_dropped"] == 2
    hashed = sha256(f"{DAY_START_MS + 1000}|101.0|0.25|sell".encode()).hexdigest()[:16]
    assert set(lake["trade_key"].to_list()) == {"t1", hashed, sha256(f"{DAY_START_MS + 1000}|101.0|0.25|buy".encode()).hexdigest()[:16]}
    assert "| binance spot ETH/USDT | 1 |" in metadata["trades_per_market"]


def test_fetch_errors_kept_once(data_dir, instance):
    rows = [fetch_error(0, "RequestTimeout"), fetch_error(0, "RequestTimeout"), fetch_error(5000, "DDoSProtection")]
    first = write_landing(data_dir, "fetch_errors", DAY, "binance", fetch_errors_frame(rows), "collector")
    again = write_landing(data_dir, "fetch_errors", DAY, "binance", fetch_errors_frame(rows), "collector")
    materialize_raw(raw_fetch_errors, data_dir, f"{DAY}|binance", instance, landing_files=[first])
    metadata = materialize_raw(raw_fetch_errors, data_dir, f"{DAY}|binance", instance, landing_files=[again])
    lake = read_lake(data_dir, "raw_fetch_errors", DAY, "binance")
    assert sorted(lake["error_class"].to_list()) == ["DDoSProtection", "RequestTimeout"]
    assert metadata["rows_written"] == 0 and metadata["duplicates_already_in_lake"] == 2


def test_range_run_covers_exchanges_of_one_day(defs, data_dir, instance, monkeypatch):
    monkeypatch.setenv("MMWATCH_DATA_DIR", str(data_dir.root))  # the definitions' DataDirResource reads it
    okx = write_landing(data_dir, "orderbooks", DAY, "okx",
                        books_frame([book(0, levels((100, 1)), levels((101, 1)), exchange="okx")]), "collector")
    binance = write_landing(data_dir, "orderbooks", DAY, "binance",
                            books_frame([book(0, levels((100, 1)), levels((101, 1))),
                                         book(1000, levels((100, 1)), levels((101, 1)))]), "collector")
    job = defs.resolve_job_def("raw_ingest_job")
    result = job.execute_in_process(
        instance=instance,
        tags=partition_range_tags(DAY, ["okx", "binance"]),
        run_config={"ops": {"raw_orderbooks": {"config": {"landing_files": [str(okx), str(binance)]}}}},
        asset_selection=[dg.AssetKey("raw_orderbooks")],
    )
    assert result.success
    assert read_lake(data_dir, "raw_orderbooks", DAY, "okx").height == 1
    assert read_lake(data_dir, "raw_orderbooks", DAY, "binance").height == 2
    (materialization,) = result.asset_materializations_for_node("raw_orderbooks")[:1]
    assert materialization.metadata["rows_written"].value == 3
    materialized = {m.partition for m in result.asset_materializations_for_node("raw_orderbooks")}
    assert f"{DAY}|binance" in materialized and f"{DAY}|okx" in materialized
