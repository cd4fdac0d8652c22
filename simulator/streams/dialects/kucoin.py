"""KuCoin classic public WebSocket (spot; the protocol kucoinfutures shares) as ccxt.pro.kucoin reads it.

Connection: ccxt.pro first POSTs api/v1/bullet-public (REST, `bullet`): {"token", "instanceServers":
[{"endpoint", "pingInterval", ...}]}, then opens <endpoint>?token=..&connectId=public. The server
greets with {"id": connectId, "type": "welcome"}; requests {"id", "type": "subscribe"|"unsubscribe",
"topic", "response"} are answered {"id", "type": "ack"} (an unknown symbol → {"type": "error",
"code": 404}); {"id", "type": "ping"} → {"id", "type": "pong"} (ccxt.pro pings every pingInterval
and gives up after two missed pongs).
Topics (several symbols comma-separated): `/market/level2:<ids>` (subject "trade.l2update": one
message per tick, sequenceStart = first update id, sequenceEnd = last update id, changes
{"asks"|"bids": [[price, size, sequence]]}, size "0" = removed; the book the diffs keep is the best
`BOOK_DEPTH` levels a side, the depth of the REST snapshot level2_100 ccxt.pro fetches) and
`/market/match:<ids>` (subject "trade.l3match", one message per trade, `time` in ns).
ccxt.pro caches the first diffs, fetches REST level2_100 (its `sequence` = the update id), replays
the cached diffs with sequenceStart - 1 <= sequence < sequenceEnd and then applies every diff whose
sequenceEnd is above its nonce: it checks no sequenceStart, so a dropped or reordered update goes
unnoticed (the book silently differs from the venue's); a snapshot older than every cached diff three
times running → ExchangeError "nonce is behind the cache".
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import orjson

from simulator.market import MarketModel
from simulator.streams.updates import BookUpdate
from simulator.trades import Trade
from simulator.venue_numbers import num

PATH = "ws-api-spot/"  # below the venue root of the stream server: the bullet's endpoint
PATH_PATTERN = r"ws-api-spot/?"
PING_INTERVAL_MS = 18_000
BOOK_DEPTH = 100
TOKEN = "2neAiuYvAU61ZDXANAGAsiL4-iAExhsBXZxftpOeh_55i3Ysy2q2LEsEWU64mdzUOPusi34M_wGoSf7iNyEWJ1UQy47YbpY4zVdzilNP"
Level = tuple[float, float]


class Subscription(NamedTuple):
    """One market of a subscribe request."""

    kind: str  # 'book' or 'trades'
    market_id: str
    topic: str  # the topic prefix, e.g. '/market/level2'


SPOT_TOPICS = {"/market/level2": "book", "/market/match": "trades"}


def bullet(endpoint: str) -> dict:
    """The `data` of POST api/v1/bullet-public: a token and the stream endpoint (ws://... of the simulator)."""
    return {"token": TOKEN, "instanceServers": [{"endpoint": endpoint, "encrypt": False, "protocol": "websocket",
                                                 "pingInterval": PING_INTERVAL_MS, "pingTimeout": 10_000}]}


def welcome(connection_id: str) -> dict:
    """The first message of every connection."""
    return {"id": connection_id, "type": "welcome"}


def parse(text: str) -> dict:
    """A client frame as a dict with `type` (and `topic` for (un)subscribe); ValueError if malformed."""
    request = orjson.loads(text)
    if not isinstance(request, dict) or request.get("type") not in ("subscribe", "unsubscribe", "ping"):
        raise ValueError(f"type is not supported: {text[:200]}")
    if request["type"] != "ping" and ":" not in str(request.get("topic", "")):
        raise ValueError(f"topic is invalid: {request.get('topic')!r}")
    return request


def subscriptions(request: dict, topics: dict[str, str] = SPOT_TOPICS) -> list[Subscription]:
    """The markets a subscribe/unsubscribe request names; ValueError for a topic this dialect does not serve."""
    prefix, _, ids = str(request["topic"]).partition(":")
    kind = topics.get(prefix)
    if kind is None:
        raise ValueError(f"topic {prefix} is not supported")
    return [Subscription(kind, market_id, prefix) for market_id in ids.split(",") if market_id]


def ack(request: dict) -> dict:
    return {"id": request.get("id"), "type": "ack"}


def pong(request: dict, now_ms: int) -> dict:
    return {"id": request.get("id"), "type": "pong", "timestamp": now_ms * 1000}


def error(request_id: object, code: int, reason: str) -> dict:
    """{"type": "error"}: ccxt.pro maps it through its error table (404 → BadRequest...)."""
    return {"id": request_id, "type": "error", "code": code, "data": reason}


def _rows(model: MarketModel, side: Sequence[Level], sequence: int) -> list[list[str]]:
    pd, ad = model.price_decimals, model.amount_decimals
    stamp = str(sequence)
    return [[num(price, pd), num(amount, ad), stamp] for price, amount in side]


def level2_update(model: MarketModel, first_id: int, last_id: int, bids: Sequence[Level], asks: Sequence[Level],
                  event_ms: int) -> dict:
    """A `/market/level2` diff covering update ids first_id..last_id."""
    return {"type": "message", "topic": f"/market/level2:{model.market_id}", "subject": "trade.l2update",
            "data": {"changes": {"asks": _rows(model, asks, last_id), "bids": _rows(model, bids, last_id)},
                     "sequenceEnd": last_id, "sequenceStart": first_id, "symbol": model.market_id,
                     "time": event_ms}}


def match_messages(model: MarketModel, trades: Sequence[Trade]) -> list[dict]:
    """`/market/match` pushes, one per trade (oldest first); `time` in ns with a sub-ms part, as KuCoin's."""
    pd, ad = model.price_decimals, model.amount_decimals
    return [{"type": "message", "topic": f"/market/match:{model.market_id}", "subject": "trade.l3match",
             "data": {"makerOrderId": f"m{t.id}", "price": num(t.price, pd), "sequence": str(t.id), "side": t.side,
                      "size": num(t.amount, ad), "symbol": model.market_id, "takerOrderId": f"t{t.id}",
                      "time": str(t.ts * 1_000_000 + 500_000), "tradeId": str(t.id), "type": "match"}}
            for t in trades]


# ---- the stream server's dialect interface (simulator.streams) ----

def dumps(messages: Sequence[object]) -> list[str]:
    """Messages as text frames."""
    return [orjson.dumps(message).decode() for message in messages]


def on_open(session) -> list[str]:
    return dumps([welcome(session.query.get("connectId", "welcome"))])


def handle_request(session, text: str, topics: dict[str, str], market_type: str, depth: int | None) -> list[str]:
    """KuCoin's ping / subscribe / unsubscribe for the markets of `market_type` (spot and futures alike)."""
    try:
        request = parse(text)
        if request["type"] == "ping":
            return dumps([pong(request, session.now_ms())])
        targets = subscriptions(request, topics)
    except ValueError as exc:
        return dumps([error(None, 400, str(exc))])
    for target in targets:
        key = f"{target.topic}:{target.market_id}"
        if request["type"] == "unsubscribe":
            session.unsubscribe(key)
            continue
        model = session.model_by_id(target.market_id, market_type)
        if model is None:
            return dumps([error(request.get("id"), 404, f"topic {key} is not found")])
        session.subscribe(target.kind, model, key, depth if target.kind == "book" else None)
    return dumps([ack(request)]) if request.get("response", True) else []


def on_message(session, text: str) -> list[str]:
    return handle_request(session, text, SPOT_TOPICS, "spot", BOOK_DEPTH)


def book_initial(session, sub, update: BookUpdate) -> list[str]:
    return []  # diffs only: ccxt.pro takes its snapshot from REST level2_100


def book_update(session, sub, update: BookUpdate) -> list[str]:
    return dumps([level2_update(sub.model, update.first_id, update.last_id, update.bids, update.asks,
                                update.event_ms)])


def trade_messages(session, sub, trades: list[Trade]) -> list[str]:
    return dumps(match_messages(sub.model, trades))
