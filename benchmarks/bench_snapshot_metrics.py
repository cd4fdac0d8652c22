"""Benchmark: dbt run of fct_orderbook_snapshot_metrics over one full day.

Generates (DuckDB SQL) one UTC day of 50 markets at a 10 s cadence = 432,000 order-book
snapshots with 100 levels a side into a temporary lake, then times, each in a subprocess,
`dbt run --select fct_orderbook_snapshot_metrics --vars {day: ...}` twice: the first build
(the table does not exist: create table as) and a rebuild of the same day (the incremental
delete+insert path a daily Dagster partition takes). Next to them it times bare DuckDB scans
of the same Parquet (count(*), and a sum over every level list) with the profile's settings,
so the ratio model / scan is visible. Reports wall time, CPU seconds and peak RSS (targets:
< 15 s, < 2 GiB) as markdown table rows.

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
        1.0 as contract_size,
        ts,
        printf('%016x', hash(exchange, symbol, ts)) as snapshot_id,
        true as is_valid,
        null::varchar as invalid_reason,
        '{day}' as day
    from books
) to '{lake}' (format parquet, partition_by (day, exchange), write_partition_columns false,
               compression zstd, row_group_size 20000)
"""


# A DuckDB statement in a fresh process: a child's peak RSS then holds only its own memory
# (a big parent's pages would count in a child's ru_maxrss on Linux up to its exec).
DUCKDB_SCRIPT = """
import json, sys, duckdb
with duckdb.connect(config=json.loads(sys.argv[2])) as con:
    print(con.execute(sys.argv[1], json.loads(sys.argv[3])).fetchall())
"""
# dbt/profiles.yml's settings, so the bare scans run under the model's limits
PROFILE_SETTINGS = {"threads": 2, "memory_limit": "3GB", "preserve_insertion_order": False}


def duckdb_command(sql: str, config: dict, params: dict | None = None) -> list[str]:
    """The command running `sql` with `params` on an in-memory DuckDB with `config`."""
    return [sys.executable, "-c", DUCKDB_SCRIPT, sql, json.dumps(config), json.dumps(params or {})]


def generate_lake(data_dir: Path, env: dict) -> float:
    """Write the synthetic day into data_dir/lake/raw_orderbooks; return the seconds it took."""
    lake = data_dir / "lake" / "raw_orderbooks"
    lake.parent.mkdir(parents=True, exist_ok=True)
    params = {"exchanges": list(EXCHANGES), "bases": list(BASES), "cadence": CADENCE_S, "levels": LEVELS}
    config = {**PROFILE_SETTINGS, "memory_limit": "4GB"}
    return run_measured(duckdb_command(GENERATE_SQL.format(day=DAY, lake=lake), config, params), env)[0]


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


SCAN_SQL = {
    "count(*)": "select count(*) from read_parquet('{glob}', hive_partitioning = true)",
    "sum over level lists": (
        "select count(*), sum(list_sum(list_transform(bids, lambda level: level.price * level.amount))),"
        " sum(list_sum(list_transform(asks, lambda level: level.price * level.amount)))"
        " from read_parquet('{glob}', hive_partitioning = true)"),
}


def scan_rows(data_dir: Path, env: dict) -> list[tuple[str, float, float, int]]:
    """Bare DuckDB scans of the lake's order books, each in a fresh process: (name, wall, CPU, RSS)."""
    glob = data_dir / "lake" / "raw_orderbooks" / "*" / "*" / "*.parquet"
    return [(name, *run_measured(duckdb_command(sql.format(glob=glob), PROFILE_SETTINGS), env))
            for name, sql in SCAN_SQL.items()]


def drop_mart(data_dir: Path) -> None:
    """Drop the mart so the next dbt run takes the first-build (create table) path."""
    with duckdb.connect(str(data_dir / "warehouse.duckdb")) as con:
        con.execute("drop table if exists fct_orderbook_snapshot_metrics")


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

    reused = (data_dir / "lake" / "raw_orderbooks").exists()  # --keep DIR from an earlier run
    generate_s = 0.0 if reused else generate_lake(data_dir, env)
    # untimed set-up: seeds and the staging views the model reads
    subprocess.run(dbt_command(["seed", "--quiet"], data_dir), env=env, check=True)
    subprocess.run(dbt_command(["run", "--quiet", "--select", "staging"], data_dir), env=env, check=True)
    drop_mart(data_dir)
    model_run = dbt_command(["run", "--select", "fct_orderbook_snapshot_metrics"], data_dir)
    timed = []
    for name in ("first build (create table)", "rebuild of the day (delete+insert)"):
        wall_s, cpu_s, peak_rss = run_measured(model_run, env)
        timed.append((f"dbt run fct_orderbook_snapshot_metrics, 1 day: {name}", wall_s,
                      model_seconds(data_dir), cpu_s, peak_rss))
    # dbt's fixed cost (imports, manifest, connection): a run of one tiny view
    wall_s, cpu_s, peak_rss = run_measured(dbt_command(["run", "--select", "stg_seeds__usd_stable_quotes"],
                                                       data_dir), env)
    timed.append(("dbt start-up: dbt run of one seed view", wall_s, model_seconds(data_dir), cpu_s, peak_rss))
    timed += [(f"bare DuckDB scan of the lake: {name}", wall_s, None, cpu_s, peak_rss)
              for name, wall_s, cpu_s, peak_rss in scan_rows(data_dir, env)]
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute("select count(*) from fct_orderbook_snapshot_metrics").fetchone()[0]
        snapshots = con.execute(
            f"select count(*) from read_parquet('{data_dir}/lake/raw_orderbooks/*/*/*.parquet')").fetchone()[0]
    lake_mb = sum(p.stat().st_size for p in (data_dir / "lake").rglob("*.parquet")) / 1e6

    made = "reused" if reused else f"generated in {generate_s:.1f} s"
    print(f"lake: {snapshots:,} snapshots ({lake_mb:,.0f} MB Parquet), {made}; "
          f"data dir {data_dir}; mart rows {rows:,}")
    load = os.getloadavg()[0]
    print("| benchmark | snapshots | wall (s) | model (s) | CPU (s) | peak RSS (MiB) | load avg | target |")
    print("|---|---|---|---|---|---|---|---|")
    for name, wall_s, model_s, cpu_s, peak_rss in timed:
        model = "" if model_s is None else f"{model_s:.1f}"
        target = "< 15 s, < 2048 MiB" if name.startswith("dbt run fct") else ""
        print(f"| {name} | {snapshots:,} | {wall_s:.1f} | {model} | {cpu_s:.1f} "
              f"| {peak_rss / 2**20:,.0f} | {load:.1f} | {target} |")
    model_cpu, scan_cpu = timed[1][3], timed[-1][3]
    print(f"rebuild / bare level-list scan: {model_cpu / scan_cpu:.1f}x CPU, "
          f"{timed[1][1] / timed[-1][1]:.1f}x wall")


if __name__ == "__main__":
    main()
