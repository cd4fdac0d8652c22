"""Point a real ccxt exchange instance at the simulator by rewriting its API hosts.

ccxt builds a request URL as urls['api'][<api name>] + '/' + path, e.g. binance public:
'https://api.binance.com/api/v3' + '/depth'. Rewriting scheme and host to the simulator and the
venue's root keeps the path part, so 'https://api.binance.com/api/v3' becomes
base_url + '/binance/api/v3' (the venue root is the ccxt id: venues with several hosts, e.g.
KuCoin spot and futures, and venues sharing paths, e.g. Binance and Bitget /api/v3, stay apart).
"""
from __future__ import annotations

from urllib.parse import urlsplit


def rewrite_url(url: str, base_url: str) -> str:
    """`url` with its scheme and host replaced by `base_url` (path and query kept)."""
    parts = urlsplit(url)
    rest = parts.path + (f"?{parts.query}" if parts.query else "")
    return base_url.rstrip("/") + rest


def _rewrite(node: object, base_url: str) -> object:
    if isinstance(node, str):
        return rewrite_url(node, base_url) if node.startswith(("http://", "https://")) else node
    if isinstance(node, dict):
        return {key: _rewrite(value, base_url) for key, value in node.items()}
    if isinstance(node, list):
        return [_rewrite(value, base_url) for value in node]
    return node


def point_at(exchange, base_url: str, venue: str | None = None):
    """Rewrite every URL in `exchange.urls['api']` (sync or async ccxt instance) to
    `base_url/<venue>` (default venue: the exchange's ccxt id); returns the exchange for chaining."""
    root = base_url.rstrip("/") + "/" + (venue or exchange.id)
    exchange.urls["api"] = _rewrite(exchange.urls["api"], root)
    return exchange


# What keeps ccxt's load_markets to the market types the simulator serves (and mmwatch collects),
# without the currency endpoints (which need API keys on most venues).
FETCH_MARKET_TYPES: dict[str, list[str]] = {
    "binance": ["spot"], "binancecoinm": ["inverse"], "binanceusdm": ["linear"], "bitget": ["spot", "swap"], "gate": ["spot", "swap"],
    "kucoin": ["spot"], "kucoinfutures": ["swap"], "okx": ["spot", "swap"], "bybit": ["spot", "linear"],
}


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
