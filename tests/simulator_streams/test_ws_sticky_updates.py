"""The streamed book model (simulator.streams.updates): multi-tick updates carry every level changed
in their span (right on any book of the span), the book is sticky between redraws (a few amounts a
tick, a full redraw every redraw_ms), windows keep their timing, and REST serves that book on the
wall clock and build_book on the virtual one."""
from __future__ import annotations

from pathlib import Path

import pytest
from ccxt.async_support.base.ws.order_book import OrderBook
from pydantic import ValidationError

from simulator.book import build_book
from simulator.market import World
from simulator.scenario import Venue, load_scenario
from simulator.streams import book_at_update, diff_books
from simulator.streams.updates import PERTURBED, BookCache, redraw_ms
from simulator.truth import TruthRecorder
from simulator.venue import VenueContext

SCENARIO = load_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "venues.yaml")
WORLD = World(SCENARIO)
R = (SCENARIO.day_start_ms + 3 * 3_600_000) // 100  # an update id on a redraw (10 ticks a redraw)


def applied(book, update, depth: int | None) -> tuple[list, list]:
    """`update` applied to `book` cut to `depth` the way ccxt.pro applies a venue's deltas."""
    held = OrderBook({"bids": book.bids[:depth], "asks": book.asks[:depth]})
    for side, levels in (("bids", update.bids), ("asks", update.asks)):
        for price, amount in levels:
            held[side].store(price, amount)
    return [tuple(level) for level in held["bids"]], [tuple(level) for level in held["asks"]]


@pytest.mark.parametrize("venue,symbol,depth", [("binance", "BTC/USDT", None), ("okx", "ETH/USDT:USDT", 5),
                                                ("bybit", "SOL/USDT", 50)])
@pytest.mark.parametrize("prev,last", [(R + 2, R + 3), (R + 1, R + 7), (R - 3, R + 5), (R - 4, R + 16)])
def test_a_multi_tick_update_turns_any_book_of_its_span_into_the_last_one(venue, symbol, depth, prev, last):
    cache, model = BookCache(WORLD), WORLD.market(venue, symbol)
    update = cache.update(model, prev, last, depth)
    new = cache.book(model, last)
    for held in range(prev, last + 1):  # the client's book may be any of the span (a REST snapshot)
        assert applied(cache.book(model, held), update, depth) == (new.bids[:depth], new.asks[:depth]), held
    assert update.bids == sorted(update.bids, reverse=True) and update.asks == sorted(update.asks)


def test_a_level_that_came_and_went_inside_the_span_is_sent_with_amount_zero():
    cache, model = BookCache(WORLD), WORLD.market("binance", "BTC/USDT")
    prev, middle, last = R - 1, R + 5, R + 10  # three redraws: the middle one's levels live only inside
    update = cache.update(model, prev, last)
    ends = {price for book in (cache.book(model, prev), cache.book(model, last)) for price, _ in book.bids}
    passing = [price for price, _ in cache.book(model, middle).bids if price not in ends]
    assert len(passing) > 50
    assert {price: 0.0 for price in passing}.items() <= dict(update.bids).items()
    endpoint_bids, _ = diff_books(cache.book(model, prev), cache.book(model, last))
    assert not set(passing) & {price for price, _ in endpoint_bids}  # what the endpoint diff missed


@pytest.mark.parametrize("venue,symbol", [("binance", "BTC/USDT"), ("binancecoinm", "BTC/USD:BTC"),
                                          ("bitget", "SOL/USDT")])
def test_the_book_is_sticky_between_redraws_and_redrawn_at_each(venue, symbol):
    cache, model = BookCache(WORLD), WORLD.market(venue, symbol)
    ticks = range(R + 1, R + 601)  # a simulated minute
    changed, longest = [], 0
    for n in ticks:
        update, old, new = cache.update(model, n - 1, n), cache.book(model, n - 1), cache.book(model, n)
        assert (update.bids, update.asks) == diff_books(old, new)
        assert [price for price, _ in new.bids] == [price for price, _ in old.bids] or n % 10 == 0
        if n % 10:  # between redraws: the last tick's amounts revert, this tick's change
            assert len(update.bids) <= 2 * PERTURBED and len(update.asks) <= 2 * PERTURBED
            assert len(update.bids) + len(update.asks) >= 1
        else:  # a redraw: the fair price moved, (nearly) every level goes or comes
            assert len(update.bids) > len(new.bids) and len(update.asks) > len(new.asks)
        changed.append(len(update.bids) + len(update.asks))
        longest = max(longest, len(old.bids), len(old.asks), len(new.bids), len(new.asks))
    # 9 ticks in 10 change at most 2 x PERTURBED a side; a redraw at most every old and new level
    bound = (9 * 4 * PERTURBED + 4 * longest) / 10
    assert sum(changed) / len(changed) <= bound < 70


def test_redraw_ms_is_on_the_tick_grid_and_equal_ticks_give_build_book():
    assert redraw_ms(WORLD, "binance") == 1000
    venue = SCENARIO.venues["binance"]
    assert redraw_ms(_world(venue.model_copy(update={"update_ms": 300})), "binance") == 1200
    with pytest.raises(ValidationError, match="not a multiple of update_ms"):
        Venue.model_validate({**venue.model_dump(), "redraw_ms": 150})
    plain = _world(venue.model_copy(update={"redraw_ms": 100}))
    for n in (R + 3, R + 4):
        assert book_at_update(plain, "binance", "ETH/USDT", n) == build_book(plain.market("binance", "ETH/USDT"),
                                                                            n * 100, None)
    assert book_at_update(WORLD, "binance", "ETH/USDT", R + 3) != build_book(WORLD.market("binance", "ETH/USDT"),
                                                                             (R + 3) * 100, None)


def _world(binance: Venue) -> World:
    return World(SCENARIO.model_copy(update={"venues": {**SCENARIO.venues, "binance": binance}}))


def test_a_behaviour_window_starts_on_its_own_tick():
    start = (SCENARIO.day_start_ms + 9 * 3_600_000) // 100  # bybit BTC/USDT: wide_spread from 09:00
    spread = [(lambda b: b.asks[0][0] - b.bids[0][0])(book_at_update(WORLD, "bybit", "BTC/USDT", n))
              for n in (start - 1, start)]
    assert spread[1] > 3 * spread[0]


def test_rest_serves_the_streamed_book_on_the_wall_clock_and_build_book_on_the_virtual_one():
    model, now = WORLD.market("okx", "BTC/USDT"), (R + 3) * 100 + 47
    wall = VenueContext(WORLD, "okx", now, TruthRecorder([]), tick_ms=100).serve_book(model, 5)
    truth = book_at_update(WORLD, "okx", "BTC/USDT", R + 3)
    assert (wall.t_ms, wall.bids, wall.asks) == (now, truth.bids[:5], truth.asks[:5])
    virtual = VenueContext(WORLD, "okx", now, TruthRecorder([])).serve_book(model, 5)
    assert virtual == build_book(model, now, 5) != wall
