"""OKX v5 public WebSocket (wss://ws.okx.com:443/ws/v5/public) as ccxt.pro.okx reads it.

Requests: the text "ping" (answered "pong"); {"op": "subscribe"|"unsubscribe", "args": [{"channel",
"instId"}]}, answered {"event": op, "arg", "connId"} per arg (an unknown instId or channel:
{"event": "error", "code": "60018"}; a malformed frame: code "60012").
Channels: `books` (400 levels: a "snapshot" on subscribe with prevSeqId -1, then one "update" per
tick with the changed levels, sz "0" = removed; seqId = the update id N, prevSeqId = the seqId of
the message before (a dropped update shows as a gap); checksum = CRC32 of the best 25 levels after
the update, frames.book_checksum), `books5` / `bbo-tbt` (the best 5 / 1 levels every tick, no
action), `trades` (the trades printed since the last push, oldest first). Levels [px, sz, "0",
orders]; swap amounts in contracts, as REST; ts = N × update_ms.
ccxt.pro.okx checks prevSeqId against its book's nonce (InvalidNonce on a gap, a duplicate or a
swap; it resubscribes on the next watch) and takes nonce = seqId; it does not verify the checksum.
"""
from __future__ import annotations

from collections.abc import Sequence

from simulator.market import MarketModel
from simulator.streams.dialects.frames import Level, Target, checksummed, dumps, on_op_args, rows
from simulator.trades import Trade
from simulator.venue_numbers import num

PATH_PATTERN = r"ws/v5/public"
BOOK_DEPTHS = {"books": 400, "books5": 5, "bbo-tbt": 1}
TRADE_CHANNEL = "trades"
CONN_ID = "5ec0c1d2"


def _rows(model: MarketModel, side: Sequence[Level]) -> list[list[str]]:
    """[px, sz, "0", orders]: one order per level, none on a removed level."""
    return [[px, sz, "0", "0" if sz == "0" else "1"] for px, sz in rows(model, side)]


def book_message(model: MarketModel, channel: str, action: str | None, bids: Sequence[Level],
                 asks: Sequence[Level], checksum: int, update_id: int, prev_id: int, ts_ms: int) -> dict:
    """One `books` "snapshot"/"update" (`bids`/`asks`: the levels sent) or a books5/bbo-tbt push (action None)."""
    data = {"asks": _rows(model, asks), "bids": _rows(model, bids), "instId": model.market_id, "ts": str(ts_ms),
            "seqId": update_id}
    message: dict = {"arg": {"channel": channel, "instId": model.market_id}, "data": [data]}
    if action is not None:
        data.update({"checksum": checksum, "prevSeqId": prev_id})
        message["action"] = action
    return message


def trades_message(model: MarketModel, trades: Sequence[Trade]) -> dict:
    """A `trades` push of `trades` (oldest first), amounts in the venue's units."""
    pd, ad = model.price_decimals, model.amount_decimals
    return {"arg": {"channel": TRADE_CHANNEL, "instId": model.market_id},
            "data": [{"instId": model.market_id, "tradeId": str(t.id), "px": num(t.price, pd), "sz": num(t.amount, ad),
                      "side": t.side, "ts": str(t.ts), "count": "1", "source": "0", "seqId": t.id} for t in trades]}


def _resolve(session, arg: dict) -> Target | dict:
    channel, model = arg.get("channel"), session.model_by_id(str(arg.get("instId", "")))
    if model is None or (channel not in BOOK_DEPTHS and channel != TRADE_CHANNEL):
        return _error("60018", f"Wrong URL or channel:{channel},instId:{arg.get('instId')} doesn't exist")
    return Target("trades" if channel == TRADE_CHANNEL else "book", model, f"{channel}:{model.market_id}",
                  BOOK_DEPTHS.get(channel), channel, {"arg": {"channel": channel, "instId": model.market_id},
                                                      "connId": CONN_ID})


def _error(code: str, msg: str) -> dict:
    return {"event": "error", "code": code, "msg": msg, "connId": CONN_ID}


# --- the stream server's interface (simulator.streams) ---

def on_open(session) -> list[str]:
    return []


def on_message(session, text: str) -> list[str]:
    """"ping" → "pong"; subscribe / unsubscribe of books, books5, bbo-tbt and trades."""
    return on_op_args(session, text, _resolve, lambda bad: _error("60012", f"Illegal request: {bad}"))


def book_initial(session, sub, update) -> list[str]:
    """`books`: a "snapshot" (prevSeqId -1); books5 / bbo-tbt: the best levels, no action."""
    return checksummed(book_message, sub, update, "snapshot" if sub.state["channel"] == "books" else None)


def book_update(session, sub, update) -> list[str]:
    """`books`: an "update" with the changed levels; books5 / bbo-tbt: the best levels again."""
    return checksummed(book_message, sub, update, "update" if sub.state["channel"] == "books" else None)


def trade_messages(session, sub, trades) -> list[str]:
    return dumps([trades_message(sub.model, trades)])
