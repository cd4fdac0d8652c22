"""Bitget-style spot fund flow and whale net flow, computed from the simulated trades.

A trade's notional (price × amount, quote currency) sorts it into whale (≥ 100,000), dolphin
(≥ 20,000) or fish. `fund_flow` sums buy and sell notionals per class over the `period_ms` ending
at now; `whale_net_flow` gives, per period, whale buys − whale sells.
"""
from __future__ import annotations

from dataclasses import dataclass

from simulator.market import MarketModel
from simulator.trades import trades_between

WHALE_MIN = 100_000.0
DOLPHIN_MIN = 20_000.0
CLASSES = ("whale", "dolphin", "fish")


def trade_class(notional: float) -> str:
    """'whale', 'dolphin' or 'fish' for a trade notional in quote currency."""
    return "whale" if notional >= WHALE_MIN else "dolphin" if notional >= DOLPHIN_MIN else "fish"


@dataclass(frozen=True)
class FundFlow:
    """Buy and sell notionals per class over [start_ms, end_ms]."""

    start_ms: int
    end_ms: int
    buy: dict[str, float]
    sell: dict[str, float]

    def ratio(self, side: str, cls: str) -> float:
        """Share of `side`'s class `cls` in all traded notional (0 when nothing traded)."""
        total = sum(self.buy.values()) + sum(self.sell.values())
        values = self.buy if side == "buy" else self.sell
        return round(values[cls] / total, 4) if total else 0.0


def fund_flow(model: MarketModel, end_ms: int, period_ms: int) -> FundFlow:
    """Buy/sell notionals per class of the trades with end_ms - period_ms < ts <= end_ms."""
    buy = dict.fromkeys(CLASSES, 0.0)
    sell = dict.fromkeys(CLASSES, 0.0)
    for trade in trades_between(model, end_ms - period_ms + 1, end_ms, 10**9):
        notional = model.quote_amount(trade.amount, trade.price)
        (buy if trade.side == "buy" else sell)[trade_class(notional)] += notional
    rounded = lambda d: {k: round(v, 2) for k, v in d.items()}  # noqa: E731
    return FundFlow(end_ms - period_ms + 1, end_ms, rounded(buy), rounded(sell))


def whale_net_flow(model: MarketModel, now_ms: int, period_ms: int, limit: int) -> list[tuple[int, float]]:
    """(period start, whale buy − whale sell notional) for the last `limit` completed periods, oldest first."""
    last_start = now_ms // period_ms * period_ms - period_ms
    result = []
    for start in range(last_start - (limit - 1) * period_ms, last_start + 1, period_ms):
        flow = fund_flow(model, start + period_ms - 1, period_ms)
        result.append((start, round(flow.buy["whale"] - flow.sell["whale"], 2)))
    return result
