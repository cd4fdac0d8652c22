"""Gate API v4 public WebSocket (spot wss://api.gateio.ws/ws/v4/, USDT perpetuals
wss://fx-ws.gateio.ws/v4/ws/usdt) as ccxt.pro.gate reads it.

Requests {"id", "time", "channel", "event": "subscribe"|"unsubscribe", "payload"} are answered
{"time", "time_ms", "id", "channel", "event", "payload", "result": {"status": "success"}} (an unknown
pair → "error": {"code": 2, ...}, status "fail"); {"channel": "spot.ping"|"futures.ping"} → pong.
Books:
- spot `spot.obu` (order book v2, what ccxt.pro.gate subscribes for spot outside gateeu): payload
  ["ob.<pair>.<depth>"] (depth 50 or 400); the book's best `depth` levels a side arrive as one
  "full": true message (u = the update id N), then one message per tick with U = first id, u = last
  id and the changed levels [[price, amount]] (amount "0" = removed). ccxt.pro drops a message whose
  u is not above its nonce and applies every other one: it checks no U, so a dropped update goes
  unnoticed (the book silently differs from the venue's).
- spot `spot.order_book_update` (v1, gateeu): payload [pair, interval]; diffs only (result
  {t, e: "depthUpdate", E, s, U, u, b, a}), the snapshot comes from REST (order_book with_id: id).
- futures `futures.order_book_update`: payload [contract, interval, depth]; diffs only, levels
  {"p", "s"} (sizes in contracts, printed as decimal strings: ccxt.pro asks X-Gate-Size-Decimal).
  ccxt.pro caches the first diff, fetches REST order_book?with_id=true&limit=depth (its `id` is the
  update id) and replays the diffs with U - 1 <= id < u; afterwards a diff with U > nonce + 1 makes
  it reject the watch with ChecksumError and drop the subscription (the next watch resubscribes).
Trades: `spot.trades` (one message per trade, result an object) and `futures.trades` (result a list,
size signed: negative = sell), payload [ids].
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import orjson

from simulator.market import MarketModel
from simulator.streams.updates import BookUpdate
from simulator.trades import Trade
from simulator.venue_numbers import level_strings, num

SPOT_PATH = "ws/v4/"
FUTURES_PATH = "v4/ws/usdt"
PATH_PATTERN = r"ws/v4/?|v4/ws/usdt/?"
SPOT_DEPTHS = (50, 400)  # ob.<pair>.<level>: Gate's v2 book levels
FUTURES_DEPTHS = (1, 5, 10, 20, 50, 100)
V1_DEPTH = 100  # spot.order_book_update: the depth its diffs are kept at (gateeu's REST cap)
Level = tuple[float, float]


class Subscription(NamedTuple):
    """One market of a subscribe request."""

    kind: str  # 'book' or 'trades'
    market_type: str  # 'spot' or 'swap'
    market_id: str
    depth: int | None  # book levels a side the feed keeps (None for trades)
    channel: str


def market_type_of_path(path: str) -> str:
    """'spot' for the spot endpoint, 'swap' for the USDT perpetuals one (path below the venue root)."""
    return "swap" if path.strip("/").startswith(FUTURES_PATH) else "spot"


def parse(text: str) -> dict:
    """A client frame as a dict with `channel`, `event` and `payload` (list); ValueError if malformed."""
    request = orjson.loads(text)
    if not isinstance(request, dict) or not isinstance(request.get("channel"), str):
        raise ValueError(f"invalid request: {text[:200]}")
    if not request["channel"].endswith(".ping") and not isinstance(request.get("payload"), list):
        raise ValueError(f"invalid request payload: {text[:200]}")
    return request


def subscriptions(request: dict) -> list[Subscription]:
    """What a subscribe/unsubscribe request names, one entry per market; ValueError for a channel or
    payload this dialect does not serve."""
    channel, payload = request["channel"], request.get("payload") or []
    prefix, _, name = channel.partition(".")
    market_type = {"spot": "spot", "futures": "swap"}.get(prefix)
    if market_type is None:
        raise ValueError(f"unknown channel {channel}")
    if name == "trades":
        return [Subscription("trades", market_type, str(market_id), None, channel) for market_id in payload]
    if channel == "spot.obu":
        found = []
        for entry in payload:
            parts = str(entry).split(".")
            if len(parts) != 3 or parts[0] != "ob" or not parts[2].isdigit() or int(parts[2]) not in SPOT_DEPTHS:
                raise ValueError(f"invalid spot.obu payload {entry!r}: use ob.<pair>.50 or ob.<pair>.400")
            found.append(Subscription("book", "spot", parts[1], int(parts[2]), channel))
        return found
    if name == "order_book_update" and payload:
        depth = V1_DEPTH if market_type == "spot" else int(payload[2]) if len(payload) > 2 else 100
        if market_type == "swap" and depth not in FUTURES_DEPTHS:
            raise ValueError(f"invalid level {payload[2]!r}: one of {FUTURES_DEPTHS}")
        return [Subscription("book", market_type, str(payload[0]), depth, channel)]
    raise ValueError(f"unknown channel {channel}")


def _stamp(now_ms: int) -> dict:
    return {"time": now_ms // 1000, "time_ms": now_ms}


def answer(request: dict, now_ms: int, unknown: str | None = None) -> dict:
    """The acknowledgement of a subscribe/unsubscribe request; `unknown`: the market id it failed on."""
    message = {**_stamp(now_ms), "id": request.get("id"), "conn_id": "5f4d3c2b1a090807",
               "channel": request["channel"], "event": request.get("event"), "payload": request.get("payload"),
               "result": {"status": "success"}}
    if unknown is not None:
        noun = "currency pair" if request["channel"].startswith("spot") else "contract"
        message["error"] = {"code": 2, "message": f"unknown {noun}: {unknown}"}
        message["result"] = {"status": "fail"}
    return message


def error(request_text: str, reason: str, now_ms: int) -> dict:
    """The answer to a frame that is not a valid request."""
    return {**_stamp(now_ms), "channel": "", "event": "", "error": {"code": 1, "message": reason},
            "result": None, "request": request_text[:200]}


def pong(request: dict, now_ms: int) -> dict:
    """The answer to {"channel": "spot.ping"} / "futures.ping"."""
    return {**_stamp(now_ms), "id": request.get("id"), "channel": request["channel"].replace("ping", "pong"),
            "event": "", "result": None}


def _spot_rows(model: MarketModel, side: Sequence[Level]) -> list[tuple[str, ...]]:
    return level_strings(list(side), model.price_decimals, model.amount_decimals)


def _futures_rows(model: MarketModel, side: Sequence[Level]) -> list[dict]:
    pd = model.price_decimals
    return [{"p": num(price, pd), "s": str(int(amount))} for price, amount in side]  # contracts are whole


def spot_snapshot(model: MarketModel, depth: int, update_id: int, bids: Sequence[Level], asks: Sequence[Level],
                  event_ms: int, now_ms: int) -> dict:
    """The `spot.obu` "full" message: the best `depth` levels a side of the book at `update_id`."""
    return {"channel": "spot.obu", "event": "update", "time_ms": now_ms,
            "result": {"t": event_ms, "full": True, "s": f"ob.{model.market_id}.{depth}", "u": update_id,
                       "b": _spot_rows(model, bids[:depth]), "a": _spot_rows(model, asks[:depth])}}


def spot_update(model: MarketModel, depth: int, first_id: int, last_id: int, bids: Sequence[Level],
                asks: Sequence[Level], event_ms: int, now_ms: int) -> dict:
    """A `spot.obu` diff covering ids first_id..last_id (levels cut to `depth` by the caller)."""
    return {"channel": "spot.obu", "event": "update", "time_ms": now_ms,
            "result": {"t": event_ms, "s": f"ob.{model.market_id}.{depth}", "U": first_id, "u": last_id,
                       "b": _spot_rows(model, bids), "a": _spot_rows(model, asks)}}


def spot_v1_update(model: MarketModel, first_id: int, last_id: int, bids: Sequence[Level], asks: Sequence[Level],
                   event_ms: int, now_ms: int) -> dict:
    """A `spot.order_book_update` diff (gateeu's spot book channel)."""
    return {**_stamp(now_ms), "channel": "spot.order_book_update", "event": "update",
            "result": {"t": event_ms, "e": "depthUpdate", "E": event_ms // 1000, "s": model.market_id,
                       "U": first_id, "u": last_id, "b": _spot_rows(model, bids), "a": _spot_rows(model, asks)}}


def futures_update(model: MarketModel, first_id: int, last_id: int, bids: Sequence[Level], asks: Sequence[Level],
                   event_ms: int, now_ms: int) -> dict:
    """A `futures.order_book_update` diff covering ids first_id..last_id."""
    return {**_stamp(now_ms), "channel": "futures.order_book_update", "event": "update", "error": None,
            "result": {"t": event_ms, "s": model.market_id, "U": first_id, "u": last_id,
                       "b": _futures_rows(model, bids), "a": _futures_rows(model, asks)}}


def trades_messages(model: MarketModel, trades: Sequence[Trade], now_ms: int) -> list[dict]:
    """The pushes of `trades` (oldest first): spot one message per trade, futures one list."""
    pd, ad = model.price_decimals, model.amount_decimals
    if model.market_type == "spot":
        return [{**_stamp(now_ms), "channel": "spot.trades", "event": "update",
                 "result": {"id": t.id, "create_time": t.ts // 1000, "create_time_ms": f"{t.ts}.0", "side": t.side,
                            "currency_pair": model.market_id, "amount": num(t.amount, ad), "price": num(t.price, pd),
                            "range": f"{t.id}-{t.id}"}} for t in trades]
    if not trades:
        return []
    return [{**_stamp(now_ms), "channel": "futures.trades", "event": "update",
             "result": [{"id": t.id, "create_time": t.ts // 1000, "create_time_ms": t.ts, "contract": model.market_id,
                         "size": int(t.amount) if t.side == "buy" else -int(t.amount), "price": num(t.price, pd)}
                        for t in trades]}]


# ---- the stream server's dialect interface (simulator.streams) ----

def dumps(messages: Sequence[object]) -> list[str]:
    """Messages as text frames."""
    return [orjson.dumps(message).decode() for message in messages]


def on_open(session) -> list[str]:
    return []


def on_message(session, text: str) -> list[str]:
    """ping → pong; subscribe / unsubscribe → the streams started or stopped and the acknowledgement."""
    now = session.now_ms()
    try:
        request = parse(text)
        if request["channel"].endswith(".ping"):
            return dumps([pong(request, now)])
        if request.get("event") not in ("subscribe", "unsubscribe"):
            raise ValueError(f"unknown event {request.get('event')!r}")
        targets = subscriptions(request)
    except ValueError as exc:
        return dumps([error(text, str(exc), now)])
    for target in targets:
        key = f"{target.channel}:{target.market_id}"
        if request["event"] == "unsubscribe":
            session.unsubscribe(key)
            continue
        model = session.model_by_id(target.market_id, target.market_type)
        if model is None:
            return dumps([answer(request, now, unknown=target.market_id)])
        session.subscribe(target.kind, model, key, target.depth, channel=target.channel)
    return dumps([answer(request, now)])


def book_initial(session, sub, update: BookUpdate) -> list[str]:
    """spot.obu starts with the whole book (cut to its depth); the other book channels send diffs only."""
    if sub.state["channel"] != "spot.obu":
        return []
    return dumps([spot_snapshot(sub.model, sub.depth, update.last_id, update.bids, update.asks, update.event_ms,
                                session.now_ms())])


def book_update(session, sub, update: BookUpdate) -> list[str]:
    channel, now = sub.state["channel"], session.now_ms()
    ids = (update.first_id, update.last_id, update.bids, update.asks, update.event_ms, now)
    if channel == "spot.obu":
        return dumps([spot_update(sub.model, sub.depth, *ids)])
    if channel == "spot.order_book_update":
        return dumps([spot_v1_update(sub.model, *ids)])
    return dumps([futures_update(sub.model, *ids)])


def trade_messages(session, sub, trades: list[Trade]) -> list[str]:
    return dumps(trades_messages(sub.model, trades, session.now_ms()))
