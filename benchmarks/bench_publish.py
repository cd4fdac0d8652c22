"""Publishing one day of marts for N markets into PostgreSQL `analytics` (target: 200 markets < 20 s).

A synthetic warehouse: fct_orderbook_snapshot_metrics-like rows (one per market every
--every-s seconds, 14 columns) and a per-market daily fact. Publishes it whole (first time: staging
swap into a table partitioned by day), then the day again with the same content (fingerprints
equal: nothing re-sent) and then the day forced (a new partition loaded and swapped in, as when
every market of the day changed), printing seconds (wall and this process's CPU) and rows per table.

    .venv/bin/python benchmarks/bench_publish.py --markets 200 --every-s 10
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import duckdb
import psycopg
from psycopg import sql

from benchmarks.pg_backend_cpu import BackendCpu
from mmwatch.serving.publish import MartTable, publish_marts

DAY = "2026-11-20"


def build_warehouse(path: Path, markets: int, every_s: int) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute(f"""
            create table fct_orderbook_snapshot_metrics as
            select 'ex' || (m % 8) as exchange, 'spot' as market_type, 'SYM' || m || '/USDT' as symbol,
                   date '{DAY}' as day, timestamp '{DAY}' + to_seconds(s) as ts, hash(m, s)::varchar as snapshot_id,
                   100 + m * 0.01 as mid, 5.0 + (s % 7) as spread_bps, 25000.0 + s % 1000 as bid_depth_usd,
                   25000.0 + s % 900 as ask_depth_usd, (s % 13) / 13.0 as imbalance, 3.5 as slippage_buy_10k_bps,
                   4.0 as slippage_sell_10k_bps, s % 97 = 0 as insufficient_depth
            from range({markets}) t(m), range(0, 86400, {every_s}) u(s)""")
        con.execute(f"""
            create table fct_mm_compliance_daily as
            select 'ob-' || m as obligation_id, 'MM' || (m % 5) as mm_name, 'ex' || (m % 8) as exchange,
                   'SYM' || m || '/USDT' as symbol, date '{DAY}' as day, 90.0 + m % 10 as uptime_pct,
                   case when m % 10 > 3 then 'pass' else 'fail' end as verdict
            from range({markets}) t(m)""")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--markets", type=int, default=200)
    parser.add_argument("--every-s", type=int, default=10)
    parser.add_argument("--dsn", default=os.environ.get("MMWATCH_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()
    marts = [MartTable("fct_orderbook_snapshot_metrics", True), MartTable("fct_mm_compliance_daily", True)]
    database = f"mmwatch_bench_{os.getpid()}"
    with tempfile.TemporaryDirectory() as tmp:
        warehouse = Path(tmp) / "warehouse.duckdb"
        started = time.perf_counter()
        build_warehouse(warehouse, args.markets, args.every_s)
        print(f"synthetic warehouse: {args.markets} markets, a snapshot every {args.every_s} s, {time.perf_counter() - started:.1f} s")
        try:
            rounds = (("first publish (swap)", None, False), ("day re-publish, same content", DAY, False),
                      ("day re-publish, every row re-sent (force)", DAY, True))
            for label, day, force in rounds:
                started, cpu = time.perf_counter(), time.process_time()
                with BackendCpu(args.dsn, database) as backend:
                    done = publish_marts(warehouse, args.dsn, marts, day, database=database, force=force)
                pg_cpu = "n/a" if backend.seconds is None else f"{backend.seconds:.2f} s"
                print(f"{label}: {time.perf_counter() - started:.2f} s total; CPU: {time.process_time() - cpu:.2f} s here "
                      f"(DuckDB export, in parallel with PostgreSQL), {pg_cpu} in PostgreSQL")
                for table in done:
                    print(f"  {table.table}: {table.mode} {table.rows:,} rows in {table.seconds:.2f} s")
        finally:
            with psycopg.connect(args.dsn, autocommit=True) as conn:
                conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(database)))
    print(f"load: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
