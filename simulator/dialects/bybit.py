"""Bybit v5 public REST (category spot and linear) as ccxt.bybit reads it.

Envelope {"retCode": 0, "retMsg": "OK", "result": {...}, "retExtInfo": {}, "time": ms}; numbers
as strings; lists newest first. Endpoints: market/instruments-info, market/orderbook ({s, b, a,
ts, u = seq = the update id: the book of simulator.streams' update model}),
market/recent-trade (spot ≤ 60, linear ≤ 1000), market/tickers (linear: mark, index,
funding, open interest), market/kline, mark-price-kline and index-price-kline (start/end ms,
≤ 1000), market/open-interest (intervalTime 5min..1d, base units, the latest `limit` ≤ 200 of
[startTime, endTime]), market/account-ratio (buyRatio/sellRatio), market/time. Unknown symbol →
retCode 10001; over 600 requests / 5 s per IP → HTTP 403 "access too frequent" and a 10 min
block (ccxt: RateLimitExceeded).
"""
from __future__ import annotations

from simulator.candles import candles
from simulator.derivatives import funding, index_price, long_short, mark_price, open_interest, period_starts
from simulator.dialects.common import Router, book_or_down, dispatch, int_param, live_markets, market_down
from simulator.market import MarketModel
from simulator.ratelimit import Verdict
from simulator.ticker import ticker_stats
from simulator.trades import trades_before
from simulator.venue import Response, VenueContext
from simulator.venue_numbers import levels, num

CATEGORIES = {"spot": "spot", "linear": "swap"}
INTERVALS = {"1": 60_000, "3": 180_000, "5": 300_000, "15": 900_000, "30": 1_800_000, "60": 3_600_000,
             "120": 7_200_000, "240": 14_400_000, "D": 86_400_000}
STAT_PERIODS = {"5min": 300_000, "15min": 900_000, "30min": 1_800_000, "1h": 3_600_000, "4h": 14_400_000,
                "1d": 86_400_000, "5m": 300_000, "15m": 900_000, "30m": 1_800_000}


def ok(ctx: VenueContext, result: dict) -> Response:
    return Response.json({"retCode": 0, "retMsg": "OK", "result": result, "retExtInfo": {}, "time": ctx.now_ms})


def _error(ctx: VenueContext, code: int, msg: str) -> Response:
    return Response.json({"retCode": code, "retMsg": msg, "result": {}, "retExtInfo": {}, "time": ctx.now_ms})


def too_many(verdict: Verdict, ip: str) -> Response:
    """HTTP 403 "access too frequent" (Bybit's IP-level limit)."""
    return Response(403, b"403 Forbidden: access too frequent", "text/plain")


def _with_market(body):
    def handler(ctx: VenueContext, query: dict) -> Response:
        market_type = CATEGORIES.get(query.get("category", ""))
        if market_type is None:
            return _error(ctx, 10001, f"params error: category {query.get('category')!r} is not spot or linear")
        model = ctx.model_by_id(query.get("symbol", ""), market_type)
        if model is None:
            return _error(ctx, 10001, "params error: symbol invalid")
        if market_down(ctx, model):
            down = book_or_down(ctx, model, 1)
            return down if isinstance(down, Response) else _error(ctx, 10016, "service unavailable")
        result = body(ctx, model, query)
        return result if isinstance(result, Response) else ok(ctx, result)
    return handler


def _instrument(model: MarketModel) -> dict:
    m, pd, ad = model.market, model.price_decimals, model.amount_decimals
    tick, step = num(m.tick_size, pd), num(m.amount_step, ad)
    if not model.is_swap:
        return {"symbol": model.market_id, "baseCoin": m.base, "quoteCoin": m.quote, "innovation": "0",
                "status": "Trading", "marginTrading": "none", "stTag": "0",
                "lotSizeFilter": {"basePrecision": step, "quotePrecision": "0.00000001", "minOrderQty": step,
                                  "maxOrderQty": "10000000", "minOrderAmt": "1", "maxOrderAmt": "2000000"},
                "priceFilter": {"tickSize": tick}, "riskParameters": {"limitParameter": "0.05", "marketParameter": "0.05"}}
    return {"symbol": model.market_id, "contractType": "LinearPerpetual", "status": "Trading", "baseCoin": m.base,
            "quoteCoin": m.quote, "launchTime": "1585526400000", "deliveryTime": "0", "deliveryFeeRate": "",
            "priceScale": str(pd), "leverageFilter": {"minLeverage": "1", "maxLeverage": "100.00", "leverageStep": "0.01"},
            "priceFilter": {"minPrice": tick, "maxPrice": "1999999.80", "tickSize": tick},
            "lotSizeFilter": {"maxOrderQty": "1190.000", "minOrderQty": step, "qtyStep": step,
                              "postOnlyMaxOrderQty": "1190.000", "maxMktOrderQty": "500.000", "minNotionalValue": "5"},
            "unifiedMarginTrade": True, "fundingInterval": m.perp_or_default.funding_interval_hours * 60,
            "settleCoin": m.settle, "copyTrading": "both", "upperFundingRate": "0.00375",
            "lowerFundingRate": "-0.00375", "isPreListing": False, "preListingInfo": None}


def _instruments(ctx: VenueContext, query: dict) -> Response:
    market_type = CATEGORIES.get(query.get("category", ""))
    rows = [] if market_type is None or query.get("status") == "PreLaunch" or query.get("cursor") else \
        [_instrument(m) for m in ctx.markets(market_type)]
    return ok(ctx, {"category": query.get("category"), "list": rows, "nextPageCursor": ""})


def _book(ctx: VenueContext, model: MarketModel, query: dict) -> dict | Response:
    limit = min(max(int_param(query, "limit", 1), 1), 200 if model.market_type == "spot" else 500)
    at = ctx.at_update()  # u = seq = the update id, the book of that update (the stream's model)
    book = book_or_down(at, model, limit)
    if isinstance(book, Response):
        return book
    pd, ad = model.price_decimals, model.amount_decimals
    return {"s": model.market_id, "b": levels(book.bids, pd, ad), "a": levels(book.asks, pd, ad), "ts": at.now_ms,
            "u": ctx.update_id(), "seq": ctx.update_id(), "cts": at.now_ms}


def _recent_trades(ctx: VenueContext, model: MarketModel, query: dict) -> dict:
    limit = min(max(int_param(query, "limit", 60 if model.market_type == "spot" else 500), 1),
                60 if model.market_type == "spot" else 1000)
    pd, ad = model.price_decimals, model.amount_decimals
    rows = [{"execId": str(t.id), "symbol": model.market_id, "price": num(t.price, pd), "size": num(t.amount, ad),
             "side": "Buy" if t.side == "buy" else "Sell", "time": str(t.ts), "isBlockTrade": False,
             "isRPITrade": False, "seq": str(t.id)} for t in reversed(trades_before(model, ctx.now_ms, limit))]
    return {"category": query["category"], "list": rows}


def _ticker(ctx: VenueContext, model: MarketModel) -> dict:
    s = ticker_stats(model, ctx.now_ms)
    pd, ad = model.price_decimals, model.amount_decimals
    row = {"symbol": model.market_id, "bid1Price": num(s.bid, pd), "bid1Size": num(s.bid_size, ad),
           "ask1Price": num(s.ask, pd), "ask1Size": num(s.ask_size, ad), "lastPrice": num(s.last, pd),
           "prevPrice24h": num(s.open, pd), "price24hPcnt": f"{s.change_pct / 100:.4f}", "highPrice24h": num(s.high, pd),
           "lowPrice24h": num(s.low, pd), "turnover24h": num(s.quote_volume, 4), "volume24h": num(s.base_volume, ad)}
    if model.is_swap:
        state, oi = funding(model, ctx.now_ms), open_interest(model, ctx.now_ms)
        row.update({"indexPrice": num(index_price(model, ctx.now_ms), pd), "markPrice": num(mark_price(model, ctx.now_ms), pd),
                    "prevPrice1h": num(s.last, pd), "openInterest": num(oi.contracts, ad),
                    "openInterestValue": f"{oi.value:.2f}", "fundingRate": f"{state.rate:.8f}",
                    "nextFundingTime": str(state.next_funding_ms), "predictedDeliveryPrice": "", "basisRate": "",
                    "deliveryFeeRate": "", "deliveryTime": "0", "basis": "", "curPreListingPhase": ""})
    else:
        row["usdIndexPrice"] = num(s.last, pd)
    return row


def _tickers(ctx: VenueContext, query: dict) -> Response:
    if query.get("symbol"):
        return _with_market(lambda c, m, q: {"category": q["category"], "list": [_ticker(c, m)]})(ctx, query)
    market_type = CATEGORIES.get(query.get("category", ""))
    rows = [_ticker(ctx, m) for m in live_markets(ctx, market_type)] if market_type else []
    return ok(ctx, {"category": query.get("category"), "list": rows})


def _kline(price: str):
    def body(ctx: VenueContext, model: MarketModel, query: dict) -> dict | Response:
        period = INTERVALS.get(query.get("interval", ""))
        if period is None:
            return _error(ctx, 10001, f"params error: interval {query.get('interval')!r}")
        limit = min(max(int_param(query, "limit", 200), 1), 1000)
        start, end = int_param(query, "start", None), int_param(query, "end", None)
        rows = candles(model, period, ctx.now_ms, start, end, limit)
        pd, ad = model.price_decimals, model.amount_decimals
        if price == "last":
            out = [[str(c.open_ms), num(c.open, pd), num(c.high, pd), num(c.low, pd), num(c.close, pd),
                    num(c.volume, ad), num(c.quote_volume, 4)] for c in rows]
        else:
            value = mark_price if price == "mark" else index_price
            out = [[str(c.open_ms)] + [num(value(model, c.open_ms), pd)] * 4 for c in rows]
        return {"symbol": model.market_id, "category": query["category"], "list": list(reversed(out))}
    return body


def _stat_window(ctx: VenueContext, query: dict, key: str, max_limit: int, default: int) -> list[int] | Response:
    period = STAT_PERIODS.get(query.get(key, ""))
    if period is None:
        return _error(ctx, 10001, f"params error: {key} {query.get(key)!r}")
    limit = min(max(int_param(query, "limit", default), 1), max_limit)
    start, end = int_param(query, "startTime", None), int_param(query, "endTime", None)
    stamps = period_starts(period, ctx.now_ms, start, end, 10**6 if start is not None else limit)
    return stamps[-limit:]


def _open_interest(ctx: VenueContext, model: MarketModel, query: dict) -> dict | Response:
    stamps = _stat_window(ctx, query, "intervalTime", 200, 50)
    if isinstance(stamps, Response):
        return stamps
    rows = [{"openInterest": num(open_interest(model, ts).contracts, model.amount_decimals), "timestamp": str(ts)}
            for ts in reversed(stamps)]
    return {"symbol": model.market_id, "category": query["category"], "list": rows, "nextPageCursor": ""}


def _account_ratio(ctx: VenueContext, model: MarketModel, query: dict) -> dict | Response:
    stamps = _stat_window(ctx, query, "period", 500, 50)
    if isinstance(stamps, Response):
        return stamps
    rows = []
    for ts in reversed(stamps):
        r = long_short(model, ts, "accounts")
        rows.append({"symbol": model.market_id, "buyRatio": f"{r.long:.4f}", "sellRatio": f"{r.short:.4f}",
                     "timestamp": str(ts)})
    return {"list": rows, "nextPageCursor": ""}


ROUTER = Router({
    "v5/market/time": lambda ctx, q: ok(ctx, {"timeSecond": str(ctx.now_ms // 1000),
                                               "timeNano": str(ctx.now_ms * 1_000_000)}),
    "v5/market/instruments-info": _instruments,
    "v5/market/orderbook": _with_market(_book),
    "v5/market/recent-trade": _with_market(_recent_trades),
    "v5/market/tickers": _tickers,
    "v5/market/kline": _with_market(_kline("last")),
    "v5/market/mark-price-kline": _with_market(_kline("mark")),
    "v5/market/index-price-kline": _with_market(_kline("index")),
    "v5/market/open-interest": _with_market(_open_interest),
    "v5/market/account-ratio": _with_market(_account_ratio),
})


def handle(ctx: VenueContext, route: str, query: dict[str, str]) -> Response:
    """Answer one request below the venue root (Bybit envelopes)."""
    return dispatch(ROUTER, ctx, route, query, lambda r: Response(404, b"Not Found", "text/plain"),
                    lambda msg: _error(ctx, 10001, f"params error: {msg}"))
