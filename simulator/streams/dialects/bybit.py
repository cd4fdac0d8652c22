"""Bybit v5 public WebSocket (wss://stream.bybit.com/v5/public/spot and .../linear) as ccxt.pro.bybit reads it.

Requests: {"req_id", "op": "ping"} (answered {"success": true, "ret_msg": "pong", "op": "ping"} on
spot, {"op": "pong", "args": [ms]} on linear, as Bybit does); {"req_id", "op": "subscribe"|
"unsubscribe", "args": [topic, ...]}, answered once per request {"success", "ret_msg", "conn_id",
"req_id", "op"} (any unknown topic: success false, "Invalid symbol :[topic]", nothing subscribed).
Topics: `orderbook.{depth}.{symbol}` (depth 1, 50, 200, 500, 1000: a "snapshot" of the best
`depth` levels on subscribe, then one "delta" per tick with the levels that changed within the
best `depth`, size "0" = removed; u = the subscription's message counter, 1 for the snapshot and
one more per delta, as Bybit's per-stream update id; seq = the update id N), `publicTrade.{symbol}` ("snapshot"
pushes of the trades printed since the last, oldest first). Levels [price, size] strings as REST
prints them, swap amounts in contracts; ts = cts = N × update_ms.
ccxt.pro.bybit checks neither u nor seq (a dropped, duplicated or reordered delta goes unnoticed:
only the u in the message would tell) and leaves the book's nonce unset (its timestamp is the
message's ts); Bybit sends no checksum.
"""
from __future__ import annotations

from collections.abc import Sequence

import orjson

from simulator.market import MarketModel
from simulator.streams.dialects.frames import Level, dumps, rows
from simulator.trades import Trade
from simulator.venue_numbers import num

PATH_PATTERN = r"v5/public/(spot|linear)"
MARKET_TYPES = {"v5/public/spot": "spot", "v5/public/linear": "swap"}
BOOK_TOPIC = "orderbook"
TRADE_TOPIC = "publicTrade"
BOOK_DEPTHS = (1, 50, 200, 500, 1000)
CONN_ID = "d266o6hqo29sqmnq4vk0-1yus1"


def topic_parts(topic: str) -> tuple[str, int | None, str] | None:
    """("orderbook", depth, symbol id) / ("publicTrade", None, symbol id), or None for any other topic."""
    parts = topic.split(".") if isinstance(topic, str) else []
    if len(parts) == 3 and parts[0] == BOOK_TOPIC and parts[1].isdigit() and int(parts[1]) in BOOK_DEPTHS:
        return BOOK_TOPIC, int(parts[1]), parts[2]
    if len(parts) == 2 and parts[0] == TRADE_TOPIC:
        return TRADE_TOPIC, None, parts[1]
    return None


def book_message(model: MarketModel, depth: int, kind: str, bids: Sequence[Level], asks: Sequence[Level],
                 update_id: int, ts_ms: int, message_no: int | None = None) -> dict:
    """A "snapshot" (the best `depth` levels) or "delta" (the changed levels) of `orderbook.{depth}`;
    u = `message_no` (the stream's message counter; default the update id), seq = the update id."""
    return {"topic": f"{BOOK_TOPIC}.{depth}.{model.market_id}", "type": kind, "ts": ts_ms,
            "data": {"s": model.market_id, "b": rows(model, bids), "a": rows(model, asks),
                     "u": update_id if message_no is None else message_no, "seq": update_id},
            "cts": ts_ms}


def trades_message(model: MarketModel, trades: Sequence[Trade], ts_ms: int) -> dict:
    """A `publicTrade` push of `trades` (oldest first)."""
    pd, ad = model.price_decimals, model.amount_decimals
    data = [{"T": t.ts, "s": model.market_id, "S": "Buy" if t.side == "buy" else "Sell", "v": num(t.amount, ad),
             "p": num(t.price, pd), "L": "ZeroPlusTick", "i": str(t.id), "BT": False, "seq": t.id} for t in trades]
    return {"topic": f"{TRADE_TOPIC}.{model.market_id}", "type": "snapshot", "ts": ts_ms, "data": data}


def answer(op: str, req_id: object, success: bool = True, ret_msg: str = "") -> dict:
    """The acknowledgement of one subscribe / unsubscribe request."""
    return {"success": success, "ret_msg": ret_msg, "conn_id": CONN_ID, "req_id": req_id, "op": op}


def pong(market_type: str, req_id: object, now_ms: int) -> dict:
    """The answer to {"op": "ping"}: spot and linear differ, as on Bybit."""
    if market_type == "spot":
        return {"success": True, "ret_msg": "pong", "conn_id": CONN_ID, "req_id": req_id, "op": "ping"}
    return {"req_id": req_id, "op": "pong", "args": [str(now_ms)], "conn_id": CONN_ID}


# --- the stream server's interface (simulator.streams) ---

def on_open(session) -> list[str]:
    return []


def on_message(session, text: str) -> list[str]:
    """ping → pong; subscribe / unsubscribe of orderbook.{depth}.{symbol} and publicTrade.{symbol}."""
    try:
        request = orjson.loads(text)
        op, req_id, topics = request.get("op"), request.get("req_id"), list(request.get("args") or [])
    except (ValueError, AttributeError, TypeError):
        return dumps([answer("", None, False, f"error:request not json: {text}")])
    market_type = MARKET_TYPES[session.path]
    if op == "ping":
        return dumps([pong(market_type, req_id, session.now_ms())])
    if op not in ("subscribe", "unsubscribe"):
        return dumps([answer(str(op), req_id, False, f"error:unknown op {op!r}")])
    wanted = []
    for topic in topics:
        parts = topic_parts(topic)
        model = session.model_by_id(parts[2], market_type) if parts else None
        if model is None:
            return dumps([answer(op, req_id, False, f"Invalid symbol :[{topic}]")])
        wanted.append((topic, parts, model))
    for topic, (name, depth, _), model in wanted:
        if op == "subscribe":
            session.subscribe("book" if name == BOOK_TOPIC else "trades", model, topic, depth)
        else:
            session.unsubscribe(topic)
    return dumps([answer(op, req_id)])


def book_initial(session, sub, update) -> list[str]:
    sub.state["u"] = 1
    return dumps([book_message(sub.model, sub.depth, "snapshot", update.bids, update.asks, update.last_id,
                               update.event_ms, 1)])


def book_update(session, sub, update) -> list[str]:
    sub.state["u"] = sub.state.get("u", 0) + 1
    return dumps([book_message(sub.model, sub.depth, "delta", update.bids, update.asks, update.last_id,
                               update.event_ms, sub.state["u"])])


def trade_messages(session, sub, trades) -> list[str]:
    return dumps([trades_message(sub.model, trades, trades[-1].ts)])
