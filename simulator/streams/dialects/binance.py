"""Binance spot market streams as ccxt.pro.binance reads them (wss://stream.binance.com:9443/ws/<n>).

Client frames: {"method": "SUBSCRIBE"|"UNSUBSCRIBE", "params": [stream, ...], "id": n} →
{"result": null, "id": n}; {"method": "LIST_SUBSCRIPTIONS", "id": n} → {"result": [streams], "id": n};
anything else → {"error": {"code": 2, "msg": ...}, "id": n}. Streams: <symbol>@depth[@100ms] (diff
depth: no snapshot, ccxt.pro fetches REST depth, whose lastUpdateId is an update id of the same
model), <symbol>@trade and <symbol>@aggTrade. Every stream pushes each update_ms (the @100ms /
@1000ms suffix is accepted, not honoured). An unknown symbol is acknowledged and stays silent, as on
Binance.

depthUpdate: {"e", "E": event ms, "s", "U": first id, "u": last id, "b", "a"} (+ "T" and "pu" = the
previous event's u on futures, + "ps" pair on COIN-M); amounts "0.00000000" remove a level.
The helpers here are shared with binanceusdm and binancecoinm.
"""
from __future__ import annotations

from collections.abc import Callable

import orjson

from simulator.market import MarketModel
from simulator.streams.updates import BookUpdate
from simulator.trades import Trade
from simulator.venue_numbers import level_strings

PATH_PATTERN = r"ws(/\d+)?"
MARKET_TYPE = "spot"


def dumps(payload: object) -> str:
    return orjson.dumps(payload).decode()


def _error(request_id, msg: str) -> list[str]:
    return [dumps({"error": {"code": 2, "msg": msg}, "id": request_id})]


def handle_frame(session, text: str, market_type: str) -> list[str]:
    """SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS (see the module docstring)."""
    try:
        request = orjson.loads(text)
        method, request_id = request.get("method"), request.get("id")
    except (orjson.JSONDecodeError, AttributeError):
        return _error(None, "Invalid JSON: expected an object with method, params, id")
    if method == "LIST_SUBSCRIPTIONS":
        return [dumps({"result": sorted(session.subscriptions), "id": request_id})]
    if method not in ("SUBSCRIBE", "UNSUBSCRIBE") or not isinstance(request.get("params"), list):
        return _error(request_id, f"Invalid request: method {method!r} with params")
    for stream in request["params"]:
        if not isinstance(stream, str) or "@" not in stream:
            return _error(request_id, f"Invalid request: stream {stream!r}")
        market_id, _, channel = stream.partition("@")
        kind = "book" if channel.split("@")[0] == "depth" else "trades" if channel in ("trade", "aggTrade") else None
        if kind is None:
            return _error(request_id, f"Invalid request: unknown stream {stream!r}")
        if method == "UNSUBSCRIBE":
            session.unsubscribe(stream)
            continue
        model = session.model_by_id(market_id.upper(), market_type)
        if model is not None:
            session.subscribe(kind, model, stream, None, channel=channel.split("@")[0])
    return [dumps({"result": None, "id": request_id})]


def on_open(session) -> list[str]:
    return []


def on_message(session, text: str) -> list[str]:
    return handle_frame(session, text, MARKET_TYPE)


def book_initial(session, sub, update: BookUpdate) -> list[str]:
    return []  # diff depth only: ccxt.pro takes its snapshot from REST depth


def _levels(model: MarketModel, side) -> list:
    return level_strings(side, max(8, model.price_decimals), max(8, model.amount_decimals))


def depth_event(model: MarketModel, update: BookUpdate, futures: bool, extra: dict | None = None) -> str:
    """One depthUpdate event (spot, or futures with T and pu)."""
    body: dict = {"e": "depthUpdate", "E": update.event_ms}
    if futures:
        body["T"] = update.event_ms
    body["s"] = model.market_id
    if extra:
        body.update(extra)
    body.update({"U": update.first_id, "u": update.last_id})
    if futures:
        body["pu"] = update.prev_id
    body["b"] = _levels(model, update.bids)
    body["a"] = _levels(model, update.asks)
    return dumps(body)


def book_update(session, sub, update: BookUpdate) -> list[str]:
    return [depth_event(sub.model, update, futures=False)]


def _price(model: MarketModel, value: float) -> str:
    return f"{value:.{max(8, model.price_decimals)}f}"


def _amount(model: MarketModel, value: float) -> str:
    return f"{value:.{max(8, model.amount_decimals)}f}"


def trade_event(model: MarketModel, trade: Trade, channel: str, now_ms: int, futures: bool,
                extra: dict | None = None) -> dict:
    """One trade / aggTrade event ("m": the buyer is the maker, i.e. the taker sold)."""
    body: dict = {"e": channel, "E": now_ms}
    if futures:
        body["T"] = trade.ts
    body["s"] = model.market_id
    if extra:
        body.update(extra)
    if channel == "aggTrade":
        body.update({"a": trade.id, "p": _price(model, trade.price), "q": _amount(model, trade.amount),
                     "f": trade.id, "l": trade.id})
    else:
        body.update({"t": trade.id, "p": _price(model, trade.price), "q": _amount(model, trade.amount)})
        if futures:
            body["X"] = "MARKET"
    body.update({"T": trade.ts, "m": trade.side == "sell"})
    if not futures:
        body["M"] = True
    return body


def trade_messages_for(futures: bool, extra: Callable[[MarketModel], dict] | None = None):
    """The trade_messages of a Binance venue: one event per trade."""
    def trade_messages(session, sub, trades: list[Trade]) -> list[str]:
        now = session.now_ms()
        fields = extra(sub.model) if extra else None
        return [dumps(trade_event(sub.model, trade, sub.state["channel"], now, futures, fields)) for trade in trades]
    return trade_messages


trade_messages = trade_messages_for(futures=False)
