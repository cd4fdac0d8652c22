"""Benchmark (issue 15): readers of warehouse.duckdb while a real `mmwatch build` writes it.

A day of order books (binance, --markets spot markets, a book every 10 s for --hours) is imported
and built once; then the same day is built again by `mmwatch build` in a subprocess while
--readers processes read the warehouse in a loop (open, count the day's compliance rows, close,
--pause-s pause) until the build ends. Twice: `bare`, the way every reader opened it before
(duckdb.connect(read_only=True), failing on DuckDB's lock), and `locked`, through
mmwatch.duckdb_files.read_warehouse (the warehouse lock: wait while the build writes). Prints,
per mode, whether the build succeeded, the reads, the failed ones and the read times.

    .venv/bin/python benchmarks/bench_concurrent_readers.py [--readers 8] [--markets 4] [--hours 24] [--pause-s 0.1]
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

MMWATCH = str(Path(sys.executable).parent / "mmwatch")
DAY = "2026-11-20"
SYMBOLS = ("BTC/USDT", "ETH/USDT", "SOL/USDT", "XRP/USDT", "ADA/USDT", "DOGE/USDT", "LTC/USDT", "DOT/USDT")


def write_capture(path: Path, markets: int, hours: float) -> int:
    t0 = int(datetime.fromisoformat(f"{DAY}T00:00:00+00:00").timestamp() * 1000)
    books = int(hours * 360)
    with path.open("w") as out:
        for i in range(books):
            for m, symbol in enumerate(SYMBOLS[:markets]):
                mid = 100.0 * (m + 1) + (i % 50) * 0.01
                out.write(json.dumps({"type": "orderbook", "exchange": "binance", "market_type": "spot",
                                      "symbol": symbol, "timestamp": t0 + i * 10_000,
                                      "received_at": t0 + i * 10_000 + 40, "nonce": i,
                                      "bids": [[round(mid - 0.05 * k, 2), 2.0] for k in range(1, 21)],
                                      "asks": [[round(mid + 0.05 * k, 2), 1.5] for k in range(1, 21)]}) + "\n")
    return books * markets


def reader(mode: str, warehouse: str, pause_s: float, stop, results) -> None:
    import duckdb

    from mmwatch.duckdb_files import read_warehouse

    reads, failures, times = 0, [], []
    while not stop.is_set():
        started = time.perf_counter()
        try:
            opener = (duckdb.connect(warehouse, read_only=True) if mode == "bare"
                      else read_warehouse(warehouse, on_wait=lambda _: None))
            with opener as con:
                con.execute("select count(*) from fct_mm_compliance_daily where day = ?", [DAY]).fetchone()
            times.append(time.perf_counter() - started)
        except Exception as error:  # noqa: BLE001 - what a reader met is the measurement
            failures.append(type(error).__name__ + ": " + str(error).splitlines()[0][:120])
        reads += 1
        time.sleep(pause_s)
    results.put((reads, failures, times))


def measure(mode: str, data: Path, env: dict, readers: int, pause_s: float) -> dict:
    context = mp.get_context("spawn")
    stop, results = context.Event(), context.Queue()
    procs = [context.Process(target=reader, args=(mode, str(data / "warehouse.duckdb"), pause_s, stop, results))
             for _ in range(readers)]
    for proc in procs:
        proc.start()
    time.sleep(3)  # the readers are reading before the build starts
    started = time.perf_counter()
    build = subprocess.run([MMWATCH, "build", "--date", DAY, "--data-dir", str(data)], capture_output=True,
                           text=True, env=env, cwd=REPO)
    build_s = time.perf_counter() - started
    stop.set()
    gathered = [results.get(timeout=600) for _ in procs]
    for proc in procs:
        proc.join()
    times = sorted(t for _, _, ts in gathered for t in ts)
    failures = [f for _, fs, _ in gathered for f in fs]
    return dict(mode=mode, build_ok=build.returncode == 0, build_s=build_s,
                build_error=(build.stderr.strip().splitlines() or [""])[-1][:200],
                reads=sum(r for r, _, _ in gathered), failed=len(failures), kinds=sorted(set(failures))[:3],
                p50=times[len(times) // 2] if times else None, max=times[-1] if times else None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=8)
    parser.add_argument("--markets", type=int, default=4)
    parser.add_argument("--hours", type=float, default=24)
    parser.add_argument("--pause-s", type=float, default=0.1, help="pause between a reader's reads")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-readers-") as tmp:
        data = Path(tmp) / "data"
        env = {**os.environ, "DAGSTER_HOME": str(data / "dagster_home"), "MMWATCH_ALERTS_CONFIG": ""}
        env.pop("MMWATCH_OBLIGATIONS_CSV", None)
        books = write_capture(Path(tmp) / "books.jsonl", args.markets, args.hours)
        subprocess.run([MMWATCH, "import", str(Path(tmp) / "books.jsonl"), "--data-dir", str(data)], check=True,
                       env=env, cwd=REPO, capture_output=True)
        subprocess.run([MMWATCH, "build", "--date", DAY, "--data-dir", str(data)], check=True, env=env, cwd=REPO,
                       capture_output=True)
        print(f"{books:,} books of {args.markets} markets; {args.readers} reader processes, {args.pause_s} s apart; "
              f"load {os.getloadavg()[0]:.1f} at {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC")
        for mode in ("bare", "locked"):
            r = measure(mode, data, env, args.readers, args.pause_s)
            print(f"{mode:6}  build {'ok' if r['build_ok'] else 'FAILED: ' + r['build_error']} in {r['build_s']:.1f} s; "
                  f"reads {r['reads']}, failed {r['failed']}; read p50 {r['p50'] or 0:.3f} s, max {r['max'] or 0:.1f} s"
                  + (f"; {r['kinds']}" if r["kinds"] else ""))


if __name__ == "__main__":
    main()
