"""Aim a real ccxt exchange instance at another API root (a simulator, a proxy) by rewriting its hosts.

ccxt builds a request URL as urls['api'][<api name>] + '/' + path, e.g. binance public:
'https://api.binance.com/api/v3' + '/depth'. Rewriting scheme and host to `base_url` and the
venue's root keeps the path part, so 'https://api.binance.com/api/v3' becomes
base_url + '/binance/api/v3' (the venue root is the ccxt id: venues with several hosts, e.g.
KuCoin spot and futures, and venues sharing paths, e.g. Binance and Bitget /api/v3, stay apart).
This is how the product reaches the exchange simulator: by configuration (a URL), never by import.

WebSocket URLs (ccxt.pro: urls['api']['ws'] ..., wss:// or ws://) get the same treatment with
their own base URL, `ws_base_url` (e.g. ws://127.0.0.1:8766): 'wss://stream.binance.com:9443/ws'
becomes ws_base_url + '/binance/ws'. Without `ws_base_url` they are left alone.
"""
from __future__ import annotations

from urllib.parse import urlsplit


def rewrite_url(url: str, base_url: str) -> str:
    """`url` with its scheme and host replaced by `base_url` (path and query kept)."""
    parts = urlsplit(url)
    rest = parts.path + (f"?{parts.query}" if parts.query else "")
    return base_url.rstrip("/") + rest


def _rewrite(node: object, base_url: str, ws_base_url: str | None) -> object:
    if isinstance(node, str):
        if node.startswith(("http://", "https://")):
            return rewrite_url(node, base_url)
        if ws_base_url is not None and node.startswith(("ws://", "wss://")):
            return rewrite_url(node, ws_base_url)
        return node
    if isinstance(node, dict):
        return {key: _rewrite(value, base_url, ws_base_url) for key, value in node.items()}
    if isinstance(node, list):
        return [_rewrite(value, base_url, ws_base_url) for value in node]
    return node


def point_at(exchange, base_url: str, venue: str | None = None, ws_base_url: str | None = None):
    """Rewrite every URL in `exchange.urls['api']` (sync, async or ccxt.pro instance) to
    `base_url/<venue>` (default venue: the exchange's ccxt id), and its ws:// / wss:// URLs to
    `ws_base_url/<venue>` when given; returns the exchange for chaining."""
    name = venue or exchange.id
    root = base_url.rstrip("/") + "/" + name
    ws_root = ws_base_url.rstrip("/") + "/" + name if ws_base_url else None
    exchange.urls["api"] = _rewrite(exchange.urls["api"], root, ws_root)
    return exchange
