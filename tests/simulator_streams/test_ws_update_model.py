"""The update-id model, the diffs, the stream fault store, REST depth ids and the wss:// rewrite, in process."""
from __future__ import annotations

from pathlib import Path

import ccxt.pro
import orjson
import pytest

from simulator.book import build_book
from simulator.ccxt_hosts import point_at
from simulator.market import World
from simulator.scenario import load_scenario
from simulator.server import SimulatorApp
from simulator.streams import book_at_update, diff_books, update_id_at
from simulator.streams.faults import StreamFaults
from simulator.streams.updates import BookCache

VENUES = Path(__file__).resolve().parents[2] / "scenarios" / "venues.yaml"
SCENARIO = load_scenario(VENUES)
WORLD = World(SCENARIO)
N = (SCENARIO.day_start_ms + 5 * 3_600_000) // 100


def apply(book_side: list, diff: list, descending: bool) -> list:
    levels = dict(book_side)
    for price, amount in diff:
        if amount == 0:
            levels.pop(price, None)
        else:
            levels[price] = amount
    return sorted(levels.items(), reverse=descending)


@pytest.mark.parametrize("gap,depth", [(1, None), (7, None), (1, 20)])
def test_a_diff_turns_the_old_book_into_the_new_one(gap, depth):
    old, new = book_at_update(WORLD, "binance", "BTC/USDT", N - gap), book_at_update(WORLD, "binance", "BTC/USDT", N)
    bids, asks = diff_books(old, new, depth)
    cut = (lambda side: side[:depth]) if depth else (lambda side: side)
    assert apply(cut(old.bids), bids, True) == cut(new.bids)
    assert apply(cut(old.asks), asks, False) == cut(new.asks)
    assert bids == sorted(bids, reverse=True) and asks == sorted(asks)


def test_book_at_update_is_the_full_book_at_its_tick():
    model = WORLD.market("binanceusdm", "BTC/USDT:USDT")
    truth, redrawn = book_at_update(WORLD, "binanceusdm", "BTC/USDT:USDT", N + 4), build_book(model, N * 100, None)
    assert truth.t_ms == (N + 4) * 100  # the levels of the last redraw (N), a few amounts changed
    assert [p for p, _ in truth.bids] == [p for p, _ in redrawn.bids] and truth.bids != redrawn.bids
    assert update_id_at(WORLD, "binance", N * 100 + 99) == N
    update = BookCache(WORLD).update(model, N - 3, N, depth=5, bad_checksum=True)
    assert (update.first_id, update.prev_id, update.last_id, update.event_ms) == (N - 2, N - 3, N, N * 100)
    assert update.bad_checksum and max(len(update.bids), len(update.asks)) <= 10
    with pytest.raises(KeyError):
        book_at_update(WORLD, "binance", "NOPE/USDT", N)


def test_update_faults_hit_the_update_holding_their_id_once_per_connection():
    faults = StreamFaults(SCENARIO.venues, lambda venue: 100)
    armed = faults.arm("binance", "drop_update", "BTC/USDT", now_ms=N * 100 + 50)
    assert armed.at_id == N + 1
    assert faults.take_update_fault(1, "binance", "BTC/USDT", N, N) is None
    assert faults.take_update_fault(1, "binance", "ETH/USDT", N + 1, N + 1) is None  # another symbol
    assert faults.take_update_fault(1, "binance", "BTC/USDT", N + 1, N + 2) == "drop_update"
    assert faults.take_update_fault(1, "binance", "BTC/USDT", N + 1, N + 2) is None  # once
    assert faults.take_update_fault(2, "binance", "BTC/USDT", N + 1, N + 1) == "drop_update"  # other connection
    for bad in ({"venue": "nowhere", "fault": "stall", "seconds": 1}, {"venue": "binance", "fault": "melt"},
                {"venue": "binance", "fault": "stall"}, {"venue": "binance", "fault": "drop_update", "symbol": "X/Y"},
                {"fault": "stall"}):
        assert faults.set_from(orjson.dumps(bad)).status == 400


def test_rest_depth_serves_update_ids_on_the_wall_clock_and_ms_on_the_virtual_one():
    wall = SimulatorApp(SCENARIO, "wall", "off")
    answer = orjson.loads(wall.handle("GET", "/binance/api/v3/depth?symbol=BTCUSDT&limit=5").body)
    truth = book_at_update(WORLD, "binance", "BTC/USDT", answer["lastUpdateId"])
    assert [(float(p), float(a)) for p, a in answer["bids"]] == truth.bids[:5]
    assert abs(answer["lastUpdateId"] * 100 - wall.clock.now_ms()) < 60_000
    virtual = SimulatorApp(SCENARIO, "virtual", "off")
    virtual.clock.set(N * 100 + 417)
    answer = orjson.loads(virtual.handle("GET", "/binanceusdm/fapi/v1/depth?symbol=BTCUSDT&limit=5").body)
    assert answer["lastUpdateId"] == answer["E"] == N * 100 + 417


def test_wss_urls_are_rewritten_only_with_a_ws_base_url():
    exchange = point_at(ccxt.pro.binance(), "http://127.0.0.1:1", ws_base_url="ws://127.0.0.1:2/")
    assert exchange.urls["api"]["ws"]["spot"] == "ws://127.0.0.1:2/binance/ws"
    assert exchange.urls["api"]["ws"]["ws-api"]["spot"] == "ws://127.0.0.1:2/binance/ws-api/v3"
    assert exchange.urls["api"]["public"] == "http://127.0.0.1:1/binance/api/v3"
    untouched = point_at(ccxt.pro.okx(), "http://127.0.0.1:1")
    assert untouched.urls["api"]["ws"] == ccxt.pro.okx().urls["api"]["ws"]
