"""KuCoin spot public REST (api.kucoin.com) as ccxt.kucoin reads it; envelope helpers shared with kucoinfutures.

Envelope {"code": "200000", "data": ...}. Endpoints: api/v2/symbols,
api/v1/market/orderbook/level2_20|level2_100 ({time, sequence, bids, asks}; sequence = the book's
update id, `VenueContext.update_id`; the full book needs API keys, as on KuCoin),
api/v1/bullet-public (POST: the token and WebSocket endpoint ccxt.pro connects to, on
`VenueContext.stream_url`: simulator.streams.dialects.kucoin), api/v1/market/histories (the last
100 trades, `time` in ns),
api/v1/market/allTickers ({time, ticker: [...]}), api/v1/market/candles (newest first,
[[t s, open, close, high, low, volume, turnover]], startAt/endAt in seconds, ≤ 1500),
api/v1/timestamp; with API keys also api/v1/hf/accounts/opened (false) and
api/v3/market/orderbook/level2 (the whole book). Errors {"code", "msg"}: unknown symbol → 400100; over the public pool
(2,000 / 30 s) → HTTP 429 code 429000 (ccxt: RateLimitExceeded).
"""
from __future__ import annotations

from simulator.candles import candles
from simulator.dialects.common import Router, book_or_down, dispatch, int_param, live_markets, market_down
from simulator.market import MarketModel
from simulator.ratelimit import Verdict
from simulator.streams.dialects.kucoin import PATH as STREAM_PATH, bullet
from simulator.ticker import ticker_stats
from simulator.trades import trades_before
from simulator.venue import Response, VenueContext
from simulator.venue_numbers import levels, num

CANDLE_TYPES = {"1min": 60_000, "3min": 180_000, "5min": 300_000, "15min": 900_000, "30min": 1_800_000,
                "1hour": 3_600_000, "4hour": 14_400_000, "1day": 86_400_000}


def ok(data: object) -> Response:
    """KuCoin's success envelope."""
    return Response.json({"code": "200000", "data": data})


def error(code: str, msg: str, status: int = 400) -> Response:
    """KuCoin's error body {"code", "msg"}."""
    return Response.json({"code": code, "msg": msg}, status)


def too_many(verdict: Verdict, ip: str) -> Response:
    """HTTP 429 {"code": "429000"} (ccxt: RateLimitExceeded)."""
    return error("429000", "Too Many Requests", 429)


def with_market(market_type: str, body):
    """A handler for the market named by `symbol` (query or path); 503/empty while it is down."""
    def handler(ctx: VenueContext, query: dict) -> Response:
        model = ctx.model_by_id(query.get("symbol", ""), market_type)
        if model is None:
            return error("400100", f"This symbol {query.get('symbol')!r} is not provided at present")
        if market_down(ctx, model):
            down = book_or_down(ctx, model, 1)
            return down if isinstance(down, Response) else error("503000", "Service unavailable", 503)
        result = body(ctx, model, query)
        return result if isinstance(result, Response) else ok(result)
    return handler


def not_found(route: str) -> Response:
    return error("404000", f"Url /{route} Not Found", 404)


def bad_request(msg: str) -> Response:
    return error("400100", f"Parameter error: {msg}")


def _symbol(model: MarketModel) -> dict:
    m, pd, ad = model.market, model.price_decimals, model.amount_decimals
    return {"symbol": model.market_id, "name": model.market_id, "baseCurrency": m.base, "quoteCurrency": m.quote,
            "feeCurrency": m.quote, "market": "USDS", "baseMinSize": num(m.amount_step, ad), "quoteMinSize": "0.1",
            "baseMaxSize": "10000000000", "quoteMaxSize": "99999999", "baseIncrement": num(m.amount_step, ad),
            "quoteIncrement": num(m.tick_size, pd), "priceIncrement": num(m.tick_size, pd), "priceLimitRate": "0.1",
            "minFunds": "0.1", "isMarginEnabled": False, "enableTrading": True, "feeCategory": 1,
            "makerFeeCoefficient": "1.00", "takerFeeCoefficient": "1.00", "st": False}


def _book(ctx: VenueContext, model: MarketModel, query: dict) -> dict | Response:
    if query.get("level") != "2" or query.get("limit") not in ("20", "100"):
        return not_found(f"api/v1/market/orderbook/level{query.get('level')}_{query.get('limit')}")
    return _book_at_update(ctx, model, int(query["limit"]))


def _book_at_update(ctx: VenueContext, model: MarketModel, limit: int | None) -> dict | Response:
    """The book at the current update id, `sequence` = that id (what /market/level2's
    sequenceStart/sequenceEnd count: simulator.streams.dialects.kucoin)."""
    update_id, ctx = ctx.update_id(), ctx.at_update()
    book = book_or_down(ctx, model, limit)
    if isinstance(book, Response):
        return book
    pd, ad = model.price_decimals, model.amount_decimals
    return {"time": ctx.now_ms, "sequence": str(update_id), "bids": levels(book.bids, pd, ad),
            "asks": levels(book.asks, pd, ad)}


def _histories(ctx: VenueContext, model: MarketModel, query: dict) -> list[dict]:
    pd, ad = model.price_decimals, model.amount_decimals
    return [{"sequence": str(t.id), "price": num(t.price, pd), "size": num(t.amount, ad), "side": t.side,
             "time": t.ts * 1_000_000 + 500_000}  # sub-ms part, as KuCoin's: ccxt divides ns by 1e6 in floats
            for t in trades_before(model, ctx.now_ms, 100)]


def _ticker(ctx: VenueContext, model: MarketModel) -> dict:
    s = ticker_stats(model, ctx.now_ms)
    pd, ad = model.price_decimals, model.amount_decimals
    return {"symbol": model.market_id, "symbolName": model.market_id, "buy": num(s.bid, pd),
            "bestBidSize": num(s.bid_size, ad), "sell": num(s.ask, pd), "bestAskSize": num(s.ask_size, ad),
            "changeRate": f"{s.change_pct / 100:.4f}", "changePrice": num(s.change, pd), "high": num(s.high, pd),
            "low": num(s.low, pd), "vol": num(s.base_volume, ad), "volValue": num(s.quote_volume, 2),
            "last": num(s.last, pd), "averagePrice": num((s.open + s.last) / 2, pd), "takerFeeRate": "0.001",
            "makerFeeRate": "0.001", "takerCoefficient": "1", "makerCoefficient": "1"}


def _candles(ctx: VenueContext, model: MarketModel, query: dict) -> list | Response:
    period = CANDLE_TYPES.get(query.get("type", ""))
    if period is None:
        return bad_request(f"type {query.get('type')!r}")
    start, end = int_param(query, "startAt", None), int_param(query, "endAt", None)
    rows = candles(model, period, ctx.now_ms, start * 1000 if start else None, end * 1000 if end else None, 1500)
    pd, ad = model.price_decimals, model.amount_decimals
    return [[str(c.open_ms // 1000), num(c.open, pd), num(c.close, pd), num(c.high, pd), num(c.low, pd),
             num(c.volume, ad), num(c.quote_volume, 8)] for c in reversed(rows)]


def _full_book(ctx: VenueContext, model: MarketModel, query: dict) -> dict | Response:
    """api/v3/market/orderbook/level2: the whole book (a private endpoint on KuCoin: API keys; the
    simulator does not check signatures)."""
    return _book_at_update(ctx, model, None)


def bullet_public(path: str):
    """POST api/v1/bullet-public: a token and the simulator's stream endpoint below `path`."""
    def handler(ctx: VenueContext, query: dict) -> Response:
        if not ctx.stream_url:
            return error("400100", "this simulator serves no WebSocket streams")
        return ok(bullet(f"{ctx.stream_url.rstrip('/')}/{ctx.venue}/{path}"))
    return handler


ROUTER = Router({
    "api/v1/timestamp": lambda ctx, q: ok(ctx.now_ms),
    "api/v1/bullet-public": bullet_public(STREAM_PATH),
    # what ccxt asks with API keys: the account's type (not high-frequency), the full book
    "api/v1/hf/accounts/opened": lambda ctx, q: ok(False),
    "api/v3/market/orderbook/level2": with_market("spot", _full_book),
    "api/v2/symbols": lambda ctx, q: ok([_symbol(m) for m in ctx.markets("spot")]),
    "api/v1/market/orderbook/level{level}_{limit}": with_market("spot", _book),
    "api/v1/market/histories": with_market("spot", _histories),
    "api/v1/market/allTickers": lambda ctx, q: ok({"time": ctx.now_ms,
                                                   "ticker": [_ticker(ctx, m) for m in live_markets(ctx, "spot")]}),
    "api/v1/market/candles": with_market("spot", _candles),
})


def handle(ctx: VenueContext, route: str, query: dict[str, str]) -> Response:
    """Answer one request below the venue root (KuCoin envelopes)."""
    return dispatch(ROUTER, ctx, route, query, not_found, bad_request)
