"""fct_liquidity_minute / fct_liquidity_daily against statistics worked out by hand."""
from __future__ import annotations

import pytest

from dbt_harness import day_start_ms, one, run_dbt, snapshot, write_lake_orderbooks

DAY = "2025-11-20"
D0 = day_start_ms(DAY)
S = 1000

ROWS = [
    # minute 0: mid 100 / spread 200 bps; mid 100 / spread 100 bps; one-sided
    snapshot("binance", "LIQ/USDT", D0, [(99.0, 10.0)], [(101.0, 10.0)]),
    snapshot("binance", "LIQ/USDT", D0 + 20 * S, [(99.5, 10.0)], [(100.5, 10.0)]),
    snapshot("binance", "LIQ/USDT", D0 + 40 * S, [(99.0, 1.0)], []),
    # minute 1: mid 100 / spread 20 bps
    snapshot("binance", "LIQ/USDT", D0 + 60 * S, [(99.9, 100.0)], [(100.1, 100.0)]),
]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("dbt_liquidity")
    write_lake_orderbooks(data_dir, ROWS)
    run_dbt(data_dir, ["build", "--select", "+fct_liquidity_minute", "+fct_liquidity_daily"], {"day": DAY})
    return data_dir


def test_minute_statistics(data_dir):
    r = one(data_dir, "select * from fct_liquidity_minute where minute = '2025-11-20 00:00:00'")
    assert (r["usable_snapshots"], r["two_sided_snapshots"]) == (3, 2)
    assert (r["mean_spread_bps"], r["median_spread_bps"]) == (pytest.approx(150.0), pytest.approx(150.0))
    assert r["p95_spread_bps"] == pytest.approx(195.0)  # 100 + 0.95 x (200 - 100)
    # 100 bps band: bids 990 and 995 USD; asks 1,010 and 1,005
    assert r["mean_depth_bid_usd_100"] == pytest.approx(992.5)
    assert r["p5_depth_bid_usd_100"] == pytest.approx(990.25)  # 990 + 0.05 x 5
    assert r["mean_depth_ask_usd_100"] == pytest.approx(1007.5)
    # 50 bps band: only the second book (995 / 1,005); the first has 0
    assert r["mean_depth_bid_usd_50"] == pytest.approx(497.5)
    assert r["mean_imbalance_100"] == pytest.approx((-20 / 2000 - 10 / 2000) / 2)
    # buy 1,000 USD: vwap 101 (100 bps) and 100.5 (50 bps); sells cannot fill (990 / 995 USD of bids)
    assert r["mean_slippage_buy_bps_1000"] == pytest.approx(75.0)
    assert (r["mean_slippage_sell_bps_1000"], r["insufficient_depth_sell_1000_snapshots"]) == (None, 2)
    assert r["insufficient_depth_buy_10000_snapshots"] == 2
    assert r["usd_rate_missing_snapshots"] == 0


def test_daily_statistics_and_coverage(data_dir):
    r = one(data_dir, "select * from fct_liquidity_daily")
    assert (r["covered_minutes"], r["usable_snapshots"], r["two_sided_snapshots"]) == (2, 4, 3)
    assert r["coverage_pct"] == pytest.approx(100 * 2 / 1440)
    assert r["mean_spread_bps"] == pytest.approx(320 / 3)
    assert r["median_spread_bps"] == pytest.approx(100.0)
    assert r["p95_spread_bps"] == pytest.approx(190.0)  # sorted 20, 100, 200: position 1.9
    # buy 1,000 in minute 1: 999 USD at 100.1 then 1 USD at... 100.1 x 100 = 10,010 fills: vwap 100.1
    assert r["mean_slippage_buy_bps_1000"] == pytest.approx((100 + 50 + 10) / 3)
