"""Bitget v2 public WebSocket (wss://ws.bitget.com/v2/ws/public) as ccxt.pro.bitget reads it.

Requests: the text "ping" (answered "pong"); {"op": "subscribe"|"unsubscribe", "args":
[{"instType": "SPOT"|"USDT-FUTURES", "channel", "instId"}]}, answered {"event": op, "arg"} per arg
(an unknown market or channel: {"event": "error", "code": 30001}; a malformed frame: 30016).
Channels: `books` (every level: a "snapshot" on subscribe, then one "update" per tick with the
changed levels, size "0" = removed; seq = the update id N; checksum = CRC32 of the best 25 levels
after the update, frames.book_checksum), `books1` / `books5` / `books15` (the best levels,
"snapshot" every tick), `trade` ("update" pushes of the trades printed since the last, newest
first). Levels [price, size] strings as REST prints them; ts = N × update_ms.
ccxt.pro.bitget recomputes the checksum over the strings it stored (on updates) and on a mismatch
unsubscribes, then rejects: the pending watch with UnsubscribeError, the next one with
ChecksumError (a dropped or reordered update shows that way too); it does not look at `seq` and
leaves the book's nonce unset (its timestamp is the update's ts).
"""
from __future__ import annotations

from collections.abc import Sequence

from simulator.market import MarketModel
from simulator.streams.dialects.frames import Level, Target, checksummed, dumps, on_op_args, rows
from simulator.trades import Trade
from simulator.venue_numbers import num

PATH_PATTERN = r"v2/ws/public"
BOOK_DEPTHS = {"books": None, "books1": 1, "books5": 5, "books15": 15}
TRADE_CHANNEL = "trade"
INST_TYPES = {"spot": "SPOT", "swap": "USDT-FUTURES"}
MARKET_TYPES = {inst_type: market_type for market_type, inst_type in INST_TYPES.items()}


def _arg(model: MarketModel, channel: str) -> dict:
    return {"instType": INST_TYPES[model.market_type], "channel": channel, "instId": model.market_id}


def book_message(model: MarketModel, channel: str, action: str, bids: Sequence[Level], asks: Sequence[Level],
                 checksum: int, update_id: int, prev_id: int, ts_ms: int) -> dict:
    """One book push of `channel` (`bids`/`asks`: the levels sent; `prev_id` is not printed: v2 has no pseq)."""
    data = {"asks": rows(model, asks), "bids": rows(model, bids), "checksum": checksum, "seq": update_id,
            "ts": str(ts_ms)}
    return {"action": action, "arg": _arg(model, channel), "data": [data], "ts": ts_ms}


def trades_message(model: MarketModel, trades: Sequence[Trade], action: str = "update") -> dict:
    """A `trade` push of `trades` (given oldest first, sent newest first as Bitget does)."""
    pd, ad = model.price_decimals, model.amount_decimals
    data = [{"ts": str(t.ts), "price": num(t.price, pd), "size": num(t.amount, ad), "side": t.side,
             "tradeId": str(t.id)} for t in reversed(trades)]
    return {"action": action, "arg": _arg(model, TRADE_CHANNEL), "data": data, "ts": trades[-1].ts if trades else 0}


def _resolve(session, arg: dict) -> Target | dict:
    channel = arg.get("channel")
    market_type = MARKET_TYPES.get(str(arg.get("instType", "")).upper())
    model = session.model_by_id(str(arg.get("instId", "")), market_type) if market_type else None
    if model is None or (channel not in BOOK_DEPTHS and channel != TRADE_CHANNEL):
        return _error(30001, f"instType:{arg.get('instType')},channel:{channel},instId:{arg.get('instId')} "
                             "doesn't exist", arg)
    return Target("trades" if channel == TRADE_CHANNEL else "book", model,
                  f"{model.market_type}:{channel}:{model.market_id}", BOOK_DEPTHS.get(channel), channel,
                  {"arg": _arg(model, channel)})


def _error(code: int, msg: str, arg: dict | None = None) -> dict:
    return {"event": "error", "arg": arg or {}, "code": code, "msg": msg}


# --- the stream server's interface (simulator.streams) ---

def on_open(session) -> list[str]:
    return []


def on_message(session, text: str) -> list[str]:
    """"ping" → "pong"; subscribe / unsubscribe of books, books1/5/15 and trade."""
    return on_op_args(session, text, _resolve, lambda bad: _error(30016, f"Param error: {bad}"))


def book_initial(session, sub, update) -> list[str]:
    return checksummed(book_message, sub, update, "snapshot")


def book_update(session, sub, update) -> list[str]:
    """`books`: an "update" with the changed levels; books1/5/15: a "snapshot" of the best levels."""
    return checksummed(book_message, sub, update, "update" if sub.state["channel"] == "books" else "snapshot")


def trade_messages(session, sub, trades) -> list[str]:
    return dumps([trades_message(sub.model, trades)])
