"""The unmodified ccxt.pro binance / binanceusdm / binancecoinm against the running simulator (wall
clock) over a real loopback WebSocket: books equal book_at_update(nonce) level for level, trades are
the simulator's, and every stream fault is seen by ccxt.pro the way the venue's would be."""
from __future__ import annotations

import asyncio
from pathlib import Path

import ccxt
import orjson
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from ws_live import run_with_pro

from simulator.market import World
from simulator.process import SimulatorProcess
from simulator.scenario import load_scenario
from simulator.streams import book_at_update
from simulator.trades import trades_between

VENUES = Path(__file__).resolve().parents[2] / "scenarios" / "venues.yaml"
WORLD = World(load_scenario(VENUES))
MARKETS = [("binance", "BTC/USDT"), ("binanceusdm", "ETH/USDT:USDT"), ("binancecoinm", "BTC/USD:BTC")]
TOP = 100
MAX_WATCHES = 60  # bound on every watch loop (60 ticks = 6 s at 100 ms)


@pytest.fixture(scope="module")
def sim():
    with SimulatorProcess(VENUES, clock="wall", rate_limits="off") as process:
        yield process


def assert_truth(venue: str, symbol: str, book: dict) -> None:
    """The ccxt book equals the simulator's book at its nonce, level for level (best TOP a side)."""
    truth = book_at_update(WORLD, venue, symbol, book["nonce"])
    assert [tuple(level) for level in book["bids"][:TOP]] == truth.bids[:TOP]
    assert [tuple(level) for level in book["asks"][:TOP]] == truth.asks[:TOP]
    assert len(book["bids"]) >= TOP and len(book["asks"]) >= TOP


async def watch_books(exchange, venue: str, symbol: str, count: int) -> list[int]:
    """`count` books, each checked against the truth; their nonces."""
    nonces = []
    for _ in range(count):
        book = await exchange.watch_order_book(symbol)
        assert_truth(venue, symbol, book)
        nonces.append(book["nonce"])
    return nonces


@pytest.mark.parametrize("venue,symbol", MARKETS)
def test_watched_books_equal_the_book_at_their_update_id(sim, venue, symbol):
    async def scenario(exchange):
        nonces = []
        while len(set(nonces)) < 12 and len(nonces) < MAX_WATCHES:
            nonces += await watch_books(exchange, venue, symbol, 1)
        rest = await exchange.fetch_order_book(symbol, 1000)
        return nonces, rest
    nonces, rest = run_with_pro(scenario, venue, sim)
    # USD-M and COIN-M: the first event may end at the snapshot's own id (U <= lastUpdateId <= u), and
    # ccxt.pro resolves that book a second time; spot drops it (u <= lastUpdateId). Never any other repeat.
    repeats_first = venue != "binance" and nonces[:2] == [nonces[0]] * 2
    assert nonces[repeats_first:] == sorted(set(nonces)) and len(set(nonces)) == 12
    assert nonces[-1] * 100 <= sim.now_ms()  # update ids are wall-clock ticks of 100 ms
    assert_truth(venue, symbol, rest)  # REST depth: lastUpdateId and its book, the same model


@pytest.mark.parametrize("venue,symbol", [("binance", "BTC/USDT"), ("binanceusdm", "BTC/USDT:USDT"),
                                          ("binancecoinm", "BTC/USD:BTC")])  # 30 trades a minute
def test_watched_trades_are_the_simulators(sim, venue, symbol):
    async def scenario(exchange):
        seen = []
        while len(seen) < 2:
            seen += [t for t in await exchange.watch_trades(symbol) if t["id"] not in {s["id"] for s in seen}]
        return seen
    seen = run_with_pro(scenario, venue, sim)
    # every trade printed between the first and the last one received, none missing, none altered
    expected = trades_between(WORLD.market(venue, symbol), seen[0]["timestamp"], seen[-1]["timestamp"], 1000)
    assert [(int(t["id"]), t["timestamp"], t["price"], t["amount"], t["side"]) for t in seen] == [
        (t.id, t.ts, t.price, t.amount, t.side) for t in expected]
    assert {t["symbol"] for t in seen} == {symbol}


async def _until_raises(exchange, venue, symbol) -> tuple[list[int], Exception]:
    nonces = []
    for _ in range(MAX_WATCHES):
        try:
            nonces += await watch_books(exchange, venue, symbol, 1)
        except ccxt.NetworkError as exc:
            return nonces, exc
    raise AssertionError(f"no error after {MAX_WATCHES} books")


def _fault_entries(sim, fault: str, venue: str) -> list[dict]:
    return [e for e in sim.stream_fault_log() if e["fault"] == fault and e["venue"] == venue]


@pytest.mark.parametrize("venue,symbol,fault", [("binance", "BTC/USDT", "drop_update"),
                                                ("binanceusdm", "ETH/USDT:USDT", "drop_update"),
                                                ("binance", "BTC/USDT", "reorder_updates"),
                                                ("binancecoinm", "BTC/USD:BTC", "reorder_updates")])
def test_a_gap_makes_ccxt_raise_and_a_new_watch_resyncs(sim, venue, symbol, fault):
    async def scenario(exchange):
        synced = await watch_books(exchange, venue, symbol, 3)
        sim.set_stream_fault(venue, fault, symbol)
        before, error = await _until_raises(exchange, venue, symbol)
        after = await watch_books(exchange, venue, symbol, 3)
        return synced + before, error, after
    before, error, after = run_with_pro(scenario, venue, sim)
    hit = _fault_entries(sim, fault, venue)[-1]
    assert isinstance(error, ccxt.InvalidNonce)  # ChecksumError: ccxt.pro's gap error
    assert hit["symbol"] == symbol and max(before) < hit["update_id"] < min(after)


def test_a_duplicate_is_harmless(sim):
    for venue, symbol in MARKETS[:2]:  # spot ignores it (u <= nonce), futures re-applies it (idempotent)
        async def scenario(exchange, venue=venue, symbol=symbol):
            await watch_books(exchange, venue, symbol, 2)
            sim.set_stream_fault(venue, "duplicate_update", symbol)
            return await watch_books(exchange, venue, symbol, 8)
        nonces = run_with_pro(scenario, venue, sim)
        hit = _fault_entries(sim, "duplicate_update", venue)[-1]
        assert nonces[0] <= hit["update_id"] <= nonces[-1]


@pytest.mark.parametrize("fault", ["disconnect", "server_close"])
def test_a_closed_connection_raises_network_error_then_reconnects(sim, fault):
    venue, symbol = "binanceusdm", "BTC/USDT:USDT"

    async def scenario(exchange):
        before = await watch_books(exchange, venue, symbol, 2)
        sim.set_stream_fault(venue, fault)
        _, error = await _until_raises(exchange, venue, symbol)
        after = await watch_books(exchange, venue, symbol, 3)
        return before, error, after
    before, error, after = run_with_pro(scenario, venue, sim)
    assert type(error) is ccxt.NetworkError  # not a gap: the connection went away
    assert fault == "disconnect" or "1001" in str(error)
    hit = _fault_entries(sim, fault, venue)[-1]
    assert before[-1] <= hit["update_id"] < after[0]


def test_a_stall_sends_nothing_then_catches_up(sim):
    venue, symbol = "binance", "ETH/USDT"

    async def scenario(exchange):
        before = await watch_books(exchange, venue, symbol, 2)
        armed = sim.set_stream_fault(venue, "stall", symbol, seconds=1.0)
        books = []
        while not books or books[-1]["timestamp"] < armed["until_ms"]:
            book = await exchange.watch_order_book(symbol)
            assert_truth(venue, symbol, book)
            books.append({"nonce": book["nonce"], "timestamp": book["timestamp"]})
        return before, armed, books
    before, armed, books = run_with_pro(scenario, venue, sim)
    held = _fault_entries(sim, "stall", venue)[-1]["update_id"]
    assert before[-1] < held <= armed["at_id"]
    # no book between the first id held back and the end of the stall: the next one spans the stall
    inside = [b for b in books if held <= b["nonce"] < armed["until_ms"] // 100]
    assert inside == [] and books[-1]["nonce"] >= armed["until_ms"] // 100


def test_frames_paths_and_unknown_streams(sim):
    async def scenario():
        async with connect(sim.ws_url() + "/binance/ws/3") as ws:
            await ws.send(orjson.dumps({"method": "SUBSCRIBE", "params": ["btcusdt@depth@100ms", "ethusdt@trade"],
                                        "id": 7}).decode())
            ack = orjson.loads(await ws.recv())
            await ws.send(orjson.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 8}).decode())
            listed = None
            while listed is None:  # depth updates may come first
                message = orjson.loads(await ws.recv())
                listed = message if message.get("id") == 8 else None
            await ws.send(orjson.dumps({"method": "SUBSCRIBE", "params": ["btcusdt@kline_1m"], "id": 9}).decode())
            refused = None
            while refused is None:
                message = orjson.loads(await ws.recv())
                refused = message if message.get("id") == 9 else None
        with pytest.raises(InvalidStatus) as missing:
            async with connect(sim.ws_url() + "/binance/nowhere"):
                pass
        return ack, listed, refused, missing.value.response.status_code
    ack, listed, refused, status = asyncio.run(scenario())
    assert ack == {"result": None, "id": 7}
    assert listed == {"result": ["btcusdt@depth@100ms", "ethusdt@trade"], "id": 8}
    assert refused["error"]["code"] == 2 and status == 404
