"""24 h ticker statistics of a market at an instant, shared by every dialect.

open = fair price at the first minute boundary of the last 24 h, last = fair price now, high/low
over the fair price at every minute boundary of the last 24 h and now (all rounded to the tick;
minute prices are cached); volumes are the expected ones (trades per minute × typical size × the
block-trade mean) in the venue's units (`base_volume`, contracts on a contract venue: at the last
price on an inverse one) and in base units (`volume_in_base`), bid/ask the top of the book served now.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from simulator.book import build_book
from simulator.market import MarketModel
from simulator.price_path import DAY_MS


@dataclass(frozen=True)
class TickerStats:
    """What a venue's 24 h ticker carries (amounts in the venue's units)."""

    ts: int
    open: float
    high: float
    low: float
    last: float
    bid: float
    bid_size: float
    ask: float
    ask_size: float
    base_volume: float  # the venue's unit (contracts where the venue counts contracts)
    quote_volume: float
    trade_count: int
    volume_in_base: float = 0.0  # `base_volume` in base units (× contract_size; inverse: / last)

    @property
    def change(self) -> float:
        return self.last - self.open

    @property
    def change_pct(self) -> float:
        """Change over 24 h in percent."""
        return (self.last - self.open) / self.open * 100 if self.open else 0.0


@lru_cache(maxsize=200_000)
def _minute_price(model: MarketModel, minute: int) -> float:
    return model.round_price(model.fair_price(minute * 60_000))


def ticker_stats(model: MarketModel, now_ms: int) -> TickerStats:
    """The 24 h statistics of `model` at `now_ms`; (0, 0) bid/ask when that side is empty."""
    market = model.market
    first = -(-(now_ms - DAY_MS) // 60_000)
    samples = [_minute_price(model, minute) for minute in range(first, now_ms // 60_000 + 1)]
    samples.append(model.round_price(model.fair_price(now_ms)))
    book = build_book(model, now_ms, 1)
    bid = book.bids[0] if book.bids else (0.0, 0.0)
    ask = book.asks[0] if book.asks else (0.0, 0.0)
    count = market.trades_per_minute * 1440
    base = count * market.trade_size * (1.2 + market.large_trade_prob * 60)  # base units
    last = samples[-1]
    volume = model.amount(round(model.venue_amount(base, last) / market.amount_step))
    return TickerStats(now_ms, samples[0], max(samples), min(samples), last, bid[0], bid[1], ask[0], ask[1],
                       volume, round(base * last, 2), count, round(model.base_amount(volume, last), 8))
