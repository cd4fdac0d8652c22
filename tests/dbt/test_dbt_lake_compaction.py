"""Compaction changes how a closed day is stored, never what the marts say (issue 15, bounded disk).

A day of two venues (five markets: books every minute with a thin morning, trades, fetch errors,
invalid books, books and trades sent again in the next batch) goes through the raw batch path in
24 hourly runs, so every partition holds 24 batch files; every mart is built with the real dbt,
then every partition is compacted to one file sorted by (symbol, ts), the marts are built again, and
every table dbt builds is compared row for row: every value equal, doubles to 1e-12 relative (the
order rows are summed in changes the last bits of a sum, as between two builds of the same files).
"""
from __future__ import annotations

import polars as pl
import pytest

from assets.raw.fetch_errors import FETCH_ERRORS
from assets.raw.orderbooks import ORDERBOOKS
from assets.raw.trades import TRADES
from dbt_harness import run_dbt, write_obligations_csv
from mmwatch.lake.compaction import compact_partition, partitions_to_compact
from mmwatch.lake.files import lake_file_kind, lake_files
from mmwatch.lake.raw_partition import materialize_partition
from mmwatch.landing.zone import LandingFile, write_landing
from mmwatch.settings import DataDir
from thin_morning_day import landing_factory
from warehouse_rows import same_rows, table_rows

lf = landing_factory()
DAY, HOUR = lf.DAY, 3_600_000
MARKETS = {"binance": [("spot", "BTC/USDT"), ("spot", "ETH/USDT"), ("spot", "SOL/USDT")],
           "okx": [("spot", "BTC/USDT"), ("swap", "BTC/USDT:USDT")]}
TABLES = (ORDERBOOKS, TRADES, FETCH_ERRORS)


def _books(exchange: str, hour: int) -> list[dict]:
    rows = []
    for number, (market_type, symbol) in enumerate(MARKETS[exchange]):
        mid = 100.0 * (number + 1)
        for minute in range(hour * 60, hour * 60 + 60):
            depth = 1 if hour < 6 else 400  # thin mornings breach the depth obligations
            bids = lf.levels((mid - 0.05 * (1 + minute % 3), depth), (mid - 0.2, depth * 2))
            asks = lf.levels((mid + 0.05, depth), (mid + 0.3, depth))
            if minute % 97 == 0:
                bids = lf.levels((mid + 1, 1))  # crossed: invalid, kept with its reason
            rows.append(lf.book(minute * 60_000 + number * 7, bids, asks, exchange=exchange, symbol=symbol,
                                market_type=market_type))
    return rows


def _trades(exchange: str, hour: int) -> list[dict]:
    rows = []
    for number, (market_type, symbol) in enumerate(MARKETS[exchange]):
        for index in range(40):
            ts = hour * HOUR + index * 90_000 + number
            rows.append({**lf.trade(ts, 100.0 * (number + 1) + index % 5 * 0.01, 0.5 + index % 3, "buy" if index % 2 else "sell",
                                    f"{symbol}-{ts}" if index % 4 else None, exchange=exchange, symbol=symbol),
                         "market_type": market_type})
    return rows


def _land(data_dir: DataDir, dataset: str, exchange: str, rows: list[dict]) -> LandingFile:
    frame = {"orderbooks": lf.books_frame, "trades": lf.trades_frame, "fetch_errors": lf.fetch_errors_frame}[dataset](rows)
    return LandingFile.parse(write_landing(data_dir, dataset, DAY, exchange, frame, "collector"))


def _feed_day(data_dir: DataDir) -> None:
    """24 hourly batch runs per partition; each batch repeats the last book and trades of the one before."""
    for exchange in MARKETS:
        previous: dict[str, list[dict]] = {"orderbooks": [], "trades": []}
        for hour in range(24):
            rows = {"orderbooks": _books(exchange, hour), "trades": _trades(exchange, hour),
                    "fetch_errors": [lf.fetch_error(hour * HOUR + 1234, "RequestTimeout", exchange=exchange)]}
            for table in TABLES:
                again = previous.get(table.dataset, [])[-3:]
                file = _land(data_dir, table.dataset, exchange, again + rows[table.dataset])
                materialize_partition(table, data_dir, DAY, exchange, [file])
            previous = rows


def _lake_rows(data_dir: DataDir, table: str) -> list[str]:
    return sorted(repr(row) for exchange in MARKETS
                  for row in pl.concat([pl.read_parquet(f) for f in lake_files(data_dir, table, DAY, exchange)]).rows())


@pytest.fixture(scope="module")
def compacted(tmp_path_factory):
    data_dir = DataDir.from_env(tmp_path_factory.mktemp("compaction") / "data").ensure()
    _feed_day(data_dir)
    csv_path = write_obligations_csv(data_dir.root / "obligations.csv", [
        {"obligation_id": f"o-{exchange}-{number}", "mm_name": "MM", "exchange": exchange, "market_type": market_type,
         "symbol": symbol, "valid_from": "2025-01-01", "max_spread_bps": 50, "depth_band_bps": 100,
         "min_depth_usd": 1000, "min_uptime_pct": 90}
        for exchange, markets in MARKETS.items() for number, (market_type, symbol) in enumerate(markets)])
    dbt_vars = {"day": DAY, "obligations_csv": str(csv_path)}
    run_dbt(data_dir.root, ["build"], dbt_vars)
    before = table_rows(data_dir.root), {t.name: _lake_rows(data_dir, t.name) for t in TABLES}
    files_before = {t.name: len(lake_files(data_dir, t.name, DAY, "binance")) for t in TABLES}
    done = [compact_partition(table, data_dir, day, exchange) for table in TABLES
            for day, exchange in partitions_to_compact(data_dir, table.name, DAY)]
    run_dbt(data_dir.root, ["build"], dbt_vars)
    after = table_rows(data_dir.root), {t.name: _lake_rows(data_dir, t.name) for t in TABLES}
    return data_dir, before, after, files_before, done


def test_each_partition_is_one_sorted_file(compacted):
    data_dir, _, _, files_before, done = compacted
    assert files_before == {"raw_orderbooks": 24, "raw_trades": 24, "raw_fetch_errors": 24}
    assert len(done) == 6 and all(c.files_before == 24 for c in done)
    for table in TABLES:
        for exchange in MARKETS:
            [file] = lake_files(data_dir, table.name, DAY, exchange)
            assert lake_file_kind(file) == "compact"
            rows = pl.read_parquet(file)
            order = ["symbol", "market_type", table.day_column]
            assert rows.select(order).equals(rows.select(order).sort(order))
    assert partitions_to_compact(data_dir, "raw_orderbooks", DAY) == []
    assert compact_partition(ORDERBOOKS, data_dir, DAY, "binance") is None  # nothing to do twice
    orderbooks = [c for c in done if c.table == "raw_orderbooks"]
    assert sum(c.bytes_after for c in orderbooks) < sum(c.bytes_before for c in orderbooks)


def test_the_lake_holds_the_same_rows(compacted):
    _, (_, lake_before), (_, lake_after), _, _ = compacted
    assert lake_after == lake_before
    assert len(lake_before["raw_orderbooks"]) == 5 * 1440  # the books sent twice are in it once


def test_every_mart_is_identical_after_compaction(compacted):
    _, (marts_before, _), (marts_after, _), _, _ = compacted
    assert len(marts_before) > 20 and marts_before["fct_mm_compliance_daily"]
    assert [name for name in ("fct_liquidity_minute", "fct_trades_minute", "fct_cross_venue_minute",
                              "fct_mm_breach_episodes", "fct_data_coverage_daily") if not marts_before[name]] == []
    assert marts_after.keys() == marts_before.keys()
    differing = [name for name in marts_before if not same_rows(marts_after[name], marts_before[name])]
    assert differing == []

