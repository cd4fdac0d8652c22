"""Raw order-book materialization speed: snapshots/s and peak RSS.

Generates landing files with write_landing (100 levels a side, a few markets,
about 1 % invalid), materializes the raw_orderbooks asset through Dagster
(rebuild of one day x exchange partition) and prints a markdown row.

    .venv/bin/python -m benchmarks.bench_raw [--snapshots 100000] [--files 20]
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import tempfile
import time

import dagster as dg
import polars as pl

from assets.raw.orderbooks import raw_orderbooks
from mmwatch.landing.zone import write_landing
from mmwatch.schemas import LANDING_ORDERBOOKS
from mmwatch.settings import DataDir
from resources.data_dir import DataDirResource

DAY = "2026-11-20"
DAY_START_MS = 1_795_132_800_000
LEVELS_PER_SIDE = 100
SYMBOLS = ("BTC/USDT", "ETH/USDT", "SOL/USDT", "XRP/USDT")


def landing_frame(count: int, start_ms: int, rng: random.Random) -> pl.DataFrame:
    """`count` snapshots of 100 levels a side, 250 ms apart, rotating over SYMBOLS."""
    rows = []
    for i in range(count):
        mid = 100.0 + rng.random()
        tick = 0.01
        bids = [{"price": mid - tick * (k + 1), "amount": rng.random() * 2} for k in range(LEVELS_PER_SIDE)]
        asks = [{"price": mid + tick * (k + 1), "amount": rng.random() * 2} for k in range(LEVELS_PER_SIDE)]
        if rng.random() < 0.01:
            asks[0]["price"] = bids[0]["price"] - tick  # crossed
        ts = start_ms + i * 250
        rows.append({
            "exchange": "binance", "market_type": "spot", "symbol": SYMBOLS[i % len(SYMBOLS)],
            "exchange_ts": ts, "received_ts": ts + 20, "nonce": i, "bids": bids, "asks": asks,
            "source": "collector",
        })
    return pl.DataFrame(rows, schema=LANDING_ORDERBOOKS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshots", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=20)
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as root:
        data_dir = DataDir.from_env(root).ensure()
        per_file = args.snapshots // args.files
        template = landing_frame(per_file, DAY_START_MS, rng)
        for n in range(args.files):
            # shift ts per file so every snapshot is distinct
            shifted = template.with_columns(
                pl.col("exchange_ts") + n * per_file * 250, pl.col("received_ts") + n * per_file * 250
            )
            write_landing(data_dir, "orderbooks", DAY, "binance", shifted, "bench")
        landing_bytes = sum(p.stat().st_size for p in data_dir.landing.rglob("*.parquet"))
        instance = dg.DagsterInstance.ephemeral()
        resources = {"data_dir": DataDirResource(path=root)}
        # warm-up on an empty partition: Dagster's first run in a process pays ~1 s of set-up
        dg.materialize([raw_orderbooks], partition_key=f"{DAY}|okx", resources=resources, instance=instance)
        started, cpu_started = time.perf_counter(), time.process_time()
        result = dg.materialize(
            [raw_orderbooks], partition_key=f"{DAY}|binance", resources=resources, instance=instance
        )
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        metadata = result.asset_materializations_for_node("raw_orderbooks")[0].metadata
        written = metadata["rows_written"].value
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # the machine may be shared: CPU seconds and the load average tell how busy it was
    print("| snapshots | files | landing MB | seconds | snapshots/s | CPU s | snapshots/CPU s | peak RSS MB | load avg |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {written:,} | {args.files} | {landing_bytes / 1e6:.1f} | {elapsed:.2f} | "
        f"{written / elapsed:,.0f} | {cpu:.2f} | {written / cpu:,.0f} | {peak_mb:,.0f} | {os.getloadavg()[0]:.1f} |"
    )


if __name__ == "__main__":
    main()
