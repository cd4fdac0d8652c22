"""Binance USDⓈ-M futures public REST (/fapi/v1, /futures/data) as ccxt.binanceusdm reads it.

Endpoints: ping, time, exchangeInfo, depth (with E/T times), trades, aggTrades, klines,
ticker/24hr, premiumIndex (mark, index, funding), openInterest, and /futures/data
openInterestHist, globalLongShortAccountRatio, topLongShortPositionRatio,
topLongShortAccountRatio. Amounts in base units (contract size 1). Errors, trade windows and the
429/418 answers are Binance's (shared with the spot dialect). 2,400 weight / minute.
"""
from __future__ import annotations

from simulator.derivatives import PERIOD_MS, funding, index_price, long_short, mark_price, open_interest, period_starts
from simulator.dialects import binance as spot
from simulator.dialects.common import Router, dispatch, int_param
from simulator.market import MarketModel
from simulator.ratelimit import Verdict
from simulator.venue import Response, VenueContext

num = spot.num
PERPETUAL_DELIVERY = 4133404800000  # Binance's delivery date for perpetuals (2100-12-25)


def too_many(verdict: Verdict, ip: str) -> Response:
    """Binance's 429 / 418 with the futures budget in the message."""
    return spot.too_many(verdict, ip, "2400 request weight per 1 MINUTE")


def _symbol_info(model: MarketModel) -> dict:
    market = model.market
    tick, step = num(market.tick_size, model.price_decimals), num(market.amount_step, model.amount_decimals)
    return {
        "symbol": model.market_id, "pair": model.market_id, "contractType": "PERPETUAL",
        "deliveryDate": PERPETUAL_DELIVERY, "onboardDate": 1569398400000, "status": "TRADING",
        "maintMarginPercent": "2.5000", "requiredMarginPercent": "5.0000",
        "baseAsset": market.base, "quoteAsset": market.quote, "marginAsset": market.settle,
        "pricePrecision": model.price_decimals, "quantityPrecision": model.amount_decimals,
        "baseAssetPrecision": 8, "quotePrecision": 8, "underlyingType": "COIN", "underlyingSubType": [],
        "triggerProtect": "0.0500", "liquidationFee": "0.012500", "marketTakeBound": "0.05",
        "filters": [
            {"filterType": "PRICE_FILTER", "minPrice": tick, "maxPrice": "4529764", "tickSize": tick},
            {"filterType": "LOT_SIZE", "minQty": step, "maxQty": "1000", "stepSize": step},
            {"filterType": "MARKET_LOT_SIZE", "minQty": step, "maxQty": "120", "stepSize": step},
            {"filterType": "MAX_NUM_ORDERS", "limit": 200},
            {"filterType": "MIN_NOTIONAL", "notional": "100"},
            {"filterType": "PERCENT_PRICE", "multiplierUp": "1.0500", "multiplierDown": "0.9500",
             "multiplierDecimal": "4"},
        ],
        "orderTypes": ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET"],
        "timeInForce": ["GTC", "IOC", "FOK", "GTX"],
    }


def exchange_info(ctx: VenueContext, query: dict[str, str]) -> Response:
    return Response.json({
        "timezone": "UTC", "serverTime": ctx.now_ms, "futuresType": "U_MARGINED",
        "rateLimits": [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 2400}],
        "exchangeFilters": [], "assets": [],
        "symbols": [_symbol_info(model) for model in ctx.markets("swap")],
    })


def premium_index(ctx: VenueContext, model: MarketModel) -> dict:
    """Mark, index and the current period's funding rate (`lastFundingRate`) with the next funding time."""
    pd = model.price_decimals
    state = funding(model, ctx.now_ms)
    return {"symbol": model.market_id, "markPrice": num(mark_price(model, ctx.now_ms), pd),
            "indexPrice": num(index_price(model, ctx.now_ms), pd),
            "estimatedSettlePrice": num(index_price(model, ctx.now_ms), pd),
            "lastFundingRate": f"{state.rate:.8f}", "interestRate": "0.00010000",
            "nextFundingTime": state.next_funding_ms, "time": ctx.now_ms}


def open_interest_now(ctx: VenueContext, query: dict[str, str]) -> Response:
    model = spot.market_of(ctx, query, "swap")
    if isinstance(model, Response):
        return model
    oi = open_interest(model, ctx.now_ms)
    return Response.json({"openInterest": num(oi.contracts, model.amount_decimals), "symbol": model.market_id,
                          "time": ctx.now_ms})


def _history(shape):
    """A /futures/data endpoint: one row per `period` up to now, `limit` ≤ 500 (default 30)."""
    def handler(ctx: VenueContext, query: dict[str, str]) -> Response:
        model = spot.market_of(ctx, query, "swap")
        if isinstance(model, Response):
            return model
        period = PERIOD_MS.get(query.get("period", ""))
        if period is None:
            return spot.error(-1102, "Mandatory parameter 'period' was not sent, was empty/null, or malformed.")
        limit = min(max(int_param(query, "limit", 30), 1), 500)
        stamps = period_starts(period, ctx.now_ms, int_param(query, "startTime", None),
                               int_param(query, "endTime", None), limit)
        return Response.json([shape(model, ts) for ts in stamps])
    return handler


def _oi_row(model: MarketModel, ts: int) -> dict:
    oi = open_interest(model, ts)
    return {"symbol": model.market_id, "sumOpenInterest": num(oi.base, model.amount_decimals),
            "sumOpenInterestValue": f"{oi.value:.2f}", "timestamp": ts}


def _ratio_row(kind: str):
    def shape(model: MarketModel, ts: int) -> dict:
        reading = long_short(model, ts, kind)
        return {"symbol": model.market_id, "longShortRatio": f"{reading.ratio:.4f}",
                "longAccount": f"{reading.long:.4f}", "shortAccount": f"{reading.short:.4f}", "timestamp": ts}
    return shape


ROUTER = Router({
    "fapi/v1/ping": lambda ctx, query: Response.json({}),
    "fapi/v1/time": lambda ctx, query: Response.json({"serverTime": ctx.now_ms}),
    "fapi/v1/exchangeInfo": exchange_info,
    "fapi/v1/depth": spot.depth_handler("swap", 1000, 500, with_time=True),
    "fapi/v1/trades": spot.trades_handler("swap", spot.plain_trade, windowed=False),
    "fapi/v1/aggTrades": spot.trades_handler("swap", spot.agg_trade, windowed=True),
    "fapi/v1/klines": spot.klines_handler("swap", 1500),
    "fapi/v1/ticker/24hr": spot.per_symbol_or_all(spot.ticker, "swap"),
    "fapi/v1/premiumIndex": spot.per_symbol_or_all(premium_index, "swap"),
    "fapi/v1/openInterest": open_interest_now,
    "futures/data/openInterestHist": _history(_oi_row),
    "futures/data/globalLongShortAccountRatio": _history(_ratio_row("accounts")),
    "futures/data/topLongShortAccountRatio": _history(_ratio_row("top_accounts")),
    "futures/data/topLongShortPositionRatio": _history(_ratio_row("top_positions")),
})


def handle(ctx: VenueContext, route: str, query: dict[str, str]) -> Response:
    """Answer one request below the venue root (Binance error bodies)."""
    return dispatch(ROUTER, ctx, route, query,
                    lambda r: spot.error(-1000, f"Unknown endpoint /{r}.", 404),
                    lambda msg: spot.error(-1100, f"Illegal characters found in a parameter: {msg}"))
