"""Binance COIN-M futures public REST (/dapi/v1, /futures/data) as ccxt.binancecoinm reads it.

Inverse perpetuals only (BTC/USD:BTC is BTCUSD_PERP of pair BTCUSD, settled in BTC): books, trades,
candle and ticker `volume` and open interest count contracts of `contractSize` USD (100 for BTC,
10 for the others on Binance); the base-unit figures Binance adds are contracts × contractSize /
price: trades' `baseQty`, klines' base volume (column 7, what ccxt reads as the volume), the
ticker's `baseVolume` (ccxt's baseVolume) and openInterestHist's `sumOpenInterestValue`.

Endpoints: ping, time, exchangeInfo (contractSize, marginAsset = base, contractType PERPETUAL,
contractStatus), depth (E/T times, symbol, pair), trades, aggTrades, klines, ticker/24hr and
premiumIndex (always a list, by `symbol`, `pair` or all), fundingRate, openInterest, and
/futures/data openInterestHist (`pair` + `contractType`), globalLongShortAccountRatio and
topLongShortPositionRatio (`pair`; the latter with longPosition/shortPosition),
topLongShortAccountRatio (`pair`, or `symbol` given as a pair). Errors, trade windows and the
429/418 answers are Binance's (shared with the spot and USDⓈ-M dialects). 2,400 weight / minute.
"""
from __future__ import annotations

from collections.abc import Callable

from simulator.candles import Candle
from simulator.derivatives import open_interest
from simulator.dialects import binance as spot
from simulator.dialects import binanceusdm as futures
from simulator.dialects.common import Router, dispatch
from simulator.market import MarketModel
from simulator.market_ids import pair_id
from simulator.ticker import ticker_stats
from simulator.trades import Trade
from simulator.venue import Response, VenueContext

num = spot.num
too_many = futures.too_many  # the same 2,400 weight / minute message
CONTRACT_TYPES = ("ALL", "CURRENT_QUARTER", "NEXT_QUARTER", "PERPETUAL")
PERPETUAL_TYPES = ("ALL", "PERPETUAL")  # the simulator lists no delivery contracts


def _ids(model: MarketModel) -> dict:
    return {"symbol": model.market_id, "pair": pair_id(model.market)}


def _pair(model: MarketModel) -> dict:
    return {"pair": pair_id(model.market)}


def symbol_info(model: MarketModel) -> dict:
    """One COIN-M perpetual of exchangeInfo: the USDⓈ-M fields plus contractSize (quote units per
    contract), pair and contractStatus in place of status."""
    info = futures.symbol_info(model)
    del info["status"]
    size = model.contract_size
    info.update({"pair": pair_id(model.market), "contractStatus": "TRADING",
                 "contractSize": int(size) if float(size).is_integer() else size,
                 "equalQtyPrecision": 4, "maxMoveOrderLimit": 10000})
    info["filters"] = [f for f in info["filters"] if f["filterType"] != "MIN_NOTIONAL"]
    return info


def exchange_info(ctx: VenueContext, query: dict[str, str]) -> Response:
    return Response.json({
        "timezone": "UTC", "serverTime": ctx.now_ms,
        "rateLimits": [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 2400},
                       {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1, "limit": 1200}],
        "exchangeFilters": [], "symbols": [symbol_info(model) for model in ctx.markets("swap")],
    })


def _of_pair(ctx: VenueContext, pair: str) -> list[MarketModel]:
    return [m for m in ctx.markets("swap") if pair_id(m.market) == pair.upper()]


def list_of(shape: Callable[[VenueContext, MarketModel], dict]):
    """A list endpoint: one `shape` for `symbol=`, those of `pair=`, else every live market."""
    def handler(ctx: VenueContext, query: dict[str, str]) -> Response:
        if query.get("symbol"):
            model = spot.market_of(ctx, query, "swap")
            if isinstance(model, Response):
                return model
            return spot.blocked(ctx, model) or Response.json([shape(ctx, model)])
        if query.get("pair"):
            models = _of_pair(ctx, query["pair"])
            if not models:
                return spot.error(-1121, "Invalid pair.")
        else:
            models = ctx.markets("swap")
        return Response.json([shape(ctx, m) for m in models if spot.market_down(ctx, m) is None])
    return handler


def premium_index(ctx: VenueContext, model: MarketModel) -> dict:
    return {**futures.premium_index(ctx, model), "pair": pair_id(model.market)}


def ticker(ctx: VenueContext, model: MarketModel) -> dict:
    """The 24 h ticker: `volume` in contracts, `baseVolume` in base units, no touch (as COIN-M sends it)."""
    stats = ticker_stats(model, ctx.now_ms)
    body = spot.ticker(ctx, model, stats)
    for field in ("bidPrice", "bidQty", "askPrice", "askQty", "quoteVolume"):
        del body[field]
    return {**body, "pair": pair_id(model.market), "baseVolume": num(stats.volume_in_base, 8)}


def plain_trade(model: MarketModel, trade: Trade) -> dict:
    """GET trades: `qty` in contracts, `baseQty` = qty × contractSize / price."""
    return {"id": trade.id, "price": num(trade.price, model.price_decimals),
            "qty": num(trade.amount, model.amount_decimals),
            "baseQty": num(model.base_amount(trade.amount, trade.price), 8),
            "time": trade.ts, "isBuyerMaker": trade.side == "sell"}


def kline_row(model: MarketModel, c: Candle, period: int) -> list:
    """[open time, o, h, l, c, volume (contracts), close time, base volume, count, taker buy volumes, ignore]."""
    pd, ad = model.price_decimals, model.amount_decimals
    return [c.open_ms, num(c.open, pd), num(c.high, pd), num(c.low, pd), num(c.close, pd), num(c.volume, ad),
            c.open_ms + period - 1, num(c.base_volume, 8), 0, "0", "0", "0"]


def open_interest_body(ctx: VenueContext, model: MarketModel) -> dict:
    return {**futures.open_interest_body(ctx, model), "pair": pair_id(model.market), "contractType": "PERPETUAL"}


def by_pair(param: str = "pair", fallback: str | None = None, contract_type: bool = False):
    """The perpetual of `param` (or `fallback`) given as a pair (BTCUSD); with `contract_type` the
    mandatory contractType too (a delivery type answers an empty list: no delivery contracts here)."""
    def select(ctx: VenueContext, query: dict[str, str]) -> MarketModel | Response:
        pair = query.get(param) or (query.get(fallback) if fallback else None)
        if not pair:
            return spot.error(-1102, f"Mandatory parameter '{param}' was not sent, was empty/null, or malformed.")
        if contract_type:
            kind = query.get("contractType", "")
            if kind not in CONTRACT_TYPES:
                return spot.error(-1102, "Mandatory parameter 'contractType' was not sent, was empty/null, or "
                                         f"malformed (one of {', '.join(CONTRACT_TYPES)}).")
            if kind not in PERPETUAL_TYPES:
                return Response.json([])
        models = _of_pair(ctx, pair)
        return models[0] if models else spot.error(-1121, "Invalid pair.")
    return select


def _oi_row(model: MarketModel, ts: int) -> dict:
    oi = open_interest(model, ts)
    return {"pair": pair_id(model.market), "contractType": "PERPETUAL",
            "sumOpenInterest": num(oi.contracts, model.amount_decimals),
            "sumOpenInterestValue": num(oi.base, 8), "timestamp": ts}  # base asset, as COIN-M sends it


ROUTER = Router({
    "dapi/v1/ping": lambda ctx, query: Response.json({}),
    "dapi/v1/time": lambda ctx, query: Response.json({"serverTime": ctx.now_ms}),
    "dapi/v1/exchangeInfo": exchange_info,
    "dapi/v1/depth": spot.depth_handler("swap", 1000, 500, with_time=True, extra=_ids),
    "dapi/v1/trades": spot.trades_handler("swap", plain_trade, windowed=False),
    "dapi/v1/aggTrades": spot.trades_handler("swap", spot.agg_trade, windowed=True),
    "dapi/v1/klines": spot.klines_handler("swap", 1500, kline_row),
    "dapi/v1/ticker/24hr": list_of(ticker),
    "dapi/v1/premiumIndex": list_of(premium_index),
    "dapi/v1/fundingRate": futures.funding_history,
    "dapi/v1/openInterest": futures.open_interest_handler(open_interest_body),
    "futures/data/openInterestHist": futures.history(_oi_row, by_pair(contract_type=True)),
    "futures/data/globalLongShortAccountRatio": futures.history(futures.ratio_row("accounts", _pair), by_pair()),
    "futures/data/topLongShortAccountRatio": futures.history(futures.ratio_row("top_accounts", _pair),
                                                             by_pair(fallback="symbol")),
    "futures/data/topLongShortPositionRatio": futures.history(
        futures.ratio_row("top_positions", _pair, ("longPosition", "shortPosition")), by_pair()),
})


def handle(ctx: VenueContext, route: str, query: dict[str, str]) -> Response:
    """Answer one request below the venue root (Binance error bodies)."""
    return dispatch(ROUTER, ctx, route, query,
                    lambda r: spot.error(-1000, f"Unknown endpoint /{r}.", 404),
                    lambda msg: spot.error(-1100, f"Illegal characters found in a parameter: {msg}"))
