"""OKX stream frames (the dialect's server interface) through the real ccxt.pro.okx parse path, no
network: the snapshot and every update leave ccxt's book equal, level for level, to the simulator's
book at that update id (nonce = seqId = N, timestamp = N × update_ms); a gap in seqId makes ccxt
reject with InvalidNonce; ccxt.pro.okx does not verify the checksum."""
from __future__ import annotations

import asyncio

import ccxt
import orjson
import pytest
from ws_offline import (
    RecordingSession, assert_rebuilt, feed, initial_frames, one_hour_in, opened, outcome, replay_offline,
    subscription, update_frames, venues_world,
)

from simulator.streams.dialects import okx
from simulator.streams.dialects.frames import checksum_payload
from simulator.streams.updates import BookCache

WORLD = venues_world()
TICK, FIRST = one_hour_in(WORLD, "okx")


def _books(symbol: str, channel: str = "books"):
    model = WORLD.market("okx", symbol)
    return subscription("book", model, f"{channel}:{model.market_id}", okx.BOOK_DEPTHS[channel], channel=channel)


async def _exchange(symbol: str):
    return await opened("okx", WORLD, FIRST * TICK, lambda ex: ex.get_url("books", "public"), f"books:{symbol}")


@pytest.mark.parametrize("symbol", ["BTC/USDT", "ETH/USDT:USDT"])
def test_snapshot_and_updates_rebuild_the_book_at_every_update_id(symbol):
    cache, sub = BookCache(WORLD), _books(symbol)
    seen = replay_offline(okx, sub, cache, FIRST, 30, f"books:{symbol}", lambda ex: ex.get_url("books", "public"))
    assert_rebuilt(seen, cache, sub, nonce_is_id=True)
    assert all(25 < len(bids) < 400 and 25 < len(asks) < 400 for _, _, bids, asks, _, _ in seen)  # all of it


def test_frames_carry_seq_ids_the_channel_depth_and_contracts_for_swaps():
    cache, sub = BookCache(WORLD), _books("BTC/USDT:USDT")
    book = cache.book(sub.model, FIRST)
    [snapshot] = map(orjson.loads, initial_frames(okx, sub, cache, FIRST))
    data = snapshot["data"][0]
    assert (snapshot["action"], data["seqId"], data["prevSeqId"], data["ts"]) == ("snapshot", FIRST, -1,
                                                                                   str(FIRST * TICK))
    assert data["bids"][0] == [f"{book.bids[0][0]:.1f}", f"{book.bids[0][1]:.2f}", "0", "1"]
    [update] = map(orjson.loads, update_frames(okx, sub, cache, FIRST, FIRST + 3))
    assert (update["action"], update["data"][0]["seqId"], update["data"][0]["prevSeqId"]) == ("update", FIRST + 3,
                                                                                              FIRST)
    removed = [row for row in update["data"][0]["asks"] + update["data"][0]["bids"] if row[1] == "0"]
    assert all(row[3] == "0" for row in removed)
    [five] = map(orjson.loads, update_frames(okx, _books("BTC/USDT:USDT", "books5"), cache, FIRST, FIRST + 1))
    assert "action" not in five and len(five["data"][0]["asks"]) == 5


def test_a_gap_in_seq_ids_makes_ccxt_reject_with_invalid_nonce_and_resubscribe_next_time():
    symbol = "SOL/USDT"
    cache, sub = BookCache(WORLD), _books(symbol)

    async def run():
        exchange, client = await _exchange(symbol)
        for frame in initial_frames(okx, sub, cache, FIRST):
            feed(exchange, client, frame)
        future = client.future(f"books:{symbol}")
        for frame in update_frames(okx, sub, cache, FIRST + 1, FIRST + 2):  # FIRST + 1 never sent
            feed(exchange, client, frame)
        state, error = outcome(future)
        assert state == "rejected" and isinstance(error, ccxt.InvalidNonce)
        assert symbol not in exchange.orderbooks
        assert client.subscriptions[f"books:{symbol}"] == "resync"
        await exchange.close()

    asyncio.run(run())


def test_checksum_is_okx_documented_string_and_ccxt_okx_does_not_verify_it():
    # OKX's documentation example: bids 3366.1/7, 3366/6; asks 3366.8/9, 3368/8
    assert checksum_payload([("3366.1", "7"), ("3366", "6")], [("3366.8", "9"), ("3368", "8")]) == \
        "3366.1:7:3366.8:9:3366:6:3368:8"
    symbol = "ETH/USDT"
    cache, sub = BookCache(WORLD), _books(symbol)
    good = orjson.loads(update_frames(okx, sub, cache, FIRST, FIRST + 1)[0])
    bad = orjson.loads(update_frames(okx, sub, cache, FIRST, FIRST + 1, bad_checksum=True)[0])
    assert bad["data"][0]["checksum"] != good["data"][0]["checksum"]
    assert {**bad["data"][0], "checksum": 0} == {**good["data"][0], "checksum": 0}

    async def run():
        exchange, client = await _exchange(symbol)
        for frame in initial_frames(okx, sub, cache, FIRST):
            feed(exchange, client, frame)
        future = client.future(f"books:{symbol}")
        feed(exchange, client, orjson.dumps(bad).decode())
        assert outcome(future)[0] == "resolved"  # ccxt.pro.okx 4.5.90 ignores the checksum
        await exchange.close()

    asyncio.run(run())


def test_requests_start_and_stop_streams_and_unknown_instruments_get_okx_errors():
    session = RecordingSession(WORLD, "okx", "ws/v5/public")
    request = {"op": "subscribe", "args": [{"channel": "books", "instId": "ETH-USDT-SWAP"},
                                           {"channel": "trades", "instId": "BTC-USDT"},
                                           {"channel": "books", "instId": "XRP-USDT"},
                                           {"channel": "tickers", "instId": "BTC-USDT"}]}
    replies = [orjson.loads(r) for r in okx.on_message(session, orjson.dumps(request).decode())]
    assert session.started == [("book", "ETH/USDT:USDT", "books:ETH-USDT-SWAP", 400, {"channel": "books"}),
                               ("trades", "BTC/USDT", "trades:BTC-USDT", None, {"channel": "trades"})]
    assert [r["event"] for r in replies] == ["subscribe", "subscribe", "error", "error"]
    assert replies[0]["arg"] == {"channel": "books", "instId": "ETH-USDT-SWAP"} and replies[2]["code"] == "60018"
    stop = {"op": "unsubscribe", "args": [{"channel": "books", "instId": "ETH-USDT-SWAP"}]}
    [reply] = map(orjson.loads, okx.on_message(session, orjson.dumps(stop).decode()))
    assert reply["event"] == "unsubscribe" and session.stopped == ["books:ETH-USDT-SWAP"]
    assert okx.on_message(session, "ping") == ["pong"]
    assert orjson.loads(okx.on_message(session, '{"op": "login"}')[0])["code"] == "60012"
