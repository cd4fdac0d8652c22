"""Order books as a pure function of (seed, market, t).

The book is the makers' quotes near the fair price plus background liquidity further out,
rounded to tick (prices, outward) and amount step (amounts, upward), merged per price level.
Amounts are in the venue's units: contracts of `contract_size` base units for perpetuals.
Market-wide conditions: `outage` and `empty_body` produce no book (the dialect answers 503 or
an empty body), `crossed` adds a bid above the best ask, `one_sided_bid` empties the whole bid
side and `one_sided_ask` the whole ask side.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from simulator.market import MakerState, MarketModel, World
from simulator.randomness import seeded

Level = tuple[float, float]  # (price, amount)


@dataclass(frozen=True)
class Book:
    """A book the venue would serve at `t_ms`; `status` is 'ok', 'outage' or 'empty_body'."""

    t_ms: int
    status: str
    condition: str
    bids: list[Level] = field(default_factory=list)  # price descending
    asks: list[Level] = field(default_factory=list)  # price ascending


def _add(side: dict[int, int], ticks: int, steps: int) -> None:
    side[ticks] = side.get(ticks, 0) + steps


def _steps_for(notional: float, price: float, step: float) -> int:
    """Amount steps (of `step` venue units, each worth `price` per unit) covering `notional`."""
    return max(1, math.ceil(notional / price / step))


def _background(model: MarketModel, fair: float, rng, bids: dict, asks: dict) -> None:
    bg = model.market.background
    tick = model.market.tick_size
    size_steps = bg.size / (model.market.amount_step * model.contract_size)
    random, floor, ceil = rng.random, math.floor, math.ceil
    for level in range(bg.levels):
        distance = (bg.distance_bps + level * bg.step_bps) / 10_000
        bid_ticks = floor(fair * (1 - distance) / tick)
        if bid_ticks > 0:
            bids[bid_ticks] = bids.get(bid_ticks, 0) + (round(size_steps * (0.5 + random())) or 1)
        ask_ticks = ceil(fair * (1 + distance) / tick)
        asks[ask_ticks] = asks.get(ask_ticks, 0) + (round(size_steps * (0.5 + random())) or 1)


def _maker_quotes(model: MarketModel, state: MakerState, fair: float, rng, bids: dict, asks: dict) -> None:
    quoting = state.maker.quoting
    tick, step = model.market.tick_size, model.market.amount_step * model.contract_size
    half = state.spread_bps / 2
    levels = quoting.levels
    reach = max(quoting.band_bps, half) - half  # from the touch to the edge of the maker's band
    per_level = state.depth_quote / levels
    for level in range(levels):
        distance = (half + (reach * level / (levels - 1) if levels > 1 else 0.0)) / 10_000
        bid_ticks = math.floor(fair * (1 - distance) / tick)
        ask_ticks = math.ceil(fair * (1 + distance) / tick)
        if bid_ticks > 0:
            notional = per_level * (1 + 0.1 * rng.random())
            _add(bids, bid_ticks, _steps_for(notional, bid_ticks * tick, step))
        notional = per_level * (1 + 0.1 * rng.random())
        _add(asks, ask_ticks, _steps_for(notional, ask_ticks * tick, step))


def build_book(model: MarketModel, t_ms: int, limit: int | None = 100) -> Book:
    """The book of `model` at `t_ms`, at most `limit` levels a side (None = all)."""
    t_ms = int(t_ms)
    states = model.maker_states(t_ms)
    condition = model.condition(states)
    if condition in ("outage", "empty_body"):
        return Book(t_ms, condition, condition)
    fair = model.fair_price(t_ms)
    rng = seeded(model.world.scenario.seed, model.venue, model.symbol, "book", t_ms)
    bids: dict[int, int] = {}
    asks: dict[int, int] = {}
    for state in states:
        if state.behaviour != "absent":
            _maker_quotes(model, state, fair, rng, bids, asks)
    _background(model, fair, rng, bids, asks)
    if condition == "crossed":
        best_ask = min(asks)
        _add(bids, best_ask + 2, max(asks[best_ask], 1))
    elif condition == "one_sided_bid":
        bids.clear()
    elif condition == "one_sided_ask":
        asks.clear()
    return Book(t_ms, "ok", condition, _levels(model, bids, True, limit), _levels(model, asks, False, limit))


def _levels(model: MarketModel, side: dict[int, int], descending: bool, limit: int | None) -> list[Level]:
    """Ticks and steps → (price, amount) floats, best first (same rounding as MarketModel.price/amount)."""
    tick, step = model.market.tick_size, model.market.amount_step
    pd, ad = model.price_decimals, model.amount_decimals
    return [(round(t * tick, pd), round(side[t] * step, ad)) for t in sorted(side, reverse=descending)[:limit]]


def order_book(world: World, venue: str, symbol: str, t_ms: int, limit: int | None = 100) -> Book:
    """The book of (venue, symbol) at `t_ms`; KeyError if the scenario has no such market."""
    model = world.market(venue, symbol)
    if model is None:
        raise KeyError(f"{venue}:{symbol} is not a market of the scenario")
    return build_book(model, t_ms, limit)
