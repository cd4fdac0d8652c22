"""Bybit stream frames (the dialect's server interface) through the real ccxt.pro.bybit parse path, no
network: the snapshot and every delta leave ccxt's book equal, level for level, to the simulator's
book at that update id cut to the topic's depth (timestamp = N × update_ms, u = seq = N in the
frame); ccxt.pro.bybit checks no sequence, so a dropped delta leaves a wrong book unnoticed."""
from __future__ import annotations

import asyncio

import orjson
import pytest
from ws_offline import (
    RecordingSession, assert_rebuilt, feed, initial_frames, offline_exchange, one_hour_in, opened, outcome,
    replay_offline, subscription, update_frames, venues_world,
)

from simulator.streams.dialects import bybit
from simulator.streams.updates import BookCache
from simulator.trades import trades_between

WORLD = venues_world()
TICK, FIRST = one_hour_in(WORLD, "bybit")


def _topic(symbol: str, depth: int):
    model = WORLD.market("bybit", symbol)
    return subscription("book", model, f"orderbook.{depth}.{model.market_id}", depth)


def _url(symbol: str):
    return lambda exchange: exchange.get_url_by_market_type(symbol, False, "watchOrderBook")


async def _exchange(symbol: str):
    return await opened("bybit", WORLD, FIRST * TICK, _url(symbol), f"orderbook:{symbol}")


@pytest.mark.parametrize("symbol, depth", [("DOGE/USDT", 50), ("SOL/USDT:USDT", 200), ("BTC/USDT", 1)])
def test_snapshot_and_deltas_rebuild_the_top_of_the_book_at_every_update_id(symbol, depth):
    cache, sub = BookCache(WORLD), _topic(symbol, depth)
    seen = replay_offline(bybit, sub, cache, FIRST, 30, f"orderbook:{symbol}", _url(symbol))
    assert_rebuilt(seen, cache, sub, nonce_is_id=False)
    assert depth == 200 or all(len(bids) == depth == len(asks) for _, _, bids, asks, _, _ in seen)  # 200: all


def test_frames_carry_u_and_seq_and_the_spot_or_linear_socket_picks_the_market():
    """u counts the subscription's messages (1 = the snapshot), so a delta spanning two ticks is u 2, not a gap;
    seq is the update id."""
    cache, sub = BookCache(WORLD), _topic("ETH/USDT:USDT", 50)
    [snapshot] = map(orjson.loads, initial_frames(bybit, sub, cache, FIRST))
    [delta] = map(orjson.loads, update_frames(bybit, sub, cache, FIRST, FIRST + 2))
    assert (snapshot["type"], snapshot["topic"], snapshot["ts"]) == ("snapshot", "orderbook.50.ETHUSDT", FIRST * TICK)
    assert (snapshot["data"]["u"], snapshot["data"]["seq"], len(snapshot["data"]["b"])) == (1, FIRST, 50)
    assert (delta["type"], delta["data"]["u"], delta["data"]["seq"], delta["ts"]) == (
        "delta", 2, FIRST + 2, (FIRST + 2) * TICK)
    linear = RecordingSession(WORLD, "bybit", "v5/public/linear", now_ms=1234)
    spot = RecordingSession(WORLD, "bybit", "v5/public/spot")
    request = {"req_id": "7", "op": "subscribe", "args": ["orderbook.50.BTCUSDT", "publicTrade.BTCUSDT"]}
    for session in (linear, spot):
        [reply] = map(orjson.loads, bybit.on_message(session, orjson.dumps(request).decode()))
        assert (reply["success"], reply["req_id"], reply["op"]) == (True, "7", "subscribe")
    assert linear.started == [("book", "BTC/USDT:USDT", "orderbook.50.BTCUSDT", 50, {}),
                              ("trades", "BTC/USDT:USDT", "publicTrade.BTCUSDT", None, {})]
    assert [s[1] for s in spot.started] == ["BTC/USDT", "BTC/USDT"]
    bad = {"req_id": "8", "op": "subscribe", "args": ["orderbook.50.XRPUSDT"]}
    [reply] = map(orjson.loads, bybit.on_message(spot, orjson.dumps(bad).decode()))
    assert (reply["success"], reply["ret_msg"]) == (False, "Invalid symbol :[orderbook.50.XRPUSDT]")
    assert len(spot.started) == 2
    pings = [orjson.loads(bybit.on_message(s, '{"req_id": "9", "op": "ping"}')[0]) for s in (spot, linear)]
    assert pings == [{"success": True, "ret_msg": "pong", "conn_id": bybit.CONN_ID, "req_id": "9", "op": "ping"},
                     {"req_id": "9", "op": "pong", "args": ["1234"], "conn_id": bybit.CONN_ID}]


def test_ccxt_bybit_takes_a_delta_after_a_dropped_one_without_noticing():
    symbol = "BTC/USDT:USDT"
    cache, sub = BookCache(WORLD), _topic(symbol, 50)
    dropped = next(n for n in range(FIRST + 1, FIRST + 50) if cache.update(sub.model, n - 1, n, 50).bids)

    async def run():
        exchange, client = await _exchange(symbol)
        for frame in initial_frames(bybit, sub, cache, dropped - 1):
            feed(exchange, client, frame)
        future = client.future(f"orderbook:{symbol}")
        for frame in update_frames(bybit, sub, cache, dropped, dropped + 1):
            feed(exchange, client, frame)
        book = exchange.orderbooks[symbol].limit()
        await exchange.close()
        return outcome(future)[0], book

    state, book = asyncio.run(run())
    truth = cache.book(sub.model, dropped + 1)
    assert state == "resolved" and book["timestamp"] == (dropped + 1) * TICK
    assert [tuple(level) for level in book["bids"]] != truth.bids[:50]  # wrong, and nothing said so


def test_trades_reach_ccxt_oldest_first_with_ids_and_taker_sides():
    model = WORLD.market("bybit", "ETH/USDT")
    trades = trades_between(model, FIRST * TICK, FIRST * TICK + 20_000, 50)
    [frame] = bybit.trade_messages(None, subscription("trades", model, "publicTrade.ETHUSDT"), trades)

    async def run():
        exchange = await offline_exchange("bybit", WORLD, FIRST * TICK)
        feed(exchange, exchange.client(await exchange.get_url_by_market_type("ETH/USDT", False, "watchTrades")), frame)
        stored = list(exchange.trades["ETH/USDT"])
        await exchange.close()
        return stored

    stored = asyncio.run(run())
    assert len(trades) >= 3 and {t.side for t in trades} == {"buy", "sell"}
    assert [(t["id"], t["timestamp"], t["price"], t["amount"], t["side"]) for t in stored] == [
        (str(t.id), t.ts, t.price, t.amount, t.side) for t in trades]
