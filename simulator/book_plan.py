"""What is fixed per market when building its books: tick arithmetic, background multipliers,
the background size per random byte, the makers' distance multipliers per quoting state.

Prices and amounts stay integers (ticks, amount steps) while a book is built; `BookPlan.levels`
turns the served levels into the floats the venue prints: ticks × tick as an exact integer
division by a power of ten (the same float as `round(ticks * tick, decimals)`, much cheaper).
"""
from __future__ import annotations

import math
from functools import lru_cache

from simulator.market import MarketModel, decimal_fraction

SIZE_JITTER_VALUES = 256  # one random byte per background level


class BookPlan:
    """Per-market constants of book building (see the module docstring)."""

    def __init__(self, model: MarketModel):
        market = model.market
        background = market.background
        self.tick = market.tick_size
        # inverse: one amount step is worth a fixed amount of quote (amount_step × contract_size), so
        # its base units depend on the price; the background table is sized at the start price
        self.step_quote = market.amount_step * model.contract_size if model.inverse else None
        # base units per amount step
        self.step = (self.step_quote / model.start_price if model.inverse
                     else market.amount_step * model.contract_size)
        self.price_numerator, self.price_scale = decimal_fraction(market.tick_size)
        self.amount_numerator, self.amount_scale = decimal_fraction(market.amount_step)
        distances = [(background.distance_bps + level * background.step_bps) / 10_000
                     for level in range(background.levels)]
        # bid multipliers stop where the distance reaches 100 % (no price left below it)
        self._bid_mults = [(1 - d) / self.tick for d in distances if d < 1]
        self._ask_mults = [(1 + d) / self.tick for d in distances]
        self.background_levels = background.levels
        size_steps = background.size / self.step
        # background level size: about `size` base units (inverse: at the start price) × a uniform
        # factor in [0.5, 1.5)
        self.size_table = [max(1, round(size_steps * (0.5 + (byte + 0.5) / SIZE_JITTER_VALUES)))
                           for byte in range(SIZE_JITTER_VALUES)]
        self.maker_bytes = 2 * sum(maker.quoting.levels for maker in model.makers)
        self.random_bytes = self.maker_bytes + 2 * background.levels

    def background_bids(self, fair: float, count: int) -> list[int]:
        """Ticks of the first `count` background bid levels (best first; levels at 0 ticks dropped)."""
        floor = math.floor
        ticks = [floor(fair * mult) for mult in self._bid_mults[:count]]
        while ticks and ticks[-1] <= 0:
            ticks.pop()
        return ticks

    def background_asks(self, fair: float, count: int) -> list[int]:
        """Ticks of the first `count` background ask levels (best first)."""
        ceil = math.ceil
        return [ceil(fair * mult) for mult in self._ask_mults[:count]]

    def levels(self, side: list[tuple[int, int]]) -> list[tuple[float, float]]:
        """(ticks, steps) → (price, amount) floats as the venue prints them."""
        pn, ps, an, ascale = self.price_numerator, self.price_scale, self.amount_numerator, self.amount_scale
        if pn == 1 and an == 1:
            return [(ticks / ps, steps / ascale) for ticks, steps in side]
        return [(ticks * pn / ps, steps * an / ascale) for ticks, steps in side]


@lru_cache(maxsize=1024)
def book_plan(model: MarketModel) -> BookPlan:
    """The (cached) plan of one market model."""
    return BookPlan(model)


@lru_cache(maxsize=4096)
def maker_plan(plan: BookPlan, levels: int, band_bps: float, spread_bps: float) -> tuple[tuple[float, ...],
                                                                                        tuple[float, ...]]:
    """(bid, ask) multipliers fair → ticks of a maker's levels: the touch at half the spread, the
    last level at the edge of its band (or at the touch when the spread is wider than the band)."""
    half = spread_bps / 2
    reach = max(band_bps, half) - half
    distances = [(half + (reach * level / (levels - 1) if levels > 1 else 0.0)) / 10_000 for level in range(levels)]
    return tuple((1 - d) / plan.tick for d in distances), tuple((1 + d) / plan.tick for d in distances)
