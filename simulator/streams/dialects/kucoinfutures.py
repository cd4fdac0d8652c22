"""KuCoin futures public WebSocket as ccxt.pro.kucoinfutures reads it: KuCoin's protocol
(simulator.streams.dialects.kucoin: bullet-public on the futures REST host, welcome, ack, ping) with
the futures topics `/contractMarket/level2:<ids>` and `/contractMarket/execution:<ids>`.

Level 2 is one message per changed level: {"subject": "level2", "data": {"sequence", "change":
"<price>,<buy|sell>,<contracts>", "timestamp": ms}} (0 contracts = removed), full depth, as the REST
snapshot api/v1/level2/snapshot ccxt.pro fetches. Sequences encode (update id N, change index j):
`sequence(N, j)` = (N × update_ms − SEQUENCE_EPOCH_MS) × 10 + j, j < 10 × update_ms changes a tick;
the REST snapshot of N says `snapshot_sequence(N)` = sequence(N + 1, 0) − 1, so ccxt.pro's replay
(the cached change with sequence = snapshot + 1) starts at the first change of tick N + 1.
Why so: ccxt.pro reads the message's `timestamp` (ms) as its end sequence and drops a change whose
timestamp is not above its nonce, so every sequence must stay below the clock in ms (true until
2031 with this epoch). A book seen between two changes of a tick is `book_at_sequence` (the book at
N − 1 with changes 0..j of tick N applied): ccxt.pro resolves the watch after every change.
ccxt.pro checks no sequence after the first sync (a dropped change goes unnoticed) and applies a
late change again (harmless for the tick just synchronised: a change sets a level, it does not add).
"""
from __future__ import annotations

from collections.abc import Sequence

from simulator.book import Book
from simulator.dialects.common import num
from simulator.market import MarketModel, World
from simulator.streams.dialects.kucoin import dumps, handle_request, on_open  # noqa: F401 (on_open: dialect API)
from simulator.streams.updates import BookUpdate, book_at_update, diff_books, update_ms
from simulator.trades import Trade

PATH = "ws-api-futures/"
PATH_PATTERN = r"ws-api-futures/?"
TOPICS = {"/contractMarket/level2": "book", "/contractMarket/execution": "trades"}
SEQUENCE_EPOCH_MS = 1_735_689_600_000  # 2025-01-01T00:00Z
PER_MS = 10  # sequence numbers per ms of update interval: a tick holds at most 10 × update_ms changes
Level = tuple[float, float]


def sequence(update_id: int, index: int, tick_ms: int) -> int:
    """The sequence of change `index` of update `update_id` (ValueError past the tick's room)."""
    if not 0 <= index < PER_MS * tick_ms:
        raise ValueError(f"kucoinfutures: change {index} of one update exceeds {PER_MS * tick_ms} "
                         f"(raise the venue's update_ms)")
    return (update_id * tick_ms - SEQUENCE_EPOCH_MS) * PER_MS + index


def snapshot_sequence(update_id: int, tick_ms: int) -> int:
    """The `sequence` a REST snapshot of the book at `update_id` carries."""
    return sequence(update_id + 1, 0, tick_ms) - 1


def decode(seq: int, tick_ms: int) -> tuple[int, int]:
    """(update id, change index) of a sequence; index 10 × tick_ms − 1 = the whole update (a snapshot)."""
    update_id = (seq // PER_MS + SEQUENCE_EPOCH_MS) // tick_ms
    return update_id, seq - (update_id * tick_ms - SEQUENCE_EPOCH_MS) * PER_MS


def changes(bids: Sequence[Level], asks: Sequence[Level]) -> list[tuple[str, Level]]:
    """The order level changes of one update go out in: bids best first, then asks best first."""
    return [("buy", level) for level in bids] + [("sell", level) for level in asks]


def level2_messages(model: MarketModel, last_id: int, bids: Sequence[Level], asks: Sequence[Level],
                    event_ms: int, tick_ms: int) -> list[dict]:
    """The `/contractMarket/level2` pushes of one update (nothing when no level changed)."""
    pd, topic = model.price_decimals, f"/contractMarket/level2:{model.market_id}"
    return [{"type": "message", "topic": topic, "subject": "level2",
             "data": {"sequence": sequence(last_id, index, tick_ms),
                      "change": f"{num(price, pd)},{side},{int(amount)}", "timestamp": event_ms}}
            for index, (side, (price, amount)) in enumerate(changes(bids, asks))]


def execution_messages(model: MarketModel, trades: Sequence[Trade]) -> list[dict]:
    """`/contractMarket/execution` pushes, one per trade (oldest first), size in contracts, `ts` in ns."""
    pd, topic = model.price_decimals, f"/contractMarket/execution:{model.market_id}"
    return [{"type": "message", "topic": topic, "subject": "match",
             "data": {"symbol": model.market_id, "sequence": t.id, "side": t.side, "size": int(t.amount),
                      "price": num(t.price, pd), "takerOrderId": f"t{t.id}", "makerOrderId": f"m{t.id}",
                      "tradeId": str(t.id), "ts": t.ts * 1_000_000 + 500_000}} for t in trades]


def book_at_sequence(world: World, symbol: str, seq: int) -> Book:
    """The book ccxt.pro holds at nonce `seq`: the book at the update it names, or between two changes
    of a tick, the book at N − 1 with that tick's changes 0..j applied (truth for mid-tick samples)."""
    tick_ms = update_ms(world, "kucoinfutures")
    update_id, index = decode(seq, tick_ms)
    after = book_at_update(world, "kucoinfutures", symbol, update_id)
    if index == PER_MS * tick_ms - 1:
        return after
    before = book_at_update(world, "kucoinfutures", symbol, update_id - 1)
    applied = changes(*diff_books(before, after))[:index + 1]
    sides = {"buy": dict(before.bids if before.status == "ok" else []),
             "sell": dict(before.asks if before.status == "ok" else [])}
    for side, (price, amount) in applied:
        if amount:
            sides[side][price] = amount
        else:
            sides[side].pop(price, None)
    return Book(after.t_ms, "ok", after.condition, sorted(sides["buy"].items(), reverse=True),
                sorted(sides["sell"].items()))


# ---- the stream server's dialect interface (simulator.streams; on_open is KuCoin's welcome) ----

def on_message(session, text: str) -> list[str]:
    return handle_request(session, text, TOPICS, "swap", None)


def book_initial(session, sub, update: BookUpdate) -> list[str]:
    return []  # changes only: ccxt.pro takes its snapshot from REST api/v1/level2/snapshot


def book_update(session, sub, update: BookUpdate) -> list[str]:
    return dumps(level2_messages(sub.model, update.last_id, update.bids, update.asks, update.event_ms,
                                 session.update_ms))


def trade_messages(session, sub, trades: list[Trade]) -> list[str]:
    return dumps(execution_messages(sub.model, trades))
