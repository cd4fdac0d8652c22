"""Capture import throughput: generate N order-book snapshots (100 levels a side, a few
markets) into a temporary directory, import them, print snapshots/s and peak RSS.

    .venv/bin/python -m benchmarks.bench_import [--snapshots 100000] [--levels 100] [--gzip]
"""
from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

import orjson

from mmwatch.capture.importer import import_capture
from mmwatch.settings import DataDir

MARKETS = (("binance", "BTC/USDT", 97_000.0), ("binance", "ETH/USDT", 3_100.0),
           ("gate", "BTC/USDT", 97_010.0), ("gate", "SOL/USDT", 140.0))
DAY_START_MS = 1_763_683_200_000


def generate(path: Path, snapshots: int, levels: int, seed: int = 7, interval_ms: int = 10_000) -> int:
    """Write `snapshots` order-book records (one every `interval_ms` per market) plus some trades; returns bytes."""
    rnd = random.Random(seed)
    opener = __import__("gzip").open if path.suffix == ".gz" else open
    with opener(path, "wb") as out:
        for i in range(snapshots):
            exchange, symbol, price = MARKETS[i % len(MARKETS)]
            tick = price * 1e-5
            mid = price * (1 + rnd.uniform(-0.01, 0.01))
            ts = DAY_START_MS + (i // len(MARKETS)) * interval_ms
            bids = [[round(mid - tick * (k + 1), 2), round(rnd.uniform(0.001, 3), 5)] for k in range(levels)]
            asks = [[round(mid + tick * (k + 1), 2), round(rnd.uniform(0.001, 3), 5)] for k in range(levels)]
            out.write(orjson.dumps({"type": "orderbook", "exchange": exchange, "market_type": "spot", "symbol": symbol,
                                    "timestamp": ts, "received_at": ts + 35, "nonce": i, "bids": bids, "asks": asks},
                                   option=orjson.OPT_APPEND_NEWLINE))
            if i % 4 == 0:
                out.write(orjson.dumps({"type": "trade", "exchange": exchange, "market_type": "spot", "symbol": symbol,
                                        "timestamp": ts + 5, "received_at": ts + 40, "id": str(i), "price": mid,
                                        "amount": 0.01, "side": "buy"}, option=orjson.OPT_APPEND_NEWLINE))
    return path.stat().st_size


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--snapshots", type=int, default=100_000)
    parser.add_argument("--levels", type=int, default=100)
    parser.add_argument("--gzip", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mmwatch-bench-") as tmp:
        capture = Path(tmp) / ("capture.jsonl.gz" if args.gzip else "capture.jsonl")
        # Generate in a child process so the import is measured in a clean process (memory, RSS).
        child = multiprocessing.get_context("spawn").Process(target=generate, args=(capture, args.snapshots, args.levels))
        child.start()
        child.join()
        size = capture.stat().st_size
        started = time.perf_counter()
        result = import_capture(DataDir.from_env(Path(tmp) / "data"), capture)
        elapsed = time.perf_counter() - started
        loaded = result.counts.loaded["orderbook"]
        assert loaded == args.snapshots, f"expected {args.snapshots} snapshots, loaded {loaded}"
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print("| benchmark | snapshots | levels/side | file MB | seconds | snapshots/s | peak RSS MB | landing files |")
        print("|---|---|---|---|---|---|---|---|")
        print(f"| capture import{' (gzip)' if args.gzip else ''} | {loaded:,} | {args.levels} | {size / 1e6:.0f} | "
              f"{elapsed:.2f} | {loaded / elapsed:,.0f} | {peak_mb:.0f} | {len(result.files)} |")


if __name__ == "__main__":
    main(sys.argv[1:])
