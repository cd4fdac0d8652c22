"""Venue dialects: one module per venue (ccxt id) with `ROUTER` (routes below the venue root),
`handle(ctx, route, query) -> Response` and `too_many(verdict, ip) -> Response` (its rate-limit
answer). Shared pieces live in `common` (and the Binance helpers in `binance`, the Binance futures
ones in `binanceusdm`)."""
from __future__ import annotations

from types import ModuleType

from simulator.dialects import (
    binance, binancecoinm, binanceusdm, bitget, bybit, gate, kucoin, kucoinfutures, okx,
)

DIALECTS: dict[str, ModuleType] = {
    "binance": binance, "binancecoinm": binancecoinm, "binanceusdm": binanceusdm, "bitget": bitget, "gate": gate,
    "kucoin": kucoin, "kucoinfutures": kucoinfutures, "okx": okx, "bybit": bybit,
}
