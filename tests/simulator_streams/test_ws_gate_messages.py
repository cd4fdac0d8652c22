"""Gate stream messages through the real ccxt.pro.gate parse path, no network: the subscribe frames
ccxt.pro sends name the channels the dialect serves; futures diffs + the REST snapshot (order_book
with_id, answered by the REST dialect on the update grid) and spot.obu snapshot + diffs leave ccxt's
book equal, level for level, to the simulator's book at that update id (cut to the channel depth);
a skipped futures update makes ccxt.pro reject with ChecksumError, a skipped spot.obu update goes
unnoticed by ccxt.pro 4.5.90; trades parse to the simulator's trades."""
from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

import ccxt
import orjson
from ws_offline import connected_client, feed, levels, offline_exchange, outcome
from ws_ticked import settle, shut, ticked_rest

from simulator.market import World
from simulator.scenario import load_scenario
from simulator.streams.dialects import gate
from simulator.streams.updates import BookCache, update_ms
from simulator.trades import trades_between

VENUES = Path(__file__).resolve().parents[2] / "scenarios" / "venues.yaml"
WORLD = World(load_scenario(VENUES))
TICK = update_ms(WORLD, "gate")
FIRST = (WORLD.scenario.day_start_ms + 3_600_000) // TICK
T = FIRST * TICK


def _spot_url(exchange) -> str:
    return exchange.urls["api"]["spot"]


def _futures_url(exchange) -> str:
    return exchange.urls["api"]["swap"]["usdt"]


async def _watching(symbol: str, url_of) -> SimpleNamespace:
    """ccxt.pro.gate with watch_order_book(symbol) started on a stand-in socket and acknowledged:
    exchange, client, task (the watch), request (ccxt's subscribe frame), clock (REST), asked (REST
    routes), model, cache (the simulator's books)."""
    exchange = await offline_exchange("gate", WORLD, T)
    clock = {"now": T}
    asked = ticked_rest(exchange, "gate", WORLD, clock)
    client = connected_client(exchange, url_of(exchange))
    task = asyncio.ensure_future(exchange.watch_order_book(symbol))
    await settle()
    request = client.connection.sent[-1]
    feed(exchange, client, gate.answer(request, T))
    return SimpleNamespace(exchange=exchange, client=client, task=task, request=request, clock=clock, asked=asked,
                           model=WORLD.market("gate", symbol), cache=BookCache(WORLD))


def _same(book, truth, depth: int) -> bool:
    """ccxt's book holds the truth's best `depth` levels a side, level for level."""
    return levels(book["bids"]) == truth.bids[:depth] and levels(book["asks"]) == truth.asks[:depth]


def _futures_update(model, cache, prev_id, last_id, depth=100):
    up = cache.update(model, prev_id, last_id, depth)
    return gate.futures_update(model, up.first_id, up.last_id, up.bids, up.asks, up.event_ms, up.event_ms)


def test_futures_diffs_and_the_rest_snapshot_rebuild_the_book_at_every_update_id():
    symbol = "BTC/USDT:USDT"

    async def run():
        w = await _watching(symbol, _futures_url)
        exchange, client, task, request, clock, asked, model, cache = (
            w.exchange, w.client, w.task, w.request, w.clock, w.asked, w.model, w.cache)
        assert (request["channel"], request["event"], request["payload"]) == \
            ("futures.order_book_update", "subscribe", ["BTC_USDT", "100ms", "100"])
        assert gate.subscriptions(request) == [gate.Subscription("book", "swap", "BTC_USDT", 100,
                                                                 "futures.order_book_update")]
        for n in range(FIRST, FIRST + 3):  # diffs FIRST..FIRST+2 arrive before the snapshot
            feed(exchange, client, _futures_update(model, cache, n - 1, n))
        clock["now"] = (FIRST + 1) * TICK + 57  # the REST snapshot answers update FIRST + 1
        await settle()
        assert asked[-1] == "api/v4/futures/usdt/order_book?contract=BTC_USDT&limit=100&with_id=true"
        book = await task
        truth = cache.book(model, FIRST + 2)
        assert (book["nonce"], book["timestamp"]) == (FIRST + 2, (FIRST + 2) * TICK)
        assert _same(book, truth, 100)
        for n in range(FIRST + 3, FIRST + 20):
            future = client.future(f"orderbook:{symbol}")
            feed(exchange, client, _futures_update(model, cache, n - 1, n))
            assert outcome(future)[0] == "resolved"
            book, truth = exchange.orderbooks[symbol], cache.book(model, n)
            assert book["nonce"] == n
            assert _same(book, truth, 100)
        assert len(truth.bids) > 100  # the feed is cut to the channel's depth, the truth is deeper
        await shut(exchange)

    asyncio.run(run())


def test_a_skipped_futures_update_makes_ccxt_reject_with_checksum_error_and_resubscribe():
    async def run():
        w = await _watching("ETH/USDT:USDT", _futures_url)
        feed(w.exchange, w.client, _futures_update(w.model, w.cache, FIRST - 1, FIRST))
        await settle()
        assert (await w.task)["nonce"] == FIRST
        future = w.client.future("orderbook:ETH/USDT:USDT")
        feed(w.exchange, w.client, _futures_update(w.model, w.cache, FIRST + 1, FIRST + 2))  # FIRST + 1 never sent
        state, error = outcome(future)
        assert state == "rejected" and isinstance(error, ccxt.ChecksumError)
        assert "orderbook:ETH/USDT:USDT" not in w.client.subscriptions  # the next watch subscribes again
        assert w.exchange.orderbooks["ETH/USDT:USDT"]["nonce"] is None
        await shut(w.exchange)

    asyncio.run(run())


def test_spot_obu_snapshot_and_diffs_rebuild_the_book_and_a_skipped_diff_goes_unnoticed():
    symbol = "SOL/USDT"

    async def run():
        w = await _watching(symbol, _spot_url)
        exchange, client, task, request, asked, model, cache = (
            w.exchange, w.client, w.task, w.request, w.asked, w.model, w.cache)
        assert (request["channel"], request["payload"]) == ("spot.obu", ["ob.SOL_USDT.50"])
        [target] = gate.subscriptions(request)
        assert (target.kind, target.market_type, target.market_id, target.depth) == ("book", "spot", "SOL_USDT", 50)
        truth = cache.book(model, FIRST)
        feed(exchange, client, gate.spot_snapshot(model, 50, FIRST, truth.bids, truth.asks, T, T))
        book = await task
        assert book["nonce"] == FIRST and not asked  # no REST snapshot on spot.obu
        assert _same(book, truth, 50)
        for n in range(FIRST + 1, FIRST + 10):
            up = cache.update(model, n - 1, n, 50)
            feed(exchange, client, gate.spot_update(model, 50, n, n, up.bids, up.asks, up.event_ms, up.event_ms))
            book, truth = exchange.orderbooks[symbol], cache.book(model, n)
            assert (book["nonce"], book["timestamp"]) == (n, n * TICK)
            assert _same(book, truth, 50)
        last = FIRST + 9
        future = client.future(f"orderbook:{symbol}")
        up = cache.update(model, last + 1, last + 2, 50)  # last + 1 never sent
        feed(exchange, client, gate.spot_update(model, 50, last + 2, last + 2, up.bids, up.asks, 0, 0))
        assert outcome(future)[0] == "resolved"  # ccxt.pro.gate checks no U on spot.obu
        book, truth = exchange.orderbooks[symbol], cache.book(model, last + 2)
        assert book["nonce"] == last + 2 and levels(book["bids"]) != truth.bids[:50]
        await shut(exchange)

    asyncio.run(run())


def test_trades_parse_to_the_simulators_trades_spot_and_futures():
    async def run():
        exchange = await offline_exchange("gate", WORLD, T)
        for symbol, url in (("BTC/USDT", exchange.urls["api"]["spot"]),
                            ("BTC/USDT:USDT", exchange.urls["api"]["swap"]["usdt"])):
            model = WORLD.market("gate", symbol)
            client = connected_client(exchange, url)
            task = asyncio.ensure_future(exchange.watch_trades(symbol))
            await settle()
            request = client.connection.sent[-1]
            channel = "spot.trades" if model.market_type == "spot" else "futures.trades"
            assert (request["channel"], request["payload"]) == (channel, [model.market_id])
            assert gate.subscriptions(request)[0].kind == "trades"
            feed(exchange, client, gate.answer(request, T))
            trades = trades_between(model, T - 60_000, T, 50)
            assert len(trades) >= 5 and {t.side for t in trades} == {"buy", "sell"}
            for message in gate.trades_messages(model, trades, T):
                feed(exchange, client, orjson.loads(orjson.dumps(message)))
            got = await task
            assert [(int(t["id"]), t["timestamp"], t["price"], t["amount"], t["side"]) for t in got] == \
                [(t.id, t.ts, t.price, t.amount, t.side) for t in trades]
        await shut(exchange)

    asyncio.run(run())


def test_unknown_pairs_and_bad_frames_get_gate_errors():
    request = {"id": 3, "channel": "spot.trades", "event": "subscribe", "payload": ["NOPE_USDT"]}
    answer = gate.answer(request, T, unknown="NOPE_USDT")
    assert answer["error"] == {"code": 2, "message": "unknown currency pair: NOPE_USDT"}
    assert answer["result"] == {"status": "fail"} and answer["id"] == 3
    for bad in ('{"channel": "spot.obu", "event": "subscribe", "payload": ["ob.BTC_USDT.7"]}',
                '{"channel": "options.trades", "event": "subscribe", "payload": ["X"]}'):
        try:
            gate.subscriptions(gate.parse(bad))
        except ValueError:
            continue
        raise AssertionError(bad)
