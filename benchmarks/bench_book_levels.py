"""Benchmark: the size of fct_book_levels (issue 16) per market-day, in the warehouse and published.

A whole simulated day of the demo scenario (scenarios/demo.yaml: nine markets, books every 10 s,
100 levels requested) is written as a capture (simulator.capture_day), imported and built through
Dagster (`mmwatch build`'s run_daily_build); then fct_book_levels alone is published into a throwaway
PostgreSQL database. Prints per market the kept snapshots (minute snapshots, breach bounds) and
rows, the model's dbt build time, the table's storage blocks in warehouse.duckdb and PostgreSQL's
pg_total_relation_size of the day's partition (table, TOAST and indexes), per market-day.

    .venv/bin/python -m benchmarks.bench_book_levels [--hours 24] [--dsn postgresql://postgres@127.0.0.1:5432/postgres]
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import duckdb
import psycopg
from psycopg import sql

from mmwatch.capture.importer import import_capture
from mmwatch.serving.day_partitions import PARTITIONS_SCHEMA, partition_name
from mmwatch.serving.postgres import MARTS_SCHEMA, with_database
from mmwatch.serving.publish import MartTable, publish_marts
from mmwatch.settings import DataDir
from pipelines.daily_build import run_daily_build
from simulator.capture_day import capture_day
from simulator.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "scenarios" / "demo.yaml"


def _model_seconds(root: Path, model: str) -> float | None:
    """The model's execution time in the build's dbt run_results.json (the newest that has it)."""
    for path in sorted(root.rglob("run_results.json"), key=lambda p: p.stat().st_mtime, reverse=True):
        for result in json.loads(path.read_text()).get("results", []):
            if result.get("unique_id") == f"model.mmwatch.{model}":
                return result.get("execution_time")
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hours", type=float, default=24)
    parser.add_argument("--dsn", default=os.environ.get("MMWATCH_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()
    scenario = load_scenario(DEMO)
    day = scenario.date.isoformat()
    database = f"mmwatch_bench_{os.getpid()}"
    with tempfile.TemporaryDirectory() as tmp:
        layout = DataDir(Path(tmp) / "data").ensure()
        os.environ["DAGSTER_HOME"] = str(layout.dagster_home)
        os.environ.pop("MMWATCH_OBLIGATIONS_CSV", None)
        started = time.perf_counter()
        captured = capture_day(scenario, Path(tmp) / "day.jsonl.gz", every_ms=10_000, limit=100, hours=args.hours)
        import_capture(layout, captured.path)
        obligations = scenario.write_obligations_csv(Path(tmp) / "obligations.csv")
        print(f"captured and imported {captured.orderbooks:,} books of {args.hours:g} h ({time.perf_counter() - started:.0f} s)")
        started = time.perf_counter()
        run_daily_build(day, layout.root, obligations)
        seconds = _model_seconds(layout.root, "fct_book_levels")
        print(f"built the day through Dagster: {time.perf_counter() - started:.0f} s; fct_book_levels: "
              f"{'n/a' if seconds is None else f'{seconds:.2f} s'} of it")
        with duckdb.connect(str(layout.warehouse), read_only=True) as con:
            markets = con.execute(
                "select exchange, symbol, count(distinct snapshot_id) as snapshots, "
                "count(distinct snapshot_id) filter (where is_minute_snapshot) as minute_snapshots, "
                "count(distinct snapshot_id) filter (where breach_start_of is not null or breach_end_of is not null) as bounds, "
                "count(*) as rows from fct_book_levels group by all order by all").fetchall()
            # the table's share of the file: its distinct storage blocks (256 KiB each), compressed as stored
            [(duck_bytes,)] = con.execute("select count(distinct block_id) * 262144 from pragma_storage_info('fct_book_levels') "
                                          "where block_id is not null").fetchall()
        print(f"{'market':<28} {'snapshots':>9} {'minute':>7} {'bounds':>7} {'rows':>9}")
        for exchange, symbol, snapshots, minute, bounds, rows in markets:
            print(f"{exchange + ' ' + symbol:<28} {snapshots:>9,} {minute:>7,} {bounds:>7,} {rows:>9,}")
        total_rows = sum(m[-1] for m in markets)
        try:
            done = publish_marts(layout.warehouse, args.dsn, [MartTable("fct_book_levels", True)], day, database=database)
            with psycopg.connect(with_database(args.dsn, database)) as conn:
                [(pg_bytes,)] = conn.execute("select pg_total_relation_size(%s::regclass)", (
                    sql.Identifier(PARTITIONS_SCHEMA, partition_name("fct_book_levels", day)).as_string(conn),)).fetchall()
        except psycopg.Error as error:
            done, pg_bytes = [], None
            print(f"publishing skipped: {error}")
        finally:
            with psycopg.connect(args.dsn, autocommit=True) as conn:
                conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(database)))
        n = len(markets)
        print(f"total: {total_rows:,} rows for {n} markets = {total_rows / n:,.0f} rows per market-day")
        print(f"DuckDB storage blocks of the table: {duck_bytes / 1e6:.1f} MB = {duck_bytes / n / 1e6:.2f} MB per market-day")
        if pg_bytes is not None:
            published = next((p for p in done if p.table == "fct_book_levels"), None)
            print(f"PostgreSQL {MARTS_SCHEMA}.fct_book_levels day partition: {pg_bytes / 1e6:.1f} MB = "
                  f"{pg_bytes / n / 1e6:.2f} MB per market-day ({total_rows and pg_bytes / total_rows:.0f} bytes a row); "
                  f"published in {published.seconds if published else float('nan'):.1f} s")
    print(f"load: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
