"""Perpetual-swap data as pure functions of (seed, market, t): funding, mark/index, open interest,
long/short ratios. Dialects only format these numbers.

- funding: period k = t // interval; the rate that settles at the end of period k is
  `funding_rate + funding_jitter × (2u − 1)` with u seeded by (venue, symbol, k), rounded to 1e-8;
  the next funding time is (k + 1) × interval.
- mark = the market's fair price (index × venue offset × (1 + basis)); index = the asset path
  at t − lag (see simulator.market). Both rounded to the tick.
- open interest (base units) = open_interest × (1 + oi_swing × sin(2π(day fraction + φ))), φ seeded
  per market; contracts = round(base / contract_size) (inverse: whole amount steps of
  base × mark / contract_size); `base` is then the contracts in base units (inverse: contracts ×
  contract_size / mark) and value = base × mark (inverse: contracts × contract_size, quote).
- long/short: ratio = mean × (1 + 0.25 sin(2π(day fraction + φ_kind))), rounded to 4 decimals;
  long share = round(ratio / (1 + ratio), 4), short share = 1 − long share.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from simulator.market import MarketModel
from simulator.price_path import DAY_MS
from simulator.randomness import seeded

HOUR_MS = 3_600_000
LONG_SHORT_KINDS = ("accounts", "top_accounts", "top_positions")
PERIOD_MS = {"5m": 300_000, "15m": 900_000, "30m": 1_800_000, "1h": HOUR_MS, "2h": 2 * HOUR_MS,
             "4h": 4 * HOUR_MS, "6h": 6 * HOUR_MS, "12h": 12 * HOUR_MS, "1d": DAY_MS}


@dataclass(frozen=True)
class Funding:
    """The funding state at an instant: the rate of the current period and when it settles."""

    rate: float
    next_funding_ms: int
    interval_ms: int
    period_start_ms: int


@dataclass(frozen=True)
class OpenInterest:
    """Open interest at `ts`: `contracts` in the venue's unit, `base` units, `value` in quote."""

    ts: int
    contracts: float
    base: float
    value: float


@dataclass(frozen=True)
class LongShort:
    """A long/short reading at `ts`: ratio and the long and short shares (sum 1)."""

    ts: int
    ratio: float
    long: float
    short: float


def _interval_ms(model: MarketModel) -> int:
    return model.market.perp_or_default.funding_interval_hours * HOUR_MS


def funding_rate_of_period(model: MarketModel, period: int) -> float:
    """The funding rate settled at the end of funding period `period` (t // interval)."""
    perp = model.market.perp_or_default
    u = seeded(model.world.scenario.seed, model.venue, model.symbol, "funding", period).random()
    return round(perp.funding_rate + perp.funding_jitter * (2 * u - 1), 8)


def funding(model: MarketModel, t_ms: int) -> Funding:
    """The current period's funding rate and next funding time at `t_ms`."""
    interval = _interval_ms(model)
    period = int(t_ms) // interval
    return Funding(funding_rate_of_period(model, period), (period + 1) * interval, interval, period * interval)


def mark_price(model: MarketModel, t_ms: int) -> float:
    """The mark price at `t_ms`, rounded to the tick."""
    return model.round_price(model.fair_price(t_ms))


def index_price(model: MarketModel, t_ms: int) -> float:
    """The index price at `t_ms` (asset path at t − lag, no venue offset), rounded to the tick."""
    return model.round_price(model.reference_price(t_ms))


def _phase(model: MarketModel, purpose: str) -> float:
    return seeded(model.world.scenario.seed, model.venue, model.symbol, purpose).random()


def open_interest(model: MarketModel, t_ms: int) -> OpenInterest:
    """Open interest at `t_ms` (contracts, base units, quote value at the mark)."""
    perp = model.market.perp_or_default
    day_fraction = (int(t_ms) % DAY_MS) / DAY_MS
    base = perp.open_interest * (1 + perp.oi_swing * math.sin(2 * math.pi * (day_fraction + _phase(model, "oi"))))
    mark = mark_price(model, t_ms)
    if model.inverse:  # contracts of contract_size quote units: their number follows the price
        contracts = model.amount(round(model.venue_amount(base, mark) / model.market.amount_step))
        return OpenInterest(int(t_ms), contracts, round(model.base_amount(contracts, mark), 8),
                            round(model.quote_amount(contracts, mark), 2))
    contracts = float(round(base / model.contract_size)) if model.contract_size != 1 else model.amount(
        round(base / model.market.amount_step))
    base_units = contracts * model.contract_size if model.contract_size != 1 else contracts
    base_units = round(base_units, 8)
    return OpenInterest(int(t_ms), contracts, base_units, round(base_units * mark, 2))


def long_short(model: MarketModel, t_ms: int, kind: str = "accounts") -> LongShort:
    """Long/short at `t_ms`: kind 'accounts' (global), 'top_accounts' or 'top_positions' (top traders)."""
    if kind not in LONG_SHORT_KINDS:
        raise ValueError(f"long/short kind {kind!r} is not one of {', '.join(LONG_SHORT_KINDS)}")
    perp = model.market.perp_or_default
    mean = perp.long_short_ratio if kind == "accounts" else perp.top_long_short_ratio
    day_fraction = (int(t_ms) % DAY_MS) / DAY_MS
    ratio = round(mean * (1 + 0.25 * math.sin(2 * math.pi * (day_fraction + _phase(model, kind)))), 4)
    long_share = round(ratio / (1 + ratio), 4)
    return LongShort(int(t_ms), ratio, long_share, round(1 - long_share, 4))


def period_starts(period_ms: int, now_ms: int, start_ms: int | None, end_ms: int | None, limit: int) -> list[int]:
    """Timestamps of periods (multiples of `period_ms`, ≤ now) inside [start, end], oldest first,
    at most `limit`: the first `limit` from `start` when it is given, else the last `limit` up to
    `end` (or now)."""
    last = (min(end_ms, now_ms) if end_ms is not None else now_ms) // period_ms * period_ms
    if start_ms is not None:
        first = -(-int(start_ms) // period_ms) * period_ms
        return list(range(first, last + 1, period_ms))[:max(limit, 0)]
    return list(range(last - (limit - 1) * period_ms, last + 1, period_ms)) if limit > 0 else []
