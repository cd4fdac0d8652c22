"""Binance spot public REST (/api/v3) as ccxt.binance reads it: routes and response shapes only.

Endpoints: ping, time, exchangeInfo, depth, trades, aggTrades, ticker/24hr, ticker/bookTicker.
Errors as Binance sends them: unknown symbol → HTTP 400 {"code":-1121,"msg":"Invalid symbol."}
(ccxt: BadSymbol); market in `outage` → HTTP 503 text (ccxt: ExchangeNotAvailable); market in
`empty_body` → HTTP 200 with an empty body. Depth responses carry no timestamp, as on Binance.
"""
from __future__ import annotations

from collections.abc import Callable

import orjson

from simulator.market import MarketModel
from simulator.trades import Trade, trades_before, trades_between, trades_from_id
from simulator.venue import Response, VenueContext

PREFIX = "/api/v3/"
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
MAX_DEPTH_LIMIT = 5000


def _error(code: int, msg: str, status: int = 400) -> Response:
    return Response.json({"code": code, "msg": msg}, status)


UNAVAILABLE = Response(503, b"Service Unavailable", "text/plain")
EMPTY = Response(200, b"")


def _num(value: float, decimals: int) -> str:
    return f"{value:.{max(8, decimals)}f}"


def _int_param(query: dict[str, str], name: str, default: int | None) -> int | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    return int(raw)  # ValueError → -1100 in `handle`


def _market(ctx: VenueContext, query: dict[str, str]) -> MarketModel | Response:
    market_id = query.get("symbol")
    if not market_id:
        return _error(-1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.")
    model = ctx.model_by_id(market_id.upper())
    return model if model is not None else _error(-1121, "Invalid symbol.")


def _unavailable(ctx: VenueContext, model: MarketModel) -> Response | None:
    condition = model.condition_at(ctx.now_ms)
    if condition == "outage":
        return UNAVAILABLE
    if condition == "empty_body":
        return EMPTY
    return None


def ping(ctx: VenueContext, query: dict[str, str]) -> Response:
    return Response.json({})


def server_time(ctx: VenueContext, query: dict[str, str]) -> Response:
    return Response.json({"serverTime": ctx.now_ms})


def _symbol_info(model: MarketModel) -> dict:
    market = model.market
    tick = _num(market.tick_size, model.price_decimals)
    step = _num(market.amount_step, model.amount_decimals)
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
        "symbols": [_symbol_info(model) for model in ctx.markets()],
    })


def depth(ctx: VenueContext, query: dict[str, str]) -> Response:
    model = _market(ctx, query)
    if isinstance(model, Response):
        return model
    limit = _int_param(query, "limit", 100)
    if not 1 <= limit <= MAX_DEPTH_LIMIT:
        return _error(-1100, f"Illegal characters found in parameter 'limit'; legal range is '1-{MAX_DEPTH_LIMIT}'.")
    book = ctx.serve_book(model, limit)
    if book.status == "outage":
        return UNAVAILABLE
    if book.status == "empty_body":
        return EMPTY
    pd, ad = model.price_decimals, model.amount_decimals
    return Response.json({
        "lastUpdateId": ctx.now_ms,
        "bids": [[_num(p, pd), _num(a, ad)] for p, a in book.bids],
        "asks": [[_num(p, pd), _num(a, ad)] for p, a in book.asks],
    })


def _trade_limit(query: dict[str, str]) -> int:
    return min(max(_int_param(query, "limit", 500), 1), 1000)


def _trade_window(ctx: VenueContext, model: MarketModel, query: dict[str, str]) -> list[Trade] | Response:
    limit = _trade_limit(query)
    from_id = _int_param(query, "fromId", None)
    start, end = _int_param(query, "startTime", None), _int_param(query, "endTime", None)
    if from_id is not None:
        return trades_from_id(model, from_id, ctx.now_ms, limit)
    if start is None and end is None:
        return trades_before(model, ctx.now_ms, limit)
    if start is not None and end is not None and end - start > HOUR_MS:
        return _error(-1127, "More than 1 hours between startTime and endTime.")
    start = start if start is not None else end - HOUR_MS
    end = min(end if end is not None else start + HOUR_MS, ctx.now_ms)
    return trades_between(model, start, end, limit)


def _trades_endpoint(shape: Callable[[MarketModel, Trade], dict], windowed: bool):
    def handler(ctx: VenueContext, query: dict[str, str]) -> Response:
        model = _market(ctx, query)
        if isinstance(model, Response):
            return model
        blocked = _unavailable(ctx, model)
        if blocked is not None:
            return blocked
        if windowed:
            trades = _trade_window(ctx, model, query)
        else:
            trades = trades_before(model, ctx.now_ms, _trade_limit(query))
        if isinstance(trades, Response):
            return trades
        return Response.json([shape(model, trade) for trade in trades])
    return handler


def _agg_trade(model: MarketModel, trade: Trade) -> dict:
    return {"a": trade.id, "p": _num(trade.price, model.price_decimals), "q": _num(trade.amount, model.amount_decimals),
            "f": trade.id, "l": trade.id, "T": trade.ts, "m": trade.side == "sell", "M": True}


def _plain_trade(model: MarketModel, trade: Trade) -> dict:
    return {"id": trade.id, "price": _num(trade.price, model.price_decimals),
            "qty": _num(trade.amount, model.amount_decimals),
            "quoteQty": _num(trade.price * trade.amount, model.price_decimals),
            "time": trade.ts, "isBuyerMaker": trade.side == "sell", "isBestMatch": True}


def _touch(ctx: VenueContext, model: MarketModel) -> tuple[tuple[float, float], tuple[float, float]]:
    """Best bid and best ask (price, amount) now; (0, 0) for an empty side, as Binance prints it."""
    book = ctx.peek_book(model, 1)
    return (book.bids[0] if book.bids else (0.0, 0.0)), (book.asks[0] if book.asks else (0.0, 0.0))


def _ticker(ctx: VenueContext, model: MarketModel) -> dict:
    """24 h statistics from the fair-price path sampled each minute; volumes are the expected ones."""
    pd, ad = model.price_decimals, model.amount_decimals
    now, market = ctx.now_ms, model.market
    samples = [model.fair_price(now - DAY_MS + minute * 60_000) for minute in range(1441)]
    bid, ask = _touch(ctx, model)
    last, open_ = samples[-1], samples[0]
    count = market.trades_per_minute * 1440
    volume = count * market.trade_size * (1.2 + market.large_trade_prob * 60)
    first_id = (now - DAY_MS) // 60_000 * market.trades_per_minute
    return {
        "symbol": model.market_id, "priceChange": _num(last - open_, pd),
        "priceChangePercent": f"{(last - open_) / open_ * 100:.3f}",
        "weightedAvgPrice": _num(sum(samples) / len(samples), pd), "prevClosePrice": _num(open_, pd),
        "lastPrice": _num(last, pd), "lastQty": _num(market.trade_size, ad),
        "bidPrice": _num(bid[0], pd), "bidQty": _num(bid[1], ad),
        "askPrice": _num(ask[0], pd), "askQty": _num(ask[1], ad),
        "openPrice": _num(open_, pd), "highPrice": _num(max(samples), pd), "lowPrice": _num(min(samples), pd),
        "volume": _num(volume, ad), "quoteVolume": _num(volume * last, pd),
        "openTime": now - DAY_MS, "closeTime": now,
        "firstId": first_id, "lastId": first_id + count - 1, "count": count,
    }


def _selected_markets(ctx: VenueContext, query: dict[str, str]) -> list[MarketModel] | Response:
    if query.get("symbols"):
        try:
            ids = orjson.loads(query["symbols"])
        except orjson.JSONDecodeError:
            return _error(-1100, "Illegal characters found in parameter 'symbols'.")
        models = [ctx.model_by_id(str(i).upper()) for i in ids]
        if any(m is None for m in models):
            return _error(-1121, "Invalid symbol.")
        return models
    return [m for m in ctx.markets() if m.condition_at(ctx.now_ms) not in ("outage", "empty_body")]


def _per_symbol_or_all(shape: Callable[[VenueContext, MarketModel], dict]):
    def handler(ctx: VenueContext, query: dict[str, str]) -> Response:
        if query.get("symbol"):
            model = _market(ctx, query)
            if isinstance(model, Response):
                return model
            return _unavailable(ctx, model) or Response.json(shape(ctx, model))
        models = _selected_markets(ctx, query)
        if isinstance(models, Response):
            return models
        return Response.json([shape(ctx, model) for model in models])
    return handler


def _book_ticker(ctx: VenueContext, model: MarketModel) -> dict:
    pd, ad = model.price_decimals, model.amount_decimals
    bid, ask = _touch(ctx, model)
    return {"symbol": model.market_id, "bidPrice": _num(bid[0], pd), "bidQty": _num(bid[1], ad),
            "askPrice": _num(ask[0], pd), "askQty": _num(ask[1], ad)}


ROUTES = {
    "ping": ping,
    "time": server_time,
    "exchangeInfo": exchange_info,
    "depth": depth,
    "trades": _trades_endpoint(_plain_trade, windowed=False),
    "aggTrades": _trades_endpoint(_agg_trade, windowed=True),
    "ticker/24hr": _per_symbol_or_all(_ticker),
    "ticker/bookTicker": _per_symbol_or_all(_book_ticker),
}


def handle(ctx: VenueContext, route: str, query: dict[str, str]) -> Response:
    """Answer one request below PREFIX; unknown routes → 404, malformed numbers → -1100."""
    handler = ROUTES.get(route)
    if handler is None:
        return _error(-1000, f"Unknown endpoint {PREFIX}{route}.", 404)
    try:
        return handler(ctx, query)
    except ValueError as exc:
        return _error(-1100, f"Illegal characters found in a parameter: {exc}")
