"""Books and trades are pure functions of (seed, market, t) and follow the scripted behaviours."""
from __future__ import annotations

import math

from simulator.book import order_book
from simulator.market import World
from simulator.trades import trades_between, trades_from_id, trades_in_minute

MINUTE = 60_000


def test_same_t_same_book_different_t_different(smoke_scenario, t0):
    first = order_book(World(smoke_scenario), "binance", "BTC/USDT", t0 + 12_345, 100)
    again = order_book(World(smoke_scenario), "binance", "BTC/USDT", t0 + 12_345, 100)
    later = order_book(World(smoke_scenario), "binance", "BTC/USDT", t0 + 12_346, 100)
    assert first == again
    assert (first.bids, first.asks) != (later.bids, later.asks)


def test_book_shape_limits_and_rounding(smoke_world, t0):
    book = order_book(smoke_world, "binance", "BTC/USDT", t0 + 3 * MINUTE, 100)
    assert len(book.bids) == len(book.asks) == 100
    assert [p for p, _ in book.bids] == sorted((p for p, _ in book.bids), reverse=True)
    assert [p for p, _ in book.asks] == sorted(p for p, _ in book.asks)
    assert book.bids[0][0] < book.asks[0][0]
    for price, amount in book.bids + book.asks:
        assert math.isclose(price * 100, round(price * 100), abs_tol=1e-6)       # tick 0.01
        assert math.isclose(amount * 1e5, round(amount * 1e5), abs_tol=1e-6)     # step 0.00001
        assert amount > 0
    small = order_book(smoke_world, "binance", "BTC/USDT", t0 + 3 * MINUTE, 5)
    assert small.bids == book.bids[:5] and small.asks == book.asks[:5]
    assert len(order_book(smoke_world, "binance", "BTC/USDT", t0, 5000).bids) > 100


def test_normal_quotes_meet_the_makers_spread_and_depth(smoke_world, t0):
    book = order_book(smoke_world, "binance", "BTC/USDT", t0 + 3 * MINUTE, 100)
    mid = (book.bids[0][0] + book.asks[0][0]) / 2
    spread_bps = (book.asks[0][0] - book.bids[0][0]) / mid * 10_000
    assert 8 <= spread_bps < 8.1  # 8 bps quoted, rounded outward by at most a tick a side
    depth_bid = sum(p * a for p, a in book.bids if p >= mid * 0.99)
    assert 120_000 <= depth_bid <= 132_000  # 8 levels of 15,000 USD, +0-10 % jitter, background outside 1 %


def test_scripted_behaviours(smoke_world, t0):
    def at(minute: int):
        return order_book(smoke_world, "binance", "BTC/USDT", t0 + minute * MINUTE + 1, 100)

    assert at(6).asks == [] and at(6).bids          # one_sided_ask: the whole ask side is empty
    assert at(40).bids == [] and at(40).asks        # one_sided_bid: the whole bid side is empty
    crossed = at(20)
    assert crossed.condition == "crossed" and crossed.bids[0][0] > crossed.asks[0][0]
    assert at(26).status == "outage" and at(30).status == "empty_body"
    wide = at(11)
    assert (wide.asks[0][0] - wide.bids[0][0]) / wide.asks[0][0] * 10_000 > 55
    absent = at(36)
    assert (absent.asks[0][0] - absent.bids[0][0]) / absent.asks[0][0] * 10_000 > 250  # background only
    thin = at(16)
    thin_mid = (thin.bids[0][0] + thin.asks[0][0]) / 2
    assert sum(p * a for p, a in thin.bids if p >= thin_mid * 0.99) < 30_000  # 20 % of 120,000 + jitter


def test_trades_are_deterministic_with_contiguous_ids(smoke_scenario, smoke_world, t0):
    model = smoke_world.market("binance", "BTC/USDT")
    minute = t0 // MINUTE
    trades = trades_in_minute(model, minute)
    assert trades == trades_in_minute(World(smoke_scenario).market("binance", "BTC/USDT"), minute)
    assert len(trades) == 30
    assert [t.id for t in trades] == list(range(minute * 30, minute * 30 + 30))
    assert all(t0 <= t.ts < t0 + MINUTE for t in trades)
    assert [t.ts for t in trades] == sorted(t.ts for t in trades)
    assert {t.side for t in trades} == {"buy", "sell"}
    window = trades_between(model, t0 + 30_000, t0 + 90_000, 1000)
    assert all(t0 + 30_000 <= t.ts <= t0 + 90_000 for t in window)
    assert [t.id for t in window] == list(range(window[0].id, window[0].id + len(window)))
    assert trades_from_id(model, trades[10].id, t0 + MINUTE, 5) == trades[10:15]


def test_some_trades_are_large(smoke_world, t0):
    model = smoke_world.market("binance", "BTC/USDT")
    amounts = [t.amount for m in range(t0 // MINUTE, t0 // MINUTE + 60) for t in trades_in_minute(model, m)]
    assert max(amounts) > 10 * sorted(amounts)[len(amounts) // 2]
