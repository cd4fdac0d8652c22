"""fct_orderbook_snapshot_metrics against hand-computed spec §1/§2 numbers."""
from __future__ import annotations

import pytest

from dbt_harness import as_date, one, query
from lake_cases import D0, DAY, S

SNAPSHOT = "select * from fct_orderbook_snapshot_metrics where exchange = ? and symbol = ? and ts = ?"


def test_spread_depth_bands_zero_levels_and_truncation(scenario_dir):
    row = one(scenario_dir, SNAPSHOT, ["binance", "AAA/USDT", D0 + 5 * S])
    # zero-amount bid 99.5 ignored: best bid 99, best ask 101, mid 100
    assert (row["best_bid"], row["best_ask"], row["mid"]) == (99.0, 101.0, 100.0)
    assert row["spread_bps"] == pytest.approx(200.0)  # (101 - 99) / 100 * 10,000
    assert (row["bid_levels"], row["ask_levels"]) == (2, 2)  # zero-amount levels dropped
    assert row["day"] == as_date(DAY) and row["is_two_sided"]
    # 10 / 50 bps bands (99.9 / 99.5 .. 100.1 / 100.5) hold no level
    assert (row["depth_bid_quote_10"], row["depth_ask_quote_10"], row["imbalance_10"]) == (0.0, 0.0, None)
    assert (row["depth_bid_quote_50"], row["depth_ask_quote_50"]) == (0.0, 0.0)
    # 100 bps: bids >= 99 -> 99*10 = 990; asks <= 101 -> 101*10 = 1010
    assert (row["depth_bid_quote_100"], row["depth_ask_quote_100"]) == (990.0, 1010.0)
    assert row["imbalance_100"] == pytest.approx(-20 / 2000)
    # 200 bps: bids >= 98 -> 990 + 98*5 = 1480; asks <= 102 -> 1010 + 102*5 = 1520 (bounds inclusive)
    assert (row["depth_bid_quote_200"], row["depth_ask_quote_200"]) == (1480.0, 1520.0)
    assert (row["depth_bid_usd_200"], row["depth_ask_usd_200"]) == (1480.0, 1520.0)
    assert row["imbalance_200"] == pytest.approx(-40 / 3000)
    # deepest fetched bid 98 (the zero-amount 90 does not count) and ask 102 sit on the
    # 200 bps bounds: the book may go deeper -> truncated; not at 100 bps
    assert (row["depth_truncated_bid_200"], row["depth_truncated_ask_200"]) == (True, True)
    assert (row["depth_truncated_bid_100"], row["depth_truncated_ask_100"]) == (False, False)
    assert (row["usd_rate"], row["usd_rate_source"]) == (1.0, "stable")
    assert str(row["minute"]) == "2025-11-20 00:00:00"


def test_crossed_book_is_excluded(scenario_dir):
    rows = query(scenario_dir, "select ts from fct_orderbook_snapshot_metrics where symbol = 'CRS/USDT'")
    assert rows == [{"ts": D0}]  # the crossed snapshot at +10 s is not a usable snapshot


def test_one_sided_book_is_usable_with_null_mid_and_spread(scenario_dir):
    row = one(scenario_dir, SNAPSHOT, ["binance", "ONE/USDT", D0 + 10 * S])
    assert not row["is_two_sided"]
    assert (row["best_bid"], row["best_ask"], row["mid"], row["spread_bps"]) == (10.0, None, None, None)
    assert (row["bid_levels"], row["ask_levels"]) == (1, 0)
    assert row["depth_bid_quote_200"] is None and row["depth_truncated_bid_200"] is None


def test_duplicate_snapshot_is_one_row(scenario_dir):
    # written in two lake batches with the same snapshot_id
    rows = query(scenario_dir, "select snapshot_id from fct_orderbook_snapshot_metrics where symbol = 'DUP/USDT'")
    assert len(rows) == 1


@pytest.mark.parametrize(
    "exchange, ts, rate, source, rate_exchange",
    [
        # binance BTC/USDT mid (49,990 + 50,010) / 2 = 50,000 exactly 60 s old: still valid
        ("binance", D0 + 60 * S, 50000.0, "same_exchange", "binance"),
        # gate's own BTC/USDT from 40 s before, on the previous day (mid 49,000), beats
        # binance's fresher one: same exchange first
        ("gate", D0 + 10 * S, 49000.0, "same_exchange", "gate"),
        # kraken has no BTC/USDT; binance's is 200 s old; bybit (30 s, 51,000) comes
        # before okx (10 s, 52,000) alphabetically
        ("kraken", D0 + 200 * S, 51000.0, "other_exchange", "bybit"),
        # every reference is more than 60 s old
        ("kraken", D0 + 1000 * S, None, "missing", None),
    ],
)
def test_usd_rate_of_non_stable_quote(scenario_dir, exchange, ts, rate, source, rate_exchange):
    row = one(scenario_dir, SNAPSHOT, [exchange, "ETH/BTC", ts])
    assert (row["usd_rate"], row["usd_rate_source"], row["usd_rate_exchange"]) == (rate, source, rate_exchange)
    assert row["depth_bid_quote_100"] == pytest.approx(4.99)  # 0.0499 * 100 within 0.0495..
    if rate is None:
        assert row["depth_bid_usd_100"] is None and row["depth_ask_usd_100"] is None
    else:
        assert row["depth_bid_usd_100"] == pytest.approx(4.99 * rate)
        assert row["depth_ask_usd_100"] == pytest.approx(5.01 * rate)


def test_only_the_built_day_is_in_the_mart(scenario_dir):
    rows = query(scenario_dir, "select day, count(*) as n from fct_orderbook_snapshot_metrics group by day order by day")
    # D: 1 AAA + 1 CRS + 2 ONE + 1 DUP + 3 BTC/USDT + 4 ETH/BTC + 6 GAP + 5 IRR + 3 MID = 26;
    # D+1: 3 MID. Gate's BTC/USDT of D-1 was read for the rate only.
    assert [(str(r["day"]), r["n"]) for r in rows] == [("2025-11-20", 26), ("2025-11-21", 3)]
