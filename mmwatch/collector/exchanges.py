"""Building the ccxt exchange instances: one async instance per venue, shared by its markets."""
from __future__ import annotations

from collections import Counter
from typing import Any, Iterable

import ccxt.async_support as ccxt_async

from mmwatch.config import SUPPORTED_EXCHANGES, check_symbols
from mmwatch.errors import ConfigError

# Market-type lists for ccxt's fetchMarkets, so load_markets only calls the endpoints of the
# market types we collect (spot symbols 'BASE/QUOTE', derivatives 'BASE/QUOTE:SETTLE').
_SPOT_TYPES = {"binance": ["spot"], "bybit": ["spot"], "okx": ["spot"], "gate": ["spot"], "kucoin": ["spot"],
               "bitget": ["spot"]}
_DERIVATIVE_TYPES = {"binance": ["linear", "inverse"], "binanceusdm": ["linear"], "bybit": ["linear", "inverse"],
                     "okx": ["swap", "future"], "gate": ["swap", "future"], "kucoinfutures": ["swap", "future"],
                     "bitget": ["swap"]}
# A tiny rate limit for the simulator in virtual time: the throttler must not sleep between cycles.
SIMULATOR_RATE_LIMIT_MS = 0.001


def market_types_for(exchange_id: str, symbols: Iterable[str]) -> list[str]:
    """The ccxt fetchMarkets types needed for `symbols` on `exchange_id`."""
    symbols = list(symbols)
    types: list[str] = []
    if any(":" not in s for s in symbols):
        types += _SPOT_TYPES.get(exchange_id, [])
    if any(":" in s for s in symbols) or not types:
        types += _DERIVATIVE_TYPES.get(exchange_id, [])
    return types


def exchange_options(exchange_id: str, symbols: Iterable[str]) -> dict[str, Any]:
    """ccxt options that avoid needless endpoints (market types we do not collect, currencies, margin)."""
    options: dict[str, Any] = {"fetchCurrencies": False, "fetchMargins": False}
    types = market_types_for(exchange_id, symbols)
    if types:
        options["fetchMarkets"] = {"types": types}
    return options


def make_exchange(exchange_id: str, symbols: Iterable[str] = (), simulator_url: str | None = None,
                  virtual_time: bool = False, requests: Counter | None = None):
    """An async ccxt instance for `exchange_id` (rate limited), pointed at `simulator_url` when given.

    `requests` (optional) counts every HTTP request the instance makes, per exchange id.
    """
    if exchange_id not in SUPPORTED_EXCHANGES:
        raise ConfigError(f"unknown exchange {exchange_id!r}; supported ids: {', '.join(SUPPORTED_EXCHANGES)}")
    config: dict[str, Any] = {"enableRateLimit": True, "options": exchange_options(exchange_id, symbols)}
    if simulator_url and virtual_time:
        config["rateLimit"] = SIMULATOR_RATE_LIMIT_MS
    exchange = getattr(ccxt_async, exchange_id)(config)
    # Currencies are not needed to read books and trades; skip that (often authenticated) endpoint.
    exchange.has["fetchCurrencies"] = False
    if simulator_url:
        from simulator.ccxt_hosts import point_at

        point_at(exchange, simulator_url)
    if requests is not None:
        _count_requests(exchange, requests)
    return exchange


def _count_requests(exchange, requests: Counter) -> None:
    original = exchange.fetch

    async def counted_fetch(*args, **kwargs):
        requests[exchange.id] += 1
        return await original(*args, **kwargs)

    exchange.fetch = counted_fetch


def market_type_of(market: dict) -> str:
    """spot / swap / future for a ccxt market (options are collected as 'future')."""
    kind = market.get("type") or "spot"
    return kind if kind in ("spot", "swap", "future") else "future"


async def load_checked_markets(exchange, symbols: Iterable[str]) -> dict[str, dict]:
    """Load the venue's markets once and return those of `symbols`; ConfigError names unknown symbols."""
    markets = await exchange.load_markets()
    symbols = list(symbols)
    check_symbols(exchange.id, symbols, markets.keys())
    return {symbol: markets[symbol] for symbol in symbols}
