"""Point a real ccxt exchange instance at the simulator by rewriting its API hosts.

ccxt builds a request URL as urls['api'][<api name>] + '/' + path, e.g. binance public:
'https://api.binance.com/api/v3' + '/depth'. Rewriting only scheme and host keeps the path
part, so 'https://api.binance.com/api/v3' becomes base_url + '/api/v3'.
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


def point_at(exchange, base_url: str):
    """Rewrite every URL in `exchange.urls['api']` (sync or async ccxt instance) to `base_url`;
    returns the exchange for chaining."""
    exchange.urls["api"] = _rewrite(exchange.urls["api"], base_url)
    return exchange
