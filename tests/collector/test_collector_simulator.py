"""The collector with the real ccxt binance class over HTTP against the simulator (virtual time).

scenarios/smoke.yaml: binance BTC/USDT and ETH/BTC; BTC/USDT is in `outage` 00:25-00:27
and `empty_body` 00:30-00:31 of 2026-11-20.
"""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from pathlib import Path

import polars as pl
import pytest

from collect_harness import collect_cycles, landed
from mmwatch.collector.collector import Collector
from mmwatch.collector.sinks import LandingSink
from mmwatch.config import parse_config
from mmwatch.errors import ConfigError
from mmwatch.landing.zone import list_landing
from mmwatch.settings import DataDir

simulator_book = pytest.importorskip("simulator.book")
from simulator.market import World  # noqa: E402
from simulator.process import SimulatorThread  # noqa: E402
from simulator.scenario import load_scenario  # noqa: E402
from simulator.trades import trades_between  # noqa: E402

SMOKE = Path(__file__).resolve().parents[2] / "scenarios" / "smoke.yaml"
DAY_MS = int(datetime(2026, 11, 20, tzinfo=timezone.utc).timestamp() * 1000)
MINUTE = 60_000


@pytest.fixture(scope="module")
def simulator():
    with SimulatorThread(SMOKE, clock="virtual") as sim:
        yield sim


def _config(trades_every_s=10):
    return parse_config({"exchanges": {"binance": {"markets": ["BTC/USDT", "ETH/BTC"], "orderbook_levels": 20,
                                                   "orderbook_every_s": 10, "trades_every_s": trades_every_s}}})


def _collect(simulator, data_dir: DataDir, start_ms: int, cycles: int, trades_every_s=10) -> Collector:
    return collect_cycles(simulator, _config(trades_every_s), data_dir, start_ms, cycles)


def test_books_equal_what_the_simulator_served(simulator, tmp_path):
    data_dir = DataDir(tmp_path)
    start = DAY_MS + 60 * MINUTE  # 01:00, a quiet hour
    collector = _collect(simulator, data_dir, start, cycles=7)
    books = landed(data_dir, "orderbooks").sort("symbol", "received_ts")
    assert books.height == 14 and set(books["source"]) == {"collector"}
    assert books["exchange_ts"].null_count() == 14  # binance depth carries no timestamp
    world = World(load_scenario(SMOKE))
    for row in books.iter_rows(named=True):
        served = simulator_book.build_book(world.market("binance", row["symbol"]), row["received_ts"], 20)
        for side in ("bids", "asks"):
            got = [x for lv in row[side] for x in (lv["price"], lv["amount"])]
            assert got == pytest.approx([x for level in getattr(served, side) for x in level], rel=1e-12)
        assert len(row["bids"]) == 20
    assert collector.requests["binance"] >= 1 + 7 * 4  # markets + books + trades
    assert collector.counts[("binance", "snapshots")] == 14


def test_landing_files_are_complete_and_per_minute(simulator, tmp_path):
    data_dir = DataDir(tmp_path)
    _collect(simulator, data_dir, DAY_MS + 2 * MINUTE, cycles=13)  # 00:02:00 .. 00:04:00
    assert not list(tmp_path.rglob(".tmp-*")), "temporary files left behind"
    files = list_landing(data_dir, "orderbooks")
    assert {f.day for f in files} == {"2026-11-20"} and {f.exchange for f in files} == {"binance"}
    minutes = []
    for landing_file in files:
        frame = pl.read_parquet(landing_file.path)
        file_minutes = set((frame["received_ts"] // MINUTE).to_list())
        assert len(file_minutes) == 1, f"{landing_file.path.name} spans minutes {file_minutes}"
        minutes += file_minutes
    assert sorted(minutes) == [(DAY_MS // MINUTE) + m for m in (2, 3, 4)]


def test_trades_have_no_duplicates_and_no_gaps(simulator, tmp_path):
    data_dir = DataDir(tmp_path)
    start = DAY_MS + 50 * MINUTE
    _collect(simulator, data_dir, start, cycles=30, trades_every_s=20)
    trades = landed(data_dir, "trades")
    last_cycle = start + 29 * 10_000
    world = World(load_scenario(SMOKE))
    for symbol in ("BTC/USDT", "ETH/BTC"):
        ids = trades.filter(pl.col("symbol") == symbol)["trade_id"].to_list()
        # Trades are fetched every 20 s; the last fetch was at or before the last cycle.
        expected = trades_between(world.market("binance", symbol), start, last_cycle, 100_000)
        last_fetch = max(t for t in range(start, last_cycle + 1, 20_000))
        expected_ids = [str(t.id) for t in expected if t.ts <= last_fetch]
        assert len(ids) == len(set(ids)), f"{symbol}: duplicate trades"
        assert sorted(ids, key=int) == expected_ids
        assert len(expected_ids) > 10


def test_outage_and_empty_body_become_fetch_errors(simulator, tmp_path):
    data_dir = DataDir(tmp_path)
    _collect(simulator, data_dir, DAY_MS + 25 * MINUTE, cycles=3)  # outage window of BTC/USDT
    _collect(simulator, data_dir, DAY_MS + 30 * MINUTE, cycles=3)  # empty_body window of BTC/USDT
    errors = landed(data_dir, "fetch_errors")
    book_errors = errors.filter(pl.col("dataset") == "orderbooks")
    assert set(book_errors["symbol"]) == {"BTC/USDT"}
    by_class = dict(book_errors.group_by("error_class").len().iter_rows())
    assert by_class == {"ExchangeNotAvailable": 3, "EmptyResponse": 3}
    books = landed(data_dir, "orderbooks")
    assert set(books["symbol"]) == {"ETH/BTC"} and books.height == 6  # the other market is unaffected


def test_unknown_symbol_is_a_config_error_at_start(simulator):
    config = parse_config({"exchanges": {"binance": {"markets": ["BTC/USDTT"]}}})

    async def start():
        collector = Collector(config, LandingSink(DataDir(Path("/nonexistent"))), simulator_url=simulator.url)
        await collector.start()

    with pytest.raises(ConfigError, match=r"unknown symbol 'BTC/USDTT' \(closest listed: BTC/USDT"):
        asyncio.run(start())
