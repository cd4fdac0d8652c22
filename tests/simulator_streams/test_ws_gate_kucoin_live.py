"""The unmodified ccxt.pro gate / kucoin / kucoinfutures against the running simulator (wall clock) over
a real loopback WebSocket (KuCoin's endpoint from the REST bullet-public call): every book ccxt.pro
yields equals the simulator's book at its nonce, level for level (gate and kucoin: book_at_update(N)
cut to the channel depth; kucoinfutures: book_at_sequence, one change per message), trades are the
simulator's; a dropped update makes ccxt.pro.gate raise on futures (ChecksumError, and the next watch
resyncs) and goes unnoticed by ccxt.pro 4.5.90 on gate spot.obu and kucoin (the book silently differs
from the truth: the product cannot rely on an exception there)."""
from __future__ import annotations

import tempfile
from pathlib import Path

import ccxt
import pytest
from steady_scenario import steady_scenario
from ws_live import assert_simulators_trades, distinct_trades, run_with_pro

from simulator.market import World
from simulator.process import SimulatorProcess
from simulator.scenario import load_scenario
from simulator.streams import book_at_update
from simulator.streams.dialects import kucoinfutures

# without the scenario's daily windows (KuCoin is down 04:00-04:15 UTC): on the wall clock, CI may run in one
VENUES = steady_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "venues.yaml", Path(tempfile.mkdtemp()))
WORLD = World(load_scenario(VENUES))
TICK = 100  # venues.yaml: every venue's update_ms is the default
# (venue, symbol, levels a side the feed keeps: the channel / REST snapshot depth, None = full book)
BOOKS = [("gate", "BTC/USDT:USDT", 100), ("gate", "SOL/USDT", 50), ("kucoin", "ETH/USDT", 100),
         ("kucoinfutures", "SOL/USDT:USDT", None)]
BOUND = 400  # books watched at most while waiting for something (kucoinfutures resolves per change)


@pytest.fixture(scope="module")
def sim():
    with SimulatorProcess(VENUES, clock="wall", rate_limits="off") as process:
        yield process


def update_of(venue: str, symbol: str, nonce: int) -> int:
    """The update id a nonce belongs to (kucoinfutures: its sequence's tick)."""
    if venue == "kucoinfutures":
        return kucoinfutures.decode(WORLD.market(venue, symbol), nonce)[0]
    return nonce


def matches(venue: str, symbol: str, depth: int | None, book: dict) -> bool:
    """ccxt's book is the simulator's at its nonce, level for level (price, amount; kucoin adds a
    sequence to each level) and exactly `depth` levels a side."""
    if venue == "kucoinfutures":
        truth = kucoinfutures.book_at_sequence(WORLD, symbol, book["nonce"])
    else:
        truth = book_at_update(WORLD, venue, symbol, book["nonce"])
    return [(b[0], b[1]) for b in book["bids"]] == truth.bids[:depth] and \
        [(a[0], a[1]) for a in book["asks"]] == truth.asks[:depth]


@pytest.mark.parametrize("venue,symbol,depth", BOOKS)
def test_every_watched_book_is_the_book_at_its_nonce(sim, venue, symbol, depth):
    async def scenario(exchange):
        nonces = []
        while len({update_of(venue, symbol, n) for n in nonces}) < 8:
            book = await exchange.watch_order_book(symbol)
            assert matches(venue, symbol, depth, book), (venue, symbol, book["nonce"])
            nonces.append(book["nonce"])
            assert len(nonces) < BOUND
        limit = {"gate": depth, "kucoin": 100}.get(venue)
        return nonces, await exchange.fetch_order_book(symbol, limit)
    nonces, rest = run_with_pro(scenario, venue, sim)
    assert nonces == sorted(set(nonces))
    assert update_of(venue, symbol, nonces[-1]) * TICK <= sim.now_ms()  # update ids are wall-clock ticks
    assert matches(venue, symbol, depth, rest)  # the REST snapshot: the same model, the same ids


@pytest.mark.parametrize("venue,symbol", [("gate", "ETH/USDT"), ("gate", "ETH/USDT:USDT"),
                                          ("kucoin", "SOL/USDT"), ("kucoinfutures", "BTC/USDT:USDT")])
def test_watched_trades_are_the_simulators(sim, venue, symbol):
    seen = run_with_pro(lambda exchange: distinct_trades(exchange, symbol), venue, sim)
    assert_simulators_trades(WORLD, venue, symbol, seen)


def _hits(sim, venue: str, fault: str, symbol: str) -> list[dict]:
    return [e for e in sim.stream_fault_log() if (e["venue"], e["fault"], e["symbol"]) == (venue, fault, symbol)]


@pytest.mark.parametrize("fault", ["drop_update", "reorder_updates"])
def test_a_gap_on_gate_futures_makes_ccxt_raise_checksum_error_and_the_next_watch_resyncs(sim, fault):
    venue, symbol, depth = "gate", "ETH/USDT:USDT", 100

    async def scenario(exchange):
        before = [(await exchange.watch_order_book(symbol))["nonce"] for _ in range(3)]
        sim.set_stream_fault(venue, fault, symbol)
        error = None
        for _ in range(BOUND):
            try:
                book = await exchange.watch_order_book(symbol)
            except ccxt.NetworkError as exc:
                error = exc
                break
            if book["nonce"] is not None:  # None: reset in place by the gap before this coroutine resumed
                assert matches(venue, symbol, depth, book)
                before.append(book["nonce"])
        after = []
        for _ in range(BOUND):  # the resubscription resets the stored book in place (nonce None) and may
            book = await exchange.watch_order_book(symbol)  # do so before this coroutine resumes: such a
            if book["nonce"] is None:  # book claims no update id; every one that does must match
                continue
            assert matches(venue, symbol, depth, book)
            after.append(book["nonce"])
            if len(after) == 3:
                break
        return before, error, after
    before, error, after = run_with_pro(scenario, venue, sim)
    hit = _hits(sim, venue, fault, symbol)[-1]
    assert isinstance(error, ccxt.ChecksumError)
    assert len(after) == 3, after
    assert max(before) < hit["update_id"] < min(after)


@pytest.mark.parametrize("venue,symbol,depth", BOOKS[1:])
def test_a_dropped_update_goes_unnoticed_by_ccxt_on_gate_spot_and_kucoin(sim, venue, symbol, depth):
    async def scenario(exchange):
        for _ in range(3):
            assert matches(venue, symbol, depth, await exchange.watch_order_book(symbol))
        # armed just after a redraw (every 10 ticks): the trace lasts until the next one
        while update_of(venue, symbol, (await exchange.watch_order_book(symbol))["nonce"]) % 10:
            pass
        earlier = len(_hits(sim, venue, "drop_update", symbol))
        sim.set_stream_fault(venue, "drop_update", symbol)
        hit = None
        for _ in range(BOUND):  # no exception: wait until a book past the dropped update differs
            book = await exchange.watch_order_book(symbol)
            hit = hit or next(iter(_hits(sim, venue, "drop_update", symbol)[earlier:]), None)
            if hit and update_of(venue, symbol, book["nonce"]) > hit["update_id"] and \
                    not matches(venue, symbol, depth, book):
                return hit, book["nonce"]
        raise AssertionError("the dropped update left no trace in ccxt's book")
    hit, nonce = run_with_pro(scenario, venue, sim)
    assert update_of(venue, symbol, nonce) > hit["update_id"]


@pytest.mark.parametrize("venue,symbol,depth,fault", [("kucoin", "BTC/USDT", 100, "disconnect"),
                                                      ("kucoinfutures", "ETH/USDT:USDT", None, "server_close")])
def test_a_lost_kucoin_connection_raises_network_error_and_the_next_watch_reconnects_and_resyncs(
        sim, venue, symbol, depth, fault):
    async def scenario(exchange):
        before = [(await exchange.watch_order_book(symbol))["nonce"]]
        sim.set_stream_fault(venue, fault)
        try:
            for _ in range(BOUND):
                before.append((await exchange.watch_order_book(symbol))["nonce"])
        except ccxt.NetworkError as exc:
            error = exc
        else:
            raise AssertionError(f"no error after {BOUND} books")
        book = await exchange.watch_order_book(symbol)  # a new connection: welcome, subscribe, REST snapshot
        assert matches(venue, symbol, depth, book)
        return before, error, book["nonce"]
    before, error, after = run_with_pro(scenario, venue, sim)
    hit = _hits(sim, venue, fault, None)[-1]
    assert type(error) is ccxt.NetworkError
    assert update_of(venue, symbol, before[-1]) <= hit["update_id"] < update_of(venue, symbol, after)
