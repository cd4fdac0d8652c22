"""The real ccxt.binance (sync and async) against the simulator subprocess over HTTP."""
from __future__ import annotations

import asyncio

import ccxt
import ccxt.async_support as ccxt_async
import pytest

from simulator.book import order_book
from simulator.ccxt_hosts import point_at
from simulator.trades import trades_between

MINUTE = 60_000


def test_load_markets(binance):
    markets = binance.load_markets(reload=True)
    assert set(markets) == {"BTC/USDT", "ETH/BTC"}
    btc = markets["BTC/USDT"]
    assert (btc["id"], btc["base"], btc["quote"], btc["spot"], btc["active"]) == ("BTCUSDT", "BTC", "USDT", True, True)
    assert btc["precision"]["price"] == 0.01 and btc["precision"]["amount"] == 0.00001


def test_order_book_equals_the_simulated_book(sim, binance, smoke_world, t0):
    t = t0 + 3 * MINUTE + 417
    sim.set_clock(t)
    fetched = binance.fetch_order_book("BTC/USDT", 100)
    expected = order_book(smoke_world, "binance", "BTC/USDT", t, 100)
    assert fetched["timestamp"] is None  # Binance depth carries no timestamp
    assert fetched["nonce"] == t
    assert [tuple(level) for level in fetched["bids"]] == expected.bids
    assert [tuple(level) for level in fetched["asks"]] == expected.asks
    assert len(fetched["bids"]) == 100


def test_served_books_are_recorded_once_per_ts(sim, binance, t0):
    sim.reset_truth()
    sim.set_clock(t0 + 50 * MINUTE)
    binance.fetch_order_book("BTC/USDT", 100)
    binance.fetch_order_book("BTC/USDT", 100)
    binance.fetch_order_book("ETH/BTC", 100)
    truth = sim.truth()
    assert truth["snapshots"] == 2
    assert truth["markets"] == {"binance:BTC/USDT": 1, "binance:ETH/BTC": 1}
    btc_day = truth["obligations"][0]["days"][0]
    assert btc_day["usable_snapshots"] == 1 and btc_day["compliant_snapshots"] == 1


def test_trades_since_use_agg_trades_and_trades_endpoint(sim, binance, smoke_world, t0):
    sim.set_clock(t0 + 10 * MINUTE)
    since = t0 + 2 * MINUTE
    fetched = binance.fetch_trades("BTC/USDT", since=since, limit=50)
    expected = trades_between(smoke_world.market("binance", "BTC/USDT"), since, since + 3_600_000, 50)
    assert [(int(t["id"]), t["timestamp"], t["price"], t["amount"], t["side"]) for t in fetched] == [
        (t.id, t.ts, t.price, t.amount, t.side) for t in expected]
    recent = binance.fetch_trades("BTC/USDT", limit=20, params={"fetchTradesMethod": "publicGetTrades"})
    assert len(recent) == 20 and recent[-1]["timestamp"] <= t0 + 10 * MINUTE
    ids = [int(t["id"]) for t in recent]
    assert ids == list(range(ids[0], ids[0] + 20))


def test_trades_never_come_from_the_future(sim, binance, t0):
    sim.set_clock(t0 + 2 * MINUTE)
    fetched = binance.fetch_trades("BTC/USDT", since=t0 + MINUTE, limit=1000)
    assert fetched and max(t["timestamp"] for t in fetched) <= t0 + 2 * MINUTE
    assert len(fetched) == 30  # exactly one minute of 30 trades/minute


def test_ticker_tickers_and_time(sim, binance, t0):
    now = t0 + 4 * MINUTE
    sim.set_clock(now)
    ticker = binance.fetch_ticker("ETH/BTC")
    assert ticker["symbol"] == "ETH/BTC" and ticker["bid"] < ticker["ask"]
    assert ticker["low"] <= ticker["last"] <= ticker["high"] and ticker["timestamp"] == now
    assert set(binance.fetch_tickers()) == {"BTC/USDT", "ETH/BTC"}
    assert set(binance.fetch_tickers(["BTC/USDT"])) == {"BTC/USDT"}
    assert binance.fetch_time() == now


def test_unknown_symbol_is_bad_symbol(binance):
    binance.load_markets()
    with pytest.raises(ccxt.BadSymbol, match="-1121"):
        binance.public_get_depth({"symbol": "DOGEUSDT"})


def test_outage_is_exchange_not_available_and_empty_body_an_empty_book(sim, binance, t0):
    sim.set_clock(t0 + 26 * MINUTE)
    with pytest.raises(ccxt.ExchangeNotAvailable):
        binance.fetch_order_book("BTC/USDT", 100)
    with pytest.raises(ccxt.ExchangeNotAvailable):
        binance.fetch_ticker("BTC/USDT")
    assert binance.fetch_order_book("ETH/BTC", 100)["bids"]  # the other market still answers
    sim.set_clock(t0 + 30 * MINUTE + 5)
    empty = binance.fetch_order_book("BTC/USDT", 100)
    assert empty["bids"] == [] and empty["asks"] == []


def test_async_ccxt(sim, smoke_world, t0):
    async def fetch():
        exchange = point_at(ccxt_async.binance({"enableRateLimit": False, "options": {
            "fetchMarkets": ["spot"], "fetchCurrencies": False}}), sim.url)
        try:
            await exchange.load_markets()
            return await exchange.fetch_order_book("ETH/BTC", 20)
        finally:
            await exchange.close()

    sim.set_clock(t0 + 45 * MINUTE)
    book = asyncio.run(fetch())
    expected = order_book(smoke_world, "binance", "ETH/BTC", t0 + 45 * MINUTE, 20)
    assert [tuple(level) for level in book["bids"]] == expected.bids


def test_point_at_keeps_paths_below_the_venue_root(sim):
    exchange = point_at(ccxt.binance(), "http://127.0.0.1:9")
    assert exchange.urls["api"]["public"] == "http://127.0.0.1:9/binance/api/v3"
    assert exchange.urls["api"]["fapiPublic"] == "http://127.0.0.1:9/binance/fapi/v1"
    assert all(url.startswith("http://127.0.0.1:9/binance/") for url in exchange.urls["api"].values())
    assert point_at(ccxt.okx(), "http://h:1/").urls["api"]["rest"] == "http://h:1/okx"
