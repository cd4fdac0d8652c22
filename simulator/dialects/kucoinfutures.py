"""KuCoin futures public REST (api-futures.kucoin.com, plus the UTA open-interest endpoint) as
ccxt.kucoinfutures reads it. Amounts in contracts (`multiplier` base units each; BTC is XBT).

Endpoints: api/v1/contracts/active (markets and tickers: mark, index, funding, open interest),
api/v1/level2/depth20|depth100|snapshot ({sequence, bids, asks, ts ns}; snapshot = the whole book,
what ccxt.pro fetches; sequence: simulator.streams.dialects.kucoinfutures.snapshot_sequence),
api/v1/bullet-public (POST: the stream endpoint, as KuCoin spot's), api/v1/trade/history (last
100, `ts` ns), api/v1/kline/query (granularity minutes, from/to ms, ≤ 500),
api/v1/funding-rate/{symbol}/current, api/v1/mark-price/{symbol}/current,
api/ua/v1/market/open-interest (history: interval 5min..1day, startAt/endAt ms, pageSize),
api/v1/timestamp. KuCoin envelopes and errors (simulator.dialects.kucoin).
"""
from __future__ import annotations

from simulator.candles import candles
from simulator.derivatives import funding, index_price, mark_price, open_interest, period_starts
from simulator.dialects.common import Router, book_or_down, dispatch, int_param
from simulator.dialects.kucoin import (  # noqa: F401 (too_many: dialect API)
    bad_request, bullet_public, not_found, ok, too_many, with_market)
from simulator.streams.dialects.kucoinfutures import PATH as STREAM_PATH, period_start, snapshot_sequence
from simulator.streams.updates import update_id_at
from simulator.market import MarketModel
from simulator.market_ids import KUCOIN_FUTURES_BASE
from simulator.ticker import ticker_stats
from simulator.trades import trades_before
from simulator.venue import Response, VenueContext

OI_INTERVALS = {"5min": 300_000, "15min": 900_000, "30min": 1_800_000, "1hour": 3_600_000, "4hour": 14_400_000,
                "1day": 86_400_000}


def _contract(ctx: VenueContext, model: MarketModel) -> dict:
    m = model.market
    s = ticker_stats(model, ctx.now_ms)
    state = funding(model, ctx.now_ms)
    base_id = KUCOIN_FUTURES_BASE.get(m.base, m.base)
    return {
        "symbol": model.market_id, "rootSymbol": m.quote, "type": "FFWCSX", "firstOpenDate": 1585555200000,
        "expireDate": None, "settleDate": None, "baseCurrency": base_id, "quoteCurrency": m.quote,
        "settleCurrency": m.settle, "maxOrderQty": 1000000, "maxPrice": 1000000.0, "lotSize": m.amount_step,
        "tickSize": m.tick_size, "indexPriceTickSize": m.tick_size, "multiplier": model.contract_size,
        "initialMargin": 0.008, "maintainMargin": 0.004, "maxRiskLimit": 100000, "minRiskLimit": 100000,
        "riskStep": 50000, "makerFeeRate": 0.0002, "takerFeeRate": 0.0006, "takerFixFee": 0.0, "makerFixFee": 0.0,
        "settlementFee": None, "isDeleverage": True, "isQuanto": True, "isInverse": False, "markMethod": "FairPrice",
        "fairMethod": "FundingRate", "fundingBaseSymbol": f".{base_id}INT8H", "fundingQuoteSymbol": f".{m.quote}INT8H",
        "fundingRateSymbol": f".{model.market_id}FPI8H", "indexSymbol": f".K{base_id}{m.quote}",
        "settlementSymbol": "", "status": "Open", "fundingFeeRate": state.rate, "predictedFundingFeeRate": state.rate,
        "fundingRateGranularity": state.interval_ms, "openInterest": str(int(open_interest(model, ctx.now_ms).contracts)),
        "turnoverOf24h": s.quote_volume, "volumeOf24h": round(s.base_volume * model.contract_size, 8),
        "markPrice": mark_price(model, ctx.now_ms), "indexPrice": index_price(model, ctx.now_ms),
        "lastTradePrice": s.last, "nextFundingRateTime": state.next_funding_ms - ctx.now_ms, "maxLeverage": 125,
        "lowPrice": s.low, "highPrice": s.high, "priceChgPct": round(s.change_pct / 100, 4),
        "priceChg": round(s.change, model.price_decimals), "k": 490.0, "m": 300.0, "f": 1.3, "mmrLimit": 0.3,
        "mmrLevConstant": 125.0, "supportCross": True, "buyLimit": s.high * 1.05, "sellLimit": s.low * 0.95,
    }


def _book(size: int | None):
    """depth20 / depth100 / snapshot (size None: the whole book) at the current update id; `sequence`:
    on the wall clock the last level2 change sent up to the venue's update id
    (simulator.streams.dialects.kucoinfutures.snapshot_sequence), on the virtual clock (tick_ms 1,
    nothing streams) the first sequence of its redraw period (`period_start`)."""
    def body(ctx: VenueContext, model: MarketModel, query: dict) -> dict | Response:
        update_id = update_id_at(ctx.world, "kucoinfutures", ctx.now_ms)
        # the virtual clock (tick_ms 1) streams nothing: a monotone sequence without counting changes
        # (counting them costs ~2 ms a snapshot, 13 book builds' worth, on simulated days)
        seq = period_start(model, update_id) if ctx.tick_ms == 1 else snapshot_sequence(model, update_id)
        ctx = ctx.at_update()
        book = book_or_down(ctx, model, size)
        if isinstance(book, Response):
            return book
        return {"symbol": model.market_id, "sequence": seq, "bids": [[p, int(a)] for p, a in book.bids],
                "asks": [[p, int(a)] for p, a in book.asks], "ts": ctx.now_ms * 1_000_000 + 500_000}
    return body


def _trades(ctx: VenueContext, model: MarketModel, query: dict) -> list[dict]:
    return [{"sequence": t.id, "tradeId": str(t.id), "takerOrderId": f"t{t.id}", "makerOrderId": f"m{t.id}",
             "price": f"{t.price:.{model.price_decimals}f}", "size": int(t.amount), "side": t.side,
             "ts": t.ts * 1_000_000 + 500_000} for t in trades_before(model, ctx.now_ms, 100)]


def _klines(ctx: VenueContext, model: MarketModel, query: dict) -> list | Response:
    minutes = int_param(query, "granularity", None)
    if minutes not in (1, 5, 15, 30, 60, 120, 240, 480, 720, 1440, 10080):
        return bad_request(f"granularity {query.get('granularity')!r}")
    rows = candles(model, minutes * 60_000, ctx.now_ms, int_param(query, "from", None), int_param(query, "to", None), 500)
    return [[c.open_ms, c.open, c.high, c.low, c.close, int(c.volume), round(c.quote_volume, 8)] for c in rows]


def _funding_current(ctx: VenueContext, model: MarketModel, query: dict) -> dict:
    state = funding(model, ctx.now_ms)
    return {"symbol": f".{model.market_id}FPI8H", "granularity": state.interval_ms, "timePoint": state.period_start_ms,
            "value": state.rate, "predictedValue": state.rate, "fundingRateCap": 0.003, "fundingRateFloor": -0.003,
            "period": 0, "fundingTime": state.next_funding_ms}


def _mark_current(ctx: VenueContext, model: MarketModel, query: dict) -> dict:
    return {"symbol": model.market_id, "granularity": 1000, "timePoint": ctx.now_ms,
            "value": mark_price(model, ctx.now_ms), "indexPrice": index_price(model, ctx.now_ms)}


def _open_interest_history(ctx: VenueContext, model: MarketModel, query: dict) -> list | Response:
    period = OI_INTERVALS.get(query.get("interval", ""))
    if period is None:
        return bad_request(f"interval {query.get('interval')!r}")
    limit = min(int_param(query, "pageSize", 200), 200)
    stamps = period_starts(period, ctx.now_ms, int_param(query, "startAt", None), int_param(query, "endAt", None), limit)
    return [{"symbol": model.market_id, "openInterest": str(int(open_interest(model, ts).contracts)), "ts": ts}
            for ts in stamps]


ROUTER = Router({
    "api/v1/timestamp": lambda ctx, q: ok(ctx.now_ms),
    "api/v1/contracts/active": lambda ctx, q: ok([_contract(ctx, m) for m in ctx.markets("swap")]),
    "api/v1/level2/depth20": with_market("swap", _book(20)),
    "api/v1/level2/depth100": with_market("swap", _book(100)),
    "api/v1/level2/snapshot": with_market("swap", _book(None)),
    "api/v1/bullet-public": bullet_public(STREAM_PATH),
    "api/v1/trade/history": with_market("swap", _trades),
    "api/v1/kline/query": with_market("swap", _klines),
    "api/v1/funding-rate/{symbol}/current": with_market("swap", _funding_current),
    "api/v1/mark-price/{symbol}/current": with_market("swap", _mark_current),
    "api/ua/v1/market/open-interest": with_market("swap", _open_interest_history),
})


def handle(ctx: VenueContext, route: str, query: dict[str, str]) -> Response:
    """Answer one request below the venue root (KuCoin envelopes)."""
    return dispatch(ROUTER, ctx, route, query, not_found, bad_request)
