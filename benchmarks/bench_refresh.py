"""Benchmark: a refresh of every mart at 200 markets after one minute of new data (issue 13 target:
<= 15 s), beside a whole-day rebuild of the same warehouse.

Generates with DuckDB SQL (benchmarks/bench_marts_day.py's day: 200 markets, books every 10 s with
100 levels a side, 2,000,000 trades) the day up to 23:58 into a lake under /tmp, an obligation on
every market, and builds every model for it (untimed). Then, each `dbt run` of every model in its
own process with the day in the environment as Dagster passes it (MMWATCH_DBT_DAY), timed:

1. the last minute (23:58) lands as one new file per exchange: an appending refresh
   (MMWATCH_DBT_APPEND=1), with dbt's per-model seconds;
2. the same refresh again with nothing new: the fixed cost of a refresh of every model (dbt start,
   parse, each model's look at the refresh log);
3. dbt's start alone: a run of one seed view;
4. the reference: the whole day rebuilt (MMWATCH_DBT_APPEND unset), what every refresh cost before
   (only fct_orderbook_snapshot_metrics appended).

Dagster's own cost per run (process start, loading the definitions, the run's events) comes on top:
benchmarks/bench_whole_day.py and docs/benchmarks.md measure it.

    .venv/bin/python -m benchmarks.bench_refresh [--markets 200] [--trades 2000000] [--keep DIR]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from benchmarks.bench_marts_day import EXCHANGES, generate_lake
from benchmarks.bench_snapshot_metrics import DAY, DBT, DBT_DIR, run_measured

CUT_MS = int(datetime.fromisoformat(f"{DAY}T23:58:00").replace(tzinfo=timezone.utc).timestamp() * 1000)
LAST_MS = CUT_MS + 60_000


def dbt_run(args: list[str], data_dir: Path, verb: str = "run") -> list[str]:
    """`dbt run` (or `verb`) with the day in the environment (not a var), as Dagster runs it."""
    return [str(DBT), verb, *args, "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR),
            "--target-path", str(data_dir / "dbt_target"), "--log-path", str(data_dir / "dbt_logs")]


def write_obligations(data_dir: Path) -> Path:
    """One obligation on every order-book market of the lake (spec §3 terms of the seed's kind)."""
    import duckdb

    with duckdb.connect() as con:
        markets = con.execute(
            "select distinct exchange, market_type, symbol from read_parquet(?, hive_partitioning = true) order by all",
            [str(data_dir / "lake" / "raw_orderbooks" / "*" / "*" / "*.parquet")]).fetchall()
    path = data_dir / "obligations.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["obligation_id", "mm_name", "exchange", "market_type", "symbol", "valid_from", "valid_to",
                         "max_spread_bps", "depth_band_bps", "min_depth_usd", "min_uptime_pct", "min_coverage_pct",
                         "min_days_pct", "alert_after_s"])
        for number, (exchange, market_type, symbol) in enumerate(markets):
            writer.writerow([f"ob-{number}", f"MM {number % 7}", exchange, market_type, symbol, "2025-01-01", "",
                             8, 50, 20_000, 90, 90, 75, 300])
    return path


def model_seconds(data_dir: Path) -> list[tuple[str, float]]:
    results = json.loads((data_dir / "dbt_target" / "run_results.json").read_text())["results"]
    return sorted(((r["unique_id"].split(".")[-1], r["execution_time"]) for r in results), key=lambda item: -item[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markets", type=int, default=200)
    parser.add_argument("--trades", type=int, default=2_000_000)
    parser.add_argument("--keep", type=Path, help="data dir to use and keep (its day so far is reused if present)")
    args = parser.parse_args()
    data_dir = (args.keep or Path(tempfile.mkdtemp(prefix="mmwatch-bench-refresh-", dir="/tmp"))).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    base_env = {**os.environ, "MMWATCH_DATA_DIR": str(data_dir), "MMWATCH_DBT_DAY": DAY,
                "MMWATCH_OBLIGATIONS_CSV": str(data_dir / "obligations.csv")}
    append_env = {**base_env, "MMWATCH_DBT_APPEND": "1"}
    try:
        if not (data_dir / "lake" / "raw_orderbooks").exists():
            generate_lake(data_dir, args.markets, args.trades, base_env, where=f"where ts < {CUT_MS}")
        write_obligations(data_dir)
        for minute_file in (data_dir / "lake").rglob("minute_*.parquet"):  # a kept dir: the minute lands again
            minute_file.unlink()
        (data_dir / "warehouse.duckdb").unlink(missing_ok=True)
        subprocess.run(dbt_run(["--quiet"], data_dir, "seed"), env=base_env, check=True)
        subprocess.run(dbt_run(["--quiet"], data_dir), env=append_env, check=True)  # the day so far, whole
        generate_lake(data_dir, args.markets, args.trades, base_env,
                      where=f"where ts >= {CUT_MS} and ts < {LAST_MS}",
                      options=", append true, filename_pattern 'minute_{uuid}'")
        rows = [("refresh of every model after one new minute (append)", *run_measured(dbt_run([], data_dir), append_env))]
        timings = model_seconds(data_dir)
        rows.append(("the same refresh with nothing new (fixed cost)", *run_measured(dbt_run([], data_dir), append_env)))
        rows.append(("dbt start alone: one seed view",
                     *run_measured(dbt_run(["--select", "stg_seeds__usd_stable_quotes"], data_dir), base_env)))
        rows.append(("reference: the whole day rebuilt (every model)", *run_measured(dbt_run([], data_dir), base_env)))
        report(data_dir, rows, timings)
    finally:
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


def report(data_dir: Path, rows: list[tuple[str, float, float, int]], timings: list[tuple[str, float]]) -> None:
    import duckdb

    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        snapshots, last = con.execute("select count(*), max(ts) from fct_orderbook_snapshot_metrics").fetchone()
    print(f"{len(EXCHANGES)} exchanges; fct_orderbook_snapshot_metrics {snapshots:,} rows up to "
          f"{datetime.fromtimestamp(last / 1000, timezone.utc):%H:%M:%S}; load avg {os.getloadavg()[0]:.1f}")
    print("| step | wall (s) | CPU (s) | peak RSS (MiB) | target |")
    print("|---|---|---|---|---|")
    for name, wall_s, cpu_s, peak_rss in rows:
        target = "<= 15 s" if name.startswith("refresh") else ""
        print(f"| {name} | {wall_s:.1f} | {cpu_s:.1f} | {peak_rss / 2**20:,.0f} | {target} |")
    print("| model (the refresh) | seconds |")
    print("|---|---|")
    for name, seconds in timings[:15]:
        print(f"| {name} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
