"""KuCoin futures public WebSocket as ccxt.pro.kucoinfutures reads it: KuCoin's protocol
(simulator.streams.dialects.kucoin: bullet-public on the futures REST host, welcome, ack, ping) with
the futures topics `/contractMarket/level2:<ids>` and `/contractMarket/execution:<ids>`.

Level 2 is one message per changed level: {"subject": "level2", "data": {"sequence", "change":
"<price>,<buy|sell>,<contracts>", "timestamp": ms}} (0 contracts = removed), full depth, as the REST
snapshot api/v1/level2/snapshot ccxt.pro fetches. As on the venue, each market's changes are numbered
contiguously (sequence = previous + 1), tick after tick: tick N's changes (`tick_changes`, bids best
first then asks) carry first_sequence(N) .. first_sequence(N + 1) − 1, all with timestamp N × update_ms;
a REST snapshot of N says `snapshot_sequence(N)` = first_sequence(N + 1) − 1, so ccxt.pro's replay (the
cached change with sequence = snapshot + 1) starts at the first change of tick N + 1. An update
spanning several ticks (after a lag or a stall) sends every tick's changes in order; a dropped one
leaves a gap (the collector's check: mmwatch.collector.stream_messages).
Why a room: a sequence must stay a pure function of (model, update id), without counting every change
since some origin. Each redraw period P (ticks P × R .. P × R + R − 1, R = redraw_ms // update_ms) owns
`room(model)` sequences from (P − SEQUENCE_EPOCH_MS // redraw_ms) × room: enough for its redraw tick
(at most old + new levels a side) and R − 1 perturbation ticks (2 × PERTURBED a side each). Its ticks
number their changes contiguously from there and the period's last tick pads the rest with fillers:
no-op changes (the best level of the book at that tick, re-sent at its amount; an empty book: "0,buy,0",
which removes nothing), so the next period starts at the next sequence. Fillers are a simulator device:
for any client they change nothing (a change sets a level, it does not add). More changes than the
room, or a sequence not below its message's timestamp, raise ValueError naming the market: ccxt.pro
reads `timestamp` (ms) as a change's end sequence and drops a change whose timestamp is not above its
nonce, so every sequence must stay far below the clock in ms (it grows by `room` per redraw_ms, about
0.6 per ms on venues.yaml, from 2025-01-01).
A book seen between two changes of a tick is `book_at_sequence` (the book at N − 1 with changes 0..j
of tick N applied): ccxt.pro resolves the watch after every change. ccxt.pro checks no sequence after
the first sync (a dropped change goes unnoticed by it) and applies a late change again (harmless for
the tick just synchronised).
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from functools import lru_cache

from simulator.book import Book
from simulator.book_plan import book_plan
from simulator.market import MarketModel, World
from simulator.streams.dialects.kucoin import dumps, handle_request, on_open  # noqa: F401 (on_open: dialect API)
from simulator.streams.updates import PERTURBED, BookUpdate, redraw_ms, tick_diff, ticked_book, update_ms
from simulator.trades import Trade
from simulator.venue_numbers import num

PATH = "ws-api-futures/"
PATH_PATTERN = r"ws-api-futures/?"
TOPICS = {"/contractMarket/level2": "book", "/contractMarket/execution": "trades"}
SEQUENCE_EPOCH_MS = 1_735_689_600_000  # 2025-01-01T00:00Z
Level = tuple[float, float]
Change = tuple[str, Level]


def _period_ticks(model: MarketModel) -> int:
    """R: update ids per redraw period."""
    return redraw_ms(model.world, model.venue) // update_ms(model.world, model.venue)


def room(model: MarketModel) -> int:
    """Sequences each redraw period of `model` owns: 4 × L (a redraw tick: old and new levels, both
    sides; L = most levels a side) + 4 × PERTURBED × (R − 1) (the other ticks)."""
    plan = book_plan(model)
    levels = plan.background_levels + plan.maker_bytes // 2 + 1
    return 4 * levels + 4 * PERTURBED * (_period_ticks(model) - 1)


def changes(bids: Sequence[Level], asks: Sequence[Level]) -> list[Change]:
    """The order level changes of one tick go out in: bids best first, then asks best first."""
    return [("buy", level) for level in bids] + [("sell", level) for level in asks]


def tick_changes(model: MarketModel, update_id: int) -> list[Change]:
    """The level changes of tick `update_id` (fillers not included), in sending order."""
    return changes(*tick_diff(model, update_id))


def period_start(model: MarketModel, update_id: int) -> int:
    """The first sequence of the redraw period holding `update_id`: O(1), no change counted (the REST
    snapshot's sequence on the virtual clock, where nothing streams)."""
    period = update_id // _period_ticks(model)
    return (period - SEQUENCE_EPOCH_MS // redraw_ms(model.world, model.venue)) * room(model)


@lru_cache(maxsize=1024)
def _firsts(model: MarketModel, period: int) -> tuple[int, ...]:
    """The first sequence of each of redraw period `period`'s R ticks, then the next period's first."""
    ticks, size = _period_ticks(model), room(model)
    start = period_start(model, period * ticks)
    firsts = [start]
    for update_id in range(period * ticks, period * ticks + ticks):
        bids, asks = tick_diff(model, update_id)
        firsts.append(firsts[-1] + len(bids) + len(asks))
    if firsts[-1] - start > size:
        raise ValueError(f"kucoinfutures {model.symbol}: {firsts[-1] - start} level2 changes in the redraw "
                         f"period of update {period * ticks} exceed its room of {size} sequences")
    firsts[-1] = start + size  # the last tick's fillers
    return tuple(firsts)


def first_sequence(model: MarketModel, update_id: int) -> int:
    """The sequence of the first change of tick `update_id` (the next tick's first when it has none)."""
    ticks = _period_ticks(model)
    return _firsts(model, update_id // ticks)[update_id % ticks]


def sequence(model: MarketModel, update_id: int, index: int) -> int:
    """The sequence of change `index` of tick `update_id`, fillers included (ValueError past them)."""
    ticks = _period_ticks(model)
    firsts = _firsts(model, update_id // ticks)
    first, end = firsts[update_id % ticks], firsts[update_id % ticks + 1]
    if not 0 <= index < end - first:
        raise ValueError(f"kucoinfutures {model.symbol}: tick {update_id} has {end - first} level2 sequences, "
                         f"not a change {index}")
    return first + index


def snapshot_sequence(model: MarketModel, update_id: int) -> int:
    """The `sequence` a REST snapshot of the book at `update_id` carries: the last one sent up to it."""
    return first_sequence(model, update_id + 1) - 1


def decode(model: MarketModel, seq: int) -> tuple[int, int]:
    """(update id, change index) of a sequence (an index past the tick's changes: one of its fillers)."""
    ticks = _period_ticks(model)
    period = seq // room(model) + SEQUENCE_EPOCH_MS // redraw_ms(model.world, model.venue)
    firsts = _firsts(model, period)
    position = bisect_right(firsts, seq) - 1  # the last tick starting at or before seq: it holds seq
    return period * ticks + position, seq - firsts[position]


def filler(book: Book, price_decimals: int) -> str:
    """A `change` that changes nothing: the best level of `book` at its amount (an empty book: price 0,
    amount 0, which removes nothing)."""
    for side, levels in (("buy", book.bids), ("sell", book.asks)):
        if book.status == "ok" and levels:
            return f"{num(levels[0][0], price_decimals)},{side},{int(levels[0][1])}"
    return "0,buy,0"


def level2_messages(model: MarketModel, update_id: int) -> list[dict]:
    """The `/contractMarket/level2` pushes of tick `update_id` (its changes, then its fillers, if any)."""
    pd, topic = model.price_decimals, f"/contractMarket/level2:{model.market_id}"
    event_ms = update_id * update_ms(model.world, model.venue)
    sent = [f"{num(price, pd)},{side},{int(amount)}" for side, (price, amount) in tick_changes(model, update_id)]
    first, end = first_sequence(model, update_id), first_sequence(model, update_id + 1)
    if end - 1 >= event_ms:
        raise ValueError(f"kucoinfutures {model.symbol}: sequence {end - 1} is not below its timestamp {event_ms}")
    if end - first > len(sent):
        sent += [filler(ticked_book(model, update_id), pd)] * (end - first - len(sent))
    return [{"type": "message", "topic": topic, "subject": "level2",
             "data": {"sequence": first + index, "change": change, "timestamp": event_ms}}
            for index, change in enumerate(sent)]


def execution_messages(model: MarketModel, trades: Sequence[Trade]) -> list[dict]:
    """`/contractMarket/execution` pushes, one per trade (oldest first), size in contracts, `ts` in ns."""
    pd, topic = model.price_decimals, f"/contractMarket/execution:{model.market_id}"
    return [{"type": "message", "topic": topic, "subject": "match",
             "data": {"symbol": model.market_id, "sequence": t.id, "side": t.side, "size": int(t.amount),
                      "price": num(t.price, pd), "takerOrderId": f"t{t.id}", "makerOrderId": f"m{t.id}",
                      "tradeId": str(t.id), "ts": t.ts * 1_000_000 + 500_000}} for t in trades]


def book_at_sequence(world: World, symbol: str, seq: int) -> Book:
    """The book ccxt.pro holds at nonce `seq`: the book at the tick N it names (its last change or a
    filler), or between two changes of a tick, the book at N − 1 with changes 0..j of N applied (truth
    for mid-tick samples); KeyError for an unknown market."""
    model = world.market("kucoinfutures", symbol)
    if model is None:
        raise KeyError(f"kucoinfutures:{symbol} is not a market of the scenario")
    update_id, index = decode(model, seq)
    after, applied = ticked_book(model, update_id), tick_changes(model, update_id)
    if index >= len(applied) - 1:
        return after
    before = ticked_book(model, update_id - 1)
    sides = {"buy": dict(before.bids if before.status == "ok" else []),
             "sell": dict(before.asks if before.status == "ok" else [])}
    for side, (price, amount) in applied[:index + 1]:
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
    """Every tick of first_id..last_id in order, each with its own sequences and timestamp."""
    return dumps([message for update_id in range(update.first_id, update.last_id + 1)
                  for message in level2_messages(sub.model, update_id)])


def trade_messages(session, sub, trades: list[Trade]) -> list[str]:
    return dumps(execution_messages(sub.model, trades))
