"""Bitget stream frames (the dialect's server interface) through the real ccxt.pro.bitget parse path,
no network: the snapshot and every update leave ccxt's book equal, level for level, to the
simulator's book at that update id (timestamp = N × update_ms) with ccxt verifying every update's
checksum; a corrupted checksum, a dropped or a reordered update makes ccxt unsubscribe, then reject
(UnsubscribeError for the pending watch, ChecksumError for the next)."""
from __future__ import annotations

import asyncio

import ccxt
import ccxt.pro
import orjson
import pytest
from ws_offline import (
    RecordingSession, assert_rebuilt, feed, initial_frames, offline_exchange, one_hour_in, opened, outcome,
    replay_offline, settle, subscription, update_frames, venues_world,
)

from simulator.streams.dialects import bitget
from simulator.streams.updates import BookCache
from simulator.trades import trades_between

WORLD = venues_world()
TICK, FIRST = one_hour_in(WORLD, "bitget")


def _books(symbol: str, channel: str = "books"):
    model = WORLD.market("bitget", symbol)
    return subscription("book", model, f"{model.market_type}:{channel}:{model.market_id}",
                        bitget.BOOK_DEPTHS[channel], channel=channel)


def _url(exchange) -> str:
    return exchange.urls["api"]["ws"]["public"]


async def _exchange(symbol: str):
    return await opened("bitget", WORLD, FIRST * TICK, _url, f"orderbook:{symbol}")


@pytest.mark.parametrize("symbol", ["DOGE/USDT", "BTC/USDT:USDT"])
def test_snapshot_and_checksummed_updates_rebuild_the_book_at_every_update_id(symbol):
    cache, sub = BookCache(WORLD), _books(symbol)
    assert ccxt.pro.bitget().handle_option("watchOrderBook", "checksum", True) is True  # ccxt checks every update
    seen = replay_offline(bitget, sub, cache, FIRST, 30, f"orderbook:{symbol}", _url)
    assert_rebuilt(seen, cache, sub, nonce_is_id=False)  # and never unsubscribed: every checksum matched
    assert all(len(bids) > 25 and len(asks) > 25 for _, _, bids, asks, _, _ in seen)


def test_frames_carry_seq_inst_type_and_strings_as_rest_prints_them():
    cache, sub = BookCache(WORLD), _books("ETH/USDT:USDT")
    book = cache.book(sub.model, FIRST)
    [snapshot] = map(orjson.loads, initial_frames(bitget, sub, cache, FIRST))
    assert snapshot["arg"] == {"instType": "USDT-FUTURES", "channel": "books", "instId": "ETHUSDT"}
    data = snapshot["data"][0]
    assert (snapshot["action"], data["seq"], data["ts"]) == ("snapshot", FIRST, str(FIRST * TICK))
    assert data["asks"][0] == [f"{book.asks[0][0]:.2f}", f"{book.asks[0][1]:.2f}"]
    assert len(data["asks"]) == len(book.asks)  # books: every level
    [fifteen] = map(orjson.loads, update_frames(bitget, _books("ETH/USDT:USDT", "books15"), cache, FIRST, FIRST + 1))
    assert fifteen["action"] == "snapshot" and len(fifteen["data"][0]["bids"]) == 15


@pytest.mark.parametrize("fault", ["bad_checksum", "drop_update", "reorder_updates"])
def test_a_broken_feed_makes_ccxt_unsubscribe_then_raise_checksum_error(fault):
    symbol = "SOL/USDT"
    cache, sub = BookCache(WORLD), _books(symbol)
    sent = {"bad_checksum": [(FIRST, FIRST + 1, True)], "drop_update": [(FIRST + 1, FIRST + 2, False)],
            "reorder_updates": [(FIRST + 1, FIRST + 2, False), (FIRST, FIRST + 1, False)]}[fault]

    async def run():
        exchange, client = await _exchange(symbol)
        for frame in initial_frames(bitget, sub, cache, FIRST):
            feed(exchange, client, frame)
        pending = client.future(f"orderbook:{symbol}")
        for prev_id, last_id, bad in sent:
            for frame in update_frames(bitget, sub, cache, prev_id, last_id, bad):
                feed(exchange, client, frame)
        assert await settle(lambda: client.connection.sent)
        assert outcome(pending)[0] == "pending"
        [frame] = client.connection.sent  # ccxt asks the venue to unsubscribe
        assert frame == {"op": "unsubscribe", "args": [{"instType": "SPOT", "channel": "books", "instId": "SOLUSDT"}]}
        session = RecordingSession(WORLD, "bitget")
        for reply in bitget.on_message(session, orjson.dumps(frame).decode()):
            feed(exchange, client, reply)
        assert await settle(lambda: f"orderbook:{symbol}" in client.rejections)
        state, error = outcome(pending)
        assert state == "rejected" and isinstance(error, ccxt.UnsubscribeError)
        state, error = outcome(client.future(f"orderbook:{symbol}"))
        assert state == "rejected" and isinstance(error, ccxt.ChecksumError)
        assert symbol not in exchange.orderbooks and f"orderbook:{symbol}" not in client.subscriptions
        assert session.stopped == ["spot:books:SOLUSDT"]
        await exchange.close()

    asyncio.run(run())


def test_requests_start_and_stop_streams_and_unknown_markets_get_bitget_errors():
    session = RecordingSession(WORLD, "bitget")
    request = {"op": "subscribe", "args": [{"instType": "USDT-FUTURES", "channel": "books", "instId": "BTCUSDT"},
                                           {"instType": "SPOT", "channel": "trade", "instId": "BTCUSDT"},
                                           {"instType": "SPOT", "channel": "books", "instId": "XRPUSDT"}]}
    replies = [orjson.loads(r) for r in bitget.on_message(session, orjson.dumps(request).decode())]
    assert session.started == [("book", "BTC/USDT:USDT", "swap:books:BTCUSDT", None, {"channel": "books"}),
                               ("trades", "BTC/USDT", "spot:trade:BTCUSDT", None, {"channel": "trade"})]
    assert [r["event"] for r in replies] == ["subscribe", "subscribe", "error"] and replies[2]["code"] == 30001
    assert bitget.on_message(session, "ping") == ["pong"]
    assert orjson.loads(bitget.on_message(session, "{}")[0])["code"] == 30016


def test_trades_push_newest_first_and_ccxt_yields_them_oldest_first():
    model = WORLD.market("bitget", "BTC/USDT")
    trades = trades_between(model, FIRST * TICK, FIRST * TICK + 10_000, 50)
    [frame] = bitget.trade_messages(None, subscription("trades", model, "spot:trade:BTCUSDT"), trades)
    assert [row["tradeId"] for row in orjson.loads(frame)["data"]] == [str(t.id) for t in reversed(trades)]

    async def run():
        exchange = await offline_exchange("bitget", WORLD, FIRST * TICK)
        feed(exchange, exchange.client(exchange.urls["api"]["ws"]["public"]), frame)
        stored = list(exchange.trades["BTC/USDT"])
        await exchange.close()
        return stored

    stored = asyncio.run(run())
    assert len(trades) >= 3
    assert [(t["id"], t["timestamp"], t["price"], t["amount"], t["side"]) for t in stored] == [
        (str(t.id), t.ts, t.price, t.amount, t.side) for t in trades]
