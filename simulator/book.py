"""Order books as a pure function of (seed, market, t).

The book is the makers' quotes near the fair price plus background liquidity further out,
rounded to tick (prices, outward) and amount step (amounts, upward), merged per price level.
Amounts are in the venue's units: contracts for perpetuals that count contracts (`contract_size`
base units each when linear, `contract_size` quote units each when inverse).
Market-wide conditions: `outage` and `empty_body` produce no book (the dialect answers 503 or
an empty body), `crossed` adds a bid above the best ask, `one_sided_bid` empties the whole bid
side and `one_sided_ask` the whole ask side.

Speed: every random draw of one book comes from one seeded byte string (one byte per jitter);
levels are integer ticks and amount steps until the very end, and only the `limit` best levels a
side are turned into floats (`BookPlan` holds what is fixed per market).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from simulator.book_plan import BookPlan, book_plan, maker_plan
from simulator.market import MakerState, MarketModel, World
from simulator.randomness import seeded_bytes

Level = tuple[float, float]  # (price, amount)


@dataclass(frozen=True)
class Book:
    """A book the venue would serve at `t_ms`; `status` is 'ok', 'outage' or 'empty_body'."""

    t_ms: int
    status: str
    condition: str
    bids: list[Level] = field(default_factory=list)  # price descending
    asks: list[Level] = field(default_factory=list)  # price ascending


def _maker_quotes(plan: BookPlan, state: MakerState, fair: float, jitter: bytes, at: int,
                  bids: dict[int, int], asks: dict[int, int]) -> int:
    """Add one maker's levels (ticks → steps) to the sides; returns the next unused jitter byte."""
    bid_mults, ask_mults = maker_plan(plan, state.maker.quoting.levels, state.maker.quoting.band_bps,
                                      state.spread_bps)
    per_level = state.depth_quote / len(bid_mults)
    step_value = plan.step * plan.tick  # quote value of one amount step at a price of one tick
    step_quote = plan.step_quote  # inverse: the quote value of one amount step at any price
    floor, ceil = math.floor, math.ceil
    for bid_mult, ask_mult in zip(bid_mults, ask_mults):
        bid_ticks = floor(fair * bid_mult)
        if bid_ticks > 0:
            value = step_quote or bid_ticks * step_value
            steps = ceil(per_level * (1 + jitter[at] / 2560) / value)
            bids[bid_ticks] = bids.get(bid_ticks, 0) + (steps if steps > 1 else 1)
        ask_ticks = ceil(fair * ask_mult)
        value = step_quote or ask_ticks * step_value
        steps = ceil(per_level * state.ask_fraction * (1 + jitter[at + 1] / 2560) / value)
        asks[ask_ticks] = asks.get(ask_ticks, 0) + (steps if steps > 1 else 1)
        at += 2
    return at


def _side(plan: BookPlan, fair: float, makers: dict[int, int], sizes: bytes, descending: bool,
          limit: int | None) -> list[tuple[int, int]]:
    """The best `limit` (ticks, steps) of one side: the makers' levels merged with the background."""
    background = plan.background_bids if descending else plan.background_asks
    table = plan.size_table
    if limit is not None:
        room = max(0, limit - len(makers))
        head = background(fair, room + 1)  # one more level: it must not share the last level's tick
        if head and (not makers or (min(makers) > head[0] if descending else max(makers) < head[0])) \
                and len(set(head)) == len(head):
            # common case: distinct background ticks, all beyond every maker level: no merging
            ordered = sorted(makers.items(), reverse=descending)[:limit]
            return ordered + list(zip(head[:room], map(table.__getitem__, sizes)))
    merged = dict(makers)
    for ticks, size in zip(background(fair, plan.background_levels), sizes):
        merged[ticks] = merged.get(ticks, 0) + table[size]
    return sorted(merged.items(), reverse=descending)[:limit]


def build_book(model: MarketModel, t_ms: int, limit: int | None = 100) -> Book:
    """The book of `model` at `t_ms`, at most `limit` levels a side (None = all)."""
    t_ms = int(t_ms)
    states = model.maker_states(t_ms)
    condition = model.condition(states)
    if condition in ("outage", "empty_body"):
        return Book(t_ms, condition, condition)
    bid_ticks, ask_ticks = book_ticks(model, t_ms, states, condition, limit)
    plan = book_plan(model)
    return Book(t_ms, "ok", condition, plan.levels(bid_ticks), plan.levels(ask_ticks))


def book_ticks(model: MarketModel, t_ms: int, states: list[MakerState], condition: str,
               limit: int | None) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(bids, asks) as (ticks, amount steps), best first, for a market not in outage/empty_body."""
    plan = book_plan(model)
    fair = model.fair_price(t_ms)
    random_bytes = seeded_bytes(plan.random_bytes, model.world.scenario.seed, model.venue, model.symbol, "book", t_ms)
    bids: dict[int, int] = {}
    asks: dict[int, int] = {}
    at = 0
    for state in states:
        if state.behaviour != "absent":
            at = _maker_quotes(plan, state, fair, random_bytes, at, bids, asks)
    cut = limit
    if condition == "crossed":
        limit = None  # the added bid sits above the best ask: build whole sides, then cut
    start, levels = plan.maker_bytes, plan.background_levels
    bid_side = [] if condition == "one_sided_bid" else _side(
        plan, fair, bids, random_bytes[start:start + levels], True, limit)
    start += levels
    ask_side = [] if condition == "one_sided_ask" else _side(
        plan, fair, asks, random_bytes[start:start + levels], False, limit)
    if condition == "crossed" and ask_side:
        best_ask, best_ask_steps = ask_side[0]
        merged = dict(bid_side)
        merged[best_ask + 2] = merged.get(best_ask + 2, 0) + max(best_ask_steps, 1)
        bid_side = sorted(merged.items(), reverse=True)[:cut]
        ask_side = ask_side[:cut]
    return bid_side, ask_side


def order_book(world: World, venue: str, symbol: str, t_ms: int, limit: int | None = 100) -> Book:
    """The book of (venue, symbol) at `t_ms`; KeyError if the scenario has no such market."""
    model = world.market(venue, symbol)
    if model is None:
        raise KeyError(f"{venue}:{symbol} is not a market of the scenario")
    return build_book(model, t_ms, limit)
