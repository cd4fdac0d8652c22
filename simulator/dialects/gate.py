"""Gate API v4 public REST (spot and USDT-settled futures) as ccxt.gate reads it.

Spot: spot/currency_pairs, margin/currency_pairs (empty), spot/order_book ({id, current ms,
asks/bids [[price, amount]]}; id = the update id of the book, `VenueContext.update_id`, what the
WebSocket diffs count: simulator.streams.dialects.gate), spot/trades (newest first; `from`/`to` in
seconds), spot/tickers,
spot/candlesticks ([[t s, quote vol, close, high, low, open, base vol, closed]]), spot/time.
Futures (settle `usdt`; `btc` lists nothing): futures/{settle}/contracts[/{contract}] (mark,
index, funding, position_size), order_book ({current s, asks/bids [{p, s}]}, sizes in contracts),
trades (size signed: negative = sell), tickers, candlesticks ({t, o, h, l, c, v}),
contract_stats (open interest in contracts and USD, long/short ratios, mark; `from` in seconds).
Errors {"label", "message"}: unknown pair → INVALID_CURRENCY_PAIR / CONTRACT_NOT_FOUND (ccxt:
BadSymbol); over budget (200 / 10 s per endpoint) → HTTP 429 TOO_MANY_REQUESTS.
"""
from __future__ import annotations

from simulator.candles import TIMEFRAME_MS, candles
from simulator.derivatives import PERIOD_MS, funding, index_price, long_short, mark_price, open_interest, period_starts
from simulator.dialects.common import Router, book_or_down, dispatch, int_param, live_markets, market_down
from simulator.market import MarketModel
from simulator.ratelimit import Verdict
from simulator.ticker import ticker_stats
from simulator.trades import trades_between
from simulator.venue import Response, VenueContext
from simulator.venue_numbers import levels, num

SETTLE = "usdt"


def _error(label: str, message: str, status: int = 400) -> Response:
    return Response.json({"label": label, "message": message}, status)


def too_many(verdict: Verdict, ip: str) -> Response:
    """HTTP 429 TOO_MANY_REQUESTS (ccxt: RateLimitExceeded)."""
    return _error("TOO_MANY_REQUESTS", "Request Rate limit Exceeded", 429)


def _market(ctx: VenueContext, query: dict, market_type: str) -> MarketModel | Response:
    if market_type == "spot":
        model = ctx.model_by_id(query.get("currency_pair", ""), "spot")
        return model or _error("INVALID_CURRENCY_PAIR", f"Invalid currency pair {query.get('currency_pair')}")
    if query.get("settle") != SETTLE:
        return _error("INVALID_PARAM_VALUE", f"settle {query.get('settle')!r} is not supported here: use usdt")
    model = ctx.model_by_id(query.get("contract", ""), "swap")
    return model or _error("CONTRACT_NOT_FOUND", f"Contract {query.get('contract')} not found")


def _with_market(market_type: str, body):
    def handler(ctx: VenueContext, query: dict) -> Response:
        model = _market(ctx, query, market_type)
        if isinstance(model, Response):
            return model
        if market_down(ctx, model):
            down = book_or_down(ctx, model, 1)
            return down if isinstance(down, Response) else _error("SERVER_ERROR", "unavailable", 503)
        result = body(ctx, model, query)
        return result if isinstance(result, Response) else Response.json(result)
    return handler


def _pair(model: MarketModel) -> dict:
    return {"id": model.market_id, "base": model.market.base, "base_name": model.market.base,
            "quote": model.market.quote, "quote_name": model.market.quote, "fee": "0.2",
            "min_base_amount": num(model.market.amount_step, model.amount_decimals), "min_quote_amount": "3",
            "max_quote_amount": "5000000", "amount_precision": model.amount_decimals,
            "precision": model.price_decimals, "trade_status": "tradable", "sell_start": 1516378650,
            "buy_start": 1516378650, "type": "normal"}


def _contract(ctx: VenueContext, model: MarketModel) -> dict:
    pd = model.price_decimals
    state = funding(model, ctx.now_ms)
    last = ticker_stats(model, ctx.now_ms).last
    return {"name": model.market_id, "type": "direct", "quanto_multiplier": repr(model.contract_size),
            "ref_discount_rate": "0", "order_price_deviate": "0.5", "maintenance_rate": "0.005", "mark_type": "index",
            "last_price": num(last, pd), "mark_price": num(mark_price(model, ctx.now_ms), pd),
            "index_price": num(index_price(model, ctx.now_ms), pd), "funding_rate_indicative": f"{state.rate:.8f}",
            "mark_price_round": num(model.market.tick_size, pd), "funding_offset": 0, "in_delisting": False,
            "risk_limit_base": "1000000", "interest_rate": "0.0003", "order_price_round": num(model.market.tick_size, pd),
            "order_size_min": 1, "ref_rebate_rate": "0.2", "funding_interval": state.interval_ms // 1000,
            "risk_limit_step": "1000000", "leverage_min": "1", "leverage_max": "100", "risk_limit_max": "8000000",
            "maker_fee_rate": "-0.00025", "taker_fee_rate": "0.00075", "funding_rate": f"{state.rate:.8f}",
            "order_size_max": 1000000, "funding_next_apply": state.next_funding_ms // 1000,
            "short_users": 977, "config_change_time": 1609899548, "trade_size": 28530850594,
            "position_size": int(open_interest(model, ctx.now_ms).contracts), "long_users": 455,
            "funding_impact_value": "60000", "orders_limit": 50, "trade_id": 10851092, "orderbook_id": ctx.now_ms,
            "enable_bonus": True, "enable_credit": True, "create_time": 1669688556, "status": "trading"}


def _contracts(ctx: VenueContext, query: dict) -> Response:
    if query.get("settle") != SETTLE:
        return Response.json([])
    return Response.json([_contract(ctx, m) for m in ctx.markets("swap")])


def _book(ctx: VenueContext, model: MarketModel, query: dict) -> dict | Response:
    """The book at the current update id (`id`, what the WebSocket diffs' U/u count: ccxt.pro aligns on it)."""
    limit = min(int_param(query, "limit", 10), 1000 if model.market_type == "spot" else 300)
    update_id, ctx = ctx.update_id(), ctx.at_update()
    book = book_or_down(ctx, model, limit)
    if isinstance(book, Response):
        return book
    pd, ad = model.price_decimals, model.amount_decimals
    if model.market_type == "spot":
        return {"id": update_id, "current": ctx.now_ms, "update": ctx.now_ms,
                "asks": levels(book.asks, pd, ad), "bids": levels(book.bids, pd, ad)}
    side = lambda lv: [{"p": num(p, pd), "s": int(a)} for p, a in lv]  # noqa: E731 (contracts are whole)
    return {"id": update_id, "current": ctx.now_ms / 1000, "update": ctx.now_ms / 1000,
            "asks": side(book.asks), "bids": side(book.bids)}


def _trades(ctx: VenueContext, model: MarketModel, query: dict) -> list[dict]:
    """The latest `limit` (default 100, ≤ 1000) trades of [from, to] (seconds; default the last hour), newest first."""
    limit = min(max(int_param(query, "limit", 100), 1), 1000)
    end = min(int_param(query, "to", ctx.now_ms // 1000) * 1000 + 999, ctx.now_ms)
    start = int_param(query, "from", None)
    start = start * 1000 if start is not None else end - 3_600_000
    chosen = trades_between(model, start, end, 10**9)[-limit:]
    pd, ad = model.price_decimals, model.amount_decimals
    if model.market_type == "spot":
        return [{"id": str(t.id), "create_time": str(t.ts // 1000), "create_time_ms": f"{t.ts}.000",
                 "currency_pair": model.market_id, "side": t.side, "amount": num(t.amount, ad),
                 "price": num(t.price, pd)} for t in reversed(chosen)]
    return [{"id": t.id, "create_time": t.ts / 1000, "create_time_ms": t.ts / 1000, "contract": model.market_id,
             "size": int(t.amount) if t.side == "buy" else -int(t.amount), "price": num(t.price, pd)}
            for t in reversed(chosen)]


def _ticker(ctx: VenueContext, model: MarketModel) -> dict:
    s = ticker_stats(model, ctx.now_ms)
    pd, ad = model.price_decimals, model.amount_decimals
    if model.market_type == "spot":
        return {"currency_pair": model.market_id, "last": num(s.last, pd), "lowest_ask": num(s.ask, pd),
                "lowest_size": num(s.ask_size, ad), "highest_bid": num(s.bid, pd), "highest_size": num(s.bid_size, ad),
                "change_percentage": f"{s.change_pct:.2f}", "base_volume": num(s.base_volume, ad),
                "quote_volume": num(s.quote_volume, 2), "high_24h": num(s.high, pd), "low_24h": num(s.low, pd)}
    state = funding(model, ctx.now_ms)
    return {"contract": model.market_id, "last": num(s.last, pd), "change_percentage": f"{s.change_pct:.2f}",
            "total_size": str(int(open_interest(model, ctx.now_ms).contracts)), "low_24h": num(s.low, pd),
            "high_24h": num(s.high, pd), "volume_24h": str(int(s.base_volume)),
            "volume_24h_base": repr(round(s.base_volume * model.contract_size, 8)),
            "volume_24h_quote": num(s.quote_volume, 2), "volume_24h_settle": num(s.quote_volume, 2),
            "mark_price": num(mark_price(model, ctx.now_ms), pd), "funding_rate": f"{state.rate:.8f}",
            "funding_rate_indicative": f"{state.rate:.8f}", "index_price": num(index_price(model, ctx.now_ms), pd),
            "highest_bid": num(s.bid, pd), "highest_size": str(int(s.bid_size)), "lowest_ask": num(s.ask, pd),
            "lowest_size": str(int(s.ask_size))}


def _tickers(market_type: str):
    def handler(ctx: VenueContext, query: dict) -> Response:
        key = "currency_pair" if market_type == "spot" else "contract"
        if market_type == "swap" and query.get("settle") != SETTLE:
            return Response.json([])
        if query.get(key):
            model = _market(ctx, query, market_type)
            return model if isinstance(model, Response) else Response.json([_ticker(ctx, model)])
        return Response.json([_ticker(ctx, m) for m in live_markets(ctx, market_type)])
    return handler


def _candles(ctx: VenueContext, model: MarketModel, query: dict) -> list | Response:
    period = TIMEFRAME_MS.get(query.get("interval", "30m"))
    if period is None:
        return _error("INVALID_PARAM_VALUE", f"interval {query.get('interval')!r} is not supported")
    start, end = int_param(query, "from", None), int_param(query, "to", None)
    limit = min(int_param(query, "limit", 100), 1000) if start is None else 1000
    rows = candles(model, period, ctx.now_ms, start * 1000 if start is not None else None,
                   end * 1000 if end is not None else None, limit)
    pd, ad = model.price_decimals, model.amount_decimals
    if model.market_type == "spot":
        return [[str(c.open_ms // 1000), num(c.quote_volume, 8), num(c.close, pd), num(c.high, pd), num(c.low, pd),
                 num(c.open, pd), num(c.volume, ad), "true" if c.open_ms + period <= ctx.now_ms else "false"]
                for c in rows]
    return [{"t": c.open_ms // 1000, "v": int(c.volume), "c": num(c.close, pd), "h": num(c.high, pd),
             "l": num(c.low, pd), "o": num(c.open, pd), "sum": num(c.quote_volume, 8)} for c in rows]


def _contract_stats(ctx: VenueContext, model: MarketModel, query: dict) -> list | Response:
    period = PERIOD_MS.get(query.get("interval", "5m"))
    if period is None:
        return _error("INVALID_PARAM_VALUE", f"interval {query.get('interval')!r} is not supported")
    start = int_param(query, "from", None)
    stamps = period_starts(period, ctx.now_ms, start * 1000 if start is not None else None, None,
                           min(int_param(query, "limit", 30), 100))
    rows = []
    for ts in stamps:
        oi, accounts = open_interest(model, ts), long_short(model, ts, "accounts")
        top_accounts, top_positions = long_short(model, ts, "top_accounts"), long_short(model, ts, "top_positions")
        rows.append({"time": ts // 1000, "lsr_taker": accounts.ratio, "lsr_account": accounts.ratio,
                     "long_liq_size": 0, "long_liq_amount": 0, "long_liq_usd": 0, "short_liq_size": 0,
                     "short_liq_amount": 0, "short_liq_usd": 0, "open_interest": int(oi.contracts),
                     "open_interest_usd": oi.value, "top_lsr_account": top_accounts.ratio,
                     "top_lsr_size": top_positions.ratio, "mark_price": mark_price(model, ts)})
    return rows


ROUTER = Router({
    "api/v4/spot/time": lambda ctx, q: Response.json({"server_time": ctx.now_ms}),
    "api/v4/spot/currency_pairs": lambda ctx, q: Response.json([_pair(m) for m in ctx.markets("spot")]),
    "api/v4/margin/currency_pairs": lambda ctx, q: Response.json([]),
    "api/v4/spot/order_book": _with_market("spot", _book),
    "api/v4/spot/trades": _with_market("spot", _trades),
    "api/v4/spot/tickers": _tickers("spot"),
    "api/v4/spot/candlesticks": _with_market("spot", _candles),
    "api/v4/futures/{settle}/contracts": _contracts,
    "api/v4/futures/{settle}/contracts/{contract}": _with_market("swap", lambda ctx, m, q: _contract(ctx, m)),
    "api/v4/futures/{settle}/order_book": _with_market("swap", _book),
    "api/v4/futures/{settle}/trades": _with_market("swap", _trades),
    "api/v4/futures/{settle}/tickers": _tickers("swap"),
    "api/v4/futures/{settle}/candlesticks": _with_market("swap", _candles),
    "api/v4/futures/{settle}/contract_stats": _with_market("swap", _contract_stats),
})


def handle(ctx: VenueContext, route: str, query: dict[str, str]) -> Response:
    """Answer one request below the venue root (Gate {label, message} errors)."""
    return dispatch(ROUTER, ctx, route, query, lambda r: _error("NOT_FOUND", f"/{r} not found", 404),
                    lambda msg: _error("INVALID_PARAM_VALUE", msg))
