"""Benchmark: dbt run of fct_orderbook_snapshot_metrics over one full day.

Generates (DuckDB SQL) one UTC day of 50 markets at a 10 s cadence = 432,000 order-book
snapshots with 100 levels a side into a temporary lake, then times
`dbt run --select fct_orderbook_snapshot_metrics --vars {day: ...}` in a subprocess and
reports its wall time and peak RSS (targets: < 15 s, < 2 GiB) as a markdown table row.

    .venv/bin/python benchmarks/bench_snapshot_metrics.py [--keep DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
DBT_DIR = REPO / "dbt"
DBT = Path(sys.executable).with_name("dbt")
DAY = "2025-11-20"
EXCHANGES = ("binance", "bybit", "gate", "kucoin", "okx")
BASES = ("BTC", "ETH", "SOL", "XRP", "DOGE", "ADA", "AVAX", "LINK", "DOT")
CADENCE_S = 10
LEVELS = 100

# 5 exchanges x (9 USDT markets + ETH/BTC) = 50 markets; ETH/BTC needs the USD-rate ASOF join
GENERATE_SQL = """
copy (
    with markets as (
        select exchange, symbol, row_number() over () as market_no
        from (select unnest($exchanges) as exchange)
        cross join (select unnest(list_transform($bases, lambda b: b || '/USDT') || ['ETH/BTC']) as symbol)
    ),
    ticks as (
        select range as tick from range(86400 // $cadence)
    ),
    books as (
        select
            exchange, symbol, market_no,
            epoch_ms(date '{day}') + tick * $cadence * 1000 + market_no * 7 as ts,
            tick,
            (case when symbol = 'ETH/BTC' then 0.05 else 10.0 * market_no end)
                * (1 + 0.01 * sin(tick / 500.0 + market_no)) as mid,
            (1 + (tick + market_no) % 5) as half_spread_bps
        from markets cross join ticks
    )
    select
        exchange,
        'spot' as market_type,
        symbol,
        ts as exchange_ts,
        ts + 40 as received_ts,
        tick as nonce,
        list_transform(range($levels), lambda k: {{'price': mid * (1 - (half_spread_bps + 2 * k) / 10000.0),
                                                  'amount': 1.0 + (k + tick) % 7}}) as bids,
        list_transform(range($levels), lambda k: {{'price': mid * (1 + (half_spread_bps + 2 * k) / 10000.0),
                                                  'amount': 1.0 + (k + tick) % 5}}) as asks,
        'collector' as source,
        ts,
        printf('%016x', hash(exchange, symbol, ts)) as snapshot_id,
        true as is_valid,
        null::varchar as invalid_reason,
        '{day}' as day
    from books
) to '{lake}' (format parquet, partition_by (day, exchange), write_partition_columns false,
               compression zstd, row_group_size 20000)
"""


def generate_lake(data_dir: Path) -> tuple[int, float]:
    """Write the synthetic day into data_dir/lake/raw_orderbooks; return (snapshots, seconds)."""
    lake = data_dir / "lake" / "raw_orderbooks"
    lake.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with duckdb.connect(config={"threads": 2, "memory_limit": "4GB",
                                "preserve_insertion_order": False}) as con:
        con.execute(GENERATE_SQL.format(day=DAY, lake=lake),
                    {"exchanges": list(EXCHANGES), "bases": list(BASES),
                     "cadence": CADENCE_S, "levels": LEVELS})
        count = con.execute(f"select count(*) from read_parquet('{lake}/*/*/*.parquet')").fetchone()[0]
    return count, time.perf_counter() - started


def dbt_command(args: list[str], data_dir: Path) -> list[str]:
    return [str(DBT), *args, "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR),
            "--target-path", str(data_dir / "dbt_target"), "--log-path", str(data_dir / "dbt_logs"),
            "--vars", json.dumps({"day": DAY})]


def run_measured(command: list[str], env: dict) -> tuple[float, float, int]:
    """Run `command`, return (wall seconds, CPU seconds, peak RSS bytes) of that process.

    CPU seconds (user + system) do not depend on what else the machine runs; wall time does.
    """
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{output.decode(errors='replace')}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024  # Linux: KiB


def model_seconds(data_dir: Path) -> float:
    results = json.loads((data_dir / "dbt_target" / "run_results.json").read_text())
    return sum(r["execution_time"] for r in results["results"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path,
                        help="data dir to use and keep (default: a temp dir); its lake is reused if present")
    args = parser.parse_args()
    data_dir = args.keep or Path(tempfile.mkdtemp(prefix="mmwatch-bench-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "MMWATCH_DATA_DIR": str(data_dir.resolve())}

    if (data_dir / "lake" / "raw_orderbooks").exists():  # --keep DIR from an earlier run
        snapshots, generate_s = 0, 0.0
    else:
        snapshots, generate_s = generate_lake(data_dir)
    # untimed set-up: seeds and the staging views the model reads
    subprocess.run(dbt_command(["seed", "--quiet"], data_dir), env=env, check=True)
    subprocess.run(dbt_command(["run", "--quiet", "--select", "staging"], data_dir), env=env, check=True)
    wall_s, cpu_s, peak_rss = run_measured(
        dbt_command(["run", "--select", "fct_orderbook_snapshot_metrics"], data_dir), env)
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute("select count(*) from fct_orderbook_snapshot_metrics").fetchone()[0]
        snapshots = snapshots or con.execute(
            f"select count(*) from read_parquet('{data_dir}/lake/raw_orderbooks/*/*/*.parquet')").fetchone()[0]
    lake_mb = sum(p.stat().st_size for p in (data_dir / "lake").rglob("*.parquet")) / 1e6

    print(f"generated {snapshots:,} snapshots ({lake_mb:,.0f} MB Parquet) in {generate_s:.1f} s; "
          f"data dir {data_dir}")
    load = os.getloadavg()[0]
    print("| benchmark | snapshots | rows out | dbt wall (s) | model (s) | CPU (s) | peak RSS (MiB) "
          "| load avg | target |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(f"| dbt run fct_orderbook_snapshot_metrics, 1 day | {snapshots:,} | {rows:,} | {wall_s:.1f} "
          f"| {model_seconds(data_dir):.1f} | {cpu_s:.1f} | {peak_rss / 2**20:,.0f} | {load:.1f} "
          f"| < 15 s, < 2048 MiB |")


if __name__ == "__main__":
    main()
