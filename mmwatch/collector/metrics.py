"""What the collector did, as Prometheus metrics, and whether it is healthy.

`LandingStats` is the landing sink's observer: files and rows landed per (data set, exchange), the
newest *usable* book (spec §1: not invalid; fetch-error files never count) and the newest trade per
market, and the duration of each flush. `CollectorMetrics` is a Prometheus collector read at scrape
time from the collector's own counters (fetches, failures by error class, HTTP 429/418 answers,
requests and budget use per venue) and from `LandingStats`; `health()` says whether a usable book
landed within `health_after_s` (what the /health endpoint and compose's healthcheck ask).
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import polars as pl
from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from mmwatch.collector.stream_metrics import stream_families
from mmwatch.landing.pulse import newest_usable_books

RATE_LIMIT_STATUSES = (429, 418)  # "slow down" and "banned" (Binance's 418 follows ignored 429s)
FLUSH_BUCKETS_S = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
Market = tuple[str, str, str]  # exchange, market_type, symbol


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class LandingStats:
    """What the landing sink wrote (LandingSink's observer, called from its landing thread)."""

    files: dict[tuple[str, str], int] = field(default_factory=dict)
    rows: dict[tuple[str, str], int] = field(default_factory=dict)
    last_usable_book_ms: dict[Market, int] = field(default_factory=dict)
    last_trade_ms: dict[Market, int] = field(default_factory=dict)
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self.flush_seconds = Histogram("mmwatch_collector_flush_seconds",
                                       "Seconds to build and write one landing batch (door, Parquet, rename)",
                                       ["dataset"], buckets=FLUSH_BUCKETS_S, registry=self.registry)

    def landed(self, dataset: str, exchange: str, path: Path, frame: pl.DataFrame) -> None:
        """One landing file written."""
        books = newest_usable_books(frame) if dataset == "orderbooks" else {}
        trades = {}
        if dataset == "trades" and not frame.is_empty():
            newest = frame.group_by("exchange", "market_type", "symbol").agg(pl.col("received_ts").max())
            trades = {(e, t, s): int(ts) for e, t, s, ts in newest.iter_rows()}
        with self._lock:
            key = (dataset, exchange)
            self.files[key] = self.files.get(key, 0) + 1
            self.rows[key] = self.rows.get(key, 0) + frame.height
            for target, found in ((self.last_usable_book_ms, books), (self.last_trade_ms, trades)):
                for market, ms in found.items():
                    target[market] = max(ms, target.get(market, ms))

    def flushed(self, dataset: str, seconds: float) -> None:
        """One landing batch took `seconds`."""
        self.flush_seconds.labels(dataset).observe(seconds)

    def snapshot(self) -> tuple[dict, dict, dict, dict]:
        """Copies of (files, rows, last usable book, last trade), consistent with each other."""
        with self._lock:
            return dict(self.files), dict(self.rows), dict(self.last_usable_book_ms), dict(self.last_trade_ms)


@dataclass(frozen=True)
class Health:
    """Whether a usable book landed within `threshold_s` (a collector that just started gets that long)."""

    ok: bool
    threshold_s: float
    newest_book_age_s: float | None
    venues: dict[str, float | None]
    # the other collector processes of one `mmwatch collect` (processes: N): their /health bodies by venues
    processes: dict[str, dict] = field(default_factory=dict)

    @property
    def all_ok(self) -> bool:
        """This process and every other one healthy."""
        return self.ok and all(other.get("ok") for other in self.processes.values())

    def document(self) -> dict:
        """The /health answer's JSON body."""
        reason = ("a usable order book landed within the threshold" if self.ok and self.newest_book_age_s is not None
                  else "starting: no usable order book yet" if self.ok
                  else f"no usable order book landed for {self.threshold_s:g} s (fetch errors do not count): "
                       "see docs/runbook.md#collector-unhealthy")
        failing = sorted(venues for venues, other in self.processes.items() if not other.get("ok"))
        if self.ok and failing:
            reason = f"the collector process of {'; '.join(failing)} is unhealthy: see its /health below"
        document = {"ok": self.all_ok, "reason": reason, "threshold_s": self.threshold_s,
                    "newest_usable_book_age_s": self.newest_book_age_s,
                    "venues_newest_usable_book_age_s": self.venues}
        if self.processes:
            document["other_processes"] = self.processes
        return document


class CollectorMetrics:
    """The Prometheus view of one running Collector (mmwatch.collector.collector) and its LandingStats.

    `registry` holds everything the /metrics endpoint serves; values are read when scraped.
    """

    def __init__(self, collector, stats: LandingStats, health_after_s: float = 120,
                 clock: Callable[[], int] = _wall_ms, others: Callable[[], dict[str, dict]] | None = None):
        self.others = others  # the other processes' /health bodies by venues (processes: N), read per ask
        self.collector = collector
        self.stats = stats
        self.health_after_s = health_after_s
        self.clock = clock
        self.registry = stats.registry
        self.registry.register(self)

    def _books_markets(self) -> list[Market]:
        markets = []
        for exchange, venue in self.collector.config.exchanges.items():
            state = self.collector.venues.get(exchange)
            for symbol in venue.markets:
                market_type = state.market(symbol).market_type if state else ""
                markets.append((exchange, market_type, symbol))
        return markets

    def health(self, others: bool = True) -> Health:
        """Healthy while the newest usable book landed within `health_after_s` (or the collector started
        less than that long ago and none landed yet); with `others`, the other processes' answers too."""
        now = self.clock()
        _, _, books, _ = self.stats.snapshot()
        ages = {}
        for exchange in self.collector.config.exchanges:
            newest = max((ms for (e, _, _), ms in books.items() if e == exchange), default=None)
            ages[exchange] = None if newest is None else round((now - newest) / 1000, 3)
        known = [age for age in ages.values() if age is not None]
        newest_age = min(known) if known else None
        if newest_age is not None:
            ok = newest_age <= self.health_after_s
        else:
            started = self.collector.started_ms
            ok = started is None or (now - started) / 1000 <= self.health_after_s
        return Health(ok, self.health_after_s, newest_age, ages, self.others() if others and self.others else {})

    def describe(self) -> list[Metric]:
        return []  # values are read at scrape time; nothing to check at registration

    def collect(self) -> Iterator[Metric]:
        """Every metric family, read now."""
        now = self.clock()
        collector = self.collector
        files, rows, books, trades = self.stats.snapshot()
        labels = ["exchange", "market_type", "symbol"]
        book_age = GaugeMetricFamily("mmwatch_collector_last_usable_book_age_seconds",
                                     "Seconds since the newest usable order book of the market landed (+Inf: none yet)",
                                     labels=labels)
        trade_age = GaugeMetricFamily("mmwatch_collector_last_trade_age_seconds",
                                      "Seconds since the newest trade of the market landed (+Inf: none yet)",
                                      labels=labels)
        for market in self._books_markets():
            book = next((ms for m, ms in books.items() if m[0] == market[0] and m[2] == market[2]), None)
            trade = next((ms for m, ms in trades.items() if m[0] == market[0] and m[2] == market[2]), None)
            book_age.add_metric(list(market), math.inf if book is None else (now - book) / 1000)
            trade_age.add_metric(list(market), math.inf if trade is None else (now - trade) / 1000)
        yield book_age
        yield trade_age

        fetches = CounterMetricFamily("mmwatch_collector_fetches", "Fetches made, per exchange and data set",
                                      labels=["exchange", "dataset"])
        for (exchange, dataset), count in sorted(dict(collector.fetches).items()):
            fetches.add_metric([exchange, dataset], count)
        yield fetches
        failures = CounterMetricFamily("mmwatch_collector_fetch_failures",
                                       "Failed fetches (each one landed as a fetch_errors row), per error class",
                                       labels=["exchange", "dataset", "error_class"])
        for (exchange, dataset, error_class), count in sorted(dict(collector.failures).items()):
            failures.add_metric([exchange, dataset, error_class], count)
        yield failures

        answers = CounterMetricFamily("mmwatch_collector_rate_limit_answers",
                                      "HTTP 429 (rate limited) and 418 (banned) answers of each venue",
                                      labels=["exchange", "status"])
        requests = CounterMetricFamily("mmwatch_collector_requests", "HTTP requests sent, per venue",
                                       labels=["exchange"])
        waits = CounterMetricFamily("mmwatch_collector_budget_waits",
                                    "Requests held back until the venue's next window had room", labels=["exchange"])
        use = GaugeMetricFamily("mmwatch_collector_budget_use_ratio",
                                "Share of its limit the most used bucket has spent in its current window",
                                labels=["exchange"])
        peak = GaugeMetricFamily("mmwatch_collector_budget_peak_ratio",
                                 "Highest share of a bucket's limit spent in one window since the start",
                                 labels=["exchange"])
        for exchange, budget in sorted(dict(collector.budgets).items()):
            for status in RATE_LIMIT_STATUSES:
                answers.add_metric([exchange, str(status)], budget.answers[status])
            requests.add_metric([exchange], budget.requests)
            waits.add_metric([exchange], budget.waits)
            use.add_metric([exchange], budget.use_now())
            peak.add_metric([exchange], budget.peak()[1])
        yield from (answers, requests, waits, use, peak)
        yield from stream_families(collector, now)

        landing_files = CounterMetricFamily("mmwatch_collector_landing_files", "Landing files written",
                                            labels=["dataset", "exchange"])
        landing_rows = CounterMetricFamily("mmwatch_collector_landing_rows", "Rows written to landing files",
                                           labels=["dataset", "exchange"])
        for key in sorted(files):
            landing_files.add_metric(list(key), files[key])
            landing_rows.add_metric(list(key), rows[key])
        yield landing_files
        yield landing_rows

        health = self.health(others=False)  # this process's own: each serves its own metrics
        healthy = GaugeMetricFamily("mmwatch_collector_healthy",
                                    f"1 while a usable order book landed within {self.health_after_s:g} s")
        healthy.add_metric([], 1.0 if health.ok else 0.0)
        yield healthy
