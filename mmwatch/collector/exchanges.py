"""Building the ccxt exchange instances: one async instance per venue, shared by its markets."""
from __future__ import annotations

from typing import Any, Iterable

from mmwatch.collector.budget import VenueBudget
from mmwatch.collector.hosts import point_at
from mmwatch.collector.venues import FETCH_MARKET_TYPES
from mmwatch.config import SUPPORTED_EXCHANGES, check_symbols
from mmwatch.errors import ConfigError

# A tiny rate limit for the simulator in virtual time: the throttler must not sleep between cycles.
SIMULATOR_RATE_LIMIT_MS = 0.001


def exchange_config(exchange_id: str, credentials: dict[str, str] | None = None) -> dict[str, Any]:
    """ccxt constructor config: rate limited, only the market types we collect, no currencies/margin calls."""
    return {"enableRateLimit": True, **(credentials or {}),
            "options": {"fetchCurrencies": False, "fetchMargins": False,
                        "fetchMarkets": {"types": FETCH_MARKET_TYPES[exchange_id]}}}


def make_exchange(exchange_id: str, symbols: Iterable[str] = (), simulator_url: str | None = None,
                  virtual_time: bool = False, budget: VenueBudget | None = None,
                  credentials: dict[str, str] | None = None, timeout_s: float | None = None, streaming: bool = False,
                  simulator_ws_url: str | None = None):
    """An async ccxt instance for `exchange_id` (rate limited), pointed at `simulator_url` when given;
    `timeout_s`: how long a request may go unanswered (ccxt's default, 10 s, when None); `streaming`:
    the unmodified ccxt.pro class (WebSocket watch_* methods; its REST requests, e.g. Binance's book
    snapshots, are charged like any other), its WebSocket hosts pointed at `simulator_ws_url` when given.

    `budget` (optional) is charged for every HTTP request the instance makes
    (and may hold it back until the venue's window has room), and counts every answer's status.
    """
    if exchange_id not in SUPPORTED_EXCHANGES:
        raise ConfigError(f"unknown exchange {exchange_id!r}; supported ids: {', '.join(SUPPORTED_EXCHANGES)}")
    config = exchange_config(exchange_id, credentials)
    if simulator_url and virtual_time:
        config["rateLimit"] = SIMULATOR_RATE_LIMIT_MS
    if timeout_s is not None:
        config["timeout"] = int(timeout_s * 1000)
    import ccxt.async_support as module  # on use: the code location loads this module, ccxt costs ~0.4 s
    if streaming:
        import ccxt.pro as module  # only a streaming collector pays for importing the WebSocket classes
    exchange = getattr(module, exchange_id)(config)
    # Currencies are not needed to read market data; skip that (often authenticated) endpoint.
    exchange.has["fetchCurrencies"] = False
    if simulator_url:
        point_at(exchange, simulator_url, ws_base_url=simulator_ws_url)
    if budget is not None:
        _charge_requests(exchange, budget)
    return exchange


def _charge_requests(exchange, budget: VenueBudget) -> None:
    original = exchange.fetch
    original_response = exchange.on_rest_response

    async def charged_fetch(url, *args, **kwargs):
        await budget.acquire(url)
        return unparsed_json_refused(exchange.id, url, await original(url, *args, **kwargs))

    def counted_response(status, reason, url, method, response_headers, *args, **kwargs):
        # ccxt calls this for every HTTP answer, before it maps an error status to an exception:
        # the only place the status itself (429, 418) and its Retry-After are still known
        budget.answered(status, response_headers)
        return original_response(status, reason, url, method, response_headers, *args, **kwargs)

    exchange.fetch = charged_fetch
    exchange.on_rest_response = counted_response


def unparsed_json_refused(exchange_id: str, url: str, response):
    """`response` as ccxt gave it, or BadResponse when it is JSON that did not parse (a body cut in the
    middle): ccxt hands such a body back as text, which its parsers read as an empty answer (no trades,
    an empty book), so the failed fetch would pass for a quiet market."""
    text = response.decode(errors="replace") if isinstance(response, bytes) else response
    if isinstance(text, str) and text.lstrip()[:1] in ("{", "["):
        import ccxt
        raise ccxt.BadResponse(f"{exchange_id} GET {url}: the JSON body does not parse ({len(text)} characters, "
                               f"cut or corrupt): {text[:80]!r}")
    return response


# load_markets parameters per venue: KuCoin with API keys also asks for its cross and isolated
# margin symbols (private endpoints a key without margin rights is refused); we read spot market
# data, so they are never asked for.
LOAD_MARKETS_PARAMS: dict[str, dict[str, Any]] = {"kucoin": {"marginables": False}}


async def load_checked_markets(exchange, symbols: Iterable[str]) -> dict[str, dict]:
    """Load the venue's markets once and return those of `symbols`; ConfigError names unknown symbols."""
    markets = await exchange.load_markets(params=dict(LOAD_MARKETS_PARAMS.get(exchange.id, {})))
    symbols = list(symbols)
    check_symbols(exchange.id, symbols, markets.keys())
    return {symbol: markets[symbol] for symbol in symbols}
