"""KuCoin spot and futures stream messages through the real ccxt.pro.kucoin / kucoinfutures parse path,
no network: ccxt.pro's bullet-public call (REST dialect) hands out the simulator's endpoint, its
subscribe frames name the topics the dialect serves; level2 diffs + the REST snapshot ccxt.pro fetches
(spot level2_100, futures level2/snapshot, answered on the update grid) leave ccxt's book equal, level
for level, to the simulator's book at the nonce (spot: the update id; futures: the change's sequence,
`book_at_sequence`, also between two changes of a tick and over an update spanning ticks); futures
sequences run contiguously across ticks and redraw periods (fillers pad a period, changing nothing);
ccxt.pro 4.5.90 checks no sequence after the first sync (a skipped update goes unnoticed); trades parse
to the simulator's trades."""
from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

import orjson
import pytest

from ws_offline import connected_client, feed, levels, offline_exchange, outcome
from ws_ticked import STREAM_URL, settle, shut, ticked_rest

from simulator.book import Book
from simulator.market import World
from simulator.scenario import load_scenario
from simulator.streams import book_at_update
from simulator.streams.dialects import kucoin, kucoinfutures
from simulator.streams.updates import BookCache, update_ms
from simulator.trades import trades_between
from simulator.venue_numbers import num

VENUES = Path(__file__).resolve().parents[2] / "scenarios" / "venues.yaml"
WORLD = World(load_scenario(VENUES))
TICK = update_ms(WORLD, "kucoin")
FIRST = (WORLD.scenario.day_start_ms + 3_600_000) // TICK
T = FIRST * TICK


async def _connected(venue: str):
    """ccxt.pro.<venue> after its bullet-public call, on a stand-in socket for the endpoint it was given."""
    exchange = await offline_exchange(venue, WORLD, T)
    clock = {"now": T}
    asked = ticked_rest(exchange, venue, WORLD, clock)
    exchange.open()  # the loop ccxt.pro spawns on (a watch call does this first)
    url = await exchange.negotiate(False, venue == "kucoinfutures")
    path = kucoinfutures.PATH if venue == "kucoinfutures" else kucoin.PATH
    assert url.startswith(f"{STREAM_URL}/{venue}/{path}?token={kucoin.TOKEN}&")
    assert "connectId=public" in url and asked == ["api/v1/bullet-public"]
    client = connected_client(exchange, url)
    assert client.keepAlive == kucoin.PING_INTERVAL_MS
    feed(exchange, client, kucoin.welcome("public"))
    return exchange, client, clock, asked


async def _subscribed(venue: str, watch):
    exchange, client, clock, asked = await _connected(venue)
    task = asyncio.ensure_future(watch(exchange))
    await settle()
    request = client.connection.sent[-1]
    feed(exchange, client, kucoin.ack(request))
    return exchange, client, clock, asked, task, request


def test_spot_level2_diffs_and_level2_100_rebuild_the_book_and_a_skipped_diff_goes_unnoticed():
    symbol = "ETH/USDT"
    model = WORLD.market("kucoin", symbol)
    cache = BookCache(WORLD)

    def diff(prev_id, last_id):
        up = cache.update(model, prev_id, last_id, kucoin.BOOK_DEPTH)
        return kucoin.level2_update(model, up.first_id, up.last_id, up.bids, up.asks, up.event_ms)

    async def run():
        exchange, client, clock, asked, task, request = await _subscribed(
            "kucoin", lambda e: e.watch_order_book(symbol))
        assert (request["type"], request["topic"]) == ("subscribe", "/market/level2:ETH-USDT")
        assert kucoin.subscriptions(request) == [kucoin.Subscription("book", "ETH-USDT", "/market/level2")]
        for n in range(FIRST, FIRST + 7):  # the 6th diff makes ccxt.pro fetch the snapshot
            feed(exchange, client, diff(n - 1, n))
        clock["now"] = (FIRST + 4) * TICK + 99
        await settle()
        assert asked[-1] == "api/v1/market/orderbook/level2_100?symbol=ETH-USDT"
        book, truth = await task, cache.book(model, FIRST + 6)
        assert (book["nonce"], book["timestamp"]) == (FIRST + 6, (FIRST + 6) * TICK)
        assert levels(book["bids"]) == truth.bids[:100] and levels(book["asks"]) == truth.asks[:100]
        for n in range(FIRST + 7, FIRST + 15):
            feed(exchange, client, diff(n - 1, n))
            book, truth = exchange.orderbooks[symbol], cache.book(model, n)
            assert book["nonce"] == n
            assert levels(book["bids"]) == truth.bids[:100] and levels(book["asks"]) == truth.asks[:100]
        future = client.future(f"orderbook:{symbol}")
        feed(exchange, client, diff(FIRST + 15, FIRST + 16))  # FIRST + 15 never sent
        assert outcome(future)[0] == "resolved"
        book, truth = exchange.orderbooks[symbol], cache.book(model, FIRST + 16)
        assert book["nonce"] == FIRST + 16 and levels(book["bids"]) != truth.bids[:100]
        await shut(exchange)

    asyncio.run(run())


def test_futures_changes_and_the_snapshot_give_book_at_sequence_after_every_change():
    symbol = "SOL/USDT:USDT"
    model = WORLD.market("kucoinfutures", symbol)
    tick = update_ms(WORLD, "kucoinfutures")
    sub = SimpleNamespace(model=model)

    def pushed(prev_id, last_id):
        up = BookCache(WORLD).update(model, prev_id, last_id)
        return [orjson.loads(text) for text in kucoinfutures.book_update(None, sub, up)]

    async def run():
        exchange, client, clock, asked, task, request = await _subscribed(
            "kucoinfutures", lambda e: e.watch_order_book(symbol))
        assert request["topic"] == "/contractMarket/level2:SOLUSDTM"
        sent = pushed(FIRST - 1, FIRST) + pushed(FIRST, FIRST + 1)
        assert len(sent) > 200 and all(m["data"]["timestamp"] > m["data"]["sequence"] for m in sent)
        for message in sent:
            feed(exchange, client, message)
        clock["now"] = FIRST * tick + 3  # the snapshot of update FIRST: the replay starts at FIRST + 1
        await settle()
        assert asked[-1] == "api/v1/level2/snapshot?symbol=SOLUSDTM"
        book, truth = await task, book_at_update(WORLD, "kucoinfutures", symbol, FIRST + 1)
        assert book["nonce"] == sent[-1]["data"]["sequence"]
        assert kucoinfutures.decode(model, book["nonce"])[0] == FIRST + 1
        assert levels(book["bids"]) == truth.bids and levels(book["asks"]) == truth.asks
        for index, message in enumerate(pushed(FIRST + 1, FIRST + 2)):
            feed(exchange, client, message)
            book = exchange.orderbooks[symbol]
            assert book["nonce"] == message["data"]["sequence"] == kucoinfutures.sequence(model, FIRST + 2, index)
            if index % 25 == 0:  # a book between two changes of one tick is book_at_sequence too
                at = kucoinfutures.book_at_sequence(WORLD, symbol, book["nonce"])
                assert levels(book["bids"]) == at.bids and levels(book["asks"]) == at.asks
        truth = book_at_update(WORLD, "kucoinfutures", symbol, FIRST + 2)
        assert levels(book["bids"]) == truth.bids and levels(book["asks"]) == truth.asks
        assert kucoinfutures.book_at_sequence(WORLD, symbol, book["nonce"]).bids == truth.bids
        # one update over ticks FIRST + 3 .. FIRST + 11 (a lag): every tick in order, across the period's
        # fillers (FIRST + 9) and the next redraw (FIRST + 10), each book on the way book_at_sequence
        late = pushed(FIRST + 2, FIRST + 11)
        assert [m["data"]["sequence"] for m in late] == list(range(book["nonce"] + 1, book["nonce"] + 1 + len(late)))
        assert {m["data"]["timestamp"] for m in late} == {n * tick for n in range(FIRST + 3, FIRST + 12)}
        for index, message in enumerate(late):
            feed(exchange, client, message)
            if index % 20 == 0 or index == len(late) - 1:
                book = exchange.orderbooks[symbol]
                at = kucoinfutures.book_at_sequence(WORLD, symbol, book["nonce"])
                assert levels(book["bids"]) == at.bids and levels(book["asks"]) == at.asks
        truth = book_at_update(WORLD, "kucoinfutures", symbol, FIRST + 11)
        assert book["nonce"] == late[-1]["data"]["sequence"] and levels(book["bids"]) == truth.bids
        await shut(exchange)

    asyncio.run(run())


def test_futures_sequences_are_contiguous_across_ticks_and_periods_and_fillers_change_nothing(monkeypatch):
    for symbol in ("BTC/USDT:USDT", "SOL/USDT:USDT"):
        model = WORLD.market("kucoinfutures", symbol)
        tick, room = update_ms(WORLD, "kucoinfutures"), kucoinfutures.room(model)
        assert kucoinfutures.first_sequence(model, FIRST) == (FIRST // 10 - kucoinfutures.SEQUENCE_EPOCH_MS // 1000) * room
        ticks = range(FIRST - 3, FIRST + 13)  # two redraw periods end inside: FIRST - 1 and FIRST + 9
        sent = {n: kucoinfutures.level2_messages(model, n) for n in ticks}
        seqs = [m["data"]["sequence"] for n in ticks for m in sent[n]]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # previous + 1, change after change
        assert sum(len(sent[n]) for n in range(FIRST, FIRST + 10)) == room  # a period fills its room exactly
        for n in ticks:
            assert all(m["data"]["timestamp"] == n * tick > m["data"]["sequence"] for m in sent[n])
            assert kucoinfutures.snapshot_sequence(model, n) == sent[n][-1]["data"]["sequence"]  # + 1: tick n + 1
            for j, message in enumerate(sent[n]):
                assert kucoinfutures.decode(model, message["data"]["sequence"]) == (n, j)
                assert kucoinfutures.sequence(model, n, j) == message["data"]["sequence"]
            changes = kucoinfutures.tick_changes(model, n)
            if (n + 1) % 10:
                assert len(sent[n]) == len(changes)  # fillers only on a period's last tick
        last, book = FIRST + 9, book_at_update(WORLD, "kucoinfutures", symbol, FIRST + 9)
        fillers = sent[last][len(kucoinfutures.tick_changes(model, last)):]
        assert fillers and {m["data"]["change"] for m in fillers} == \
            {f"{num(book.bids[0][0], model.price_decimals)},buy,{int(book.bids[0][1])}"}
        for message in fillers:  # the book at any filler is the book at the tick: they change nothing
            assert kucoinfutures.book_at_sequence(WORLD, symbol, message["data"]["sequence"]).bids == book.bids
        with pytest.raises(ValueError, match=r"kucoinfutures .*USDT:USDT: tick"):
            kucoinfutures.sequence(model, last, len(sent[last]))
    assert kucoinfutures.filler(Book(0, "outage", "outage"), 2) == "0,buy,0"  # an empty book: removes nothing
    monkeypatch.setattr(kucoinfutures, "room", lambda model: 100)  # a redraw tick alone changes ~480 levels
    with pytest.raises(ValueError, match=r"kucoinfutures ETH/USDT:USDT: \d+ level2 changes .* room of 100"):
        kucoinfutures.first_sequence(WORLD.market("kucoinfutures", "ETH/USDT:USDT"), FIRST + 1000)


def test_trades_parse_to_the_simulators_trades_spot_and_futures():
    async def run():
        for venue, symbol, build in (("kucoin", "BTC/USDT", kucoin.match_messages),
                                     ("kucoinfutures", "BTC/USDT:USDT", kucoinfutures.execution_messages)):
            model = WORLD.market(venue, symbol)
            exchange, client, _, _, task, request = await _subscribed(venue, lambda e: e.watch_trades(symbol))
            topic = "/contractMarket/execution" if venue == "kucoinfutures" else "/market/match"
            assert request["topic"] == f"{topic}:{model.market_id}"
            trades = trades_between(model, T - 60_000, T, 50)
            assert len(trades) >= 5 and {t.side for t in trades} == {"buy", "sell"}
            for message in build(model, trades):
                feed(exchange, client, message)
            got = await task
            assert [(t["id"], t["timestamp"], t["price"], t["amount"], t["side"]) for t in got] == \
                [(str(t.id), t.ts, t.price, t.amount, t.side) for t in trades]
            await shut(exchange)

    asyncio.run(run())


def test_ping_unknown_symbols_and_bad_frames_get_kucoin_answers():
    assert kucoin.pong({"id": "9", "type": "ping"}, T) == {"id": "9", "type": "pong", "timestamp": T * 1000}
    assert kucoin.error("4", 404, "topic /market/level2:NOPE-USDT is not found")["type"] == "error"
    for bad in ('{"id": "1", "type": "sub", "topic": "/market/level2:BTC-USDT"}',
                '{"id": "1", "type": "subscribe", "topic": "/market/level2"}'):
        try:
            kucoin.parse(bad)
        except ValueError:
            continue
        raise AssertionError(bad)
    request = kucoin.parse('{"id": "2", "type": "subscribe", "topic": "/market/level2:BTC-USDT,ETH-USDT"}')
    assert [s.market_id for s in kucoin.subscriptions(request)] == ["BTC-USDT", "ETH-USDT"]
