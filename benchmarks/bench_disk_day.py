"""Disk per market-day: landing and lake bytes of a simulated day, before and after compaction.

A generated scenario of MARKETS spot markets over five venues (benchmarks/bench_freshness.py: 120
background levels a side, 20 trades a minute) is captured for HOURS of its day as the collector
would record it (a book of 100 levels a side every 10 s, trades every minute), cut into BATCHES
time slices, and each slice is imported and ingested by one raw batch run per partition, the way
the landing sensor feeds the lake through a day. Then every partition is compacted.

Prints the bytes of the landing zone, of the lake in its batch files and of the compacted lake,
per market-day (scaled to 24 h when HOURS < 24) and for the whole run, and the seconds of the raw
runs and of the compaction.

    .venv/bin/python -m benchmarks.bench_disk_day [--markets 20] [--hours 24] [--batches 24]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

from assets.upkeep.compaction import RAW_TABLES
from benchmarks.bench_freshness import generated_scenario
from mmwatch.capture.importer import import_capture
from mmwatch.lake.compaction import compact_partition, partitions_to_compact
from mmwatch.lake.raw_partition import materialize_partition
from mmwatch.landing.zone import LandingFile
from mmwatch.settings import DataDir
from simulator.capture_day import capture_day
from simulator.scenario import load_scenario

TABLE_OF_DATASET = {table.dataset: table for table in RAW_TABLES}
MB = 1_000_000


def _bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*.parquet")) if folder.exists() else 0


def _slices(capture: Path, batches: int, folder: Path) -> list[Path]:
    """The capture cut into `batches` files of consecutive lines (its lines are in time order)."""
    lines = capture.read_text().splitlines(keepends=True)
    size = -(-len(lines) // batches)
    paths = []
    for number in range(batches):
        path = folder / f"slice-{number:03d}.jsonl"
        path.write_text("".join(lines[number * size:(number + 1) * size]))
        paths.append(path)
    return paths


def run(markets: int, hours: float, batches: int) -> dict:
    day = (date.today() - timedelta(days=3)).isoformat()
    with tempfile.TemporaryDirectory(prefix="mmwatch-bench-disk-") as tmp:
        folder = Path(tmp)
        scenario_path, _ = generated_scenario(folder, markets, day)
        captured = capture_day(load_scenario(scenario_path), folder / "day.jsonl", every_ms=10_000, limit=100, hours=hours)
        data_dir = DataDir(folder / "data").ensure()
        raw_s = 0.0
        for piece in _slices(captured.path, batches, folder):
            landed = import_capture(data_dir, piece).files
            by_partition: dict[tuple, list[LandingFile]] = defaultdict(list)
            for path in landed:
                file = LandingFile.parse(path)
                by_partition[(file.dataset, file.day, file.exchange)].append(file)
            started = time.perf_counter()
            for (dataset, file_day, exchange), files in sorted(by_partition.items()):
                materialize_partition(TABLE_OF_DATASET[dataset], data_dir, file_day, exchange, files)
            raw_s += time.perf_counter() - started
        landing = _bytes(data_dir.landing)
        lake_before = {t.name: _bytes(data_dir.lake_dir(t.name)) for t in RAW_TABLES}
        files_before = sum(1 for _ in data_dir.lake.rglob("*.parquet"))
        started = time.perf_counter()
        for table in RAW_TABLES:
            for part_day, exchange in partitions_to_compact(data_dir, table.name, day):
                compact_partition(table, data_dir, part_day, exchange)
        compaction_s = time.perf_counter() - started
        lake_after = {t.name: _bytes(data_dir.lake_dir(t.name)) for t in RAW_TABLES}
        files_after = sum(1 for p in data_dir.lake.rglob("*.parquet") if "_tmp" not in p.parts)
    return {"books": captured.orderbooks, "trades": captured.trades, "landing": landing, "lake_before": lake_before,
            "lake_after": lake_after, "files_before": files_before, "files_after": files_after, "raw_s": raw_s,
            "compaction_s": compaction_s}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--markets", type=int, default=20)
    parser.add_argument("--hours", type=float, default=24)
    parser.add_argument("--batches", type=int, default=24, help="raw batch runs per partition")
    args = parser.parse_args(argv)
    load = "/".join(f"{value:.1f}" for value in os.getloadavg())
    result = run(args.markets, args.hours, args.batches)
    per_market_day = 24 / args.hours / args.markets / MB
    before, after = sum(result["lake_before"].values()), sum(result["lake_after"].values())
    print(f"{args.markets} markets, {args.hours:g} h, {args.batches} raw batch runs per partition: {result['books']:,} books "
          f"(100 levels a side, every 10 s), {result['trades']:,} trades; load {load}")
    print("| | landing | lake, batch files | lake, compacted | of which books (compacted) |")
    print("|---|---|---|---|---|")
    print(f"| MB per market-day | {result['landing'] * per_market_day:.2f} | {before * per_market_day:.2f} "
          f"| {after * per_market_day:.2f} | {result['lake_after']['raw_orderbooks'] * per_market_day:.2f} |")
    print(f"| MB in this run | {result['landing'] / MB:.1f} | {before / MB:.1f} ({result['files_before']} files) "
          f"| {after / MB:.1f} ({result['files_after']} files) | {result['lake_after']['raw_orderbooks'] / MB:.1f} |")
    print(f"raw batch runs {result['raw_s']:.1f} s, compaction {result['compaction_s']:.1f} s")


if __name__ == "__main__":
    main()
