"""Helpers of bench_stream: the generated scenario and collection configs, a process's CPU time from
/proc, the collector's /metrics and the simulator's /_sim/stats read during the measured window, and
the landing files read after the run (sampling lag, out-of-sync intervals, bytes per market-day)."""
from __future__ import annotations

import os
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import yaml
from prometheus_client.parser import text_string_to_metric_families

from mmwatch.venues import VENUES

DAY_MS = 86_400_000
# per venue the market types generated (spot first); a venue listing both gets half of each
VENUE_TYPES = {"binance": ("spot",), "binancecoinm": ("swap",), "binanceusdm": ("swap",),
               "bitget": ("spot", "swap"), "bybit": ("spot", "swap"), "gate": ("spot", "swap"),
               "kucoin": ("spot",), "kucoinfutures": ("swap",), "okx": ("spot", "swap")}


def _symbol(venue: str, market_type: str, base: str) -> str:
    if market_type == "spot":
        return f"{base}/USDT"
    return f"{base}/USD:{base}" if venue == "binancecoinm" else f"{base}/USDT:USDT"


def generated_markets(markets: int) -> dict[str, list[tuple[str, str]]]:
    """`markets` markets spread round-robin over every venue: venue -> [(symbol, market type)]."""
    per_venue: dict[str, list[tuple[str, str]]] = {venue: [] for venue in VENUES}
    for number in range(markets):
        venue = VENUES[number % len(VENUES)]
        index = len(per_venue[venue])
        types = VENUE_TYPES[venue]
        market_type = types[index % len(types)]
        per_venue[venue].append((_symbol(venue, market_type, f"S{index:03d}"), market_type))
    return {venue: listed for venue, listed in per_venue.items() if listed}


def write_scenario(folder: Path, per_venue: dict[str, list[tuple[str, str]]], day: str,
                   redraw_ms: int | None = None) -> Path:
    """The simulator scenario of the generated markets: the markets of one base on every venue follow one
    asset path (`assets`, as real venues quote one asset: a few dozen paths, not one per market), background
    books of 120 levels, 20 trades a minute; inverse perpetuals of 100 USD a contract. `redraw_ms`: how
    often the streamed books are redrawn (nearly every level changes; the simulator's default: 1000)."""
    def market(venue: str, symbol: str, market_type: str) -> dict:
        base = symbol.split("/")[0]
        entry = {"symbol": symbol, "market_type": market_type, "asset": f"{base}/USDT", "tick_size": 0.0001,
                 "amount_step": 0.001, "trades_per_minute": 20, "trade_size": 5.0,
                 "background": {"levels": 120, "distance_bps": 3, "step_bps": 2, "size": 500.0}}
        if market_type == "swap":  # whole contracts: trades large enough never to round to none
            entry["trade_size"] = 50.0
        if venue == "binancecoinm":
            entry.update(contract_size=100.0, amount_step=1.0)
        return entry

    bases = sorted({symbol.split("/")[0] for listed in per_venue.values() for symbol, _ in listed})
    scenario = {"seed": 17, "date": day,
                "assets": {f"{base}/USDT": {"start_price": 10.0 + 3 * int(base[1:]), "volatility_bps": 1.0}
                           for base in bases},
                "venues": {venue: {"markets": [market(venue, symbol, kind) for symbol, kind in listed],
                                   **({"redraw_ms": redraw_ms} if redraw_ms else {})}
                           for venue, listed in per_venue.items()}}
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(scenario))
    return path


def write_config(folder: Path, per_venue: dict[str, list[tuple[str, str]]], mode: str, sample_ms: int,
                 processes: int = 1) -> Path:
    """The collection config: every generated market, books (100 levels) and trades, in `mode` (stream:
    sampled every `sample_ms`; poll: books and trades every 10 s), over `processes` collector processes."""
    def venue_config(listed: list[tuple[str, str]]) -> dict:
        entry = {"markets": [symbol for symbol, _ in listed], "datasets": ["orderbooks", "trades"],
                 "orderbook_levels": 100, "mode": mode}
        if mode == "stream":
            entry["sample_every_ms"] = sample_ms
        else:
            entry.update(orderbook_every_s=10, trades_every_s=10)
        return entry

    path = folder / f"collect-{mode}.yaml"
    path.write_text(yaml.safe_dump({"processes": processes,
                                    "exchanges": {venue: venue_config(listed) for venue, listed in per_venue.items()}}))
    return path


def cpu_seconds(pid: int) -> float:
    """user + system CPU seconds of process `pid` (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    """`pid` and its child processes (a collector with `processes` > 1 starts one per other group)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [pid, *(int(child) for child in (children.read_text().split() if children.exists() else []))]


def scrape_all(urls: list[str]) -> dict[tuple[str, str], float]:
    """`scrape` of every collector process's /metrics, merged (each process has its own venues)."""
    merged: dict[tuple[str, str], float] = {}
    for url in urls:
        merged.update(scrape(url))
    return merged


def scrape(url: str) -> dict[tuple[str, str], float]:
    """The collector's /metrics: (sample name, exchange label) -> value (samples without one: '')."""
    with urllib.request.urlopen(url, timeout=5) as answer:
        text = answer.read().decode()
    return {(sample.name, sample.labels.get("exchange", "")): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples
            if not sample.labels.get("mode") and not sample.labels.get("status")}


@dataclass
class Window:
    """What was read at the start and end of the measured window (and in between)."""

    start_s: float = 0.0
    end_s: float = 0.0
    cpu: dict[str, tuple[float, float]] = field(default_factory=dict)  # process -> (start, end) CPU seconds
    metrics: list[dict[tuple[str, str], float]] = field(default_factory=list)  # first and last scrape
    budget_max: dict[str, float] = field(default_factory=dict)  # venue -> max budget_use_ratio seen
    sim_stats: list[dict] = field(default_factory=list)  # /_sim/stats at start and end
    load: list[tuple[float, float, float]] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return self.end_s - self.start_s

    def cores(self, process: str) -> float:
        start, end = self.cpu[process]
        return (end - start) / self.seconds

    def counter(self, name: str, venue: str) -> float:
        """Increase of a /metrics counter of `venue` over the window."""
        first, last = self.metrics[0], self.metrics[-1]
        return last.get((name, venue), 0.0) - first.get((name, venue), 0.0)

    def sim(self, venue: str, key: str) -> int:
        """Increase of a simulator per-venue counter (requests, weight, rate_limited, banned)."""
        first, last = (stats["venues"].get(venue, {}) for stats in self.sim_stats)
        return last.get(key, 0) - first.get(key, 0)

    def note_budget(self, scraped: dict[tuple[str, str], float]) -> None:
        for (name, venue), value in scraped.items():
            if name == "mmwatch_collector_budget_use_ratio":
                self.budget_max[venue] = max(self.budget_max.get(venue, 0.0), value)


def read_landing(landing: Path, dataset: str, columns: list[str]) -> pl.DataFrame:
    """Every landed row of `dataset` (the given columns), with the landing file's size and row count."""
    frames = []
    for path in sorted((landing / dataset).rglob("*.parquet")):
        frame = pl.from_arrow(pq.read_table(path, columns=columns))
        frames.append(frame.with_columns(pl.lit(str(path)).alias("file"),
                                         pl.lit(path.stat().st_size).alias("file_bytes"),
                                         pl.lit(frame.height).alias("file_rows")))
    return pl.concat(frames, how="vertical_relaxed") if frames else pl.DataFrame()


def bytes_per_market_day(landing: Path, dataset: str, window: Window, markets: int) -> tuple[float, float]:
    """(landing bytes per row, landing bytes per market-day) of `dataset`: the bytes per row of the files
    that began inside the window, times the rows received in the window per market, scaled to a day."""
    rows = read_landing(landing, dataset, ["received_ts"])
    if rows.is_empty():
        return 0.0, 0.0
    start, end = int(window.start_s * 1000), int(window.end_s * 1000)
    files = rows.group_by("file", "file_bytes", "file_rows").agg(pl.col("received_ts").min().alias("first_ms"))
    files = files.filter(pl.col("first_ms") >= start)
    per_row = files["file_bytes"].sum() / max(1, files["file_rows"].sum())
    received = rows.filter(pl.col("received_ts").is_between(start, end)).height
    return per_row, per_row * received / markets / window.seconds * DAY_MS / 1000


def sampling_lag(landing: Path, window: Window, sample_ms: int) -> pl.DataFrame:
    """Landed books received inside the window: exchange, lag_ms = received_ts - exchange_ts, split into
    wake_ms = received_ts - the sampling grid instant (how late the sampler ran: the collector's event
    loop) and age_ms = the grid instant - exchange_ts (how old the kept book was at the instant: the
    venue's tick, the simulator's push and the collector's message backlog)."""
    books = read_landing(landing, "orderbooks", ["exchange", "received_ts", "exchange_ts"])
    if books.is_empty():
        return pl.DataFrame(schema={"exchange": pl.String, "lag_ms": pl.Int64, "wake_ms": pl.Int64,
                                    "age_ms": pl.Int64})
    lag = pl.col("received_ts") - pl.col("exchange_ts")
    wake = pl.col("received_ts") % sample_ms
    return (books.filter(pl.col("received_ts").is_between(int(window.start_s * 1000), int(window.end_s * 1000)))
            .select("exchange", lag.alias("lag_ms"), wake.alias("wake_ms"), (lag - wake).alias("age_ms")))


def lag_quantiles(lags: pl.DataFrame, column: str = "lag_ms") -> dict[str, tuple[int, float | None, ...]]:
    """venue (and 'all') -> (books, p50, p95, p99 of `column` over the books with an exchange_ts; None
    when none has one: Binance spot REST depth carries no time)."""
    def quantiles(frame: pl.DataFrame) -> tuple[int, float | None, float | None, float | None]:
        values = frame.filter(pl.col("lag_ms").is_not_null())[column]
        return (frame.height, *(values.quantile(q, "nearest") for q in (0.5, 0.95, 0.99)))

    found = {venue: quantiles(part) for (venue,), part in lags.group_by("exchange")}
    found["all"] = quantiles(lags)
    return found


def out_of_sync(landing: Path, window: Window) -> tuple[dict[str, int], dict[str, int]]:
    """Per venue: the StreamOutOfSync intervals that overlap the window, and other fetch errors in it."""
    errors = read_landing(landing, "fetch_errors", ["exchange", "received_ts", "error_class", "message"])
    intervals: dict[str, int] = {}
    others: dict[str, int] = {}
    if errors.is_empty():
        return intervals, others
    start, end = int(window.start_s * 1000), int(window.end_s * 1000)
    for venue, received, error_class, message in errors.select("exchange", "received_ts", "error_class",
                                                               "message").iter_rows():
        if error_class == "StreamOutOfSync":
            parts = dict(part.split("=", 1) for part in message.split() if "=" in part)
            if int(parts.get("to", received)) >= start and int(parts.get("from", received)) <= end:
                intervals[venue] = intervals.get(venue, 0) + 1
        elif start <= received <= end:
            others[venue] = others.get(venue, 0) + 1
    return intervals, others
