"""Binance spot public REST (/api/v3) as ccxt.binance reads it: routes and response shapes only.

Endpoints: ping, time, exchangeInfo, depth, trades, aggTrades, klines, ticker/24hr,
ticker/bookTicker. Errors as Binance sends them: unknown symbol → HTTP 400
{"code":-1121,"msg":"Invalid symbol."} (ccxt: BadSymbol); market in `outage` → HTTP 503 text (ccxt:
ExchangeNotAvailable); market in `empty_body` → HTTP 200 with an empty body; over the weight
budget → 429 then 418 (see simulator.ratelimit). Depth responses carry no timestamp, as on Binance.
The helpers here (errors, market lookup, trade windows, klines, tickers) are shared with
`binanceusdm` and `binancecoinm`.
"""
from __future__ import annotations

from collections.abc import Callable

import orjson

from simulator.candles import TIMEFRAME_MS, Candle, candles
from simulator.dialects.common import EMPTY, UNAVAILABLE_TEXT, Router, book_or_down, dispatch, int_param, market_down
from simulator.market import MarketModel
from simulator.ratelimit import Verdict
from simulator.ticker import TickerStats, ticker_stats
from simulator.trades import Trade, trades_before, trades_between, trades_from_id
from simulator.venue import Response, VenueContext
from simulator.venue_numbers import level_strings

HOUR_MS = 3_600_000
DAY_MS = 86_400_000
MAX_DEPTH_LIMIT = 5000
UNAVAILABLE = UNAVAILABLE_TEXT


def error(code: int, msg: str, status: int = 400) -> Response:
    """A Binance error body {"code", "msg"}."""
    return Response.json({"code": code, "msg": msg}, status)


def num(value: float, decimals: int) -> str:
    """Binance prints at least 8 decimals."""
    return f"{value:.{max(8, decimals)}f}"


def too_many(verdict: Verdict, ip: str, limit_text: str = "6000 request weight per 1 MINUTE") -> Response:
    """429 (over budget) or 418 (banned) with Binance's -1003 body and Retry-After."""
    retry = (("Retry-After", str(max(1, -(-verdict.retry_after_ms // 1000)))),)
    if verdict.outcome == "banned":
        return Response.json({"code": -1003, "msg": f"Way too much request weight used; IP banned until "
                              f"{verdict.banned_until_ms}. Please use WebSocket Streams for live updates to "
                              "avoid bans."}, 418, retry)
    return Response.json({"code": -1003, "msg": f"Too much request weight used; current limit is {limit_text}. "
                          "Please use WebSocket Streams for live updates to avoid polling the API."}, 429, retry)


def market_of(ctx: VenueContext, query: dict[str, str], market_type: str = "spot") -> MarketModel | Response:
    """The market named by `symbol`, or Binance's -1102 / -1121 error."""
    market_id = query.get("symbol")
    if not market_id:
        return error(-1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.")
    model = ctx.model_by_id(market_id.upper(), market_type)
    return model if model is not None else error(-1121, "Invalid symbol.")


def blocked(ctx: VenueContext, model: MarketModel) -> Response | None:
    """503 / empty body while the market is in outage / empty_body."""
    condition = market_down(ctx, model)
    return UNAVAILABLE if condition == "outage" else EMPTY if condition == "empty_body" else None


def depth_handler(market_type: str, max_limit: int, default_limit: int, with_time: bool,
                  extra: Callable[[MarketModel], dict] | None = None):
    """GET depth: {lastUpdateId, bids, asks} (+ E/T on futures, + `extra(model)` fields); lastUpdateId is
    `ctx.update_id()` (the ms on the virtual clock, now // update_ms on the wall clock) and the book that
    update's (`simulator.streams.book_at_update` cut to `limit`)."""
    def handler(ctx: VenueContext, query: dict[str, str]) -> Response:
        model = market_of(ctx, query, market_type)
        if isinstance(model, Response):
            return model
        limit = int_param(query, "limit", default_limit)
        if not 1 <= limit <= max_limit:
            return error(-1100, f"Illegal characters found in parameter 'limit'; legal range is '1-{max_limit}'.")
        at = ctx.at_update()  # the book of update id lastUpdateId (simulator.streams: the diff streams agree)
        book = book_or_down(at, model, limit)
        if isinstance(book, Response):
            return book
        pd, ad = model.price_decimals, model.amount_decimals
        body = {"lastUpdateId": ctx.update_id()}
        if with_time:
            body.update({"E": at.now_ms, "T": at.now_ms})
        if extra is not None:
            body.update(extra(model))
        body["bids"] = level_strings(book.bids, max(8, pd), max(8, ad))  # as num(): at least 8 places
        body["asks"] = level_strings(book.asks, max(8, pd), max(8, ad))
        return Response.json(body)
    return handler


def _trade_limit(query: dict[str, str]) -> int:
    return min(max(int_param(query, "limit", 500), 1), 1000)


def trade_window(ctx: VenueContext, model: MarketModel, query: dict[str, str]) -> list[Trade] | Response:
    """aggTrades selection: fromId, or startTime/endTime (≤ 1 h apart), else the latest."""
    limit = _trade_limit(query)
    from_id = int_param(query, "fromId", None)
    start, end = int_param(query, "startTime", None), int_param(query, "endTime", None)
    if from_id is not None:
        return trades_from_id(model, from_id, ctx.now_ms, limit)
    if start is None and end is None:
        return trades_before(model, ctx.now_ms, limit)
    if start is not None and end is not None and end - start > HOUR_MS:
        return error(-1127, "More than 1 hours between startTime and endTime.")
    start = start if start is not None else end - HOUR_MS
    end = min(end if end is not None else start + HOUR_MS, ctx.now_ms)
    return trades_between(model, start, end, limit)


def trades_handler(market_type: str, shape: Callable[[MarketModel, Trade], dict], windowed: bool):
    """GET trades (latest) or aggTrades (windowed)."""
    def handler(ctx: VenueContext, query: dict[str, str]) -> Response:
        model = market_of(ctx, query, market_type)
        if isinstance(model, Response):
            return model
        down = blocked(ctx, model)
        if down is not None:
            return down
        trades = trade_window(ctx, model, query) if windowed else trades_before(model, ctx.now_ms, _trade_limit(query))
        if isinstance(trades, Response):
            return trades
        return Response.json([shape(model, trade) for trade in trades])
    return handler


def agg_trade(model: MarketModel, trade: Trade) -> dict:
    return {"a": trade.id, "p": num(trade.price, model.price_decimals), "q": num(trade.amount, model.amount_decimals),
            "f": trade.id, "l": trade.id, "T": trade.ts, "m": trade.side == "sell", "M": True}


def plain_trade(model: MarketModel, trade: Trade) -> dict:
    return {"id": trade.id, "price": num(trade.price, model.price_decimals),
            "qty": num(trade.amount, model.amount_decimals),
            "quoteQty": num(trade.price * trade.amount, model.price_decimals),
            "time": trade.ts, "isBuyerMaker": trade.side == "sell", "isBestMatch": True}


def kline_row(model: MarketModel, c: Candle, period: int) -> list:
    """[open time, o, h, l, c, volume, close time, quote volume, count, taker buy volumes, ignore]."""
    pd, ad = model.price_decimals, model.amount_decimals
    return [c.open_ms, num(c.open, pd), num(c.high, pd), num(c.low, pd), num(c.close, pd), num(c.volume, ad),
            c.open_ms + period - 1, num(c.quote_volume, 8), 0, "0", "0", "0"]


def klines_handler(market_type: str, max_limit: int,
                   row: Callable[[MarketModel, Candle, int], list] = kline_row):
    """GET klines: one `row(model, candle, period)` per candle."""
    def handler(ctx: VenueContext, query: dict[str, str]) -> Response:
        model = market_of(ctx, query, market_type)
        if isinstance(model, Response):
            return model
        period = TIMEFRAME_MS.get(query.get("interval", ""))
        if period is None:
            return error(-1120, "Invalid interval.")
        limit = min(max(int_param(query, "limit", 500), 1), max_limit)
        rows = candles(model, period, ctx.now_ms, int_param(query, "startTime", None),
                       int_param(query, "endTime", None), limit)
        return Response.json([row(model, c, period) for c in rows])
    return handler


def ticker(ctx: VenueContext, model: MarketModel, stats: TickerStats | None = None) -> dict:
    """The 24 h ticker of one market (simulator.ticker; `stats` when already computed)."""
    s = stats or ticker_stats(model, ctx.now_ms)
    pd, ad = model.price_decimals, model.amount_decimals
    first_id = (ctx.now_ms - DAY_MS) // 60_000 * model.market.trades_per_minute
    return {
        "symbol": model.market_id, "priceChange": num(s.change, pd), "priceChangePercent": f"{s.change_pct:.3f}",
        "weightedAvgPrice": num((s.high + s.low + s.last) / 3, pd), "prevClosePrice": num(s.open, pd),
        "lastPrice": num(s.last, pd), "lastQty": num(model.market.trade_size, ad),
        "bidPrice": num(s.bid, pd), "bidQty": num(s.bid_size, ad), "askPrice": num(s.ask, pd), "askQty": num(s.ask_size, ad),
        "openPrice": num(s.open, pd), "highPrice": num(s.high, pd), "lowPrice": num(s.low, pd),
        "volume": num(s.base_volume, ad), "quoteVolume": num(s.quote_volume, 2),
        "openTime": ctx.now_ms - DAY_MS, "closeTime": ctx.now_ms,
        "firstId": first_id, "lastId": first_id + s.trade_count - 1, "count": s.trade_count,
    }


def _book_ticker(ctx: VenueContext, model: MarketModel) -> dict:
    pd, ad = model.price_decimals, model.amount_decimals
    book = ctx.peek_book(model, 1)
    bid, ask = (book.bids or [(0.0, 0.0)])[0], (book.asks or [(0.0, 0.0)])[0]
    return {"symbol": model.market_id, "bidPrice": num(bid[0], pd), "bidQty": num(bid[1], ad),
            "askPrice": num(ask[0], pd), "askQty": num(ask[1], ad)}


def selected_markets(ctx: VenueContext, query: dict[str, str], market_type: str) -> list[MarketModel] | Response:
    """The markets of a `symbols=["A","B"]` list, or every live market."""
    if query.get("symbols"):
        try:
            ids = orjson.loads(query["symbols"])
        except orjson.JSONDecodeError:
            return error(-1100, "Illegal characters found in parameter 'symbols'.")
        models = [ctx.model_by_id(str(i).upper(), market_type) for i in ids]
        if any(m is None for m in models):
            return error(-1121, "Invalid symbol.")
        return models
    return [m for m in ctx.markets(market_type) if market_down(ctx, m) is None]


def per_symbol_or_all(shape: Callable[[VenueContext, MarketModel], dict], market_type: str = "spot"):
    """One object for `symbol=`, else a list over `symbols=` or every live market."""
    def handler(ctx: VenueContext, query: dict[str, str]) -> Response:
        if query.get("symbol"):
            model = market_of(ctx, query, market_type)
            if isinstance(model, Response):
                return model
            return blocked(ctx, model) or Response.json(shape(ctx, model))
        models = selected_markets(ctx, query, market_type)
        if isinstance(models, Response):
            return models
        return Response.json([shape(ctx, model) for model in models])
    return handler


def _symbol_info(model: MarketModel) -> dict:
    market = model.market
    tick = num(market.tick_size, model.price_decimals)
    step = num(market.amount_step, model.amount_decimals)
    return {
        "symbol": model.market_id, "status": "TRADING",
        "baseAsset": market.base, "baseAssetPrecision": 8,
        "quoteAsset": market.quote, "quotePrecision": 8, "quoteAssetPrecision": 8,
        "baseCommissionPrecision": 8, "quoteCommissionPrecision": 8,
        "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"],
        "icebergAllowed": True, "ocoAllowed": True, "quoteOrderQtyMarketAllowed": True,
        "allowTrailingStop": True, "cancelReplaceAllowed": True,
        "isSpotTradingAllowed": True, "isMarginTradingAllowed": False,
        "filters": [
            {"filterType": "PRICE_FILTER", "minPrice": tick, "maxPrice": "1000000.00000000", "tickSize": tick},
            {"filterType": "LOT_SIZE", "minQty": step, "maxQty": "9000000.00000000", "stepSize": step},
            {"filterType": "NOTIONAL", "minNotional": "5.00000000", "applyMinToMarket": True,
             "maxNotional": "9000000.00000000", "applyMaxToMarket": False, "avgPriceMins": 5},
        ],
        "permissions": [], "permissionSets": [["SPOT"]],
        "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
        "allowedSelfTradePreventionModes": ["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"],
    }


def exchange_info(ctx: VenueContext, query: dict[str, str]) -> Response:
    return Response.json({
        "timezone": "UTC", "serverTime": ctx.now_ms,
        "rateLimits": [
            {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000},
            {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 100},
        ],
        "exchangeFilters": [],
        "symbols": [_symbol_info(model) for model in ctx.markets("spot")],
    })


ROUTER = Router({
    "api/v3/ping": lambda ctx, query: Response.json({}),
    "api/v3/time": lambda ctx, query: Response.json({"serverTime": ctx.now_ms}),
    "api/v3/exchangeInfo": exchange_info,
    "api/v3/depth": depth_handler("spot", MAX_DEPTH_LIMIT, 100, with_time=False),
    "api/v3/trades": trades_handler("spot", plain_trade, windowed=False),
    "api/v3/aggTrades": trades_handler("spot", agg_trade, windowed=True),
    "api/v3/klines": klines_handler("spot", 1000),
    "api/v3/ticker/24hr": per_symbol_or_all(ticker),
    "api/v3/ticker/bookTicker": per_symbol_or_all(_book_ticker),
})
LEGACY_ROOT = ("api/v3/",)  # served at the server root too (before venue prefixes existed)


def handle(ctx: VenueContext, route: str, query: dict[str, str]) -> Response:
    """Answer one request below the venue root; unknown routes → 404, malformed numbers → -1100."""
    return dispatch(ROUTER, ctx, route, query,
                    lambda r: error(-1000, f"Unknown endpoint /{r}.", 404),
                    lambda msg: error(-1100, f"Illegal characters found in a parameter: {msg}"))
