"""Aim a real ccxt exchange instance at another API root (a simulator, a proxy) by rewriting its hosts.

ccxt builds a request URL as urls['api'][<api name>] + '/' + path, e.g. binance public:
'https://api.binance.com/api/v3' + '/depth'. Rewriting scheme and host to `base_url` and the
venue's root keeps the path part, so 'https://api.binance.com/api/v3' becomes
base_url + '/binance/api/v3' (the venue root is the ccxt id: venues with several hosts, e.g.
KuCoin spot and futures, and venues sharing paths, e.g. Binance and Bitget /api/v3, stay apart).
This is how the product reaches the exchange simulator: by configuration (a URL), never by import.
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
