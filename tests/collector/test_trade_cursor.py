"""The per-market trades cursor: overlapping pages give no duplicates and no gaps."""
from __future__ import annotations

from mmwatch.collector.fetchers import TradeCursor


def _trade(trade_id, ts):
    return {"id": str(trade_id), "timestamp": ts, "price": 1.0, "amount": 1.0, "side": "buy"}


def test_overlapping_pages_yield_each_trade_once():
    cursor = TradeCursor(since=1_000)
    first = cursor.take_new([_trade(1, 1_000), _trade(2, 1_500), _trade(3, 2_000)])
    # The next request starts at the last timestamp (inclusive): trade 3 comes again, with 4 sharing its ms.
    second = cursor.take_new([_trade(3, 2_000), _trade(4, 2_000), _trade(5, 2_500)])
    third = cursor.take_new([_trade(5, 2_500)])
    assert [t["id"] for t in first] == ["1", "2", "3"]
    assert [t["id"] for t in second] == ["4", "5"]
    assert third == []
    assert cursor.since == 2_500


def test_trades_before_the_cursor_are_dropped():
    cursor = TradeCursor(since=5_000)
    assert cursor.take_new([_trade(1, 4_999), _trade(2, 5_000)]) == [_trade(2, 5_000)]


def test_trades_without_id_are_keyed_by_content():
    cursor = TradeCursor(since=None)
    anonymous = {"id": None, "timestamp": 10, "price": 2.0, "amount": 0.5, "side": "sell"}
    assert cursor.take_new([anonymous]) == [anonymous]
    assert cursor.take_new([dict(anonymous)]) == []
