"""Every Metabase card's SQL over --days days x --markets markets of marts in PostgreSQL (target:
90 days x 200 markets, p95 < 500 ms per card, with its default filters and with one venue + one
market + one market maker).

The tables are the publisher's: a warehouse with every mart (--template, default: the small day of
tests/metabase/every_mart_lake.py built by the real dbt) is published into a throwaway database,
its rows removed, then each day's rows are generated in PostgreSQL (benchmarks/synthetic_marts.py)
into a day partition made like the publisher's. The database is dropped at the end.

    .venv/bin/python benchmarks/bench_metabase_cards.py [--days 90] [--markets 200] [--runs 15]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import psycopg
from psycopg import sql

from benchmarks.synthetic_marts import GRAINS, VENUES, rows_sql
from mmwatch.metabase.content import load_content
from mmwatch.metabase.render import render_sql
from mmwatch.serving.day_partitions import PARTITIONS_SCHEMA, partition_name
from mmwatch.serving.postgres import READER_ROLE, with_database
from mmwatch.serving.publish import marts_from_manifest, publish_marts
from mmwatch.serving.tables import published_shape

REPO = Path(__file__).resolve().parents[1]
TARGET_MS = 500.0


def template_warehouse(workdir: Path) -> Path:
    sys.path.insert(0, str(REPO / "tests" / "metabase"))
    from every_mart_lake import build_every_mart

    return build_every_mart(workdir)


def empty_tables(conn: psycopg.Connection, tables: list[str]) -> None:
    """Drop the template's partitions and rows, keeping each table, its indexes and grants."""
    for table in tables:
        parts = conn.execute("select inhrelid::regclass::text from pg_inherits where inhparent = %s::regclass",
                             (f"marts.{table}",)).fetchall()
        for (part,) in parts:
            conn.execute(f"drop table {part}")
        conn.execute(sql.SQL("truncate {}").format(sql.Identifier("marts", table)))
    conn.commit()


def generate(conn: psycopg.Connection, tables: list[str], markets: int, days: list[str]) -> None:
    shapes = {t: published_shape(conn, t) for t in tables}
    started = time.perf_counter()
    for n, day in enumerate(days, 1):
        for table, (columns, partitioned) in shapes.items():
            if not partitioned:
                continue
            part = sql.Identifier(PARTITIONS_SCHEMA, partition_name(table, day))
            conn.execute(sql.SQL("create table {} partition of {} for values in ({})").format(
                part, sql.Identifier("marts", table), sql.Literal(day)))
            names = sql.SQL(", ").join(sql.Identifier(c) for c, _ in columns)
            conn.execute(sql.SQL("insert into {} ({}) ").format(part, names)
                         + sql.SQL(rows_sql(table, columns, markets, f"(select date '{day}' as d, 0 as dd) days")))
        conn.commit()
        if n % 10 == 0 or n == len(days):
            print(f"  generated {n}/{len(days)} days ({time.perf_counter() - started:.0f} s)", flush=True)
    every_day = f"(select date '{days[0]}' + dd as d, dd from generate_series(0, {len(days)} - 1) dd) days"
    for table, (columns, partitioned) in shapes.items():
        if not partitioned:
            names = sql.SQL(", ").join(sql.Identifier(c) for c, _ in columns)
            conn.execute(sql.SQL("insert into {} ({}) ").format(sql.Identifier("marts", table), names)
                         + sql.SQL(rows_sql(table, columns, markets, every_day)))
        conn.execute(sql.SQL("analyze {}").format(sql.Identifier("marts", table)))
    conn.commit()


def login_as_reader(conn: psycopg.Connection) -> None:
    """The session as Metabase's: the reader role and the settings a login as that role gets."""
    settings = conn.execute("select unnest(setconfig) from pg_db_role_setting where setrole = %s::regrole "
                            "and setdatabase = 0", (READER_ROLE,)).fetchall()
    conn.execute(sql.SQL("set role {}").format(sql.Identifier(READER_ROLE)))
    for (setting,) in settings:
        name, value = setting.split("=", 1)
        conn.execute(sql.SQL("set {} = {}").format(sql.Identifier(name), sql.Literal(value)))


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, -(-len(ordered) * 95 // 100) - 1)]


def time_card(conn: psycopg.Connection, query: str, runs: int) -> tuple[int, float, float]:
    rows = len(conn.execute(query).fetchall())  # warm-up
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        conn.execute(query).fetchall()
        samples.append((time.perf_counter() - started) * 1000)
    return rows, sorted(samples)[len(samples) // 2], p95(samples)


def filtered_values(card) -> dict[str, object]:
    perp = any(t in ("fct_perp_basis_minute", "fct_open_interest", "fct_long_short_ratio") for t in card.tables)
    return {"venue": VENUES[0], "market": "S3/USDT:USDT" if perp else "S0/USDT", "mm": "MM 0"}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--markets", type=int, default=200)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--template", type=Path, help="a warehouse.duckdb holding every mart")
    parser.add_argument("--keep", action="store_true", help="keep the database (to EXPLAIN a card); drop it by hand")
    parser.add_argument("--dsn", default=os.environ.get("MMWATCH_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()
    content = load_content()
    tables = sorted({t for card in content.cards for t in card.tables})
    missing = sorted(set(tables) - set(GRAINS))
    if missing:
        raise SystemExit(f"benchmarks/synthetic_marts.py has no grain for {missing}: add them to GRAINS")
    database = f"mmwatch_bench_cards_{os.getpid()}"
    last = date.today() - timedelta(days=1)
    days = [(last - timedelta(days=n)).isoformat() for n in reversed(range(args.days))]
    with tempfile.TemporaryDirectory() as tmp:
        try:
            started = time.perf_counter()
            template = args.template or template_warehouse(Path(tmp))
            publish_marts(template, args.dsn, marts_from_manifest(REPO / "dbt" / "target" / "manifest.json"), None,
                          database=database)
            print(f"tables published from {template} ({time.perf_counter() - started:.0f} s)", flush=True)
            with psycopg.connect(with_database(args.dsn, database)) as conn:
                empty_tables(conn, tables)
                generate(conn, tables, args.markets, days)
                size = conn.execute("select pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
                print(f"{args.days} days x {args.markets} markets generated ({time.perf_counter() - started:.0f} s, {size})")
                counts = {t: conn.execute(sql.SQL("select count(*) from {}").format(sql.Identifier("marts", t))).fetchone()[0]
                          for t in tables}
                print("rows: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()), flush=True)
            with psycopg.connect(with_database(args.dsn, database), autocommit=True) as conn:
                login_as_reader(conn)
                worst = report(conn, content, args.runs)
        finally:
            if args.keep:
                print(f"kept database {database}")
            else:
                with psycopg.connect(args.dsn, autocommit=True) as conn:
                    conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(database)))
    print(f"\nworst p95: {worst:.0f} ms (target < {TARGET_MS:.0f} ms: {'met' if worst < TARGET_MS else 'NOT met'}); "
          f"load {os.getloadavg()[0]:.2f} (1 min) on {os.cpu_count()} CPUs")
    return 0 if worst < TARGET_MS else 1


def report(conn: psycopg.Connection, content, runs: int) -> float:
    print(f"\n| card | rows | p50 ms | p95 ms | rows, one venue/market/MM | p95 ms, one venue/market/MM |")
    print("|---|---:|---:|---:|---:|---:|")
    worst = 0.0
    for card in content.cards:
        rows, p50, p95_default = time_card(conn, render_sql(card, content), runs)
        values = {k: v for k, v in filtered_values(card).items() if k in card.filters}
        if values:
            f_rows, _, p95_filtered = time_card(conn, render_sql(card, content, values), runs)
            filtered = f"| {f_rows} | {p95_filtered:.1f} |"
        else:
            p95_filtered, filtered = 0.0, "| - | - |"
        worst = max(worst, p95_default, p95_filtered)
        print(f"| {card.name} | {rows} | {p50:.1f} | {p95_default:.1f} {filtered}", flush=True)
    return worst


if __name__ == "__main__":
    sys.exit(main())
