"""Slippage and touch amounts of fct_orderbook_snapshot_metrics against hand-walked books (spec §2)."""
from __future__ import annotations

import pytest

from dbt_harness import day_start_ms, one, run_dbt, snapshot, write_lake_orderbooks

DAY = "2025-11-20"
TS = day_start_ms(DAY) + 30_000

# unsorted on purpose; mid = (99.5 + 100.5) / 2 = 100
ASKS = [(101.0, 5.0), (100.5, 2.0), (102.0, 100.0)]  # notional 505 + 201 + 10,200 = 10,906
BIDS = [(99.0, 20.0), (99.5, 4.0), (98.0, 1.0)]  # notional 1,980 + 398 + 98 = 2,476
# SLP/USDT has those sides out of order (walked after sorting), SRT/USDT the same levels in
# order from the touch as venues send them (walked as listed): the numbers must not differ
UNSORTED, SORTED = "SLP/USDT", "SRT/USDT"
# ETH/BTC priced through binance BTC/USDT (mid 50,000): 1,000 USD = 0.02 BTC
ETH_BTC = ([(0.049, 1.0)], [(0.05, 1.0)])


def walk(levels: list[tuple[float, float]], notional: float) -> float | None:
    """VWAP of a market order of `notional` quote walking `levels` (ordered from the touch)."""
    left, quote, base = notional, 0.0, 0.0
    for price, amount in levels:
        take = min(price * amount, left)
        base += amount if price * amount <= left else left / price
        quote += take
        left -= take
    return None if left > 0 else quote / base


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("dbt_slippage")
    write_lake_orderbooks(data_dir, [
        snapshot("binance", UNSORTED, TS, BIDS, ASKS),
        snapshot("binance", SORTED, TS, sorted(BIDS, reverse=True), sorted(ASKS)),
        snapshot("binance", "BTC/USDT", TS - 1000, [(49990.0, 1.0)], [(50010.0, 1.0)]),
        snapshot("binance", "ETH/BTC", TS, *ETH_BTC),
        snapshot("binance", "ONE/USDT", TS, [(10.0, 1000.0)], []),
    ])
    run_dbt(data_dir, ["build", "--select", "+fct_orderbook_snapshot_metrics"], {"day": DAY})
    return data_dir


def row(data_dir, symbol):
    return one(data_dir, "select * from fct_orderbook_snapshot_metrics where symbol = ?", [symbol])


@pytest.mark.parametrize("symbol", [UNSORTED, SORTED])
def test_buy_and_sell_slippage_with_partial_last_level(data_dir, symbol):
    r = row(data_dir, symbol)
    asks = sorted(ASKS)
    bids = sorted(BIDS, reverse=True)
    # buy 1,000: 100.5 x 2 (201) + 101 x 5 (505) + 294 / 102 base of the 102 level
    vwap = 1000 / (7 + 294 / 102)
    assert walk(asks, 1000) == pytest.approx(vwap, rel=1e-15)
    assert r["slippage_buy_bps_1000"] == pytest.approx((vwap - 100) / 100 * 10_000, rel=1e-12)
    assert r["slippage_buy_bps_1000"] == pytest.approx(119.0476, abs=1e-4)  # vwap 101.190476
    vwap = 10_000 / (7 + 9294 / 102)
    assert r["slippage_buy_bps_10000"] == pytest.approx((vwap - 100) / 100 * 10_000, rel=1e-12)
    # sell 1,000: 99.5 x 4 (398) + 602 / 99 base
    vwap = 1000 / (4 + 602 / 99)
    assert r["slippage_sell_bps_1000"] == pytest.approx((100 - vwap) / 100 * 10_000, rel=1e-12)
    assert (r["insufficient_depth_buy_1000"], r["insufficient_depth_sell_1000"]) == (False, False)
    # 10,906 of asks cannot fill 100,000; 2,476 of bids cannot fill 10,000
    assert (r["slippage_buy_bps_100000"], r["insufficient_depth_buy_100000"]) == (None, True)
    assert (r["slippage_sell_bps_10000"], r["insufficient_depth_sell_10000"]) == (None, True)
    assert (r["slippage_sell_bps_100000"], r["insufficient_depth_sell_100000"]) == (None, True)
    assert (r["best_bid_amount"], r["best_ask_amount"]) == (4.0, 2.0)


def test_order_size_is_usd_converted_with_the_snapshot_rate(data_dir):
    r = row(data_dir, "ETH/BTC")
    assert r["usd_rate"] == 50_000.0
    # 1,000 USD = 0.02 BTC < 0.05 BTC at the touch: vwap 0.05, mid 0.0495
    assert r["slippage_buy_bps_1000"] == pytest.approx((0.05 - 0.0495) / 0.0495 * 10_000, rel=1e-12)
    assert r["slippage_sell_bps_1000"] == pytest.approx((0.0495 - 0.049) / 0.0495 * 10_000, rel=1e-12)
    # 10,000 USD = 0.2 BTC > 0.05 BTC fetched
    assert (r["slippage_buy_bps_10000"], r["insufficient_depth_buy_10000"]) == (None, True)


def test_one_sided_snapshot_has_no_slippage(data_dir):
    r = row(data_dir, "ONE/USDT")
    assert r["slippage_sell_bps_1000"] is None and r["insufficient_depth_sell_1000"] is None
    assert r["best_bid_amount"] is None
