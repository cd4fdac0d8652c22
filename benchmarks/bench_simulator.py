"""Exchange simulator speed: server-side time per request for every venue's book, trades and ticker,
HTTP and ccxt round trips, and one default-cadence minute of the 40 markets of venues.yaml.

    .venv/bin/python -m benchmarks.bench_simulator [--requests 2000]
"""
from __future__ import annotations

import argparse
import http.client
import time
from pathlib import Path
from urllib.parse import urlsplit

from simulator.ccxt_hosts import simulated_exchange
from simulator.process import SimulatorProcess
from simulator.scenario import load_scenario
from simulator.server import SimulatorApp

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
DEMO = SCENARIOS / "demo.yaml"
VENUES = SCENARIOS / "venues.yaml"
# one order-book request per venue (100 levels where the venue allows it)
BOOK_PATHS = {
    "binance": "/binance/api/v3/depth?symbol=BTCUSDT&limit=100",
    "binancecoinm": "/binancecoinm/dapi/v1/depth?symbol=BTCUSD_PERP&limit=100",
    "binanceusdm": "/binanceusdm/fapi/v1/depth?symbol=BTCUSDT&limit=100",
    "bitget": "/bitget/api/v2/spot/market/orderbook?symbol=BTCUSDT&limit=100",
    "gate": "/gate/api/v4/futures/usdt/order_book?contract=BTC_USDT&limit=100",
    "kucoin": "/kucoin/api/v1/market/orderbook/level2_100?symbol=BTC-USDT",
    "kucoinfutures": "/kucoinfutures/api/v1/level2/depth100?symbol=XBTUSDTM",
    "okx": "/okx/api/v5/market/books?instId=BTC-USDT-SWAP&sz=100",
    "bybit": "/bybit/v5/market/orderbook?category=linear&symbol=BTCUSDT&limit=100",
}


def _per_request_ms(started: float, count: int) -> float:
    return (time.perf_counter() - started) / count * 1000


def _server_side(n: int) -> list[tuple[str, float]]:
    app = SimulatorApp(load_scenario(VENUES))
    t0 = app.scenario.day_start_ms + 3_600_000
    rows = []
    for venue, path in BOOK_PATHS.items():
        app.handle("GET", path)  # warm the price path cache
        started = time.perf_counter()
        for i in range(n):
            app.clock.set(t0 + i * 1000)
            app.handle("GET", path)
        rows.append((f"{venue} book 100", _per_request_ms(started, n)))
    started = time.perf_counter()
    for i in range(max(1, n // 10)):
        app.clock.set(t0 + i * 10_000)
        app.handle("GET", "/okx/api/v5/market/tickers?instType=SWAP")
    rows.append(("okx tickers (3 swaps, 24 h stats)", _per_request_ms(started, max(1, n // 10))))
    return rows


def _default_cadence_minute() -> tuple[float, int, dict]:
    """Wall clock: every market's book and trades 6 times (10 s cadence) and each venue's tickers once."""
    with SimulatorProcess(VENUES, clock="wall") as sim:
        exchanges = {v: simulated_exchange(v, sim.url, enableRateLimit=False) for v in BOOK_PATHS}
        for exchange in exchanges.values():
            exchange.load_markets()
        started, calls = time.perf_counter(), 0
        for _ in range(6):
            for venue, exchange in exchanges.items():
                for symbol in exchange.symbols:
                    exchange.fetch_order_book(symbol, 20 if venue.startswith("kucoin") else 100)
                    exchange.fetch_trades(symbol, limit=100)
                    calls += 2
        for venue, exchange in exchanges.items():
            for market_type in sorted({m["type"] for m in exchange.markets.values()}):
                exchange.fetch_tickers([s for s, m in exchange.markets.items() if m["type"] == market_type])
                calls += 1
        elapsed = time.perf_counter() - started
        return elapsed, calls, sim.stats()["venues"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    n = parser.parse_args().requests

    print("| measure | ms per request |")
    print("|---|---|")
    for name, ms in _server_side(max(1, n // 4)):
        print(f"| server-side {name}, in process | {ms:.3f} |")
    with SimulatorProcess(DEMO) as sim:
        sim.set_clock(load_scenario(DEMO).day_start_ms + 3_600_000)
        parts = urlsplit(sim.url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port)
        started = time.perf_counter()
        for _ in range(n):
            connection.request("GET", "/api/v3/depth?symbol=BTCUSDT&limit=100")
            connection.getresponse().read()
        print(f"| HTTP keep-alive round trip, binance depth 100, subprocess server | {_per_request_ms(started, n):.3f} |")
        exchange = simulated_exchange("binance", sim.url, enableRateLimit=False)
        exchange.load_markets()
        count = max(1, n // 4)
        started = time.perf_counter()
        for _ in range(count):
            exchange.fetch_order_book("BTC/USDT", 100)
        print(f"| ccxt.binance fetch_order_book(100) round trip (sync) | {_per_request_ms(started, count):.3f} |")

    elapsed, calls, venues = _default_cadence_minute()
    print(f"\nOne default-cadence minute of venues.yaml (40 markets: 6 × book + trades, tickers once), "
          f"wall clock, sequential sync ccxt: {calls} requests in {elapsed:.2f} s")
    print("| venue | requests | budget units charged | rate-limit answers |")
    print("|---|---|---|---|")
    for venue, counters in venues.items():
        print(f"| {venue} | {counters['requests']} | {counters['weight']} | "
              f"{counters['rate_limited'] + counters['banned']} |")


if __name__ == "__main__":
    main()
