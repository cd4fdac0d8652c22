"""Public trades as a pure function of (seed, market, minute).

Every minute holds exactly `trades_per_minute` trades, so trade ids are contiguous integers:
id = epoch_minute × trades_per_minute + k (k = 0.. within the minute, in time order).
Taker side 50/50, price within 3 bps of the fair price on the taker's side, amounts log-normal
around `trade_size` (base units; amounts printed in the venue's units, contracts for perpetuals:
base / contract_size linear, base × price / contract_size inverse) with a `large_trade_prob` chance
of a 20-100× block. `trades_in_minute` is cached per (model, minute);
the draws of a minute are one seeded byte string (`simulator.randomness.seeded_uint16`).
"""
from __future__ import annotations

import math
from functools import lru_cache
from typing import NamedTuple

from simulator.market import MarketModel
from simulator.randomness import UINT16_VALUES, normal_quantiles, seeded_uint16

MINUTE_MS = 60_000
MAX_SLIP = 3 / 10_000  # a trade prints within 3 bps of the fair price, on the taker's side
SIZE_SIGMA = 0.6  # log-normal spread of trade sizes


class Trade(NamedTuple):
    """One public trade; `side` is the taker side ('buy' or 'sell')."""

    id: int
    ts: int
    price: float
    amount: float
    side: str


def trades_in_minute(model: MarketModel, minute: int) -> list[Trade]:
    """The trades of epoch minute `minute` (ts // 60000), in id (= time) order."""
    return list(_minute_trades(model, minute))


@lru_cache(maxsize=64)
def _lognormal_factors(sigma: float) -> tuple[float, ...]:
    """exp(sigma × z) per uint16 draw: a log-normal size factor by table look-up."""
    return tuple(math.exp(sigma * z) for z in normal_quantiles())


@lru_cache(maxsize=20_000)
def _minute_trades(model: MarketModel, minute: int) -> tuple[Trade, ...]:
    market = model.market
    count = market.trades_per_minute
    if count == 0:
        return ()
    # four 16-bit draws per trade: time in the minute, side + slip, size, block trade
    draws = seeded_uint16(4 * count, model.world.scenario.seed, model.venue, model.symbol, "trades", minute)
    start = minute * MINUTE_MS
    times = sorted(start + (draw * MINUTE_MS >> 16) for draw in draws[0::4])
    sizes = _lognormal_factors(SIZE_SIGMA)
    block_below = market.large_trade_prob * UINT16_VALUES  # a block when the draw is below this
    tick, unit = market.tick_size, market.amount_step * model.contract_size  # inverse: quote units per step
    inverse = model.inverse
    fair_price, price, amount = model.fair_price, model.price, model.amount
    first_id = minute * count
    trades = []
    for k, (ts, side_slip, size_draw, block) in enumerate(zip(times, draws[1::4], draws[2::4], draws[3::4])):
        slip = (side_slip >> 1) * MAX_SLIP / 32_768
        buy = side_slip & 1
        price_ticks = round(fair_price(ts) * (1 + slip if buy else 1 - slip) / tick)
        size = market.trade_size * sizes[size_draw]
        if market.events:
            size *= market.volume_factor(ts % 86_400_000)
        if block < block_below:  # the draw, scaled to [0, 1), also sets how large the block is
            size *= 20 + 80 * block / block_below
        trade_price = price(price_ticks if price_ticks > 1 else 1)
        steps = round(size * trade_price / unit if inverse else size / unit)
        trades.append(Trade(first_id + k, ts, trade_price, amount(steps if steps > 1 else 1), "buy" if buy else "sell"))
    return tuple(trades)


def trades_between(model: MarketModel, start_ms: int, end_ms: int, limit: int) -> list[Trade]:
    """The first `limit` trades with start_ms <= ts <= end_ms, oldest first."""
    result: list[Trade] = []
    minute = start_ms // MINUTE_MS
    while minute * MINUTE_MS <= end_ms and len(result) < limit:
        result.extend(t for t in _minute_trades(model, minute) if start_ms <= t.ts <= end_ms)
        minute += 1
    return result[:limit]


def trades_before(model: MarketModel, end_ms: int, limit: int, horizon_minutes: int = 1440) -> list[Trade]:
    """The last `limit` trades with ts <= end_ms (looking back at most `horizon_minutes`), oldest first."""
    collected: list[Trade] = []
    minute = end_ms // MINUTE_MS
    for _ in range(horizon_minutes):
        if len(collected) >= limit:
            break
        collected = [t for t in _minute_trades(model, minute) if t.ts <= end_ms] + collected
        minute -= 1
    return collected[-limit:] if limit else []


def trades_from_id(model: MarketModel, from_id: int, end_ms: int, limit: int) -> list[Trade]:
    """The first `limit` trades with id >= from_id and ts <= end_ms, oldest first."""
    count = model.market.trades_per_minute
    if count == 0:
        return []
    start_minute = from_id // count
    trades = trades_between(model, start_minute * MINUTE_MS, end_ms, limit + count)
    return [t for t in trades if t.id >= from_id][:limit]
