"""The roll-over's steps on stand-in ccxt.pro instances (no network; books and trades made up in
process): a market whose book syncs on the new connection moves there (sampling at once, trades once
the new trade watch delivered, the old loops stop), one that does not sync within the bound keeps the
old connection until the next attempt, which moves it and closes the old connection; trades land once
each over the whole run, nothing is recorded as out of sync; the config's roll-over age."""
from __future__ import annotations

import asyncio
import time

import ccxt.async_support as ccxt_async
import pytest

from mmwatch.collector.stream_rollover import roll_over
from mmwatch.collector.stream_venue import StreamVenue
from mmwatch.collector.venue_state import VenueState
from mmwatch.config import DEFAULT_ROLL_OVER_AFTER_S, parse_config

SYMBOLS = ["BTC/USDT", "ETH/USDT"]


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class Feed:
    """Each market's trades, one every 5 ms with contiguous ids, as a venue would stream them to every
    connection subscribed at the time."""

    def __init__(self):
        self.trades = {symbol: [] for symbol in SYMBOLS}

    async def run(self):
        for trade_id in range(10**9):
            for symbol, trades in self.trades.items():
                trades.append({"id": trade_id, "timestamp": now_ms(), "price": 1.0, "amount": 1.0, "side": "buy"})
            await asyncio.sleep(0.005)


class FakeClient:
    def __init__(self):
        self.connectionEstablished, self.subscriptions, self.error = now_ms(), {}, None

    def closed(self):
        return False


class FakePro:
    """What the collector uses of a ccxt.pro instance; books never sync for the symbols in `silent`."""

    has: dict = {}

    def __init__(self, feed: Feed, silent=()):
        self.feed, self.silent = feed, set(silent)
        self.markets, self.currencies, self.orderbooks = {}, {}, {}
        self.clients = {"ws://fake": FakeClient()}
        self.cursors: dict[str, int] = {}
        self.closed = False
        self.watched_trades: set[str] = set()

    def handle_message(self, client, message):
        return None

    def open(self):
        return None

    def set_markets(self, markets, currencies=None):
        self.markets, self.currencies = markets, currencies

    async def watch_order_book(self, symbol, limit=None):
        if symbol in self.silent:
            await asyncio.Event().wait()
        await asyncio.sleep(0.01)
        nonce = now_ms() // 10
        book = {"bids": [[100.0, 1.0]], "asks": [[101.0, 1.0]], "nonce": nonce, "timestamp": nonce * 10}
        self.orderbooks[symbol] = book
        return book

    async def watch_trades(self, symbol):
        self.watched_trades.add(symbol)
        trades = self.feed.trades[symbol]
        start = self.cursors.setdefault(symbol, len(trades))  # subscribed now: later trades only
        while len(trades) <= start:
            await asyncio.sleep(0.002)
        self.cursors[symbol] = len(trades)
        return trades[start:]

    async def close(self):
        self.closed = True


async def until(condition, timeout_s=5.0):
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


def test_a_market_not_in_sync_on_the_new_connection_keeps_the_old_one_until_the_next_attempt():
    landed: list[tuple[str, dict]] = []
    config = parse_config({"exchanges": {"binance": {"markets": SYMBOLS, "mode": "stream", "orderbook_levels": 1,
                                                     "sample_every_ms": 100, "roll_over_after_s": 3600}}})

    async def run():
        feed = Feed()
        producing = asyncio.create_task(feed.run())
        made = iter([FakePro(feed, silent={"ETH/USDT"}), FakePro(feed)])
        rest = VenueState("binance", ccxt_async.binance(), SYMBOLS)
        venue = StreamVenue("binance", config.exchanges["binance"], FakePro(feed), rest,
                            lambda dataset, row: landed.append((dataset, row)), now_ms, new_pro=lambda: next(made))
        first = venue.links[0]
        try:
            venue.start()
            await until(lambda: all(state.in_sync for state in venue.sync.values()))
            kept = await roll_over(venue, [first], bound_ms=800)
            second = venue.links[-1]
            assert kept == ["ETH/USDT"]
            assert venue.active == {"BTC/USDT": second, "ETH/USDT": first} and venue.links == [first, second]
            assert (set(first.book_loops), set(first.trade_loops)) == ({"ETH/USDT"}, {"ETH/USDT"})
            assert (set(second.book_loops), set(second.trade_loops)) == ({"BTC/USDT"}, {"BTC/USDT"})
            assert not first.pro.closed and venue.sync["BTC/USDT"] is second.sync["BTC/USDT"]
            assert (venue.counters.rollovers, venue.counters.rollover_markets_kept) == (0, 1)
            samples = venue.counters.samples
            await until(lambda: venue.counters.samples >= samples + 4)  # both markets sampled meanwhile
            kept = await roll_over(venue, [first], bound_ms=2_000)  # the next attempt: ETH only
            third = venue.links[-1]
            assert kept == [] and third.pro.watched_trades == {"ETH/USDT"}
            assert venue.active == {"BTC/USDT": second, "ETH/USDT": third} and venue.links == [second, third]
            assert first.pro.closed and not first.in_use
            assert (venue.counters.rollovers, venue.counters.rollover_markets_kept) == (1, 1)
            await asyncio.sleep(0.2)
        finally:
            await venue.stop()
            producing.cancel()
            await rest.exchange.close()
        return venue

    venue = asyncio.run(run())
    assert [row for dataset, row in landed if dataset == "fetch_errors"] == []
    assert venue.counters.resyncs == 0
    for symbol in SYMBOLS:
        books = [row for dataset, row in landed if dataset == "orderbooks" and row["symbol"] == symbol]
        assert len(books) >= 5 and [row["nonce"] for row in books] == sorted(row["nonce"] for row in books)
        ids = [int(row["trade_id"]) for dataset, row in landed if dataset == "trades" and row["symbol"] == symbol]
        assert len(ids) > 100 and len(ids) == len(set(ids))  # none twice across three connections
        assert sorted(ids) == list(range(min(ids), max(ids) + 1))  # and none missing


def test_roll_over_age_defaults_to_23_hours_and_may_be_set_per_venue():
    config = parse_config({"exchanges": {"binance": {"markets": ["BTC/USDT"]},
                                         "okx": {"markets": ["BTC/USDT"], "roll_over_after_s": 172_800}}})
    assert DEFAULT_ROLL_OVER_AFTER_S == 82_800
    assert [config.exchanges[venue].roll_over_after_s for venue in ("binance", "okx")] == [82_800.0, 172_800.0]


@pytest.mark.parametrize("venue,value,problem", [
    ("binance", 86400, "exchanges.binance.roll_over_after_s = 86400: binance closes connections at 24 h (86400 s); "
                       "roll_over_after_s must be below 86400 so the planned roll-over comes first"),
    ("binanceusdm", 90000, "exchanges.binanceusdm.roll_over_after_s = 90000: binanceusdm closes connections at 24 h "
                           "(86400 s); roll_over_after_s must be below 86400 so the planned roll-over comes first"),
    ("okx", 0.5, "exchanges.okx.roll_over_after_s = 0.5: roll_over_after_s must be seconds from 1 to 604800 (the age "
                 "at which a streamed connection is replaced by a new one)"),
    ("okx", "1h", "exchanges.okx.roll_over_after_s = '1h': roll_over_after_s must be seconds from 1 to 604800 (the age "
                  "at which a streamed connection is replaced by a new one)"),
])
def test_a_bad_roll_over_age_names_file_field_and_value(tmp_path, venue, value, problem):
    from mmwatch.config import load_config
    from mmwatch.errors import ConfigError

    path = tmp_path / "rollover.yaml"
    path.write_text(f"exchanges:\n  {venue}:\n    markets: [BTC/USDT]\n    mode: stream\n"
                    f"    roll_over_after_s: {value!r}\n".replace("'", '"'))
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value) == f"{path}: invalid collection config:\n  {problem}"
