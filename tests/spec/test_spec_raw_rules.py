"""Spec §1 validity and the §4 trade key at the raw layer, where tests/dagster/test_raw_*.py leave
a gap: the raw assets materialized for real on hand-made landing files (tests/dagster helpers)."""
from __future__ import annotations

import sys
from pathlib import Path


from mmwatch.landing.zone import write_landing

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dagster"))
try:
    from landing_factory import DAY, book, books_frame, levels, trade, trades_frame
    from raw_runs import materialize_raw, read_lake
finally:
    sys.path.pop(0)

from assets.raw.orderbooks import raw_orderbooks  # noqa: E402
from assets.raw.trades import raw_trades  # noqa: E402

KEY = f"{DAY}|binance"


def test_best_bid_is_the_highest_listed_bid(data_dir, instance):
    rows = [
        # bids out of order: the best bid is 101 (not the first listed, 99) and crosses the ask 100.5
        book(0, levels((99.0, 1.0), (101.0, 1.0)), levels((100.5, 1.0))),
        # asks out of order: the best ask is 99.5 (not the first listed, 102), at or under the bid 100
        book(1000, levels((100.0, 1.0)), levels((102.0, 1.0), (99.5, 1.0))),
        book(2000, levels((100.0, 1.0), (99.0, 1.0)), levels((101.0, 1.0), (102.0, 1.0))),  # in order, not crossed
        book(3000, levels((100.0, 1.0)), levels((101.0, float("inf")))),  # non-finite amount
    ]
    write_landing(data_dir, "orderbooks", DAY, "binance", books_frame(rows), "collector")
    materialize_raw(raw_orderbooks, data_dir, KEY, instance)
    lake = read_lake(data_dir, "raw_orderbooks", DAY, "binance").sort("ts")
    assert lake["invalid_reason"].to_list() == ["crossed_book", "crossed_book", None, "bad_amount"]


def test_same_trade_id_under_two_market_types_is_kept_twice(data_dir, instance):
    spot = trade(0, 100.0, 1.0, "buy", "t-1")
    swap = {**trade(0, 100.0, 3.0, "sell", "t-1"), "market_type": "swap"}
    write_landing(data_dir, "trades", DAY, "binance", trades_frame([spot, swap, spot]), "collector")
    metadata = materialize_raw(raw_trades, data_dir, KEY, instance)
    lake = read_lake(data_dir, "raw_trades", DAY, "binance").sort("market_type")
    assert lake.select("market_type", "trade_key", "amount").rows() == [("spot", "t-1", 1.0), ("swap", "t-1", 3.0)]
    assert metadata["duplicates_dropped"] == 1
