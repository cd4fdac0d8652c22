"""fct_trades_minute, fct_trade_flow_daily, fct_candles_1m/1h against spec §4 worked by hand.

One real dbt build of a small lake: AAA/USDT trades over two minutes and two hours (a whale,
a ts tie between ids "9" and "10", a trade of unknown side, a trade stored in two batches),
BTC/USDT with its seeded whale threshold of 1,000,000 USD, an okx perpetual counted in
contracts of 0.01 BTC, and ETH/BTC rated through the BTC/USDT mid (one trade too late for it).
"""
from __future__ import annotations

import csv
from datetime import datetime

import pytest

from dbt_harness import DBT_PROJECT_DIR, day_start_ms, one, query, run_dbt, snapshot, write_lake_orderbooks
from lake_tables import trade, write_lake_table

DAY = "2025-11-20"
D0 = day_start_ms(DAY)
S, M, H = 1000, 60_000, 3_600_000


def aaa_trades() -> list[dict]:
    return [
        trade("binance", "AAA/USDT", D0 + 5 * S, 100.0, 2.0, "buy", "8"),
        # same ts: id 9 before id 10 (numeric order), so 10 closes the minute
        trade("binance", "AAA/USDT", D0 + 50 * S, 103.0, 1.0, "sell", "10"),
        trade("binance", "AAA/USDT", D0 + 50 * S, 99.0, 1.0, "buy", "9"),
        trade("binance", "AAA/USDT", D0 + 20 * S, 101.0, 1.0, None, "7"),
        # minute 1: a whale of exactly 100,000 USD (threshold inclusive)
        trade("binance", "AAA/USDT", D0 + M + 1 * S, 100.0, 1000.0, "buy", "11"),
        trade("binance", "AAA/USDT", D0 + H + 10 * S, 110.0, 5.0, "sell", "12"),
    ]


def other_trades() -> list[dict]:
    return [
        trade("binance", "BTC/USDT", D0 + 10 * S, 50_000.0, 10.0, "buy", "1"),  # 500k < 1M: no whale
        trade("okx", "BTC/USDT:USDT", D0 + 10 * S, 50_000.0, 300.0, "sell", None,
              market_type="swap", contract_size=0.01),  # 3 BTC, 150,000 USD: whale
        trade("binance", "ETH/BTC", D0 + 30 * S, 0.05, 10.0, "buy", "100"),  # 0.5 BTC = 25,000 USD
        trade("binance", "ETH/BTC", D0 + 59 * S, 0.04, 5.0, "sell", "101"),  # 0.2 BTC = 10,000 USD
        trade("binance", "ETH/BTC", D0 + 61 * S + 500, 0.06, 1.0, "buy", "102"),  # rate 61.5 s old: none
    ]


@pytest.fixture(scope="module")
def trades_dir(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("dbt_trades")
    write_lake_orderbooks(data_dir, [snapshot("binance", "BTC/USDT", D0, [(49_990.0, 1.0)], [(50_010.0, 1.0)])])
    write_lake_table(data_dir, "raw_trades", aaa_trades() + other_trades(), batch="batch-0001")
    write_lake_table(data_dir, "raw_trades", aaa_trades()[:1], batch="batch-0002")  # stored twice
    run_dbt(data_dir, ["build"], {"day": DAY})
    return data_dir


def minute_row(data_dir, symbol, minute_ms):
    return one(data_dir, "select * from fct_trades_minute where symbol = ? and minute = ?",
               [symbol, datetime.utcfromtimestamp(minute_ms / 1000)])


def test_minute_flow_of_aaa(trades_dir):
    row = minute_row(trades_dir, "AAA/USDT", D0)
    assert row["trade_count"] == 4  # the trade stored in two batches counts once
    assert row["volume_base"] == 5.0
    assert row["volume_quote"] == 200.0 + 103.0 + 99.0 + 101.0
    assert row["volume_usd"] == 503.0
    assert row["vwap"] == pytest.approx(503.0 / 5.0, rel=1e-15)
    assert row["buy_volume_usd"] == 299.0 and row["sell_volume_usd"] == 103.0
    assert row["buy_ratio"] == pytest.approx(299.0 / 402.0, rel=1e-15)
    assert (row["open"], row["high"], row["low"], row["close"]) == (100.0, 103.0, 99.0, 103.0)
    assert row["whale_trades"] == 0 and row["trades_without_usd_rate"] == 0
    whale_minute = minute_row(trades_dir, "AAA/USDT", D0 + M)
    assert whale_minute["whale_trades"] == 1 and whale_minute["whale_threshold_usd"] == 100_000.0
    assert whale_minute["buy_ratio"] == 1.0


def test_whale_threshold_per_market_and_contract_size(trades_dir):
    with (DBT_PROJECT_DIR / "seeds" / "market_settings.csv").open() as handle:
        seeded = {(r["exchange"], r["symbol"]): float(r["whale_threshold_usd"]) for r in csv.DictReader(handle)}
    btc = minute_row(trades_dir, "BTC/USDT", D0)
    assert btc["whale_threshold_usd"] == seeded[("binance", "BTC/USDT")] > 500_000.0
    assert btc["whale_trades"] == 0 and btc["volume_usd"] == 500_000.0
    perp = minute_row(trades_dir, "BTC/USDT:USDT", D0)
    assert perp["volume_base"] == pytest.approx(3.0, rel=1e-15)
    assert perp["volume_usd"] == pytest.approx(150_000.0, rel=1e-12)
    assert perp["whale_trades"] == 1 and perp["sell_volume_usd"] == perp["volume_usd"]
    assert perp["buy_ratio"] == 0.0 and perp["market_type"] == "swap"


def test_non_stable_quote_uses_the_btc_usdt_mid(trades_dir):
    first = minute_row(trades_dir, "ETH/BTC", D0)
    assert first["volume_quote"] == pytest.approx(0.7, rel=1e-12)
    assert first["volume_usd"] == pytest.approx(35_000.0, rel=1e-12)  # 0.7 BTC × 50,000
    late = minute_row(trades_dir, "ETH/BTC", D0 + M)
    assert late["volume_usd"] is None and late["trades_without_usd_rate"] == 1
    assert late["buy_volume_usd"] == 0.0 and late["buy_ratio"] is None


def test_daily_flow_and_size_buckets(trades_dir):
    aaa = one(trades_dir, "select * from fct_trade_flow_daily where symbol = 'AAA/USDT'")
    assert aaa["trade_count"] == 6 and aaa["volume_usd"] == 503.0 + 100_000.0 + 550.0
    assert (aaa["open"], aaa["high"], aaa["low"], aaa["close"]) == (100.0, 110.0, 99.0, 110.0)
    assert (aaa["trades_under_1k_usd"], aaa["trades_1k_to_10k_usd"], aaa["trades_10k_to_100k_usd"],
            aaa["trades_100k_usd_and_over"]) == (5, 0, 0, 1)
    assert aaa["median_trade_usd"] == (103.0 + 200.0) / 2  # notionals 99, 101, 103, 200, 550, 100,000
    eth = one(trades_dir, "select * from fct_trade_flow_daily where symbol = 'ETH/BTC'")
    assert (eth["trades_under_1k_usd"], eth["trades_1k_to_10k_usd"], eth["trades_10k_to_100k_usd"]) == (0, 0, 2)
    assert eth["trades_without_usd_rate"] == 1 and eth["close"] == 0.06


def test_candles(trades_dir):
    minutes = query(trades_dir, "select * from fct_candles_1m where symbol = 'AAA/USDT' order by candle_start")
    assert [(c["open"], c["close"], c["trade_count"]) for c in minutes] == [
        (100.0, 103.0, 4), (100.0, 100.0, 1), (110.0, 110.0, 1)]
    hours = query(trades_dir, "select * from fct_candles_1h where symbol = 'AAA/USDT' order by candle_start")
    assert [(c["open"], c["high"], c["low"], c["close"], c["volume_base"]) for c in hours] == [
        (100.0, 103.0, 99.0, 100.0, 1005.0), (110.0, 110.0, 110.0, 110.0, 5.0)]
    assert hours[0]["candle_start"] == datetime.utcfromtimestamp(D0 / 1000)
    assert hours[0]["vwap"] == pytest.approx((503.0 + 100_000.0) / 1005.0, rel=1e-15)
