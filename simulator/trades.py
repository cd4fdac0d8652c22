"""Public trades as a pure function of (seed, market, minute).

Every minute holds exactly `trades_per_minute` trades, so trade ids are contiguous integers:
id = epoch_minute × trades_per_minute + k (k = 0.. within the minute, in time order).
Taker side 50/50, price within 3 bps of the fair price on the taker's side, amounts log-normal
around `trade_size` (base units; amounts printed in the venue's units, contracts for perpetuals)
with a `large_trade_prob` chance of a 20-100× block. `trades_in_minute` is cached per (model, minute).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from simulator.market import MarketModel
from simulator.randomness import seeded

MINUTE_MS = 60_000


@dataclass(frozen=True)
class Trade:
    """One public trade; `side` is the taker side ('buy' or 'sell')."""

    id: int
    ts: int
    price: float
    amount: float
    side: str


def trades_in_minute(model: MarketModel, minute: int) -> list[Trade]:
    """The trades of epoch minute `minute` (ts // 60000), in id (= time) order."""
    return list(_minute_trades(model, minute))


@lru_cache(maxsize=20_000)
def _minute_trades(model: MarketModel, minute: int) -> tuple[Trade, ...]:
    market = model.market
    count = market.trades_per_minute
    if count == 0:
        return ()
    rng = seeded(model.world.scenario.seed, model.venue, model.symbol, "trades", minute)
    offsets = sorted(rng.randrange(MINUTE_MS) for _ in range(count))
    trades = []
    for k, offset in enumerate(offsets):
        ts = minute * MINUTE_MS + offset
        side = "buy" if rng.random() < 0.5 else "sell"
        slip = rng.random() * 3 / 10_000
        fair = model.fair_price(ts)
        price_ticks = round(fair * (1 + slip if side == "buy" else 1 - slip) / market.tick_size)
        size = market.trade_size * rng.lognormvariate(0.0, 0.6)
        if rng.random() < market.large_trade_prob:
            size *= rng.uniform(20, 100)
        steps = max(1, round(size / (market.amount_step * market.contract_size)))
        trades.append(Trade(minute * count + k, ts, model.price(max(1, price_ticks)), model.amount(steps), side))
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
