"""The fast paths give what the plain rules give: books (merge-free vs merged), truth facts
(prefix sums on ordered books vs the rules word for word), prices (integer division vs round)."""
from __future__ import annotations

import random

import pytest

from simulator.book import build_book
from simulator.market import World, decimal_fraction
from simulator.randomness import normal_quantiles, seeded_uint16
from simulator.scenario import parse_scenario
from simulator.truth_math import _any_order_facts, snapshot_facts

MINUTE = 60_000


def _crowded_scenario(smoke_scenario):
    """The smoke scenario with background levels inside the maker's band and closer than a tick."""
    raw = smoke_scenario.model_dump(mode="json")
    btc, eth_btc = raw["venues"]["binance"]["markets"]
    btc["background"] = {"levels": 300, "distance_bps": 2, "step_bps": 0.0004, "size": 0.05}  # 0.39 ticks apart
    eth_btc["background"] = {"levels": 200, "distance_bps": 30, "step_bps": 0.5, "size": 1.0}  # 0.17 ticks apart
    return parse_scenario(raw, "crowded.yaml")


@pytest.mark.parametrize("minute", [3, 6, 11, 20, 36, 40])  # normal, one-sided ask, wide, crossed, absent, one-sided bid
@pytest.mark.parametrize("symbol", ["BTC/USDT", "ETH/BTC"])
def test_a_limited_book_is_the_head_of_the_whole_book(smoke_scenario, minute, symbol):
    for scenario in (smoke_scenario, _crowded_scenario(smoke_scenario)):
        model = World(scenario).market("binance", symbol)
        t_ms = scenario.day_start_ms + minute * MINUTE + 777
        whole = build_book(model, t_ms, None)  # always merges level by level
        for limit in (1, 5, 8, 9, 50, 100):
            book = build_book(model, t_ms, limit)  # merge-free when the background lies beyond the makers
            assert (book.bids, book.asks) == (whole.bids[:limit], whole.asks[:limit])
        assert [p for p, _ in whole.bids] == sorted({p for p, _ in whole.bids}, reverse=True)  # one level a price
        assert [p for p, _ in whole.asks] == sorted({p for p, _ in whole.asks})


def test_crowded_background_merges_into_fewer_levels(smoke_scenario):
    model = World(_crowded_scenario(smoke_scenario)).market("binance", "BTC/USDT")
    whole = build_book(model, smoke_scenario.day_start_ms + 3 * MINUTE, None)
    # 300 levels 0.0004 bps apart at ~97,000 span 0.12 bps = 1.16 USDT = 116 ticks (from 2 bps, inside
    # the maker's 4 bps touch), + the maker's 8 levels: about 125 distinct prices, not 308
    assert 120 <= len(whole.asks) <= 130
    assert sum(a for _, a in whole.asks) > 300 * 0.05 * 0.9  # no background amount lost in the merge


def _random_side(rng: random.Random, start: float, direction: int) -> list[tuple[float, float]]:
    prices = [round(start + direction * rng.randrange(0, 400) * 0.01, 2) for _ in range(rng.randrange(0, 60))]
    prices = sorted(set(prices), reverse=direction < 0)
    return [(p, round(rng.uniform(0.00001, 3), 5)) for p in prices]


def test_ordered_book_facts_equal_the_rules_word_for_word():
    rng = random.Random(11)
    bands = {10.0, 50.0, 100.0, 200.0}
    for case in range(500):
        bids, asks = _random_side(rng, 99.99, -1), _random_side(rng, 100.0 + rng.choice([0, 0, -0.5]), 1)
        expected = _any_order_facts("x", "s", case, bids, asks, bands)
        assert snapshot_facts("x", "s", case, bids, asks, bands) == expected  # exactly: same floats
        shuffled = snapshot_facts("x", "s", case, rng.sample(bids, len(bids)), asks, bands)  # the rules' path
        assert (shuffled.invalid_reason, shuffled.best_bid, shuffled.best_ask) == \
            (expected.invalid_reason, expected.best_bid, expected.best_ask)
        for band, (bid_depth, ask_depth) in expected.depth_quote.items():  # summed in another order
            assert shuffled.depth_quote[band] == (pytest.approx(bid_depth, rel=1e-12), ask_depth)
        if bids:
            with_zero = [(bids[0][0] + 0.5, 0.0)] + bids  # a zero-amount level above the touch is ignored
            assert snapshot_facts("x", "s", case, with_zero, asks, bands) == expected


def test_tick_fractions_print_like_round():
    assert decimal_fraction(0.0025) == (25, 10_000) and decimal_fraction(5.0) == (5, 1)
    rng = random.Random(3)
    for step in (0.01, 0.00001, 0.5, 5.0, 0.0025, 0.1, 1e-8):
        numerator, scale = decimal_fraction(step)
        decimals = len(str(scale)) - 1
        for units in (rng.randrange(1, 10**10) for _ in range(2000)):
            assert units * numerator / scale == round(units * step, decimals)


def test_model_prices_and_amounts_are_rounded_to_tick_and_step(smoke_world):
    model = smoke_world.market("binance", "ETH/BTC")  # tick 0.00001, step 0.0001
    assert model.price(3_349_917) == 33.49917 and model.amount(12_345) == 1.2345


def test_normal_table_is_a_standard_normal():
    table = normal_quantiles()
    assert len(table) == 65_536 and table[0] == pytest.approx(-table[-1])
    assert sum(table) / len(table) == pytest.approx(0.0, abs=1e-12)
    assert sum(z * z for z in table) / len(table) == pytest.approx(1.0, abs=2e-3)
    draws = seeded_uint16(4, 1, "binance", "BTC/USDT", "x")
    assert list(draws) == list(seeded_uint16(4, 1, "binance", "BTC/USDT", "x")) and max(draws) < 65_536
