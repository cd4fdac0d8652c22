"""The fair price of a market: a seeded geometric random walk, one step per second of each UTC day.

Each UTC day's path starts at the market's `start_price` and is computed once per
(seed, venue, symbol, day) and cached; the price between two seconds is interpolated linearly,
so the fair price is a pure function of (seed, market, t). The normal steps are drawn by table
look-up (`simulator.randomness.normal_quantiles`), so a day's path costs a few C-level passes.
"""
from __future__ import annotations

import math
from array import array
from functools import lru_cache
from itertools import accumulate

from simulator.randomness import normal_quantiles, seeded, uint16s

DAY_MS = 86_400_000
SECONDS_PER_DAY = 86_400


@lru_cache(maxsize=64)
def day_path(seed: int, venue: str, symbol: str, day_index: int, start_price: float,
             volatility_bps: float) -> array:
    """Prices at every second 0..86400 of UTC day `day_index` (days since the epoch)."""
    rng = seeded(seed, venue, symbol, "price", day_index)
    sigma = volatility_bps / 10_000
    steps = [sigma * z for z in normal_quantiles()]
    draws = uint16s(rng.randbytes(2 * SECONDS_PER_DAY))
    log_prices = accumulate(map(steps.__getitem__, draws), initial=math.log(start_price))
    prices = array("d", map(math.exp, log_prices))
    prices[0] = start_price  # exactly, not exp(log(start_price))
    return prices


def fair_price(seed: int, venue: str, symbol: str, start_price: float, volatility_bps: float,
               t_ms: int) -> float:
    """The fair (unrounded) price of the market at epoch millisecond `t_ms`."""
    day_index, ms_of_day = divmod(int(t_ms), DAY_MS)
    path = day_path(seed, venue, symbol, day_index, start_price, volatility_bps)
    second, remainder = divmod(ms_of_day, 1000)
    low, high = path[second], path[second + 1]
    return low + (high - low) * remainder / 1000
