"""Spec §4 (trades) at its boundaries: int_trades_usd_rated and the trade marts of one built day
(fct_trades_minute, fct_trade_flow_daily, fct_candles_1h), each number worked out by hand below.

Day 2025-11-04, every trade at or just after `T` = 00:10:00 on binance spot unless said.
"""
from __future__ import annotations

import pytest

from spec_lake import S, book, built_lake, day_start_ms, one, query, trade

DAY = "2025-11-04"
D0 = day_start_ms(DAY)
T = D0 + 600 * S
EXACT = 1e-12


def _received_early(row: dict, received_ts: int) -> dict:
    """A trade whose exchange ts is later than its arrival (clock skew): order is by ts."""
    return {**row, "received_ts": received_ts}


def _trades() -> tuple[list[dict], list[dict]]:
    """(batch 1, batch 2) of raw_trades."""
    rows = [
        # ids 9 and 10 share a ts: 9 comes first as a number (as text "10" < "9"); id 8 is the last by ts
        trade("binance", "OHL/USDT", T + 1000, 100.0, 1.0, "buy", "9"),
        trade("binance", "OHL/USDT", T + 1000, 102.0, 2.0, "sell", "10"),
        trade("binance", "OHL/USDT", T + 2000, 101.0, 1.0, "buy", "11"),
        _received_early(trade("binance", "OHL/USDT", T + 3000, 99.0, 1.0, "buy", "8"), T + 100),
        # 100,000 USD exactly is a whale at the default threshold; 99,950 is not
        trade("binance", "WHL/USDT", T, 100_000.0, 1.0, "buy", "w1"),
        trade("binance", "WHL/USDT", T, 50_000.0, 1.999, "sell", "w2"),
        # BTC/USDT's seeded threshold is 1,000,000 USD: 500,000 is not a whale there
        trade("binance", "BTC/USDT", T, 50_000.0, 10.0, "buy", "b1"),
        # one trade id under two market types of one symbol: two markets, two trades
        trade("binance", "DUAL/USDT", T, 10.0, 1.0, "buy", "777"),
        trade("binance", "DUAL/USDT", T, 10.0, 3.0, "sell", "777", market_type="swap"),
        # without ids: the same ts, price and amount on both sides are two trades
        trade("binance", "NOID/USDT", T, 10.0, 1.0, "buy", None),
        trade("binance", "NOID/USDT", T, 10.0, 1.0, "sell", None),
        # a linear perp quoted in contracts of 0.01 base
        trade("binance", "CTR/USDT:USDT", T, 50_000.0, 3.0, "buy", "c1", market_type="swap", contract_size=0.01),
        # an inverse perp of 100 USD a contract: 3 contracts at 50,000 = 0.006 BTC, 300 USD
        trade("binancecoinm", "BTC/USD:BTC", T, 50_000.0, 3.0, "buy", "i1", market_type="swap", contract_size=100.0),
        # no contract size recorded: the amount is already in base units
        trade("binance", "NCS/USDT", T, 10.0, 2.0, "sell", "n1", contract_size=None),
        # priced in BTC: binance's BTC/USDT mid 50,000 (okx has none: binance's is used)
        trade("binance", "ETH/BTC", T, 0.05, 2.0, "buy", "e1"),
        trade("okx", "ETH/BTC", T, 0.05, 2.0, "sell", "e2"),
        # the last 10 ms of minute 00:00, received in minute 00:01
        trade("binance", "MNT/USDT", D0 + 59_990, 10.0, 1.0, "buy", "m1"),
    ]
    # in both lake batch files: counted once
    repeated = [trade("binance", "DUPT/USDT", T, 10.0, 1.0, "buy", "d1"),
                trade("binance", "NOID/USDT", T + 1000, 11.0, 1.0, "buy", None)]
    return rows + repeated, repeated


@pytest.fixture(scope="module")
def trades_dir(tmp_path_factory):
    references = [
        book("binance", "BTC/USDT", T - 10 * S, ([(49990.0, 1.0)], [(50010.0, 1.0)])),
        book("binance", "BTC/USDT", T - 5 * S, ([(51000.0, 1.0)], [])),  # one-sided: never a reference
    ]
    return built_lake(tmp_path_factory.mktemp("spec_trades"), ["fct_trade_flow_daily", "fct_trades_minute", "fct_candles_1h"],
                      books=[references], trades=list(_trades()), day=DAY)


def flow(data_dir, symbol: str, market_type: str = "spot", exchange: str = "binance") -> dict:
    return one(data_dir, "select * from fct_trade_flow_daily where exchange = ? and market_type = ? and symbol = ?",
               [exchange, market_type, symbol])


def test_ohlc_by_ts_ties_by_numeric_trade_id(trades_dir):
    day = flow(trades_dir, "OHL/USDT")
    # by (ts, id): 9 @100, 10 @102, 11 @101, 8 @99
    assert (day["open"], day["high"], day["low"], day["close"]) == (100.0, 102.0, 99.0, 99.0)
    hour = one(trades_dir, "select * from fct_candles_1h where symbol = 'OHL/USDT'")
    assert (hour["open"], hour["high"], hour["low"], hour["close"]) == (100.0, 102.0, 99.0, 99.0)


def test_vwap_volumes_and_buy_ratio(trades_dir):
    day = flow(trades_dir, "OHL/USDT")
    # notionals 100 (buy), 204 (sell), 101 (buy), 99 (buy); amounts 1, 2, 1, 1
    assert (day["trade_count"], day["volume_base"], day["volume_usd"]) == (4, 5.0, 504.0)
    assert day["vwap"] == pytest.approx(504 / 5, rel=EXACT)  # not the mean price 100.5
    assert (day["buy_volume_usd"], day["sell_volume_usd"]) == (300.0, 204.0)
    assert day["buy_ratio"] == pytest.approx(300 / 504, rel=EXACT)


def test_whale_threshold_is_inclusive_and_per_market(trades_dir):
    assert flow(trades_dir, "WHL/USDT")["whale_trades"] == 1  # 100,000 >= 100,000; 99,950 not
    btc = flow(trades_dir, "BTC/USDT")
    assert (btc["whale_trades"], btc["whale_threshold_usd"], btc["volume_usd"]) == (0, 1_000_000.0, 500_000.0)


def test_same_trade_id_under_two_market_types_is_two_trades(trades_dir):
    assert (flow(trades_dir, "DUAL/USDT")["trade_count"], flow(trades_dir, "DUAL/USDT", "swap")["trade_count"]) == (1, 1)
    assert (flow(trades_dir, "DUAL/USDT")["volume_base"], flow(trades_dir, "DUAL/USDT", "swap")["volume_base"]) == (1.0, 3.0)


def test_trades_without_id_and_repeats_across_batches(trades_dir):
    # two same-content trades on both sides, and one no-id trade written in two batch files
    noid = flow(trades_dir, "NOID/USDT")
    assert (noid["trade_count"], noid["buy_volume_usd"], noid["sell_volume_usd"]) == (3, 21.0, 10.0)
    assert flow(trades_dir, "DUPT/USDT")["trade_count"] == 1


def test_contract_size_makes_base_units(trades_dir):
    day = flow(trades_dir, "CTR/USDT:USDT", "swap")
    # 3 contracts x 0.01 = 0.03 base; 50,000 x 0.03 = 1,500 USDT
    assert day["volume_base"] == pytest.approx(0.03, rel=EXACT)
    assert day["volume_usd"] == pytest.approx(1500.0, rel=EXACT)
    assert day["vwap"] == pytest.approx(50_000.0, rel=EXACT)


def test_inverse_contracts_and_absent_contract_size(trades_dir):
    inverse = flow(trades_dir, "BTC/USD:BTC", "swap", "binancecoinm")
    assert inverse["volume_base"] == pytest.approx(3 * 100 / 50_000, rel=EXACT)  # 0.006 BTC
    assert (inverse["volume_quote"], inverse["volume_usd"]) == pytest.approx((300.0, 300.0), rel=EXACT)
    absent = flow(trades_dir, "NCS/USDT")
    assert (absent["volume_base"], absent["volume_usd"]) == (2.0, 20.0)


def test_notional_usd_through_the_two_sided_quote_usdt_mid(trades_dir):
    rows = query(trades_dir, "select exchange, usd_rate, notional_usd from int_trades_usd_rated "
                             "where symbol = 'ETH/BTC' order by exchange")
    # 0.05 x 2 = 0.1 BTC x 50,000 (the one-sided BTC/USDT 5 s before is skipped)
    assert [(r["exchange"], r["usd_rate"]) for r in rows] == [("binance", 50_000.0), ("okx", 50_000.0)]
    assert [r["notional_usd"] for r in rows] == pytest.approx([5000.0, 5000.0], rel=EXACT)
    assert (flow(trades_dir, "ETH/BTC")["buy_volume_usd"], flow(trades_dir, "ETH/BTC", exchange="okx")["sell_volume_usd"]) \
        == pytest.approx((5000.0, 5000.0), rel=EXACT)


def test_minute_of_a_trade_is_the_floor_of_its_ts(trades_dir):
    row = one(trades_dir, "select minute, trade_count from fct_trades_minute where symbol = 'MNT/USDT'")
    assert (row["minute"].strftime("%H:%M:%S"), row["trade_count"]) == ("00:00:00", 1)
