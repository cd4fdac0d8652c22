"""The pure parts of the streaming collector on real objects: trade de-duplication, the sampler (a real
ccxt.pro order book), backoff, the message-rate meter, watch depths, and a StreamVenue sampling a real
ccxt.pro instance's maintained books without a network."""
from __future__ import annotations

import asyncio

import ccxt.async_support as ccxt_async
import ccxt.pro
import pytest

from mmwatch.collector.fetchers import TradeCursor
from mmwatch.collector.rows import MarketRef
from mmwatch.collector.stream_sample import next_sample_ms, sample_row
from mmwatch.collector.stream_stats import RateMeter
from mmwatch.collector.stream_trades import TradeDedup
from mmwatch.collector.stream_venue import StreamVenue
from mmwatch.collector.stream_watch import Backoff
from mmwatch.collector.venue_state import VenueState
from mmwatch.collector.venues import watch_limit
from mmwatch.config import parse_config

MARKET = MarketRef("binance", "BTC/USDT", "spot")


def trade(trade_id, ts, price=100.0):
    return {"id": trade_id, "timestamp": ts, "price": price, "amount": 1.0, "side": "buy"}


def test_trades_land_once_by_id_and_none_before_the_floor():
    dedup = TradeDedup(floor_ms=1_000)
    assert [t["id"] for t in dedup.take([trade(1, 900), trade(2, 1_000), trade(3, 1_100)])] == [2, 3]
    assert [t["id"] for t in dedup.take([trade(3, 1_100), trade(4, 1_100), trade(2, 1_000)])] == [4]
    assert dedup.duplicates == 2 and dedup.newest_ms == 1_100
    # a late trade, older than the newest but never seen, still lands (ordered by id, not by time)
    assert [t["id"] for t in dedup.take([trade(5, 1_050)])] == [5]


def test_trades_without_id_are_told_apart_by_content():
    dedup = TradeDedup(floor_ms=None)
    fresh = dedup.take([trade(None, 10, 1.0), trade(None, 10, 2.0), trade(None, 10, 1.0)])
    assert [t["price"] for t in fresh] == [1.0, 2.0]


def test_the_cursor_hands_the_newest_trade_to_rest_and_absorb_takes_rests_back():
    dedup = TradeDedup(floor_ms=1_000)
    dedup.take([trade(1, 1_000), trade(2, 1_200), trade(3, 1_200)])
    cursor = dedup.cursor()
    assert (cursor.since, cursor.seen_at_since) == (1_200, {("id", "2"), ("id", "3")})
    # REST polled meanwhile up to 1 500 (ids 7, 8 at that instant): older stream trades are covered
    dedup.absorb(TradeCursor(1_500, {("id", "7"), ("id", "8")}))
    assert [t["id"] for t in dedup.take([trade(6, 1_400), trade(8, 1_500), trade(9, 1_500), trade(10, 1_600)])] == [9, 10]
    assert TradeDedup(floor_ms=500).cursor().since == 500


def test_the_dedup_forgets_the_oldest_keys_beyond_its_memory():
    dedup = TradeDedup(floor_ms=None, recent=3)
    dedup.take([trade(i, i) for i in range(1, 6)])
    assert [t["id"] for t in dedup.take([trade(1, 1), trade(5, 5)])] == [1]


def ccxt_book(nonce, bids, asks, timestamp=1_700_000_000_900):
    book = ccxt.pro.binance().order_book({"bids": bids, "asks": asks, "nonce": nonce, "timestamp": timestamp})
    return book


def test_a_sample_is_the_books_top_levels_with_its_update_id_and_venue_time():
    bids = [[100 - i * 0.5, 1 + i] for i in range(8)]
    asks = [[101 + i * 0.5, 2 + i] for i in range(8)]
    book = ccxt_book(4242, bids, asks)
    book["bids"].store(100.25, 7.0)  # an update applied on top: a new best bid
    row = sample_row(MARKET, book, 3, 1_700_000_001_000)
    assert row["nonce"] == 4242 and row["exchange_ts"] == 1_700_000_000_900 and row["received_ts"] == 1_700_000_001_000
    assert row["bids"] == ((100.25, 7.0), (100.0, 1.0), (99.5, 2.0))
    assert row["asks"] == ((101.0, 2.0), (101.5, 3.0), (102.0, 4.0))
    assert (row["exchange"], row["symbol"], row["market_type"], row["source"]) == ("binance", "BTC/USDT", "spot",
                                                                                    "collector")


def test_no_sample_of_a_missing_uninitialised_or_empty_book():
    assert sample_row(MARKET, None, 5, 1) is None
    assert sample_row(MARKET, ccxt_book(None, [[1.0, 1.0]], [[2.0, 1.0]]), 5, 1) is None
    assert sample_row(MARKET, ccxt_book(7, [], []), 5, 1) is None


def test_samples_fall_on_the_grid():
    assert next_sample_ms(1_700_000_000_000, 1000) == 1_700_000_001_000
    assert next_sample_ms(1_700_000_000_999, 1000) == 1_700_000_001_000
    assert next_sample_ms(1_700_000_000_050, 250) == 1_700_000_000_250


def test_backoff_retries_a_broken_sequence_at_once_then_doubles_to_the_cap():
    backoff = Backoff(first_ms=250, max_ms=2_000)
    assert [backoff.next_ms("gap") for _ in range(6)] == [0, 500, 1_000, 2_000, 2_000, 2_000]
    backoff.reset()
    assert [backoff.next_ms("disconnect") for _ in range(3)] == [250, 500, 1_000]


def test_rate_meter_counts_whole_seconds_of_the_window():
    meter = RateMeter(window_s=2)
    for ms in (10_000, 10_400, 10_900, 11_100, 12_500):
        meter.add(ms)
    assert meter.rate(12_600) == 2.0  # seconds 10 and 11: 4 events / 2 s
    assert meter.rate(13_000) == 1.0  # seconds 11 and 12: 2 events
    assert meter.rate(20_000) == 0.0


@pytest.mark.parametrize("venue,levels,limit", [
    ("binance", 100, 1000), ("binance", 2000, 5000), ("binanceusdm", 100, 1000), ("bybit", 50, 50),
    ("bybit", 100, 200), ("bybit", 5000, 1000), ("okx", 100, None), ("kucoin", 100, None)])
def test_watch_depth_per_venue(venue, levels, limit):
    assert watch_limit(venue, levels) == limit


def offline_venue(landed: list, clock):
    config = parse_config({"exchanges": {"binance": {"markets": ["BTC/USDT", "ETH/USDT"], "mode": "stream",
                                                     "orderbook_levels": 2, "stall_after_s": 2}}})
    rest = VenueState("binance", ccxt_async.binance(), ["BTC/USDT", "ETH/USDT"])
    venue = StreamVenue("binance", config.exchanges["binance"], ccxt.pro.binance(), rest,
                        lambda dataset, row: landed.append((dataset, row)), clock)
    return venue, rest


def test_a_stream_venue_samples_only_books_in_sync_and_records_the_gap():
    landed, now = [], [1_000]
    venue, rest = offline_venue(landed, lambda: now[0])
    try:
        venue.pro.orderbooks["BTC/USDT"] = ccxt_book(11, [[100.0, 1.0], [99.0, 2.0], [98.0, 3.0]], [[101.0, 1.0]])
        venue.pro.orderbooks["ETH/USDT"] = ccxt_book(21, [[10.0, 1.0]], [[11.0, 1.0]])
        for symbol, nonce in (("BTC/USDT", 10), ("BTC/USDT", 11), ("ETH/USDT", 21)):
            venue.updated(symbol, 1_000, nonce)  # ETH: rebuilt only, never live
        assert venue.sample(2_000) == 1
        (dataset, row), = landed
        assert (dataset, row["symbol"], row["nonce"], row["received_ts"]) == ("orderbooks", "BTC/USDT", 11, 2_000)
        assert row["bids"] == ((100.0, 1.0), (99.0, 2.0))
        # no update for stall_after_s: marked out of sync by the sampler itself, not sampled
        assert venue.sample(3_000) == 0 and venue.counters.unsynced_markets == 2
        venue.updated("BTC/USDT", 3_400, 30)
        venue.updated("BTC/USDT", 3_500, 31)
        assert landed[-1][0] == "fetch_errors"
        assert landed[-1][1]["message"] == "cause=stall unsynced_ms=500 from=3000 to=3500"
        assert venue.counters.resyncs == 1 and venue.counters.samples == 1
    finally:
        asyncio.run(venue.pro.close())
        asyncio.run(rest.exchange.close())
