"""Binance USDⓈ-M futures public REST (/fapi/v1, /futures/data) as ccxt.binanceusdm reads it.

Endpoints: ping, time, exchangeInfo, depth (with E/T times), trades, aggTrades, klines,
ticker/24hr, premiumIndex (mark, index, funding), openInterest, and /futures/data
openInterestHist, globalLongShortAccountRatio, topLongShortPositionRatio,
topLongShortAccountRatio, and fundingRate (settled funding history). Amounts in base units
(contract size 1). Errors, trade windows and the 429/418 answers are Binance's (shared with the spot
dialect). 2,400 weight / minute. The futures pieces here (symbol info, premium index, open interest,
the /futures/data history windows, funding history) are shared with `binancecoinm`.
"""
from __future__ import annotations

from collections.abc import Callable

from simulator.derivatives import (
    PERIOD_MS, funding, funding_rate_of_period, index_price, long_short, mark_price, open_interest, period_starts,
)
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


def symbol_info(model: MarketModel) -> dict:
    """One perpetual of exchangeInfo (USDⓈ-M shape; COIN-M adds its fields on top)."""
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
        "symbols": [symbol_info(model) for model in ctx.markets("swap")],
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


def open_interest_body(ctx: VenueContext, model: MarketModel) -> dict:
    """GET openInterest of one market: contracts in the venue's unit (base units on USDⓈ-M)."""
    oi = open_interest(model, ctx.now_ms)
    return {"openInterest": num(oi.contracts, model.amount_decimals), "symbol": model.market_id, "time": ctx.now_ms}


def open_interest_handler(body: Callable[[VenueContext, MarketModel], dict] = open_interest_body):
    """GET openInterest?symbol=."""
    def handler(ctx: VenueContext, query: dict[str, str]) -> Response:
        model = spot.market_of(ctx, query, "swap")
        return model if isinstance(model, Response) else Response.json(body(ctx, model))
    return handler


def by_symbol(ctx: VenueContext, query: dict[str, str]) -> MarketModel | Response:
    """The perpetual named by `symbol` (USDⓈ-M's /futures/data key), or Binance's error."""
    return spot.market_of(ctx, query, "swap")


def history(shape: Callable[[MarketModel, int], dict],
            select: Callable[[VenueContext, dict], MarketModel | Response] = by_symbol):
    """A /futures/data endpoint: one `shape(model, ts)` per `period` up to now, `limit` ≤ 500
    (default 30), for the market `select` finds in the query."""
    def handler(ctx: VenueContext, query: dict[str, str]) -> Response:
        model = select(ctx, query)
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


def ratio_row(kind: str, key: Callable[[MarketModel], dict] = lambda model: {"symbol": model.market_id},
              shares: tuple[str, str] = ("longAccount", "shortAccount")):
    """A long/short row of `kind`: `key(model)` fields, the ratio and the long and short `shares`."""
    def shape(model: MarketModel, ts: int) -> dict:
        reading = long_short(model, ts, kind)
        return {**key(model), "longShortRatio": f"{reading.ratio:.4f}", shares[0]: f"{reading.long:.4f}",
                shares[1]: f"{reading.short:.4f}", "timestamp": ts}
    return shape


def funding_history(ctx: VenueContext, query: dict[str, str]) -> Response:
    """GET fundingRate: settled funding (time = end of its period ≤ now) in [startTime, endTime],
    oldest first, `limit` ≤ 1000 (default 100): the first `limit` from startTime, else the last."""
    model = spot.market_of(ctx, query, "swap")
    if isinstance(model, Response):
        return model
    interval = model.market.perp_or_default.funding_interval_hours * 3_600_000
    limit = min(max(int_param(query, "limit", 100), 1), 1000)
    start, end = int_param(query, "startTime", None), int_param(query, "endTime", None)
    times = period_starts(interval, ctx.now_ms, start, end, limit)
    pd = model.price_decimals
    return Response.json([{"symbol": model.market_id, "fundingTime": ts,
                           "fundingRate": f"{funding_rate_of_period(model, ts // interval - 1):.8f}",
                           "markPrice": num(mark_price(model, ts), pd)} for ts in times if ts > 0])


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
    "fapi/v1/fundingRate": funding_history,
    "fapi/v1/openInterest": open_interest_handler(),
    "futures/data/openInterestHist": history(_oi_row),
    "futures/data/globalLongShortAccountRatio": history(ratio_row("accounts")),
    "futures/data/topLongShortAccountRatio": history(ratio_row("top_accounts")),
    "futures/data/topLongShortPositionRatio": history(ratio_row("top_positions")),
})


def handle(ctx: VenueContext, route: str, query: dict[str, str]) -> Response:
    """Answer one request below the venue root (Binance error bodies)."""
    return dispatch(ROUTER, ctx, route, query,
                    lambda r: spot.error(-1000, f"Unknown endpoint /{r}.", 404),
                    lambda msg: spot.error(-1100, f"Illegal characters found in a parameter: {msg}"))
