"""Spec §1 (what is usable) and §2 (per-snapshot metrics and the USD rate) at their boundaries:
fct_orderbook_snapshot_metrics of one built day, every number worked out by hand below.

Day 2025-11-04. Every market is on binance spot unless said; `T` is 00:10:00.
"""
from __future__ import annotations

import pytest

from spec_lake import GOOD_BOOK, S, book, built_lake, day_start_ms, one, query

DAY = "2025-11-04"
D0 = day_start_ms(DAY)
T = D0 + 600 * S
EXACT = 1e-12  # relative tolerance: only the last bits of a double may differ

# an event book (its depth in quote: 10 bid / 10.1 ask within 100 bps)
EVENT_BOOK = ([(10.0, 1.0)], [(10.1, 1.0)])


def _mid_book(mid: float) -> tuple[list, list]:
    """A reference QUOTE/USDT book whose mid is `mid` (touch at mid -/+ 0.1)."""
    return [(mid - 0.1, 1.0)], [(mid + 0.1, 1.0)]


def _rows() -> tuple[list[dict], list[dict]]:
    """(rows of batch 1, rows of batch 2) of the lake."""
    at = D0 + 5 * S
    rows = [
        # bids listed out of order: best bid is the highest (99.5), best ask the lowest (100.5)
        book("binance", "TOP/USDT", at, ([(98.0, 1.0), (99.5, 1.0), (99.0, 1.0)], [(101.0, 1.0), (100.5, 1.0)])),
        # a zero-amount level above the best bid is ignored (spec §1): best bid 99, mid 100
        book("binance", "ZRO/USDT", at, ([(99.9, 0.0), (99.0, 1.0)], [(101.0, 1.0)])),
        # mid 100; 98 and 102 sit exactly on the 200 bps bounds, 99 and 101 on the 100 bps bounds
        book("binance", "BND/USDT", at, ([(99.0, 1.0), (98.0, 2.0), (97.5, 4.0)],
                                         [(101.0, 1.0), (102.0, 2.0), (102.5, 4.0)])),
        # mid 100; deepest bid 98.5, deepest ask 101
        book("binance", "TRN/USDT", at, ([(99.0, 1.0), (98.5, 1.0)], [(101.0, 1.0)])),
        # mid 100; asks 505 + 1,020 quote, bids 495 + 980
        book("binance", "SLP/USDT", at, ([(99.0, 5.0), (98.0, 10.0)], [(101.0, 5.0), (102.0, 10.0)])),
        # asks hold exactly 400 + 600 = 1,000 quote; mid (98 + 100) / 2 = 99
        book("binance", "EXA/USDT", at, ([(98.0, 1.0)], [(100.0, 4.0), (120.0, 5.0)])),
        book("binance", "ONE/USDT", at, ([(100.0, 1.0)], [])),
        # contracts: a linear perp of 0.01 base a contract (100 contracts = 1 base) and an inverse
        # perp of 100 USD a contract (3 contracts at 50,000 = 0.006 BTC, i.e. 300 USD)
        book("okx", "CB/USDT:USDT", at, ([(100.0, 100.0)], [(100.5, 100.0)]), market_type="swap", contract_size=0.01),
        book("binancecoinm", "BTC/USD:BTC", at, ([(50000.0, 3.0)], [(50010.0, 3.0)]), market_type="swap",
             contract_size=100.0),
        book("binance", "INV/USDT", at, ([(101.0, 1.0)], [(100.0, 1.0)]), invalid_reason="crossed_book"),
        # the last millisecond of minute 00:00 and the first of 00:01
        book("binance", "MIN/USDT", D0 + 59_999, GOOD_BOOK),
        book("binance", "MIN/USDT", D0 + 60_000, GOOD_BOOK),
        # ETH/BTC priced through BTC/USDT (mid 50,000, 10 s old)
        book("binance", "BTC/USDT", T - 10 * S, ([(49990.0, 1.0)], [(50010.0, 1.0)])),
        book("binance", "ETH/BTC", T, ([(0.0499, 100.0)], [(0.0501, 100.0)])),
        # QA: the rate is the reference mid (2.0), not a touch price
        book("binance", "QA/USDT", T - 10 * S, _mid_book(2.0)),
        book("binance", "EA/QA", T, EVENT_BOOK),
        # QB: a reference exactly 60 s old is used; at 60.001 s it is too old
        book("binance", "QB/USDT", T - 60 * S, _mid_book(3.0)),
        book("binance", "EB/QB", T, EVENT_BOOK),
        book("binance", "EB/QB", T + 1, EVENT_BOOK),
        # QC: a reference at the event's own ts is used, one 1 ms later is not
        book("binance", "QC/USDT", T, _mid_book(4.0)),
        book("binance", "QC/USDT", T + 1, _mid_book(5.0)),
        book("binance", "EC/QC", T, EVENT_BOOK),
        # QD: the newer one-sided and crossed (invalid) references are skipped
        book("binance", "QD/USDT", T - 30 * S, _mid_book(6.0)),
        book("binance", "QD/USDT", T - 10 * S, ([(6.5, 1.0)], [])),
        book("binance", "QD/USDT", T - 5 * S, ([(7.1, 1.0)], [(6.9, 1.0)]), invalid_reason="crossed_book"),
        book("binance", "ED/QD", T, EVENT_BOOK),
        # QE: the event's own exchange first (gate), else the others alphabetically (okx -> binance)
        book("binance", "QE/USDT", T - 5 * S, _mid_book(7.0)),
        book("gate", "QE/USDT", T - 50 * S, _mid_book(8.0)),
        book("gate", "EE/QE", T, EVENT_BOOK),
        book("okx", "EE/QE", T, EVENT_BOOK),
        # QF: binance's reference is 61 s old, so okx falls back to bybit (before gate)
        book("binance", "QF/USDT", T - 61 * S, _mid_book(9.0)),
        book("bybit", "QF/USDT", T - 10 * S, _mid_book(9.5)),
        book("gate", "QF/USDT", T - 1 * S, _mid_book(9.9)),
        book("okx", "EF/QF", T, EVENT_BOOK),
        # QG: 20 s into the day, a reference 30 s before midnight (the previous day) is used
        book("binance", "QG/USDT", D0 - 30 * S, _mid_book(11.0)),
        book("binance", "EG/QG", D0 + 20 * S, EVENT_BOOK),
        # QH: the perpetual QH/USDT:USDT is not the spot market QH/USDT
        book("binance", "QH/USDT", T - 20 * S, _mid_book(12.0)),
        book("binance", "QH/USDT:USDT", T - 5 * S, _mid_book(13.0), market_type="swap"),
        book("binance", "EH/QH", T, EVENT_BOOK),
    ]
    rows += [book("binance", f"S/{quote}", T, GOOD_BOOK) for quote in STABLE_QUOTES]
    repeated = book("binance", "DUP/USDT", at, GOOD_BOOK)
    return rows + [repeated], [repeated]


STABLE_QUOTES = ("USD", "USDT", "USDC", "FDUSD", "DAI", "TUSD", "USDE")


@pytest.fixture(scope="module")
def metrics_dir(tmp_path_factory):
    return built_lake(tmp_path_factory.mktemp("spec_book_metrics"), ["fct_orderbook_snapshot_metrics"],
                      books=list(_rows()), day=DAY)


def metrics(data_dir, symbol: str, exchange: str = "binance", ts: int | None = None) -> dict:
    sql = "select * from fct_orderbook_snapshot_metrics where exchange = ? and symbol = ?"
    params = [exchange, symbol]
    if ts is not None:
        sql, params = sql + " and ts = ?", params + [ts]
    return one(data_dir, sql, params)


def test_best_prices_are_the_highest_bid_and_lowest_ask(metrics_dir):
    row = metrics(metrics_dir, "TOP/USDT")
    assert (row["best_bid"], row["best_ask"], row["mid"]) == (99.5, 100.5, 100.0)
    assert row["spread_bps"] == pytest.approx(1.0 / 100.0 * 10_000, rel=EXACT)  # 100 bps


def test_zero_amount_levels_are_ignored(metrics_dir):
    row = metrics(metrics_dir, "ZRO/USDT")
    assert (row["best_bid"], row["mid"], row["spread_bps"]) == (99.0, 100.0, 200.0)


def test_contract_amounts_become_base_units(metrics_dir):
    linear = metrics(metrics_dir, "CB/USDT:USDT", "okx")
    # 100 contracts x 0.01 = 1 base: 100 x 1 bid, 100.5 x 1 ask
    assert (linear["depth_bid_quote_100"], linear["depth_ask_quote_100"]) == (100.0, 100.5)
    assert linear["best_bid_amount"] == 1.0
    inverse = metrics(metrics_dir, "BTC/USD:BTC", "binancecoinm")
    # 3 contracts x 100 USD / price: 0.006 BTC at 50,000 and 0.0059988 BTC at 50,010, 300 USD each
    assert inverse["best_bid_amount"] == pytest.approx(3 * 100 / 50_000, rel=EXACT)
    assert (inverse["depth_bid_usd_10"], inverse["depth_ask_usd_10"]) == pytest.approx((300.0, 300.0), rel=EXACT)


def test_band_bounds_are_inclusive(metrics_dir):
    row = metrics(metrics_dir, "BND/USDT")
    assert (row["mid"], row["spread_bps"]) == (100.0, 200.0)
    # 200 bps: bids >= 98 -> 99 + 98 x 2 = 295; asks <= 102 -> 101 + 102 x 2 = 305
    assert (row["depth_bid_quote_200"], row["depth_ask_quote_200"]) == (295.0, 305.0)
    # 100 bps: bids >= 99 -> 99; asks <= 101 -> 101
    assert (row["depth_bid_quote_100"], row["depth_ask_quote_100"]) == (99.0, 101.0)
    assert (row["depth_bid_quote_50"], row["depth_ask_quote_50"]) == (0.0, 0.0)
    assert (row["depth_bid_usd_200"], row["depth_ask_usd_200"]) == (295.0, 305.0)  # USDT: rate 1.0
    # 97.5 and 102.5 lie outside every band: no side is truncated
    assert not any(row[f"depth_truncated_{side}_{band}"] for side in ("bid", "ask") for band in (10, 50, 100, 200))


def test_imbalance_and_its_null_when_both_depths_are_zero(metrics_dir):
    row = metrics(metrics_dir, "BND/USDT")
    assert row["imbalance_200"] == pytest.approx((295 - 305) / (295 + 305), rel=EXACT)  # -1/60
    assert row["imbalance_100"] == pytest.approx((99 - 101) / (99 + 101), rel=EXACT)  # -0.01
    assert (row["imbalance_50"], row["imbalance_10"]) == (None, None)  # 0 and 0


def test_truncation_flag_follows_the_deepest_fetched_level(metrics_dir):
    row = metrics(metrics_dir, "TRN/USDT")
    # deepest bid 98.5: inside 200 bps (>= 98), outside 100 bps (< 99)
    assert (row["depth_truncated_bid_200"], row["depth_truncated_bid_100"], row["depth_truncated_bid_50"]) == (
        True, False, False)
    # deepest (only) ask 101: on the 100 bps bound (inclusive), outside 50 bps (> 100.5)
    assert (row["depth_truncated_ask_200"], row["depth_truncated_ask_100"], row["depth_truncated_ask_50"]) == (
        True, True, False)


def test_slippage_walks_partial_last_level_with_signs(metrics_dir):
    row = metrics(metrics_dir, "SLP/USDT")
    # buy 1,000 USD: 5 at 101 (505), then 495 / 102 -> base 5 + 495/102 = 1005/102; vwap 102,000/1,005
    buy_vwap = 1000 / (5 + 495 / 102)
    assert buy_vwap == pytest.approx(102_000 / 1005, rel=EXACT)
    assert row["slippage_buy_bps_1000"] == pytest.approx((buy_vwap - 100) / 100 * 10_000, rel=EXACT)  # +149.25
    # sell 1,000 USD: 5 at 99 (495), then 505 / 98 -> base 995/98; vwap 98,000/995
    sell_vwap = 1000 / (5 + 505 / 98)
    assert row["slippage_sell_bps_1000"] == pytest.approx((100 - sell_vwap) / 100 * 10_000, rel=EXACT)  # +150.75
    assert row["slippage_sell_bps_1000"] > 0 and row["slippage_buy_bps_1000"] > 0
    assert (row["insufficient_depth_buy_1000"], row["insufficient_depth_sell_1000"]) == (False, False)
    # 10,000 USD: the sides hold 1,525 and 1,475 -> NULL and flagged
    assert (row["slippage_buy_bps_10000"], row["slippage_sell_bps_10000"]) == (None, None)
    assert (row["insufficient_depth_buy_10000"], row["insufficient_depth_sell_100000"]) == (True, True)


def test_a_side_holding_exactly_the_order_fills_it(metrics_dir):
    row = metrics(metrics_dir, "EXA/USDT")
    # asks 400 + 600 = 1,000 quote = the 1,000 USD order: base 4 + 5 = 9, vwap 1,000 / 9, mid 99
    assert row["insufficient_depth_buy_1000"] is False
    assert row["slippage_buy_bps_1000"] == pytest.approx((1000 / 9 - 99) / 99 * 10_000, rel=EXACT)
    # bids hold 98 quote: cannot fill
    assert (row["insufficient_depth_sell_1000"], row["slippage_sell_bps_1000"]) == (True, None)


def test_one_sided_snapshot_is_usable_without_mid_spread_or_slippage(metrics_dir):
    row = metrics(metrics_dir, "ONE/USDT")
    assert (row["is_two_sided"], row["best_bid"], row["best_ask"]) == (False, 100.0, None)
    assert (row["mid"], row["spread_bps"], row["depth_bid_quote_100"], row["imbalance_100"]) == (None, None, None, None)
    assert (row["slippage_sell_bps_1000"], row["insufficient_depth_sell_1000"]) == (None, None)


def test_invalid_snapshot_has_no_metrics_and_a_repeated_one_counts_once(metrics_dir):
    assert query(metrics_dir, "select * from fct_orderbook_snapshot_metrics where symbol = 'INV/USDT'") == []
    # DUP/USDT sits in two lake batch files
    assert metrics(metrics_dir, "DUP/USDT")["mid"] == 100.25


def test_minute_bucket_is_floor_of_ts(metrics_dir):
    minutes = query(metrics_dir, "select ts, minute from fct_orderbook_snapshot_metrics "
                                 "where symbol = 'MIN/USDT' order by ts")
    assert [(m["ts"] - D0, m["minute"].strftime("%H:%M:%S")) for m in minutes] == [
        (59_999, "00:00:00"), (60_000, "00:01:00")]


def test_depth_and_slippage_in_usd_through_the_quote_usdt_mid(metrics_dir):
    row = metrics(metrics_dir, "ETH/BTC")
    assert (row["usd_rate"], row["usd_rate_source"], row["usd_rate_ts"]) == (50_000.0, "same_exchange", T - 10 * S)
    # 100 bps band of mid 0.05: 0.0499 x 100 BTC bid, 0.0501 x 100 BTC ask, x 50,000
    assert row["depth_bid_usd_100"] == pytest.approx(0.0499 * 100 * 50_000, rel=EXACT)  # 249,500
    assert row["depth_ask_usd_100"] == pytest.approx(0.0501 * 100 * 50_000, rel=EXACT)  # 250,500
    # 1,000 USD = 0.02 BTC, filled at the touch: vwap 0.0501 / 0.0499 -> 20 bps each way
    assert row["slippage_buy_bps_1000"] == pytest.approx((0.0501 - 0.05) / 0.05 * 10_000, rel=1e-9)
    assert row["slippage_sell_bps_1000"] == pytest.approx((0.05 - 0.0499) / 0.05 * 10_000, rel=1e-9)
    # 100,000 USD = 2 BTC <= the 5.01 BTC of the touch
    assert row["insufficient_depth_buy_100000"] is False


@pytest.mark.parametrize("quote", STABLE_QUOTES)
def test_stable_quotes_are_worth_one_usd(metrics_dir, quote):
    row = metrics(metrics_dir, f"S/{quote}")
    assert (row["usd_rate"], row["usd_rate_source"], row["depth_bid_usd_100"]) == (1.0, "stable", 100.0)


@pytest.mark.parametrize(("exchange", "symbol", "ts", "rate", "source", "rate_exchange"), [
    ("binance", "EA/QA", T, 2.0, "same_exchange", "binance"),  # the mid, not a touch
    ("binance", "EB/QB", T, 3.0, "same_exchange", "binance"),  # exactly 60 s old
    ("binance", "EB/QB", T + 1, None, "missing", None),  # 60.001 s old
    ("binance", "EC/QC", T, 4.0, "same_exchange", "binance"),  # same ts, not the one 1 ms later
    ("binance", "ED/QD", T, 6.0, "same_exchange", "binance"),  # not the one-sided, not the crossed
    ("gate", "EE/QE", T, 8.0, "same_exchange", "gate"),  # own exchange before binance
    ("okx", "EE/QE", T, 7.0, "other_exchange", "binance"),  # binance before gate
    ("okx", "EF/QF", T, 9.5, "other_exchange", "bybit"),  # binance too old: bybit before gate
    ("binance", "EG/QG", D0 + 20 * S, 11.0, "same_exchange", "binance"),  # from the previous day
    ("binance", "EH/QH", T, 12.0, "same_exchange", "binance"),  # the spot market, not the perp
])
def test_usd_rate_reference_rules(metrics_dir, exchange, symbol, ts, rate, source, rate_exchange):
    row = metrics(metrics_dir, symbol, exchange, ts)
    assert (row["usd_rate_source"], row["usd_rate_exchange"]) == (source, rate_exchange)
    if rate is None:
        assert (row["usd_rate"], row["depth_bid_usd_100"]) == (None, None)
    else:
        assert row["usd_rate"] == pytest.approx(rate, rel=EXACT)
        assert row["depth_bid_usd_100"] == pytest.approx(10.0 * rate, rel=EXACT)
