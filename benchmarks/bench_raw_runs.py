"""Raw runs through a day: does the 100th batch run of a day-partition cost what the 1st did?

One (day, exchange) partition is fed RUNS batches the way the landing sensor feeds it: each batch
is one landing file of order books and one of trades covering the next SECONDS of the day
(MARKETS markets, a book every 10 s per market, LEVELS levels a side, TRADES trades per market
per batch), and each batch also carries the last book and the last trades of the batch before it
again (a re-fetch: rows already in the lake, which the run must skip). Every batch is materialized
with `materialize_partition` in mode "batch" (what a raw run does per partition, without Dagster's
own start-up) and timed; the lake is checked at the end (no row lost or doubled).

Prints a markdown row: the 1st and the 100th run, the medians of the first and last ten, their
ratio (target: the 100th run within 1.5x the 1st), the lake files each run read keys from, CPU
seconds and the load average.

    .venv/bin/python -m benchmarks.bench_raw_runs [--runs 100] [--markets 50] [--levels 20]
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

import polars as pl

from assets.raw.orderbooks import ORDERBOOKS
from assets.raw.trades import TRADES
from mmwatch.lake.raw_partition import materialize_partition
from mmwatch.landing.zone import LandingFile, write_landing
from mmwatch.schemas import LANDING_ORDERBOOKS, LANDING_TRADES
from mmwatch.settings import DataDir

DAY, DAY_START_MS, EXCHANGE = "2026-11-20", 1_795_132_800_000, "binance"
BOOK_EVERY_MS = 10_000


def _symbols(markets: int) -> list[str]:
    return [f"C{index:03d}/USDT" for index in range(markets)]


def _books(symbols: list[str], start_ms: int, end_ms: int, levels: int) -> pl.DataFrame:
    rows = []
    for number, symbol in enumerate(symbols):
        for ts in range(start_ms, end_ms, BOOK_EVERY_MS):
            mid = 100.0 + number + (ts % 3_600_000) / 1e6
            rows.append({
                "exchange": EXCHANGE, "market_type": "spot", "symbol": symbol, "exchange_ts": ts,
                "received_ts": ts + 20, "nonce": ts, "source": "collector",
                "bids": [{"price": mid - 0.01 * (i + 1), "amount": 1.0 + i} for i in range(levels)],
                "asks": [{"price": mid + 0.01 * (i + 1), "amount": 1.0 + i} for i in range(levels)]})
    return pl.DataFrame(rows, schema=LANDING_ORDERBOOKS)


def _trades(symbols: list[str], start_ms: int, end_ms: int, per_market: int) -> pl.DataFrame:
    step = max(1, (end_ms - start_ms) // per_market)
    rows = [{"exchange": EXCHANGE, "market_type": "spot", "symbol": symbol, "exchange_ts": ts, "received_ts": ts + 5,
             "trade_id": f"{symbol}-{ts}", "price": 100.0 + number, "amount": 0.5, "side": "buy", "source": "collector"}
            for number, symbol in enumerate(symbols) for ts in range(start_ms, end_ms, step)]
    return pl.DataFrame(rows, schema=LANDING_TRADES)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _warm_up(data_dir: DataDir, symbols: list[str], levels: int, trades: int) -> None:
    """One untimed run on another partition: imports, thread pools and allocators are warm for the 1st timed run."""
    for table, dataset, frame in ((ORDERBOOKS, "orderbooks", _books(symbols, DAY_START_MS, DAY_START_MS + 60_000, levels)),
                                  (TRADES, "trades", _trades(symbols, DAY_START_MS, DAY_START_MS + 60_000, trades))):
        file = LandingFile.parse(write_landing(data_dir, dataset, DAY, "okx", frame.with_columns(exchange=pl.lit("okx")),
                                               "collector"))
        materialize_partition(table, data_dir, DAY, "okx", [file])


def run(runs: int, markets: int, levels: int, seconds: int, trades: int) -> dict:
    symbols = _symbols(markets)
    window = seconds * 1000
    with tempfile.TemporaryDirectory(prefix="mmwatch-bench-raw-runs-") as tmp:
        data_dir = DataDir(Path(tmp)).ensure()
        _warm_up(data_dir, symbols, levels, trades)
        timings, cpu_times, keys_read, cpu_start = [], [], [], _cpu()
        for number in range(runs):
            start = DAY_START_MS + number * window
            overlap = start - BOOK_EVERY_MS if number else start  # the previous batch's last book again
            books = _books(symbols, overlap, start + window, levels)
            trade_rows = _trades(symbols, overlap, start + window, trades)
            files = [LandingFile.parse(write_landing(data_dir, "orderbooks", DAY, EXCHANGE, books, "collector")),
                     LandingFile.parse(write_landing(data_dir, "trades", DAY, EXCHANGE, trade_rows, "collector"))]
            began, cpu_began = time.perf_counter(), _cpu()
            outcomes = [materialize_partition(table, data_dir, DAY, EXCHANGE, [file])
                        for table, file in zip((ORDERBOOKS, TRADES), files)]
            timings.append(time.perf_counter() - began)
            cpu_times.append(_cpu() - cpu_began)
            keys_read.append(sum(getattr(o, "lake_files_keys_read", -1) for o in outcomes))
        cpu = _cpu() - cpu_start
        folder = data_dir.lake_dir("raw_orderbooks") / f"day={DAY}" / f"exchange={EXCHANGE}"
        lake = pl.scan_parquet(str(folder / "*.parquet")).select("snapshot_id").collect()
        expected = markets * runs * (window // BOOK_EVERY_MS)
        assert lake.height == expected == lake["snapshot_id"].n_unique(), (lake.height, expected)
    return {"timings": timings, "cpu_times": cpu_times, "keys_read": keys_read, "cpu": cpu, "rows": expected}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--markets", type=int, default=50)
    parser.add_argument("--levels", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60, help="of the day per batch")
    parser.add_argument("--trades", type=int, default=20, help="per market per batch")
    args = parser.parse_args(argv)
    load = "/".join(f"{value:.1f}" for value in os.getloadavg())
    result = run(args.runs, args.markets, args.levels, args.seconds, args.trades)
    timings, cpu_times = result["timings"], result["cpu_times"]
    head, tail = statistics.median(timings[:10]), statistics.median(timings[-10:])
    cpu_head, cpu_tail = statistics.median(cpu_times[:10]), statistics.median(cpu_times[-10:])
    print(f"{args.runs} batch runs of one partition: {args.markets} markets, {args.levels} levels, "
          f"{args.seconds} s of the day per batch, {result['rows']} books in the lake at the end")
    print("| 1st run s | last run s | median first 10 s | median last 10 s | last 10 / first 10 "
          "| CPU s per run, median first 10 → last 10 | lake files whose keys the last run read | CPU s (all runs) "
          "| load before → after |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(f"| {timings[0]:.3f} | {timings[-1]:.3f} | {head:.3f} | {tail:.3f} | {tail / head:.2f} "
          f"| {cpu_head:.3f} → {cpu_tail:.3f} ({cpu_tail / cpu_head:.2f}x) "
          f"| {result['keys_read'][-1]} | {result['cpu']:.1f} | {load} → "
          f"{'/'.join(f'{v:.1f}' for v in os.getloadavg())} |")


if __name__ == "__main__":
    main()
