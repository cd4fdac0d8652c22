"""Rate limits per venue (real ccxt classes, virtual clock so windows are exact) and dead venues."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import ccxt
import pytest

from simulator.ccxt_hosts import simulated_exchange
from simulator.process import SimulatorThread

MINUTE = 60_000


@pytest.fixture()
def limited(venues_scenario):
    """venues.yaml in a thread with rate limits enforced on the virtual clock."""
    with SimulatorThread(venues_scenario, rate_limits="on") as sim:
        yield sim


def _fresh_window(sim, t0: int, minutes: int = 1) -> int:
    """Move the clock to a minute boundary (every venue's window starts there)."""
    now = t0 - t0 % MINUTE + minutes * MINUTE
    sim.set_clock(now)
    return now


def test_binance_within_budget_never_limited_over_it_429_then_418(limited, venues_scenario):
    exchange = simulated_exchange("binance", limited.url, enableRateLimit=False)
    exchange.load_markets()
    t0 = venues_scenario.day_start_ms + 3_600_000
    for minute in range(1, 4):  # 24 × depth 5000 (weight 250) = exactly 6,000 weight a minute, 3 minutes
        _fresh_window(limited, t0, minute)
        for _ in range(24):
            assert exchange.fetch_order_book("BTC/USDT", 5000)["bids"]
    venue = limited.stats()["venues"]["binance"]
    assert (venue["rate_limited"], venue["banned"], venue["weight"]) == (0, 0, 20 + 3 * 24 * 250)
    with pytest.raises(ccxt.DDoSProtection, match="429 .*-1003"):  # the 25th in the same minute: 429
        exchange.fetch_order_book("BTC/USDT", 5000)
    for _ in range(2):
        with pytest.raises(ccxt.DDoSProtection, match="429"):
            exchange.fetch_order_book("BTC/USDT", 100)
    with pytest.raises(ccxt.DDoSProtection, match="418 .*banned until"):  # after three 429s: 418 and a ban
        exchange.fetch_order_book("BTC/USDT", 100)
    assert limited.app.handle("GET", "/binance/api/v3/time", client="127.0.0.1").status == 418
    _fresh_window(limited, t0, 4)  # a new minute, still inside the 2 minute ban
    with pytest.raises(ccxt.DDoSProtection):
        exchange.fetch_ticker("BTC/USDT")
    _fresh_window(limited, t0, 6)  # ban over
    assert exchange.fetch_order_book("BTC/USDT", 100)["bids"]
    venue = limited.stats()["venues"]["binance"]
    assert (venue["rate_limited"], venue["banned"]) == (3, 3)


# venue, symbol, book limit, requests that fit in one window (hand-computed from the documented budgets)
BUDGETS = [
    ("gate", "BTC/USDT", 20, 200),                   # 200 requests / 10 s per endpoint
    ("kucoin", "BTC/USDT", 100, 500),                # 2,000 weight / 30 s, level2_100 = 4
    ("kucoinfutures", "BTC/USDT:USDT", 100, 200),    # 2,000 weight / 30 s, depth100 = 10
    ("bitget", "BTC/USDT", 20, 20),                  # 20 requests / s per endpoint
    ("okx", "BTC/USDT", 20, 40),                     # books: 40 requests / 2 s
    ("bybit", "BTC/USDT", 20, 600),                  # 600 requests / 5 s per IP
    ("binanceusdm", "BTC/USDT:USDT", 1000, 120),     # 2,400 weight / min, depth 1000 = 20
    ("binancecoinm", "BTC/USD:BTC", 1000, 120),      # COIN-M: the same 2,400 weight / min, depth 1000 = 20
]


@pytest.mark.parametrize("venue, symbol, limit, fits", BUDGETS, ids=[b[0] for b in BUDGETS])
def test_each_venue_answers_its_own_rate_limit(limited, venues_scenario, venue, symbol, limit, fits):
    exchange = simulated_exchange(venue, limited.url, enableRateLimit=False)
    exchange.load_markets()
    _fresh_window(limited, venues_scenario.day_start_ms + 3_600_000)
    for _ in range(fits):
        exchange.fetch_order_book(symbol, limit)
    with pytest.raises((ccxt.DDoSProtection, ccxt.RateLimitExceeded)):  # ccxt's two "slow down" errors
        exchange.fetch_order_book(symbol, limit)
    stats = limited.stats()["venues"][venue]
    assert stats["rate_limited"] + stats["banned"] == 1


def test_virtual_clock_counts_but_never_refuses(venues_scenario):
    with SimulatorThread(venues_scenario) as sim:  # rate_limits='auto' on a virtual clock
        for _ in range(30):
            assert sim.app.handle("GET", "/bitget/api/v2/public/time").status == 200
        report = sim.stats()
        assert report["rate_limits_enforced"] is False
        assert report["venues"]["bitget"] == {"requests": 30, "weight": 30, "rate_limited": 0, "banned": 0, "down": 0}
        assert report["paths"]["/bitget/api/v2/public/time"] == 30


def test_dead_venue_by_scenario_window_and_by_control(venues_sim, exchanges, venues_scenario):
    t = venues_scenario.day_start_ms + 4 * 3_600_000 + 5 * MINUTE  # kucoin is down 04:00-04:15
    venues_sim.set_clock(t)
    with pytest.raises(ccxt.ExchangeNotAvailable):
        exchanges["kucoin"].fetch_order_book("BTC/USDT", 20)
    assert exchanges["bybit"].fetch_order_book("BTC/USDT", 20)["bids"]  # the others keep answering
    venues_sim.set_down("gate", 502)
    try:
        with pytest.raises(ccxt.ExchangeNotAvailable):
            exchanges["gate"].fetch_trades("ETH/USDT:USDT", limit=5)
        assert exchanges["okx"].fetch_trades("BTC/USDT", limit=5)
    finally:
        venues_sim.set_down("gate", None)
    assert exchanges["gate"].fetch_trades("ETH/USDT:USDT", limit=5)
    venues_sim.set_clock(t + 10 * MINUTE)  # 04:15: kucoin is back
    assert exchanges["kucoin"].fetch_order_book("BTC/USDT", 20)["bids"]
    stats = venues_sim.stats()["venues"]
    assert stats["kucoin"]["down"] == 1 and stats["gate"]["down"] == 1 and stats["bybit"]["down"] == 0


def _post_venue(sim, payload: dict) -> int:
    request = urllib.request.Request(sim.url + "/_sim/venue", data=json.dumps(payload).encode(), method="POST")
    try:
        with urllib.request.urlopen(request) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_control_endpoint_refuses_unknown_venue_and_status(venues_sim):
    assert _post_venue(venues_sim, {"venue": "kraken", "down": 503}) == 400
    assert _post_venue(venues_sim, {"venue": "okx", "down": 404}) == 400
    assert _post_venue(venues_sim, {"venue": "okx", "down": None}) == 200
