"""Candles (OHLCV) from the simulated trades, so candles, trades and tickers agree.

A candle of `period_ms` starting at `open_ms` aggregates the trades with open_ms <= ts < open_ms +
period_ms: open/high/low/close of their prices, volume = sum of amounts (venue units), base volume
= the sum in base units and quote volume = the sum of their quote values (`MarketModel.base_amount`,
`quote_amount`: linear × contract_size, inverse amount × contract_size quote). A period without trades repeats the fair price at
its start (rounded to the tick) with zero volume. Only completed or current periods (start ≤ now)
exist; the current one holds the trades up to now.
"""
from __future__ import annotations

from dataclasses import dataclass

from simulator.market import MarketModel
from simulator.trades import MINUTE_MS, _minute_trades as minute_trades

TIMEFRAME_MS = {"1m": MINUTE_MS, "3m": 3 * MINUTE_MS, "5m": 5 * MINUTE_MS, "15m": 15 * MINUTE_MS,
                "30m": 30 * MINUTE_MS, "1h": 60 * MINUTE_MS, "2h": 120 * MINUTE_MS, "4h": 240 * MINUTE_MS,
                "1d": 1440 * MINUTE_MS}


@dataclass(frozen=True)
class Candle:
    """One OHLCV candle; `volume` in the venue's amount unit, `base_volume` in base units,
    `quote_volume` in quote currency."""

    open_ms: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    quote_volume: float
    base_volume: float


def candle(model: MarketModel, open_ms: int, period_ms: int, now_ms: int) -> Candle:
    """The candle of `period_ms` starting at `open_ms` (a multiple of period_ms), trades up to now."""
    end = min(open_ms + period_ms, now_ms + 1)
    trades = [t for minute in range(open_ms // MINUTE_MS, -(-end // MINUTE_MS))
              for t in minute_trades(model, minute) if open_ms <= t.ts < end]
    if not trades:
        price = model.round_price(model.fair_price(open_ms))
        return Candle(open_ms, price, price, price, price, 0.0, 0.0, 0.0)
    prices = [t.price for t in trades]
    volume = model.amount(round(sum(t.amount for t in trades) / model.market.amount_step))
    quote = round(sum(model.quote_amount(t.amount, t.price) for t in trades), 8)
    base = round(sum(model.base_amount(t.amount, t.price) for t in trades), 8)
    return Candle(open_ms, prices[0], max(prices), min(prices), prices[-1], volume, quote, base)


def candles(model: MarketModel, period_ms: int, now_ms: int, start_ms: int | None = None,
            end_ms: int | None = None, limit: int = 100) -> list[Candle]:
    """Candles oldest first: the first `limit` opening at or after `start_ms` when given, else the
    last `limit` opening at or before `end_ms` (default now); never one opening after now."""
    last_open = (min(end_ms, now_ms) if end_ms is not None else now_ms) // period_ms * period_ms
    if start_ms is not None:
        first_open = -(-int(start_ms) // period_ms) * period_ms
        opens = list(range(first_open, last_open + 1, period_ms))[:limit]
    else:
        opens = list(range(last_open - (limit - 1) * period_ms, last_open + 1, period_ms))
    return [candle(model, o, period_ms, now_ms) for o in opens]
