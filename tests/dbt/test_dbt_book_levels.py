"""fct_book_levels: which snapshots it keeps (the last of each minute, breach starts and ends) and
their levels (from the touch, base units, cut at 25 a side), worked out by hand."""
from __future__ import annotations

import pytest

from dbt_harness import day_start_ms, query, run_dbt, snapshot, write_lake_orderbooks, write_obligations_csv

DAY = "2025-11-21"
D0 = day_start_ms(DAY)
S, M = 1000, 60_000
GOOD = ([(99.9, 5.0), (99.8, 5.0)], [(100.1, 5.0), (100.2, 5.0)])  # spread 20 bps
WIDE = ([(99.0, 5.0)], [(101.0, 5.0)])  # spread 200 bps
# 30 levels a side listed away from the touch, one with amount 0: 29 priced levels, 25 kept
DEEP_BIDS = [(92.65 + i * 0.25, 1.0 + i) for i in range(30)]  # best 99.9
DEEP_ASKS = [(107.35 - i * 0.25, 0.0 if i == 5 else 2.0) for i in range(30)]  # best 100.1, 106.1 empty


def _rows() -> list[dict]:
    rows = [
        # minute 0: three books; the last (00:00:40) is the minute's
        snapshot("binance", "BL/USDT", D0, *GOOD),
        snapshot("binance", "BL/USDT", D0 + 20 * S, *GOOD),
        snapshot("binance", "BL/USDT", D0 + 40 * S, DEEP_BIDS, DEEP_ASKS),
        # wide from 00:01:20 to 00:01:50, compliant at 00:02:10: an episode from 01:20 to 02:10
        snapshot("binance", "BL/USDT", D0 + 60 * S, *GOOD),
        snapshot("binance", "BL/USDT", D0 + 80 * S, *WIDE),
        snapshot("binance", "BL/USDT", D0 + 110 * S, *WIDE),
        snapshot("binance", "BL/USDT", D0 + 130 * S, *GOOD),
        # wide at 00:05:00, next book 150 s later (a gap): an episode that ends at its only snapshot
        snapshot("binance", "BL/USDT", D0 + 300 * S, *WIDE),
        snapshot("binance", "BL/USDT", D0 + 450 * S, *GOOD),
        snapshot("binance", "BL/USDT", D0 + 455 * S, [(101.0, 1.0)], [(100.0, 1.0)], invalid_reason="crossed_book"),
        # an OKX perp in contracts of 0.01: 300 contracts = 3 BTC
        snapshot("okx", "BL/USDT:USDT", D0 + 5 * S, [(100.0, 300.0)], [(100.5, 100.0)], market_type="swap",
                 contract_size=0.01),
    ]
    return rows


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("dbt_book_levels")
    write_lake_orderbooks(data_dir, _rows())
    csv = write_obligations_csv(data_dir / "obligations.csv", [
        {"obligation_id": "bl-tight", "mm_name": "T", "exchange": "binance", "market_type": "spot", "symbol": "BL/USDT",
         "valid_from": "2025-01-01", "max_spread_bps": 50, "depth_band_bps": 100, "min_depth_usd": 100,
         "min_uptime_pct": 90},
        {"obligation_id": "bl-loose", "mm_name": "L", "exchange": "binance", "market_type": "spot", "symbol": "BL/USDT",
         "valid_from": "2025-01-01", "max_spread_bps": 500, "depth_band_bps": 100, "min_depth_usd": 100,
         "min_uptime_pct": 90},
    ])
    run_dbt(data_dir, ["build", "--select", "+fct_book_levels", "+fct_mm_breach_episodes"],
            {"day": DAY, "obligations_csv": str(csv)})
    return data_dir


def _snapshots(data_dir, symbol: str = "BL/USDT") -> dict[int, dict]:
    rows = query(data_dir, "select ts - ? as at, any_value(is_minute_snapshot) as minute_last, "
                           "any_value(breach_start_of) as starts, any_value(breach_end_of) as ends, count(*) as levels "
                           "from fct_book_levels where symbol = ? group by ts order by ts", [D0, symbol])
    return {row["at"] // S: row for row in rows}


def test_the_snapshots_kept_are_each_minutes_last_and_the_breach_bounds(data_dir):
    kept = _snapshots(data_dir)
    assert sorted(kept) == [40, 80, 110, 130, 300, 450]  # not 0 / 20 (minute 0's earlier books) nor 60
    assert {at for at, row in kept.items() if row["minute_last"]} == {40, 110, 130, 300, 450}
    assert {at: (row["starts"], row["ends"]) for at, row in kept.items() if row["starts"] or row["ends"]} == {
        80: ("bl-tight", None), 130: (None, "bl-tight"), 300: ("bl-tight", "bl-tight")}
    episodes = query(data_dir, "select start_ts - ? as s, end_ts - ? as e from fct_mm_breach_episodes order by 1", [D0, D0])
    assert [(row["s"] // S, row["e"] // S) for row in episodes] == [(80, 130), (300, 300)]


def test_levels_from_the_touch_cut_at_25_a_side(data_dir):
    rows = query(data_dir, "select side, level, price, amount, notional_quote, cumulative_usd, bid_levels, ask_levels "
                           "from fct_book_levels where ts = ? order by side, level", [D0 + 40 * S])
    bids = [row for row in rows if row["side"] == "bid"]
    asks = [row for row in rows if row["side"] == "ask"]
    assert (len(bids), len(asks), bids[0]["bid_levels"], asks[0]["ask_levels"]) == (25, 25, 30, 29)
    assert [(row["price"], row["amount"]) for row in bids[:2]] == [(pytest.approx(99.9), 30.0), (pytest.approx(99.65), 29.0)]
    assert bids[-1]["price"] == pytest.approx(93.9) and [row["level"] for row in bids] == list(range(1, 26))
    # asks ascending from 100.1; the zero-amount level at 106.1 is not a level (spec §1)
    assert [row["price"] for row in asks[:3]] == pytest.approx([100.1, 100.35, 100.6])
    assert not [row for row in asks if row["price"] == pytest.approx(106.1)] and asks[-1]["price"] == pytest.approx(106.35)
    assert bids[1]["cumulative_usd"] == pytest.approx(bids[0]["price"] * 30 + bids[1]["price"] * 29)
    assert asks[0]["notional_quote"] == pytest.approx(asks[0]["price"] * 2)


def test_contract_amounts_are_base_units(data_dir):
    rows = query(data_dir, "select side, price, amount, exchange_ts, received_ts from fct_book_levels "
                           "where symbol = 'BL/USDT:USDT' order by side")
    assert [(row["side"], row["price"], row["amount"]) for row in rows] == [("ask", 100.5, 1.0), ("bid", 100.0, 3.0)]
    assert (rows[0]["exchange_ts"], rows[0]["received_ts"]) == (D0 + 5 * S, D0 + 5 * S + 25)
