"""OKX v5 public REST (SPOT and SWAP) as ccxt.okx reads it. Swap amounts in contracts (ctVal base units).

Envelope {"code": "0", "msg": "", "data": [...]}; numbers as strings. Endpoints:
public/instruments, market/books and books-full ({asks, bids [[px, sz, "0", orders]], ts}),
market/trades (newest first, ≤ 500) and market/history-trades (after/before a trade id),
market/tickers, market/candles and history-candles (newest first; after/before exclusive ms;
[ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]), public/funding-rate (instId or ANY),
public/mark-price, market/index-tickers, public/open-interest, rubik/stat/contracts/
open-interest-history ([[ts, oi, oiCcy, oiUsd]]) and long-short-account-ratio-contract
([[ts, ratio]]; begin/end exclusive), public/time. Errors {"code", "msg", "data": []}: unknown
instId → 51001 (ccxt: BadSymbol); over budget → HTTP 429 code 50011 (ccxt: RateLimitExceeded).
"""
from __future__ import annotations

from simulator.candles import candles
from simulator.derivatives import funding, index_price, long_short, mark_price, open_interest, period_starts
from simulator.dialects.common import Router, book_or_down, dispatch, int_param, live_markets, market_down
from simulator.market import MarketModel
from simulator.ratelimit import Verdict
from simulator.ticker import ticker_stats
from simulator.trades import trades_before, trades_from_id
from simulator.venue import Response, VenueContext
from simulator.venue_numbers import level_strings, num

INST_TYPES = {"SPOT": "spot", "SWAP": "swap"}
BARS = {"1m": 60_000, "3m": 180_000, "5m": 300_000, "15m": 900_000, "30m": 1_800_000, "1H": 3_600_000,
        "2H": 7_200_000, "4H": 14_400_000, "1D": 86_400_000, "1Dutc": 86_400_000}


def ok(data: list) -> Response:
    return Response.json({"code": "0", "msg": "", "data": data})


def _error(code: str, msg: str, status: int = 400) -> Response:
    return Response.json({"code": code, "msg": msg, "data": []}, status)


def too_many(verdict: Verdict, ip: str) -> Response:
    """HTTP 429 code 50011."""
    return _error("50011", "Too Many Requests", 429)


def _model(ctx: VenueContext, inst_id: str) -> MarketModel | None:
    return ctx.model_by_id(inst_id, "swap" if inst_id.endswith("-SWAP") else "spot")


def _with_market(body):
    def handler(ctx: VenueContext, query: dict) -> Response:
        model = _model(ctx, query.get("instId", ""))
        if model is None:
            return _error("51001", f"Instrument ID {query.get('instId')} does not exist")
        if market_down(ctx, model):
            down = book_or_down(ctx, model, 1)
            return down if isinstance(down, Response) else _error("50001", "Service temporarily unavailable", 503)
        result = body(ctx, model, query)
        return result if isinstance(result, Response) else ok(result)
    return handler


def _instrument(model: MarketModel) -> dict:
    m, pd, ad = model.market, model.price_decimals, model.amount_decimals
    row = {"instType": "SWAP" if model.is_swap else "SPOT", "instId": model.market_id, "uly": "", "instFamily": "",
           "baseCcy": m.base, "quoteCcy": m.quote, "settleCcy": "", "ctVal": "", "ctMult": "", "ctValCcy": "",
           "optType": "", "stk": "", "listTime": "1606468572000", "expTime": "", "lever": "10",
           "tickSz": num(m.tick_size, pd), "lotSz": num(m.amount_step, ad), "minSz": num(m.amount_step, ad),
           "ctType": "", "alias": "", "state": "live", "maxLmtSz": "10000000", "maxMktSz": "1000000",
           "maxTwapSz": "", "maxIcebergSz": "", "maxTriggerSz": "", "maxStopSz": "", "ruleType": "normal"}
    if model.is_swap:
        row.update({"uly": f"{m.base}-{m.quote}", "instFamily": f"{m.base}-{m.quote}", "baseCcy": "", "quoteCcy": "",
                    "settleCcy": m.settle, "ctVal": repr(model.contract_size), "ctMult": "1", "ctValCcy": m.base,
                    "ctType": "linear", "lever": "100"})
    return row


def _instruments(ctx: VenueContext, query: dict) -> Response:
    market_type = INST_TYPES.get(query.get("instType", ""))
    return ok([_instrument(m) for m in ctx.markets(market_type)] if market_type else [])


def _book(ctx: VenueContext, model: MarketModel, query: dict) -> list | Response:
    at = ctx.at_update()  # the book of the update in force (simulator.streams), ts its instant
    book = book_or_down(at, model, min(int_param(query, "sz", 1), 5000))
    if isinstance(book, Response):
        return book
    pd, ad = model.price_decimals, model.amount_decimals
    return [{"asks": level_strings(book.asks, pd, ad, "0", "1"), "bids": level_strings(book.bids, pd, ad, "0", "1"),
             "ts": str(at.now_ms)}]


def _trade_rows(model: MarketModel, trades) -> list[dict]:
    pd, ad = model.price_decimals, model.amount_decimals
    return [{"instId": model.market_id, "side": t.side, "sz": num(t.amount, ad), "px": num(t.price, pd),
             "source": "0", "tradeId": str(t.id), "ts": str(t.ts)} for t in reversed(trades)]


def _trades(ctx: VenueContext, model: MarketModel, query: dict) -> list[dict]:
    return _trade_rows(model, trades_before(model, ctx.now_ms, min(max(int_param(query, "limit", 100), 1), 500)))


def _history_trades(ctx: VenueContext, model: MarketModel, query: dict) -> list[dict]:
    """Pages by trade id: `after` = older than that id, `before` = newer; newest first, ≤ 100."""
    limit = min(max(int_param(query, "limit", 100), 1), 100)
    after, before = int_param(query, "after", None), int_param(query, "before", None)
    if before is not None:
        return _trade_rows(model, trades_from_id(model, before + 1, ctx.now_ms, limit))
    older = trades_before(model, ctx.now_ms, 10 * limit + 1000)
    if after is not None:
        older = [t for t in older if t.id < after]
    return _trade_rows(model, older[-limit:])


def _ticker(ctx: VenueContext, model: MarketModel) -> dict:
    s = ticker_stats(model, ctx.now_ms)
    pd, ad = model.price_decimals, model.amount_decimals
    vol_ccy = num(s.base_volume * model.contract_size, 8) if model.is_swap else num(s.quote_volume, 2)
    return {"instType": "SWAP" if model.is_swap else "SPOT", "instId": model.market_id, "last": num(s.last, pd),
            "lastSz": num(model.market.amount_step, ad), "askPx": num(s.ask, pd), "askSz": num(s.ask_size, ad),
            "bidPx": num(s.bid, pd), "bidSz": num(s.bid_size, ad), "open24h": num(s.open, pd), "high24h": num(s.high, pd),
            "low24h": num(s.low, pd), "volCcy24h": vol_ccy, "vol24h": num(s.base_volume, ad), "ts": str(ctx.now_ms),
            "sodUtc0": num(s.open, pd), "sodUtc8": num(s.open, pd)}


def _tickers(ctx: VenueContext, query: dict) -> Response:
    market_type = INST_TYPES.get(query.get("instType", ""))
    return ok([_ticker(ctx, m) for m in live_markets(ctx, market_type)] if market_type else [])


def _candles(ctx: VenueContext, model: MarketModel, query: dict) -> list | Response:
    period = BARS.get(query.get("bar", "1m"))
    if period is None:
        return _error("51000", f"Parameter bar error: {query.get('bar')!r}")
    limit = min(max(int_param(query, "limit", 100), 1), 300)
    after, before = int_param(query, "after", None), int_param(query, "before", None)
    end = after - 1 if after is not None else None
    start = before + 1 if before is not None else None
    rows = candles(model, period, ctx.now_ms, start, end, limit if start is None else 10**6)[-limit:]
    pd, ad = model.price_decimals, model.amount_decimals
    out = []
    for c in reversed(rows):
        vol_ccy = num(c.volume * model.contract_size, 8) if model.is_swap else num(c.quote_volume, 8)
        out.append([str(c.open_ms), num(c.open, pd), num(c.high, pd), num(c.low, pd), num(c.close, pd),
                    num(c.volume, ad), vol_ccy, num(c.quote_volume, 8), "1" if c.open_ms + period <= ctx.now_ms else "0"])
    return out


def _funding_row(ctx: VenueContext, model: MarketModel) -> dict:
    state = funding(model, ctx.now_ms)
    return {"instType": "SWAP", "instId": model.market_id, "fundingRate": f"{state.rate:.8f}", "nextFundingRate": "",
            "fundingTime": str(state.next_funding_ms), "nextFundingTime": str(state.next_funding_ms + state.interval_ms),
            "method": "current_period", "minFundingRate": "-0.00375", "maxFundingRate": "0.00375", "premium": "0",
            "settFundingRate": f"{state.rate:.8f}", "settState": "settled", "impactValue": "", "interestRate": "0",
            "ts": str(ctx.now_ms)}


def _funding_rate(ctx: VenueContext, query: dict) -> Response:
    if query.get("instId") == "ANY":
        return ok([_funding_row(ctx, m) for m in live_markets(ctx, "swap")])
    return _with_market(lambda c, m, q: [_funding_row(c, m)] if m.is_swap else
                        _error("51001", f"Instrument ID {m.market_id} is not a swap"))(ctx, query)


def _mark_price(ctx: VenueContext, query: dict) -> Response:
    models = [_model(ctx, query["instId"])] if query.get("instId") else live_markets(ctx, "swap")
    if None in models:
        return _error("51001", f"Instrument ID {query.get('instId')} does not exist")
    return ok([{"instType": "SWAP", "instId": m.market_id, "markPx": num(mark_price(m, ctx.now_ms), m.price_decimals),
                "ts": str(ctx.now_ms)} for m in models])


def _index_tickers(ctx: VenueContext, query: dict) -> Response:
    models = [m for m in ctx.markets("swap") if f"{m.market.base}-{m.market.quote}" == query.get("instId")]
    return ok([{"instId": query["instId"], "idxPx": num(index_price(m, ctx.now_ms), m.price_decimals),
                "ts": str(ctx.now_ms)} for m in models[:1]])


def _open_interest(ctx: VenueContext, model: MarketModel, query: dict) -> list:
    oi = open_interest(model, ctx.now_ms)
    return [{"instType": "SWAP", "instId": model.market_id, "oi": num(oi.contracts, model.amount_decimals),
             "oiCcy": repr(oi.base), "oiUsd": f"{oi.value:.2f}", "ts": str(ctx.now_ms)}]


def _rubik(shape):
    """A rubik statistics endpoint: period 5m/1H/1D, begin/end exclusive ms, ≤ 100 rows, newest first."""
    def body(ctx: VenueContext, model: MarketModel, query: dict) -> list | Response:
        period = BARS.get(query.get("period", "5m"))
        if period is None:
            return _error("51000", f"Parameter period error: {query.get('period')!r}")
        begin, end = int_param(query, "begin", None), int_param(query, "end", None)
        limit = min(int_param(query, "limit", 100), 100)
        stamps = period_starts(period, ctx.now_ms, begin + 1 if begin is not None else None,
                               end - 1 if end is not None else None, limit if begin is None else 10**6)[-limit:]
        return [shape(model, ts) for ts in reversed(stamps)]
    return body


def _oi_row(model: MarketModel, ts: int) -> list[str]:
    oi = open_interest(model, ts)
    return [str(ts), num(oi.contracts, model.amount_decimals), repr(oi.base), f"{oi.value:.2f}"]


ROUTER = Router({
    "api/v5/public/time": lambda ctx, q: ok([{"ts": str(ctx.now_ms)}]),
    "api/v5/public/instruments": _instruments,
    "api/v5/market/books": _with_market(_book),
    "api/v5/market/books-full": _with_market(_book),
    "api/v5/market/trades": _with_market(_trades),
    "api/v5/market/history-trades": _with_market(_history_trades),
    "api/v5/market/tickers": _tickers,
    "api/v5/market/ticker": _with_market(lambda ctx, m, q: [_ticker(ctx, m)]),
    "api/v5/market/candles": _with_market(_candles),
    "api/v5/market/history-candles": _with_market(_candles),
    "api/v5/public/funding-rate": _funding_rate,
    "api/v5/public/mark-price": _mark_price,
    "api/v5/market/index-tickers": _index_tickers,
    "api/v5/public/open-interest": _with_market(_open_interest),
    "api/v5/rubik/stat/contracts/open-interest-history": _with_market(_rubik(_oi_row)),
    "api/v5/rubik/stat/contracts/long-short-account-ratio-contract": _with_market(
        _rubik(lambda m, ts: [str(ts), f"{long_short(m, ts, 'accounts').ratio:.4f}"])),
})


def handle(ctx: VenueContext, route: str, query: dict[str, str]) -> Response:
    """Answer one request below the venue root (OKX envelopes)."""
    return dispatch(ROUTER, ctx, route, query, lambda r: _error("50000", f"/{r} not found", 404),
                    lambda msg: _error("51000", f"Parameter error: {msg}"))
