"""fct_orderbook_snapshot_metrics on levels as a venue may send them: unsorted, with zero amounts.

The band depths are masked sums over the levels in list order, so they must not depend on
the order the levels arrive in; top of book and the truncation flags are min/max, likewise.
The market-order walks take a side's first levels as listed only when those are the levels
inside the walk bound in order from the touch; both sides below fail that in a different way.
Every number below is worked out by hand from the levels.
"""
from __future__ import annotations

import pytest

from dbt_harness import day_start_ms, one, run_dbt, snapshot, write_lake_orderbooks

DAY = "2025-11-20"
TS = day_start_ms(DAY) + 30_000

# bids out of order; the zero-amount 100.0 would be the best bid, and 96.0 the deepest, if they counted
BIDS = [(98.0, 4.0), (100.0, 0.0), (99.0, 10.0), (96.0, 0.0)]
# asks out of order, 103 (outside every band) before 101; the zero-amount 100.5 would be the best ask
ASKS = [(102.0, 3.0), (103.0, 1.0), (100.5, 0.0), (101.0, 10.0)]


@pytest.fixture(scope="module")
def row(tmp_path_factory) -> dict:
    data_dir = tmp_path_factory.mktemp("dbt_level_order")
    write_lake_orderbooks(data_dir, [snapshot("binance", "UNS/USDT", TS, BIDS, ASKS)])
    run_dbt(data_dir, ["build", "--select", "+fct_orderbook_snapshot_metrics"], {"day": DAY})
    return one(data_dir, "select * from fct_orderbook_snapshot_metrics where symbol = 'UNS/USDT'")


def test_top_of_book_ignores_order_and_zero_amounts(row):
    # best bid 99 (not the zero-amount 100), best ask 101 (not the zero-amount 100.5): mid 100
    assert (row["best_bid"], row["best_ask"], row["mid"]) == (99.0, 101.0, 100.0)
    assert row["spread_bps"] == pytest.approx(200.0)  # (101 - 99) / 100 * 10,000
    assert (row["bid_levels"], row["ask_levels"]) == (2, 3)


def test_band_depths_over_unsorted_levels(row):
    # 50 bps (bids >= 99.5, asks <= 100.5): no level with an amount
    assert (row["depth_bid_quote_50"], row["depth_ask_quote_50"], row["imbalance_50"]) == (0.0, 0.0, None)
    # 100 bps (bids >= 99, asks <= 101): 99 * 10 = 990; 101 * 10 = 1010
    assert (row["depth_bid_quote_100"], row["depth_ask_quote_100"]) == (990.0, 1010.0)
    # 200 bps (bids >= 98, asks <= 102): 990 + 98 * 4 = 1382; 1010 + 102 * 3 = 1316;
    # 103 lies outside although it comes before 101 inside the band
    assert (row["depth_bid_quote_200"], row["depth_ask_quote_200"]) == (1382.0, 1316.0)
    assert (row["depth_bid_usd_200"], row["depth_ask_usd_200"]) == (1382.0, 1316.0)
    assert row["imbalance_200"] == pytest.approx(66 / 2698)


def test_truncation_uses_the_deepest_level_with_an_amount(row):
    # deepest bid 98 (the zero-amount 96 does not count) sits on the 200 bps bound 98: truncated;
    # deepest ask 103 lies beyond 102: not truncated
    assert (row["depth_truncated_bid_200"], row["depth_truncated_ask_200"]) == (True, False)
    # 100 bps bounds 99 / 101: the fetched book goes deeper on both sides
    assert (row["depth_truncated_bid_100"], row["depth_truncated_ask_100"]) == (False, False)


def test_walks_sort_levels_listed_out_of_order(row):
    # 1,000 USD is fillable on both sides (asks 1,419, bids 1,382 of notional)
    assert (row["insufficient_depth_buy_1000"], row["insufficient_depth_sell_1000"]) == (False, False)
    # asks: the 100 bps band (<= 101) holds 1,010 >= 1,000, so the walk takes the one level
    # inside it, 101 x 10 (listed third): 1,000 / 101 base, vwap 101. The first listed level
    # (102) is outside the band: walked as listed it would give vwap 102 (200 bps).
    assert row["slippage_buy_bps_1000"] == pytest.approx(100.0, rel=1e-12)  # (101 - 100) / 100
    assert row["best_ask_amount"] == 10.0
    # bids: only the 200 bps band (>= 98) holds 1,000: both levels, listed 98 then 99 (the
    # wrong way round). From the touch: 99 x 10 (990) whole, then 10 / 98 base.
    vwap = 1000 / (10 + 10 / 98)
    assert row["slippage_sell_bps_1000"] == pytest.approx((100 - vwap) / 100 * 10_000, rel=1e-12)
    assert row["best_bid_amount"] == 10.0
