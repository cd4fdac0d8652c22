"""Publish the dbt marts from warehouse.duckdb into PostgreSQL `analytics`, schema `marts`.

Per table, atomically (a reader sees the old table or the new one, never a missing or half-loaded
one). Day-partitioned facts are PostgreSQL tables partitioned by day (mmwatch.serving.day_partitions):
publishing a day loads a new partition and swaps it in; the first publish, a change of columns, a
table still unpartitioned (published by an older version: migrated) or `day=None` rebuilds the
whole partitioned table. Every other table is loaded into a staging table that replaces the live
one in one transaction. Re-publishing gives the same rows.

Only what changed is sent: each day (or whole table) carries a content fingerprint recorded in
`mmwatch_publish.published_parts` (mmwatch.serving.state); a part whose fingerprint and published
row count are unchanged is skipped (mode `unchanged`) unless `force`.

The alert ledger (mmwatch.alerts.ledger_schema, warehouse table alerts.alert_ledger) is served as
marts.alert_ledger, created empty from LEDGER_COLUMNS while the warehouse has none.
"""
from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psycopg
from psycopg import sql

from mmwatch.alerts.ledger_schema import LEDGER_COLUMNS, LEDGER_SCHEMA, LEDGER_TABLE
from mmwatch.duckdb_files import read_warehouse
from mmwatch.errors import ConfigError
from mmwatch.report import check_day
from mmwatch.serving import day_partitions, state
from mmwatch.serving.columns import Column, duckdb_columns, to_column
from mmwatch.serving.export import csv_rows
from mmwatch.serving.postgres import MARTS_SCHEMA, connect, ensure_database, ensure_schema_and_reader
from mmwatch.serving.tables import (STAGE_PREFIX, RowsExport, column_definitions, copy_into, create_indexes, indexed,
                                    lock_publisher, published_shape, swap_in)


@dataclass(frozen=True)
class MartTable:
    """A mart to publish; `day_partitioned` facts are re-sent one day at a time. `source_schema` is
    its schema in the warehouse; `empty_columns`, when given, create it empty if the warehouse lacks it."""

    name: str
    day_partitioned: bool
    source_schema: str = "main"
    empty_columns: tuple[Column, ...] = ()


ALERT_LEDGER = MartTable(LEDGER_TABLE, False, LEDGER_SCHEMA, tuple(to_column(name, duck) for name, duck, _, _ in LEDGER_COLUMNS))


@dataclass(frozen=True)
class Published:
    """What publishing one table did: `mode` is `day` (one day replaced), `swap` (whole table
    replaced), `unchanged` (same content as published, nothing sent) or `missing` (not in the
    warehouse, nothing sent)."""

    table: str
    mode: str
    rows: int
    seconds: float


def marts_from_manifest(manifest_path: str | Path) -> list[MartTable]:
    """Every model under dbt/models/marts, day-partitioned when incremental (dbt's manifest.json),
    and the alert ledger."""
    manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
    marts = [
        MartTable(node["name"], node.get("config", {}).get("materialized") == "incremental")
        for node in manifest["nodes"].values()
        if node.get("resource_type") == "model" and node.get("fqn", [None, None])[1:2] == ["marts"]
    ]
    return sorted([*marts, ALERT_LEDGER], key=lambda mart: mart.name)


def _source(mart: MartTable) -> str:
    return f'"{mart.source_schema}"."{mart.name}"'


def _swap_table(conn: psycopg.Connection, table: str, columns: list[Column], export: RowsExport,
                fingerprints: dict[str, state.Fingerprint]) -> int:
    """Replace marts.`table` by a plain table of the rows `export(None)` gives, in one transaction."""
    stage = f"{STAGE_PREFIX}{table}"
    with conn.transaction(), conn.cursor() as cur:
        lock_publisher(cur, table)
        cur.execute(sql.SQL("drop table if exists {}").format(sql.Identifier(MARTS_SCHEMA, stage)))
        cur.execute(sql.SQL("create table {} ({})").format(sql.Identifier(MARTS_SCHEMA, stage), column_definitions(columns)))
        with export(None) as rows_csv:
            rows = copy_into(cur, sql.Identifier(MARTS_SCHEMA, stage), columns, rows_csv, freeze=True)
        create_indexes(cur, MARTS_SCHEMA, stage, indexed(columns))
        cur.execute(sql.SQL("analyze {}").format(sql.Identifier(MARTS_SCHEMA, stage)))
        swap_in(cur, table)
        state.record(cur, table, fingerprints, replace_all=True)
    return rows


def _published_rows(conn: psycopg.Connection, table: str, day: str | None) -> int:
    target = sql.Identifier(MARTS_SCHEMA, table)
    if day is None:
        return conn.execute(sql.SQL("select count(*) from {}").format(target)).fetchone()[0]
    return conn.execute(sql.SQL("select count(*) from {} where day = %s").format(target), (day,)).fetchone()[0]


def _unchanged(conn: psycopg.Connection, table: str, wanted: dict[str, state.Fingerprint], day: str | None) -> bool:
    """True when the recorded fingerprints equal `wanted` and the published rows agree with them."""
    if day is not None:
        if state.recorded(conn, table, [day]) != wanted:
            return False
        return _published_rows(conn, table, day) == wanted[day].rows
    if state.recorded(conn, table) != wanted:
        return False
    return _published_rows(conn, table, None) == sum(fp.rows for fp in wanted.values())


def publish_table(duck: duckdb.DuckDBPyConnection, conn: psycopg.Connection, mart: MartTable, day: str | None,
                  force: bool = False) -> Published:
    """Publish one mart: only the partition of `day` of a day-partitioned fact published with the
    same columns, else the whole table (partitioned by day for day-partitioned facts) through a
    staging table swap; nothing when its content is already published (unless `force`)."""
    started = time.perf_counter()
    columns = duckdb_columns(duck, mart.name, mart.source_schema)
    source: str | None = _source(mart)
    if not columns and mart.empty_columns:
        columns, source = list(mart.empty_columns), None
    if not columns:
        return Published(mart.name, "missing", 0, 0.0)
    has_day = mart.day_partitioned and any(c.name == "day" for c in columns)
    published_columns, partitioned = published_shape(conn, mart.name)
    same_shape = published_columns == [(c.name, c.pg_type) for c in columns] and partitioned == has_day
    by_day = has_day and day is not None and same_shape
    if source is None:
        wanted = state.empty_fingerprint(columns)
    else:
        wanted = state.warehouse_fingerprints(duck, source, columns, day if by_day else None, has_day)
    if by_day:
        wanted = wanted or {day: state.Fingerprint(0, "")}  # the day has no rows (any more)
    if same_shape and not force and _unchanged(conn, mart.name, wanted, day if by_day else None):
        return Published(mart.name, "unchanged", 0, time.perf_counter() - started)

    def export(part_day: str | None):
        return csv_rows(duck, source, columns, part_day)

    if by_day:
        rows, mode = day_partitions.replace_day(conn, mart.name, columns, day, export, wanted), "day"
    elif has_day:
        rows, mode = day_partitions.swap_partitioned_table(conn, mart.name, columns, wanted, export), "swap"
    else:
        rows, mode = _swap_table(conn, mart.name, columns, export, wanted), "swap"
    return Published(mart.name, mode, rows, time.perf_counter() - started)


def publish_marts(warehouse: str | Path, dsn: str, marts: Sequence[MartTable], day: str | None = None,
                  database: str = "analytics", force: bool = False) -> list[Published]:
    """Publish `marts` from the DuckDB file `warehouse` (opened read-only) into `database` on the
    server of `dsn` (created when missing), schema `marts`, readable by role `metabase_reader`.

    `day` (YYYY-MM-DD) limits day-partitioned facts to that day; None re-sends every table whole.
    Parts already published with the same content are skipped unless `force`.
    """
    if day is not None:
        check_day(day)
    warehouse = Path(warehouse)
    if not warehouse.is_file():
        raise ConfigError(f"warehouse {warehouse} does not exist: build the marts first (`mmwatch build --date <day>`)")
    analytics = ensure_database(dsn, database)
    with read_warehouse(warehouse) as duck, connect(analytics) as conn:
        duck.execute("set TimeZone = 'UTC'")
        ensure_schema_and_reader(conn)
        day_partitions.ensure_partitions_schema(conn)
        state.ensure_state_table(conn)
        return [publish_table(duck, conn, mart, day, force) for mart in marts]
