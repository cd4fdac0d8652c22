"""Exchange simulator speed: server-side time per 100-level depth request, HTTP and ccxt round trips.

    .venv/bin/python -m benchmarks.bench_simulator [--requests 2000]
"""
from __future__ import annotations

import argparse
import http.client
import time
from pathlib import Path
from urllib.parse import urlsplit

import ccxt

from simulator.ccxt_hosts import point_at
from simulator.process import SimulatorProcess
from simulator.scenario import load_scenario
from simulator.server import SimulatorApp

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "demo.yaml"


def _per_request_ms(started: float, count: int) -> float:
    return (time.perf_counter() - started) / count * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    n = parser.parse_args().requests
    scenario = load_scenario(SCENARIO)
    t0 = scenario.day_start_ms + 3_600_000

    app = SimulatorApp(scenario)
    app.handle("GET", "/api/v3/depth?symbol=BTCUSDT&limit=100")  # warm the price path cache
    started = time.perf_counter()
    for i in range(n):
        app.clock.set(t0 + i * 1000)
        app.handle("GET", "/api/v3/depth?symbol=BTCUSDT&limit=100")
    server_ms = _per_request_ms(started, n)

    with SimulatorProcess(SCENARIO) as sim:
        sim.set_clock(t0)
        parts = urlsplit(sim.url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port)
        started = time.perf_counter()
        for _ in range(n):
            connection.request("GET", "/api/v3/depth?symbol=BTCUSDT&limit=100")
            connection.getresponse().read()
        http_ms = _per_request_ms(started, n)
        exchange = point_at(ccxt.binance({"enableRateLimit": False, "options": {
            "fetchMarkets": ["spot"], "fetchCurrencies": False}}), sim.url)
        exchange.load_markets()
        count = max(1, n // 4)
        started = time.perf_counter()
        for _ in range(count):
            exchange.fetch_order_book("BTC/USDT", 100)
        ccxt_ms = _per_request_ms(started, count)

    print("| measure | ms per request |")
    print("|---|---|")
    print(f"| server-side depth 100 (book + record + JSON), in process | {server_ms:.3f} |")
    print(f"| HTTP keep-alive round trip, depth 100, subprocess server | {http_ms:.3f} |")
    print(f"| ccxt.binance fetch_order_book(100) round trip (sync) | {ccxt_ms:.3f} |")


if __name__ == "__main__":
    main()
