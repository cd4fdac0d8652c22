"""The collector's /metrics, scraped after a real run against the simulator (wall clock, rate limits
enforced), equals what the collector did as the landing zone and the simulator record it: fetches,
failures by error class (okx answering 503 for a while), 429/418 answers (binance banned by a flood
of our own, as it bans a client that ignores its 429s), requests per venue, landing files and rows,
and the age of each market's newest usable book."""
from __future__ import annotations

import asyncio
import math
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import polars as pl
import pytest
from prometheus_client.parser import text_string_to_metric_families

from mmwatch.collector.collector import Collector
from mmwatch.collector.endpoint import MetricsEndpoint
from mmwatch.collector.metrics import CollectorMetrics, LandingStats
from mmwatch.collector.sinks import LandingSink
from mmwatch.config import parse_config
from mmwatch.landing.pulse import newest_usable_books
from mmwatch.landing.zone import list_landing
from mmwatch.settings import DataDir
from steady_scenario import steady_scenario

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]
CONFIG = parse_config({"landing_flush_s": 5, "exchanges": {
    "binance": {"markets": ["BTC/USDT", "ETH/USDT"], "orderbook_every_s": 1, "trades_every_s": 2},
    "okx": {"markets": ["BTC/USDT"], "orderbook_every_s": 1, "trades_every_s": 2},
    "bitget": {"markets": ["BTC/USDT"], "orderbook_every_s": 1, "trades_every_s": 2}}})


def _flood_until_banned(url: str) -> Counter:
    """Ask binance for its heaviest book until it bans us (HTTP 418); the statuses it answered."""
    answers = Counter()
    for _ in range(200):
        try:
            with urllib.request.urlopen(f"{url}/binance/api/v3/depth?symbol=BTCUSDT&limit=5000", timeout=5) as r:
                answers[r.status] += 1
        except urllib.error.HTTPError as error:
            answers[error.code] += 1
            if error.code == 418:
                return answers
    raise AssertionError(f"binance never banned the flood: {answers}")


def _scrape(url: str) -> dict[tuple[str, tuple], float]:
    with urllib.request.urlopen(url + "/metrics", timeout=5) as response:
        text = response.read().decode()
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def _of(scraped: dict, name: str, **labels) -> float:
    return scraped[(name, tuple(sorted(labels.items())))]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Eight seconds of collection: okx down (503) from second 2 to 5, binance banned at second 3."""
    from simulator.process import SimulatorProcess

    root = tmp_path_factory.mktemp("metrics")
    data = DataDir(root / "data").ensure()
    stats = LandingStats()
    with SimulatorProcess(steady_scenario(REPO / "scenarios" / "demo.yaml", root), clock="wall") as sim:
        collector = Collector(CONFIG, LandingSink(data, flush_s=5, observer=stats), simulator_url=sim.url)
        endpoint = MetricsEndpoint(CollectorMetrics(collector, stats, health_after_s=30), port=0).start()
        flood = {}

        async def collect() -> None:
            await collector.start()
            task = asyncio.create_task(collector.run_forever(8))
            await asyncio.sleep(2)
            sim.set_down("okx", 503)
            await asyncio.sleep(1)
            flood.update(await asyncio.to_thread(_flood_until_banned, sim.url))
            await asyncio.sleep(2)
            sim.set_down("okx", None)
            await task
            await collector.close()

        asyncio.run(collect())
        before = time.time()
        scraped = _scrape(endpoint.url)
        after = time.time()
        sim_stats = sim.stats()["venues"]
        with urllib.request.urlopen(endpoint.url + "/health", timeout=5) as answer:
            health = answer.status
        endpoint.stop()
    books = pl.concat([pl.read_parquet(f.path) for f in list_landing(data, "orderbooks")])
    errors = pl.concat([pl.read_parquet(f.path) for f in list_landing(data, "fetch_errors")])
    return {"scraped": scraped, "window": (before, after), "sim": sim_stats, "flood": flood, "books": books,
            "errors": errors, "data": data, "health": health}


def test_fetches_and_failures_by_class_are_what_landed(run):
    scraped, books, errors = run["scraped"], run["books"], run["errors"]
    landed_failures = {(e, d, c): n for e, d, c, n in errors.group_by("exchange", "dataset", "error_class").len().iter_rows()}
    exposed = {(dict(labels)["exchange"], dict(labels)["dataset"], dict(labels)["error_class"]): value
               for (name, labels), value in scraped.items() if name == "mmwatch_collector_fetch_failures_total"}
    assert exposed == landed_failures
    assert {c for e, _, c in landed_failures if e == "okx"} == {"ExchangeNotAvailable"}  # ccxt's class for a 503
    assert any(e == "binance" for e, _, _ in landed_failures) and not any(e == "bitget" for e, _, _ in landed_failures)
    for venue in ("binance", "okx", "bitget"):  # one row per book fetch: the book, or the error that ended it
        fetched = _of(scraped, "mmwatch_collector_fetches_total", exchange=venue, dataset="orderbooks")
        landed = books.filter(pl.col("exchange") == venue).height + sum(
            n for (e, d, _), n in landed_failures.items() if e == venue and d == "orderbooks")
        assert fetched == landed > 0


def test_rate_limit_answers_and_requests_match_the_simulator(run):
    scraped, sim, flood = run["scraped"], run["sim"], run["flood"]
    ours = {status: _of(scraped, "mmwatch_collector_rate_limit_answers_total", exchange="binance", status=str(status))
            for status in (429, 418)}
    assert ours[429] + ours[418] == sim["binance"]["rate_limited"] + sim["binance"]["banned"] - flood[429] - flood[418]
    assert ours[418] > 0  # the collector asked after the ban began: every answer counted
    binance_failures = {dict(labels)["error_class"]: n for (name, labels), n in scraped.items()
                        if name == "mmwatch_collector_fetch_failures_total" and dict(labels)["exchange"] == "binance"}
    # then it sent nothing until the 418's Retry-After (2 minutes): its fetches meanwhile failed unsent
    assert binance_failures.pop("RetryAfter") > 0
    assert sum(binance_failures.values()) == ours[429] + ours[418]  # every other failure was one of those answers
    for venue in ("okx", "bitget"):
        assert [_of(scraped, "mmwatch_collector_rate_limit_answers_total", exchange=venue, status=s)
                for s in ("429", "418")] == [0, 0]
    for venue, counters in sim.items():
        if venue in ("binance", "okx", "bitget"):
            flooded = sum(flood.values()) if venue == "binance" else 0
            assert _of(scraped, "mmwatch_collector_requests_total", exchange=venue) == counters["requests"] - flooded
    assert 0 < _of(scraped, "mmwatch_collector_budget_peak_ratio", exchange="bitget") < 0.8


def test_landing_counts_book_ages_and_health(run):
    scraped, books, data = run["scraped"], run["books"], run["data"]
    for dataset in ("orderbooks", "trades", "fetch_errors"):
        files = list_landing(data, dataset)
        for venue in {f.exchange for f in files}:
            mine = [f for f in files if f.exchange == venue]
            rows = sum(pl.read_parquet(f.path).height for f in mine)
            assert _of(scraped, "mmwatch_collector_landing_files_total", dataset=dataset, exchange=venue) == len(mine)
            assert _of(scraped, "mmwatch_collector_landing_rows_total", dataset=dataset, exchange=venue) == rows
    before, after = run["window"]
    newest = newest_usable_books(books)
    for (exchange, market_type, symbol), ms in newest.items():
        age = _of(scraped, "mmwatch_collector_last_usable_book_age_seconds", exchange=exchange,
                  market_type=market_type, symbol=symbol)
        assert before - ms / 1000 - 0.001 <= age <= after - ms / 1000 + 0.001
    assert len(newest) == 4 and not any(math.isinf(v) for (n, _), v in scraped.items()
                                        if n == "mmwatch_collector_last_usable_book_age_seconds")
    flushes = _of(scraped, "mmwatch_collector_flush_seconds_count", dataset="orderbooks")
    files = len(list_landing(data, "orderbooks"))
    assert files - 1 <= flushes <= files  # a flush lands one file (two when it straddles midnight)
    assert _of(scraped, "mmwatch_collector_healthy") == 1 and run["health"] == 200
