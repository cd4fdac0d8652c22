"""Bitget v2 public REST (spot and USDT-FUTURES) plus the v3 spot fund-flow endpoints, as ccxt.bitget reads them.

Envelope {"code": "00000", "msg": "success", "requestTime": ms, "data": ...}; numbers as strings.
Spot: public/symbols, market/orderbook, market/fills-history (newest first, the latest `limit`
of [startTime, endTime]), market/tickers, market/candles; margin/currencies (empty).
Futures (productType USDT-FUTURES; other product types list nothing): market/contracts,
merge-depth, fills-history, tickers (mark, index, funding), candles, current-fund-rate,
open-interest, account-long-short. v3: market/spot-fund-flow (per class buy/sell notionals over
`period`) and market/spot-whale-flow (whale net notional per period, simulator.flows).
Unknown symbol → HTTP 400 code 40309 (ccxt: BadSymbol); over budget → HTTP 429 code 429.
"""
from __future__ import annotations

from simulator.candles import candles
from simulator.derivatives import PERIOD_MS, funding, index_price, long_short, mark_price, open_interest, period_starts
from simulator.dialects.common import Router, book_or_down, dispatch, int_param, live_markets, market_down
from simulator.flows import CLASSES, fund_flow, whale_net_flow
from simulator.market import MarketModel
from simulator.ratelimit import Verdict
from simulator.ticker import ticker_stats
from simulator.trades import trades_between
from simulator.venue import Response, VenueContext
from simulator.venue_numbers import levels, num

PRODUCT_TYPE = "USDT-FUTURES"
GRANULARITY_MS = {"1min": 60_000, "1m": 60_000, "5min": 300_000, "5m": 300_000, "15min": 900_000, "15m": 900_000,
                  "30min": 1_800_000, "30m": 1_800_000, "1h": 3_600_000, "1H": 3_600_000, "4h": 14_400_000,
                  "4H": 14_400_000, "1day": 86_400_000, "1D": 86_400_000}
FLOW_PERIOD_MS = {"15m": 900_000, "30m": 1_800_000, "1h": 3_600_000, "2h": 7_200_000, "4h": 14_400_000,
                  "1d": 86_400_000}


def envelope(ctx: VenueContext, data: object, status: int = 200, code: str = "00000", msg: str = "success") -> Response:
    return Response.json({"code": code, "msg": msg, "requestTime": ctx.now_ms, "data": data}, status)


def _error(ctx: VenueContext, code: str, msg: str, status: int = 400) -> Response:
    return envelope(ctx, None, status, code, msg)


def too_many(verdict: Verdict, ip: str) -> Response:
    """HTTP 429 {"code": "429", "msg": "Too Many Requests"} (ccxt: DDoSProtection)."""
    return Response.json({"code": "429", "msg": "Too Many Requests", "requestTime": 0, "data": None}, 429)


def _market(ctx: VenueContext, query: dict, market_type: str) -> MarketModel | Response:
    model = ctx.model_by_id(query.get("symbol", ""), market_type)
    if model is None:
        return _error(ctx, "40309", f"The symbol {query.get('symbol')!r} does not exist")
    return model


def _with_market(market_type: str, body):
    """A handler for one market: looks it up, answers 503/empty while it is down, else `body`."""
    def handler(ctx: VenueContext, query: dict) -> Response:
        model = _market(ctx, query, market_type)
        if isinstance(model, Response):
            return model
        if market_down(ctx, model):
            book = book_or_down(ctx, model, 1)
            return book if isinstance(book, Response) else _error(ctx, "40001", "unavailable", 503)
        result = body(ctx, model, query)
        return result if isinstance(result, Response) else envelope(ctx, result)
    return handler


def _spot_symbol(model: MarketModel) -> dict:
    m = model.market
    return {"symbol": model.market_id, "baseCoin": m.base, "quoteCoin": m.quote, "minTradeAmount": "0",
            "maxTradeAmount": "10000000000", "takerFeeRate": "0.001", "makerFeeRate": "0.001",
            "pricePrecision": str(model.price_decimals), "quantityPrecision": str(model.amount_decimals),
            "quotePrecision": str(model.price_decimals), "status": "online", "minTradeUSDT": "1",
            "buyLimitPriceRatio": "0.05", "sellLimitPriceRatio": "0.05", "areaSymbol": "no"}


def _contract(model: MarketModel) -> dict:
    m = model.market
    return {"symbol": model.market_id, "baseCoin": m.base, "quoteCoin": m.quote, "buyLimitPriceRatio": "0.01",
            "sellLimitPriceRatio": "0.01", "feeRateUpRatio": "0.005", "makerFeeRate": "0.0002",
            "takerFeeRate": "0.0006", "openCostUpRatio": "0.01", "supportMarginCoins": [m.settle],
            "minTradeNum": num(m.amount_step, model.amount_decimals), "priceEndStep": "1",
            "volumePlace": str(model.amount_decimals), "pricePlace": str(model.price_decimals),
            "sizeMultiplier": num(m.amount_step, model.amount_decimals), "symbolType": "perpetual",
            "minTradeUSDT": "5", "maxSymbolOrderNum": "200", "maxProductOrderNum": "400", "maxPositionNum": "150",
            "symbolStatus": "normal", "offTime": "-1", "limitOpenTime": "-1", "deliveryTime": "",
            "deliveryStartTime": "", "deliveryPeriod": "", "launchTime": "",
            "fundInterval": str(m.perp_or_default.funding_interval_hours), "minLever": "1", "maxLever": "125",
            "posLimit": "0.05", "maintainTime": ""}


def _contracts(ctx: VenueContext, query: dict) -> Response:
    if query.get("productType", "").upper() != PRODUCT_TYPE:
        return envelope(ctx, [])
    return envelope(ctx, [_contract(m) for m in ctx.markets("swap")])


def _book(ctx: VenueContext, model: MarketModel, query: dict) -> dict | Response:
    raw = query.get("limit", "100")
    limit = 100 if raw == "max" else min(int(raw), 150 if model.market_type == "spot" else 100)
    at = ctx.at_update()  # the book of the update in force (simulator.streams), ts its instant
    book = book_or_down(at, model, limit)
    if isinstance(book, Response):
        return book
    pd, ad = model.price_decimals, model.amount_decimals
    return {"asks": levels(book.asks, pd, ad), "bids": levels(book.bids, pd, ad), "ts": str(at.now_ms)}


def _fills(ctx: VenueContext, model: MarketModel, query: dict) -> list[dict]:
    """The latest `limit` (≤ 1000, default 500) trades of [startTime, endTime (default now)], newest first."""
    limit = min(max(int_param(query, "limit", 500), 1), 1000)
    end = min(int_param(query, "endTime", ctx.now_ms), ctx.now_ms)
    start = int_param(query, "startTime", end - 3_600_000)
    chosen = trades_between(model, start, end, 10**9)[-limit:]
    pd, ad = model.price_decimals, model.amount_decimals
    return [{"symbol": model.market_id, "tradeId": str(t.id), "side": t.side, "price": num(t.price, pd),
             "size": num(t.amount, ad), "ts": str(t.ts)} for t in reversed(chosen)]


def _ticker(ctx: VenueContext, model: MarketModel) -> dict:
    s = ticker_stats(model, ctx.now_ms)
    pd, ad = model.price_decimals, model.amount_decimals
    row = {"symbol": model.market_id, "high24h": num(s.high, pd), "open": num(s.open, pd), "lastPr": num(s.last, pd),
           "low24h": num(s.low, pd), "quoteVolume": num(s.quote_volume, 2), "baseVolume": num(s.base_volume, ad),
           "usdtVolume": num(s.quote_volume, 2), "bidPr": num(s.bid, pd), "askPr": num(s.ask, pd),
           "bidSz": num(s.bid_size, ad), "askSz": num(s.ask_size, ad), "openUtc": num(s.open, pd),
           "ts": str(ctx.now_ms), "changeUtc24h": f"{s.change_pct / 100:.5f}", "change24h": f"{s.change_pct / 100:.5f}"}
    if model.is_swap:
        state = funding(model, ctx.now_ms)
        row.update({"open24h": num(s.open, pd), "indexPrice": num(index_price(model, ctx.now_ms), pd),
                    "markPrice": num(mark_price(model, ctx.now_ms), pd), "fundingRate": f"{state.rate:.8f}",
                    "holdingAmount": num(open_interest(model, ctx.now_ms).contracts, ad),
                    "deliveryStartTime": None, "deliveryTime": None, "deliveryStatus": ""})
    return row


def _tickers(market_type: str):
    def handler(ctx: VenueContext, query: dict) -> Response:
        if market_type == "swap" and query.get("productType", "").upper() != PRODUCT_TYPE:
            return envelope(ctx, [])
        if query.get("symbol"):
            model = _market(ctx, query, market_type)
            return model if isinstance(model, Response) else envelope(ctx, [_ticker(ctx, model)])
        return envelope(ctx, [_ticker(ctx, m) for m in live_markets(ctx, market_type)])
    return handler


def _candles(ctx: VenueContext, model: MarketModel, query: dict) -> list | Response:
    period = GRANULARITY_MS.get(query.get("granularity", ""))
    if period is None:
        return _error(ctx, "40017", f"Parameter verification failed: granularity {query.get('granularity')!r}")
    limit = min(max(int_param(query, "limit", 100), 1), 1000)
    rows = candles(model, period, ctx.now_ms, int_param(query, "startTime", None), int_param(query, "endTime", None),
                   limit)
    pd, ad = model.price_decimals, model.amount_decimals
    extra = 2 if model.market_type == "spot" else 1  # spot: usdtVolume, quoteVolume; futures: quoteVolume
    return [[str(c.open_ms), num(c.open, pd), num(c.high, pd), num(c.low, pd), num(c.close, pd), num(c.volume, ad)]
            + [num(c.quote_volume, 4)] * extra for c in rows]


def _fund_rate(ctx: VenueContext, model: MarketModel, query: dict) -> list[dict]:
    state = funding(model, ctx.now_ms)
    return [{"symbol": model.market_id, "fundingRate": f"{state.rate:.8f}",
             "fundingRateInterval": str(state.interval_ms // 3_600_000), "nextUpdate": str(state.next_funding_ms),
             "minFundingRate": "-0.003", "maxFundingRate": "0.003"}]


def _open_interest(ctx: VenueContext, model: MarketModel, query: dict) -> dict:
    oi = open_interest(model, ctx.now_ms)
    return {"openInterestList": [{"symbol": model.market_id, "size": num(oi.contracts, model.amount_decimals)}],
            "ts": str(ctx.now_ms)}


def _account_long_short(ctx: VenueContext, model: MarketModel, query: dict) -> list[dict] | Response:
    period = PERIOD_MS.get(query.get("period", "5m"))
    if period is None:
        return _error(ctx, "40017", f"Parameter verification failed: period {query.get('period')!r}")
    rows = []
    for ts in period_starts(period, ctx.now_ms, None, None, 30):
        r = long_short(model, ts, "accounts")
        rows.append({"longAccountRatio": f"{r.long:.4f}", "shortAccountRatio": f"{r.short:.4f}",
                     "longShortAccountRatio": f"{r.ratio:.4f}", "ts": str(ts)})
    return rows


def _spot_fund_flow(ctx: VenueContext, model: MarketModel, query: dict) -> dict | Response:
    period = FLOW_PERIOD_MS.get(query.get("period", "15m"))
    if period is None:
        return _error(ctx, "40017", f"Parameter verification failed: period {query.get('period')!r}")
    flow = fund_flow(model, ctx.now_ms, period)
    data = {"symbol": model.market_id, "period": query.get("period", "15m"), "ts": str(ctx.now_ms)}
    for cls in CLASSES:
        data.update({f"{cls}BuyVolume": f"{flow.buy[cls]:.2f}", f"{cls}SellVolume": f"{flow.sell[cls]:.2f}",
                     f"{cls}BuyRatio": f"{flow.ratio('buy', cls):.4f}", f"{cls}SellRatio": f"{flow.ratio('sell', cls):.4f}"})
    return data


def _spot_whale_flow(ctx: VenueContext, model: MarketModel, query: dict) -> list[dict] | Response:
    period = FLOW_PERIOD_MS.get(query.get("period", "1h"))
    if period is None:
        return _error(ctx, "40017", f"Parameter verification failed: period {query.get('period')!r}")
    limit = min(max(int_param(query, "limit", 24), 1), 100)
    return [{"symbol": model.market_id, "netFlow": f"{net:.2f}", "ts": str(start)}
            for start, net in whale_net_flow(model, ctx.now_ms, period, limit)]


ROUTER = Router({
    "api/v2/public/time": lambda ctx, q: envelope(ctx, {"serverTime": str(ctx.now_ms)}),
    "api/v2/spot/public/symbols": lambda ctx, q: envelope(ctx, [_spot_symbol(m) for m in ctx.markets("spot")]),
    "api/v2/margin/currencies": lambda ctx, q: envelope(ctx, []),
    "api/v2/spot/market/orderbook": _with_market("spot", _book),
    "api/v2/spot/market/fills-history": _with_market("spot", _fills),
    "api/v2/spot/market/fills": _with_market("spot", _fills),
    "api/v2/spot/market/tickers": _tickers("spot"),
    "api/v2/spot/market/candles": _with_market("spot", _candles),
    "api/v2/mix/market/contracts": _contracts,
    "api/v2/mix/market/merge-depth": _with_market("swap", _book),
    "api/v2/mix/market/fills-history": _with_market("swap", _fills),
    "api/v2/mix/market/fills": _with_market("swap", _fills),
    "api/v2/mix/market/tickers": _tickers("swap"),
    "api/v2/mix/market/candles": _with_market("swap", _candles),
    "api/v2/mix/market/current-fund-rate": _with_market("swap", _fund_rate),
    "api/v2/mix/market/open-interest": _with_market("swap", _open_interest),
    "api/v2/mix/market/account-long-short": _with_market("swap", _account_long_short),
    "api/v3/market/spot-fund-flow": _with_market("spot", _spot_fund_flow),
    "api/v3/market/spot-whale-flow": _with_market("spot", _spot_whale_flow),
})


def handle(ctx: VenueContext, route: str, query: dict[str, str]) -> Response:
    """Answer one request below the venue root (Bitget envelopes)."""
    return dispatch(ROUTER, ctx, route, query,
                    lambda r: _error(ctx, "40404", f"Request URL /{r} NOT FOUND", 404),
                    lambda msg: _error(ctx, "40017", f"Parameter verification failed: {msg}"))
