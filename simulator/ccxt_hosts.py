"""Real ccxt instances aimed at the simulator: the product's host rewrite
(`mmwatch.collector.hosts.point_at`) and its market-type table, with the constructor config the
simulator's own tests and benchmarks use."""
from __future__ import annotations

from mmwatch.collector.hosts import point_at, rewrite_url  # noqa: F401  (re-exported for the simulator's tests)
from mmwatch.collector.venues import FETCH_MARKET_TYPES


def ccxt_config(venue: str, **extra) -> dict:
    """Constructor config for a ccxt class of `venue`: market types we need, no currencies call,
    rate limiting on (ccxt's own throttle); `extra` is merged on top (e.g. enableRateLimit=False)."""
    config = {"enableRateLimit": True, "has": {"fetchCurrencies": False},
              "options": {"fetchMarkets": {"types": FETCH_MARKET_TYPES[venue]}, "fetchCurrencies": False}}
    config.update(extra)
    return config


def simulated_exchange(venue: str, base_url: str, async_support: bool = False, **extra):
    """A real ccxt instance of `venue` (sync, or ccxt.async_support) aimed at the simulator."""
    if async_support:
        import ccxt.async_support as module
    else:
        import ccxt as module
    return point_at(getattr(module, venue)(ccxt_config(venue, **extra)), base_url)
